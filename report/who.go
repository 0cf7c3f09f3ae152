package report

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// DisplayName is who an entity is, for reports: the values of the
// object's NameFields joined by spaces, else the first email field's
// value, else "".
func DisplayName(obj sinks.Object, fields sinks.Fields) string {
	var parts []string
	for _, n := range obj.NameFields {
		if v := strings.TrimSpace(fields[n]); v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	for _, f := range obj.Fields {
		if f.Type == sinks.Email {
			if v := strings.TrimSpace(fields[f.Name]); v != "" {
				return v
			}
		}
	}
	return ""
}

// maskName masks a display name: an email keeps its domain; a name made
// of PII fields becomes its initials ("A. V."), so rows stay tellable
// apart without showing who.
func maskName(obj sinks.Object, name string) string {
	if name == "" {
		return name
	}
	if !strings.ContainsAny(name, " \t") && strings.Contains(name, "@") {
		return MaskValue(sinks.Email, name)
	}
	pii := len(obj.NameFields) == 0
	for _, n := range obj.NameFields {
		if f, ok := obj.Field(n); !ok || f.PII {
			pii = true
		}
	}
	if !pii {
		return name
	}
	var out []string
	for _, w := range strings.Fields(name) {
		r := []rune(w)
		out = append(out, string(r[0])+".")
	}
	return strings.Join(out, " ")
}

// MaskName masks a display name as MaskPII does.
func MaskName(obj sinks.Object, name string) string { return maskName(obj, name) }

// NoFieldsNote is the note a report carries when the vendor's find
// returns no field values, or "" when it does.
func NoFieldsNote(obj sinks.Object) string {
	if obj.FindNoFields == "" {
		return ""
	}
	return obj.FindNoFields + "."
}
