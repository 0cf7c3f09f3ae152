// Package keys normalizes match keys: the one way leadsync reads a phone,
// an e-mail address or an id on both sides of a match (a source row's
// mapped value, a record a vendor returns). It sits below every other
// package of leadsync: it imports only the standard library and package
// phone, so mapping, the engine and every vendor package share it without
// pulling in each other (or the job's configuration and its YAML library).
//
// A key's kind is declared by the schema (sinks.Field.KeyKind, from the
// field's type); nothing here guesses a kind from a field's name.
package keys

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadsync/leadsync/phone"
)

// Kind says how a match key is normalized.
type Kind string

// Key kinds.
const (
	Phone Kind = "phone" // E.164
	Email Kind = "email" // trimmed, lower-cased, checked
	ID    Kind = "id"    // trimmed
)

// ErrInvalidEmail is the cause of an address NormalizeEmail refuses.
var ErrInvalidEmail = errors.New("not a valid email address")

// NormalizePhone returns the E.164 form of a phone number, reading it in
// region when it has no country code (see package phone).
func NormalizePhone(s, region string) (string, error) { return phone.Normalize(s, region) }

// NormalizeEmail trims, lower-cases and checks an address (a "mailto:"
// prefix and angle brackets are dropped); an empty value stays empty.
func NormalizeEmail(s string) (string, error) {
	e := strings.TrimSpace(s)
	e = strings.TrimPrefix(strings.TrimPrefix(e, "mailto:"), "MAILTO:")
	e = strings.TrimSuffix(strings.TrimPrefix(e, "<"), ">")
	if e == "" {
		return "", nil
	}
	ascii, upper, bad := scanASCIIEmail(e)
	if !ascii {
		e = strings.ToLower(e)
		if !validEmail(e) {
			return "", fmt.Errorf("%w: %q", ErrInvalidEmail, s)
		}
		return e, nil
	}
	// ASCII: the byte scan did validEmail's per-character check, and its
	// shape checks see only '@', '.' and '-', which lower-casing keeps.
	if bad || !validEmailShape(e) {
		return "", fmt.Errorf("%w: %q", ErrInvalidEmail, s)
	}
	if upper {
		e = lowerASCII(e)
	}
	return e, nil
}

// lowerASCII is strings.ToLower for ASCII s, with one allocation: the
// bytes before the first upper-case letter are copied at once.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// emailRefused marks the ASCII characters validEmail refuses anywhere in
// an address, by the same test.
var emailRefused = func() (t [utf8.RuneSelf]bool) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		t[r] = refusedInEmail(r)
	}
	return t
}()

// scanASCIIEmail reports whether e is all ASCII and, if so, whether it
// holds an upper-case letter and a character validEmail refuses.
func scanASCIIEmail(e string) (ascii, upper, bad bool) {
	for i := 0; i < len(e); i++ {
		c := e[i]
		if c >= utf8.RuneSelf {
			return false, false, false
		}
		upper = upper || 'A' <= c && c <= 'Z'
		bad = bad || emailRefused[c]
	}
	return true, upper, bad
}

// Value is v normalized as a key of kind, without the kind prefix: a phone
// in E.164 (read in region when it has no country code), an e-mail
// lower-cased, an id (or any other kind) trimmed. ok is false when v
// cannot serve as a key: empty, an invalid phone or address.
func Value(kind Kind, v, region string) (string, bool) {
	switch kind {
	case Phone:
		// An E.164 value (what mapping sends for a phone field) is kept
		// as it is; anything else is read.
		if !strings.HasPrefix(v, "+") || strings.ContainsAny(v, " -()") {
			p, err := NormalizePhone(v, region)
			if err != nil {
				return "", false
			}
			v = p
		}
	case Email:
		e, err := NormalizeEmail(v)
		if err != nil || e == "" {
			return "", false
		}
		v = e
	default:
		v = strings.TrimSpace(v)
		if v == "" {
			return "", false
		}
	}
	return v, true
}

// Key is "kind:value", the form the engine indexes entities by
// ("phone:+358401234567", "email:anna@example.fi"), with Value's rules; ok
// is false when v cannot serve as a key. Both sides of a find go through
// it, so they compare equal.
func Key(kind Kind, v, region string) (string, bool) {
	n, ok := Value(kind, v, region)
	if !ok {
		return "", false
	}
	return string(kind) + ":" + n, true
}

// validEmail is a deliberate, fast approximation of RFC 5322 for lead
// data: one @, a non-empty local part, a dotted domain, no spaces.
func validEmail(e string) bool {
	if !validEmailShape(e) {
		return false
	}
	for _, r := range e {
		if refusedInEmail(r) {
			return false
		}
	}
	return true
}

// refusedInEmail reports whether validEmail refuses r anywhere.
func refusedInEmail(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`(),:;<>[\]"`, r)
}

// validEmailShape is validEmail's checks of the @, the parts' lengths and
// the dots.
func validEmailShape(e string) bool {
	at := strings.IndexByte(e, '@')
	if at <= 0 || at != strings.LastIndexByte(e, '@') || len(e) > 254 {
		return false
	}
	local, domain := e[:at], e[at+1:]
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "..") || strings.HasPrefix(domain, "-") {
		return false
	}
	return true
}
