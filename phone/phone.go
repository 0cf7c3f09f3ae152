// Package phone normalizes phone numbers to E.164 with libphonenumber
// (nyaruka/phonenumbers), the one way leadsync reads phones on both sides
// of a match: in source files and in what vendors return. A fast path
// reads the common spellings without the library's regex-heavy parser and
// is tested never to disagree with it.
package phone

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// fastRegions are the regions whose national spellings the fast path
// reads; a differential test checks it agrees with libphonenumber there.
// Other regions always take the library's full parser.
var fastRegions = map[string]bool{
	"FI": true, "SE": true, "NO": true, "DK": true, "EE": true, "DE": true,
	"NL": true, "GB": true, "FR": true, "ES": true, "US": true, "CA": true,
}

// fastParse reads the common spellings of a phone number (digits with
// spaces, dashes, dots, slashes and brackets, with or without "+", "00" or
// the national prefix) without libphonenumber's regex-heavy Parse, and
// checks the result as IsValidNumber does. It returns nil whenever it is
// not sure, and the caller then uses the library's parser: the fast path
// may only ever agree with the library, never disagree.
func fastParse(raw, region string) *phonenumbers.PhoneNumber {
	cc, nsn, ok := fast(raw, region)
	if !ok {
		return nil
	}
	c := int32(cc)
	return &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &nsn}
}

// fast is fastParse without building the number: its calling code and
// national number, valid when ok.
func fast(raw, region string) (cc int, nsn uint64, ok bool) {
	var buf [24]byte
	d := buf[:0]
	plus := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if len(d) == len(buf) {
				return 0, 0, false
			}
			d = append(d, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		case c == '+' && len(d) == 0 && !plus:
			plus = true
		default:
			return 0, 0, false // letters, extensions, other scripts: the library decides
		}
	}
	digits := string(d)
	// "00" dials abroad in every fast region but the NANP ones (011).
	if !plus && strings.HasPrefix(digits, "00") && fastRegions[region] && region != "US" && region != "CA" {
		plus, digits = true, digits[2:]
	}
	if plus {
		return international(digits)
	}
	info, known := fastInfo()[region]
	if !known {
		return 0, 0, false
	}
	cc, ndd := info.cc, info.ndd
	national := digits
	if ndd != "" && strings.HasPrefix(national, ndd) {
		national = national[len(ndd):]
	}
	if nn, ok := build(cc, national); ok {
		return cc, nn, true
	}
	// Written with the country code but no "+" (Excel drops it): 358401234567.
	if !strings.HasPrefix(digits, "0") {
		return international(digits)
	}
	return 0, 0, false
}

// regionInfo is what the fast path asks the library about a region.
type regionInfo struct {
	cc  int    // calling code
	ndd string // national prefix, stripped
}

// fastInfo is regionInfo for every fast region, looked up in the
// library's metadata once.
var fastInfo = sync.OnceValue(func() map[string]regionInfo {
	m := make(map[string]regionInfo, len(fastRegions))
	for r := range fastRegions {
		m[r] = regionInfo{cc: phonenumbers.GetCountryCodeForRegion(r), ndd: phonenumbers.GetNddPrefixForRegion(r, true)}
	}
	return m
})

func international(digits string) (int, uint64, bool) {
	for l := 1; l <= 3 && l < len(digits); l++ {
		cc, err := strconv.Atoi(digits[:l])
		if err != nil {
			return 0, 0, false
		}
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == phonenumbers.UNKNOWN_REGION {
			continue
		}
		// Country codes are prefix-free: the first known one is the one.
		nsn := digits[l:]
		if nn, ok := build(cc, nsn); ok {
			return cc, nn, true
		}
		// "+358 (0)40 ...": the national prefix written after the code.
		if ndd := phonenumbers.GetNddPrefixForRegion(region, true); fastRegions[region] && ndd != "" && strings.HasPrefix(nsn, ndd) {
			nn, ok := build(cc, nsn[len(ndd):])
			return cc, nn, ok
		}
		return 0, 0, false
	}
	return 0, 0, false
}

// build returns the national number when it is valid; a national number
// with a leading zero (Italy, say) is left to the library, which keeps the
// zero. Without one, nsn is the number's national significant number as
// the library spells it.
func build(cc int, nsn string) (uint64, bool) {
	if len(nsn) < 4 || len(nsn) > 17 || nsn[0] == '0' {
		return 0, false
	}
	nn, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil || !validNSN(cc, nsn) {
		return 0, false
	}
	return nn, true
}

// E164 formats a number as phonenumbers.Format(n, phonenumbers.E164)
// does ("+" with the calling code and the national significant number),
// with one allocation.
func E164(n *phonenumbers.PhoneNumber) string {
	if n.GetNationalNumber() == 0 && n.GetRawInput() != "" {
		return n.GetRawInput() // as the library does
	}
	return e164(int(n.GetCountryCode()), nsnOf(n))
}

func e164(cc int, nsn string) string {
	var buf [32]byte
	b := append(buf[:0], '+')
	b = strconv.AppendInt(b, int64(cc), 10)
	return string(append(b, nsn...))
}

// ErrInvalid is the cause of every error for a number that is not valid.
var ErrInvalid = errors.New("not a valid phone number")

// NormalizePhone returns the E.164 form of a phone number, reading it in
// region when it has no country code. "+358 40 123 4567", "040-1234567"
// (region FI) and "358401234567" are all "+358401234567". Numbers that are
// not valid are an error, never a key.
func Normalize(s, region string) (string, error) {
	raw := strings.TrimSpace(s)
	region = strings.ToUpper(strings.TrimSpace(region))
	if cc, nn, ok := fast(raw, region); ok {
		var buf [32]byte
		b := strconv.AppendInt(append(buf[:0], '+'), int64(cc), 10)
		return string(strconv.AppendUint(b, nn, 10)), nil // e164 with one allocation
	}
	num, err := parse(s, raw, region)
	if err != nil {
		return "", err
	}
	return E164(num), nil
}

// Parse reads a number in region (when it has no country code) and
// checks it is valid.
func Parse(s, region string) (*phonenumbers.PhoneNumber, error) {
	raw := strings.TrimSpace(s)
	region = strings.ToUpper(strings.TrimSpace(region))
	if n := fastParse(raw, region); n != nil {
		return n, nil
	}
	return parse(s, raw, region)
}

// parse is Parse past the fast path: the library's parser.
func parse(s, raw, region string) (*phonenumbers.PhoneNumber, error) {
	num, err := phonenumbers.Parse(raw, region)
	if err == nil && IsValid(num) {
		return num, nil
	}
	// A number written with its country code but without "+" (as Excel
	// keeps phones stored as numbers: 358401234567).
	if d := Digits(raw); len(d) >= 8 && !strings.HasPrefix(raw, "+") && !strings.HasPrefix(d, "0") {
		if n2, err2 := phonenumbers.Parse("+"+d, ""); err2 == nil && IsValid(n2) {
			return n2, nil
		}
	}
	if region == "" && !strings.HasPrefix(raw, "+") {
		return nil, fmt.Errorf("%w: %q has no country code and the job sets no region", ErrInvalid, s)
	}
	return nil, fmt.Errorf("%w: %q", ErrInvalid, s)
}

// Digits keeps the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
