package leadsquared

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/leadsync/leadsync/sinks/keys"
)

// phones formats numbers the way a LeadSquared account reads them. A
// LeadSquared account has a default country code: a number it is given
// without one is read with it (the documented example strips +65 from
// +6512345678 when +65 is the default), and its documents write numbers as
// +CC-NUMBER ("+91-8611795988"). So:
//
//   - numbers sent in bodies are +CC-NUMBER: the country code stays
//     explicit and the hyphen is where LeadSquared puts it;
//   - numbers sent to RetrieveLeadByPhoneNumber (digits only) carry the
//     country code unless it is the account's default, which LeadSquared
//     leaves out;
//   - numbers read back without a country code are the default country's.
type phones struct {
	cc     int    // the account's default country code, 0 when unknown
	region string // an ISO region of cc, for parsing numbers without one
	// guessed: cc is the job's region's, not a declared country_code, so
	// the account's real default may differ (lookups try both forms).
	guessed bool
}

// newPhones resolves the account's default country code ("+91", "91"), or,
// without one, the job's region ("IN").
func newPhones(countryCode, region string) (phones, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return phones{}, fmt.Errorf("leadsquared: unknown phone region %q: use an ISO 3166 code such as IN, SG, US", region)
	}
	cc := strings.TrimPrefix(strings.TrimSpace(countryCode), "+")
	if cc == "" {
		if region == "" {
			return phones{}, nil
		}
		return phones{cc: phonenumbers.GetCountryCodeForRegion(region), region: region, guessed: true}, nil
	}
	n, err := strconv.Atoi(cc)
	if err != nil || n <= 0 || len(cc) > 3 {
		return phones{}, fmt.Errorf("leadsquared: country code %q: want the account's default country code, such as +91", countryCode)
	}
	main := phonenumbers.GetRegionCodeForCountryCode(n)
	if main == phonenumbers.UNKNOWN_REGION || main == "001" {
		return phones{}, fmt.Errorf("leadsquared: country code %q is not a country's calling code", countryCode)
	}
	// The job's region wins when it shares the code (+1: US or CA).
	if region == "" || phonenumbers.GetCountryCodeForRegion(region) != n {
		region = main
	}
	return phones{cc: n, region: region}, nil
}

// parse reads a number (E.164 from the mapping, or anything a person or
// LeadSquared writes); ok is false when it is not a valid number.
func (p phones) parse(v string) (*phonenumbers.PhoneNumber, bool) {
	e164, err := keys.NormalizePhone(v, p.region)
	if err != nil {
		return nil, false
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return nil, false
	}
	return num, true
}

// body formats a number for a request body: +CC-NUMBER. A value that is
// not a valid number is sent as given, for LeadSquared to judge.
func (p phones) body(v string) string {
	num, ok := p.parse(v)
	if !ok {
		return strings.TrimSpace(v)
	}
	return fmt.Sprintf("+%d-%s", num.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(num))
}

// lookup formats a number for RetrieveLeadByPhoneNumber: digits only,
// without the country code when it is the account's default.
func (p phones) lookup(v string) string {
	num, ok := p.parse(v)
	if !ok {
		return digitsOnly(v)
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if int(num.GetCountryCode()) == p.cc {
		return nsn
	}
	return strconv.Itoa(int(num.GetCountryCode())) + nsn
}

// lookups lists the forms to try with RetrieveLeadByPhoneNumber, in order:
// lookup's, then, when the default country code is only guessed from the
// job's region, the other form (with the country code where lookup left it
// out, without where it kept it), tried when the first finds nothing.
func (p phones) lookups(v string) []string {
	first := p.lookup(v)
	num, ok := p.parse(v)
	if !p.guessed || !ok || first == "" {
		return []string{first}
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	other := strconv.Itoa(int(num.GetCountryCode())) + nsn
	if first != nsn {
		other = nsn
	}
	return []string{first, other}
}

// normalize turns a number LeadSquared returns into E.164, as the engine
// normalizes match keys; one that does not parse is returned trimmed.
func (p phones) normalize(v string) string {
	if e164, err := keys.NormalizePhone(v, p.region); err == nil {
		return e164
	}
	return strings.TrimSpace(v)
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
