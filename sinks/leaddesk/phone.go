package leaddesk

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// toE164 returns a phone in E.164, the one form this sink sends: LeadDesk
// stores a phone as it was sent and finds it by near-exact match (only
// spaces and dashes ignored), so a contact created as "040 123 4567"
// would never be found by the engine's key "+35840...". A value already
// in E.164 is kept as it is, so it stays equal to the engine's match key;
// anything else is read in region (the job's), as mapping.NormalizePhone
// reads it. ok is false for a number that is not valid.
//
// It does not call mapping.NormalizePhone because mapping's tests import
// this package (an import cycle); the rules are the same.
func toE164(s, region string) (string, bool) {
	raw := strings.TrimSpace(s)
	if isE164(raw) {
		return raw, true
	}
	num, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	if err == nil && phonenumbers.IsValidNumber(num) {
		return phonenumbers.Format(num, phonenumbers.E164), true
	}
	// Written with its country code but no "+", as spreadsheets keep
	// phones stored as numbers: 358401234567.
	if d := digitsOnly(raw); len(d) >= 8 && !strings.HasPrefix(raw, "+") && !strings.HasPrefix(d, "0") {
		if n2, err := phonenumbers.Parse("+"+d, ""); err == nil && phonenumbers.IsValidNumber(n2) {
			return phonenumbers.Format(n2, phonenumbers.E164), true
		}
	}
	return "", false
}

// isE164 reports "+" and 7 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
