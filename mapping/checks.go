package mapping

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/leadsync/leadsync/sinks"
)

// Checks a mapping passes beyond the schema's field types: nonsense that
// would otherwise be found only row by row, or never.

// keyField reports whether name may serve as a match key of the object:
// one of its key fields (or, for an event, its event key), or a phone or
// e-mail field, which identify a person too. An object that declares no
// keys (an export without a schema) takes any field.
func (c *compiler) keyField(name string) bool {
	if len(c.obj.Keys) == 0 && len(c.obj.EventKey) == 0 {
		return true
	}
	if f, ok := c.obj.Field(name); ok && (f.Type == sinks.Phone || f.Type == sinks.Email) {
		return true
	}
	for _, k := range append(append([]string(nil), c.obj.Keys...), c.obj.EventKey...) {
		if k == name {
			return true
		}
	}
	return false
}

// notKeyField reports a match key the schema does not match on: people
// sharing a city, a first name or a campaign would be merged.
func (c *compiler) notKeyField(keysNode ast.Node, i int, name string) {
	keys := append(append([]string(nil), c.obj.Keys...), c.obj.EventKey...)
	c.errorf(elementNode(keysNode, i), "match key %s is not a key field of %s (its keys: %s; or a phone or e-mail field): matching on it would merge different records that share a %s",
		name, c.obj.Name, strings.Join(dedupe(keys), ", "), name)
}

// elementNode is the i-th element of a YAML sequence, or the node itself.
func elementNode(n ast.Node, i int) ast.Node {
	if s, ok := n.(*ast.SequenceNode); ok && i < len(s.Values) {
		return s.Values[i]
	}
	return n
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// emptyConstant refuses a required field given an empty constant: every
// row would be rejected for it, or (with the check skipped) the vendor
// would get an empty required field.
func (c *compiler) emptyConstant(n ast.Node, name string, f *field, transforms []ast.Node) {
	if f.constant == nil || strings.TrimSpace(*f.constant) != "" || !f.required || strings.TrimSpace(f.def) != "" {
		return
	}
	for _, t := range transforms {
		if transformName(t) == "default" {
			return // the transform fills it
		}
	}
	c.errorf(n, "field %s is required by %s, but its value is empty: every row would be rejected; give it a value, or map a column", name, c.obj.Name)
}

// dateTokens are the tokens of a familiar date pattern, longest first.
var dateTokens = []string{"YYYY", "YY", "MM", "DD", "HH", "mm", "ss", "M", "D"}

// goLayoutWords are the letters a Go layout may hold.
var goLayoutWords = []string{"January", "Jan", "Monday", "Mon", "MST", "PM", "pm", "Z07:00", "Z0700", "Z07", "T", "Z"}

// checkDatePattern refuses a date pattern with a token leadsync does not
// know ("dd/mm/yyyy", "DD.MM.YYYY hh"): it would be taken as literal text,
// and every row would be rejected or written wrong.
func checkDatePattern(p string) error {
	if p == "" {
		return nil
	}
	if GoLayout(p) == p && p != "" && strings.ContainsAny(p, "0123456789") {
		rest := p
		for _, w := range goLayoutWords {
			rest = strings.ReplaceAll(rest, w, "")
		}
		if tok := firstLetters(rest); tok != "" {
			return fmt.Errorf("date format %q: unknown word %q in a Go layout (such as 02.01.2006 15:04)", p, tok)
		}
		return nil
	}
	for i := 0; i < len(p); {
		if !isLetter(p[i]) {
			i++
			continue
		}
		matched := false
		for _, tok := range dateTokens {
			if strings.HasPrefix(p[i:], tok) {
				i += len(tok)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if p[i] == 'T' || p[i] == 'Z' {
			i++ // ISO 8601's separator and UTC mark, taken literally
			continue
		}
		return fmt.Errorf("date format %q: unknown token %q (known: YYYY, YY, MM, M, DD, D, HH, mm, ss; such as DD.MM.YYYY or YYYY-MM-DD HH:mm)", p, firstLetters(p[i:]))
	}
	return nil
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// firstLetters is the first run of letters in s, or "".
func firstLetters(s string) string {
	start := -1
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			return s[start:i]
		}
	}
	if start >= 0 {
		return s[start:]
	}
	return ""
}
