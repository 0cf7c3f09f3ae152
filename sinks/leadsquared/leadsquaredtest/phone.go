package leadsquaredtest

import "strings"

// Phone matching (an assumption, see doc.go). LeadSquared documents only
// that a lookup takes the number "with or without the country code" and
// that a number carrying the account's default country code is read
// without it. The emulator reads a number as its digits; one written with
// a leading '+' is international and matches only its own digits, one
// without may also carry the default country code in front. Two numbers
// are the same when those readings meet, so with default +91 the stored
// "+91-9876543210" is found by 919876543210 and by 9876543210, and the
// stored "9988776655" by 919988776655.

// phoneKeys returns the digit strings number can stand for.
func phoneKeys(number, countryCode string) []string {
	t := strings.TrimSpace(number)
	d := digitsOnly(t)
	if d == "" {
		return nil
	}
	if strings.HasPrefix(t, "+") || countryCode == "" {
		return []string{d}
	}
	return []string{d, countryCode + d}
}

// samePhone reports whether a and b are the same number for an account
// with the given default country code (digits).
func samePhone(a, b, countryCode string) bool {
	ka, kb := phoneKeys(a, countryCode), phoneKeys(b, countryCode)
	for _, x := range ka {
		for _, y := range kb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// digitsOnly keeps the ASCII digits of s.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// validPhone accepts what a telephony system or a form writes for a
// number: digits with an optional leading '+', and '-', spaces, dots or
// parentheses as separators; at least three digits.
func validPhone(s string) bool {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "+")
	n := 0
	for _, c := range t {
		switch {
		case c >= '0' && c <= '9':
			n++
		case strings.ContainsRune("- .()", c):
		default:
			return false
		}
	}
	return n >= 3
}
