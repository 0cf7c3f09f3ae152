package httpc

import (
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// Redacted replaces a credential in any text leadsync builds.
const Redacted = "REDACTED"

// credentialParam matches a credential-looking parameter or header quoted
// in a text (a vendor body echoing the request, a proxy's error page):
// auth=…, api_key=…, token: …, Authorization: Bearer …, x-LSQ-SecretKey: ….
// The value is replaced; the name is kept, so the message still says what
// was refused.
var credentialParam = regexp.MustCompile(`(?i)((?:auth|authorization|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token|token|secret|password|passwd|pwd|x-lsq-accesskey|x-lsq-secretkey|x-api-key)["']?\s*(?:=|:|%3D)\s*["']?)(?:(?:bearer|jwt|basic)\s+)?[^\s"'&,;<>\]\[]+`)

// ScrubText removes credential-looking parameters and headers from s (a
// message that may quote a request).
func ScrubText(s string) string {
	return credentialParam.ReplaceAllString(s, "${1}"+Redacted)
}

// secretForms are the spellings of a credential worth looking for: as is
// and URL-escaped both ways (a Basic header's base64 comes as a header
// value of its own, see newScrubber).
func secretForms(s string) []string {
	forms := []string{s}
	for _, f := range []string{url.QueryEscape(s), url.PathEscape(s)} {
		if f != s {
			forms = append(forms, f)
		}
	}
	return forms
}

// scrubber replaces every known credential of a connection.
type scrubber struct {
	secrets []string // longest first, so no piece of a long one survives
	r       *strings.Replacer
}

func newScrubber(values []string) *scrubber {
	seen := map[string]bool{}
	var all []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		// Short values (a project id prefix, "JWT") would garble messages
		// and are no secret.
		if len(v) < 6 || seen[v] {
			return
		}
		seen[v] = true
		all = append(all, secretForms(v)...)
	}
	for _, v := range values {
		add(v)
		// "Bearer x", "JWT x", "Basic x": the credential itself too, and a
		// Basic pair's decoded password.
		if scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			add(rest)
			if strings.EqualFold(scheme, "basic") {
				if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
					_, pw, _ := strings.Cut(string(b), ":")
					add(pw)
				}
			}
		}
	}
	// Longest first: strings.Replacer tries patterns in argument order at
	// each position.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && len(all[j]) > len(all[j-1]); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Redacted)
	}
	return &scrubber{secrets: all, r: strings.NewReplacer(pairs...)}
}

func (s *scrubber) has(text string) bool {
	for _, v := range s.secrets {
		if strings.Contains(text, v) {
			return true
		}
	}
	return false
}

func (s *scrubber) text(text string) string {
	if s == nil || !s.has(text) {
		return text
	}
	return s.r.Replace(text)
}

func (s *scrubber) bytes(b []byte) []byte {
	if s == nil || len(s.secrets) == 0 {
		return b
	}
	str := string(b)
	if !s.has(str) {
		return b
	}
	return []byte(s.r.Replace(str))
}

// error returns err with every credential and credential-looking
// parameter removed from its text. A *sinks.Error keeps its class, status
// and code (scrubbed); any other error whose text holds one becomes a
// plain error of the scrubbed text.
func (s *scrubber) error(err error) error {
	if err == nil {
		return nil
	}
	clean := func(t string) string { return ScrubText(s.text(t)) }
	if e, ok := err.(*sinks.Error); ok {
		cp := *e
		cp.Op, cp.Code, cp.Msg = clean(cp.Op), clean(cp.Code), clean(cp.Msg)
		if cp.Err != nil {
			if t := clean(cp.Err.Error()); t != cp.Err.Error() {
				cp.Err = errors.New(t)
			}
		}
		return &cp
	}
	if t := clean(err.Error()); t != err.Error() {
		return errors.New(t)
	}
	return err
}

// RedactURL shows a configured URL without anything that may be a
// credential: scheme, host and path of an http(s) URL (no user info, no
// query, no fragment); for anything else only its scheme, or that it does
// not parse. An unparseable URL is never echoed: the part that breaks it
// may be a key.
func RedactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "<unparseable URL>"
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return u.Scheme + "://" + u.Host + u.EscapedPath()
	case u.Scheme != "" && validScheme(u.Scheme):
		return "<a " + u.Scheme + ": URL>"
	}
	return "<not a URL>"
}

func validScheme(s string) bool {
	if len(s) > 10 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
