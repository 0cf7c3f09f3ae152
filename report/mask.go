package report

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/phone"
	"github.com/leadsync/leadsync/sinks"
)

// Masked is what a personal value becomes in a masked report (an email
// keeps its domain: "•••@example.fi").
const Masked = "•••"

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-'!#$&*/=?^{|}~]+@(@*[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)`)
	// quotedRe is a Go-quoted value, as reasons quote the value they refuse.
	quotedRe = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	fieldRe  = regexp.MustCompile(`^field ([^:\s]+): `)
)

// MaskValue masks one value: the local part of an email, or all of it.
func MaskValue(t sinks.FieldType, v string) string {
	if t == sinks.Email {
		if at := strings.LastIndexByte(v, '@'); at > 0 {
			return Masked + v[at:]
		}
	}
	return Masked
}

// isPII reports a field whose values are masked.
func isPII(obj sinks.Object, field string) bool {
	f, ok := obj.Field(field)
	return ok && (f.PII || f.Type == sinks.Email)
}

// MaskText masks the personal data in a free text (a reason, a message):
//
//   - each of values (the row's or entity's personal values) wherever it
//     occurs, as given, trimmed, lower-cased, Go-quoted or (a phone) as
//     its digits;
//   - in a reason about a personal field ("field email: not a valid email
//     address: \"…\""), every quoted value;
//   - the local part of every email address.
//
// Values shorter than 3 characters are left to the other rules: masking
// them everywhere would garble the text.
func MaskText(obj sinks.Object, s string, values []string) string {
	if s == "" {
		return s
	}
	if m := fieldRe.FindStringSubmatch(s); m != nil && isPII(obj, m[1]) {
		s = m[0] + quotedRe.ReplaceAllString(s[len(m[0]):], `"`+Masked+`"`)
	}
	var forms []string
	for _, v := range values {
		t := strings.TrimSpace(v)
		if len(t) < 3 {
			continue
		}
		q := strconv.Quote(t)
		forms = append(forms, v, t, strings.ToLower(t), q[1:len(q)-1])
		if d := phone.Digits(t); len(d) >= 6 && len(d) >= len(t)/2 {
			forms = append(forms, d)
		}
	}
	if len(forms) > 0 {
		sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
		pairs := make([]string, 0, 2*len(forms))
		for _, f := range forms {
			if len(strings.TrimSpace(f)) >= 3 {
				pairs = append(pairs, f, Masked)
			}
		}
		s = strings.NewReplacer(pairs...).Replace(s)
	}
	return emailRe.ReplaceAllString(s, Masked+"@$1")
}

// MaskKeys masks the values of an entity id or merged_on
// ("phone:+358…|email:anna@example.fi"): phones and emails always (an
// email keeps its domain), ids when they are among values (personal).
func MaskKeys(id string, values []string) string {
	if id == "" {
		return id
	}
	personal := map[string]bool{}
	for _, v := range values {
		personal[strings.TrimSpace(v)] = true
	}
	parts := strings.Split(id, "|")
	for i, p := range parts {
		kind, v, ok := strings.Cut(p, ":")
		if !ok {
			continue
		}
		switch {
		case kind == "email":
			parts[i] = kind + ":" + MaskValue(sinks.Email, v)
		case kind == "phone", personal[v]:
			parts[i] = kind + ":" + Masked
		}
	}
	return strings.Join(parts, "|")
}
