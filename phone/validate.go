package phone

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// IsValid answers exactly as phonenumbers.IsValidNumber, with each
// region's number-type patterns compiled once. The library builds
// "^(?:"+pattern+")$" and looks it up in a locked cache twice for every
// number type it tries, and validates a number of a shared calling code
// twice (to find its region, then for it); IsValid does neither.
// A differential test holds it to the library's answers.
func IsValid(n *phonenumbers.PhoneNumber) bool {
	return validNSN(int(n.GetCountryCode()), nsnOf(n))
}

// validNSN is IsValid for a calling code and a national significant
// number.
func validNSN(cc int, nsn string) bool {
	region, validated := regionOf(cc, nsn)
	if region == nil {
		return false
	}
	return validated || region.valid(nsn)
}

// NumberType answers exactly as phonenumbers.GetNumberType, with the
// patterns compiled once (see IsValid).
func NumberType(n *phonenumbers.PhoneNumber) phonenumbers.PhoneNumberType {
	nsn := nsnOf(n)
	region, _ := regionOf(int(n.GetCountryCode()), nsn)
	if region == nil {
		return phonenumbers.UNKNOWN
	}
	return region.numberType(nsn)
}

// desc is one number type's description, compiled.
type desc struct {
	lengths []int32        // possible lengths; none: any
	re      *regexp.Regexp // the national number pattern, anchored
	dfa     *dfa           // the same as an automaton (nil: use re)
}

// match is the library's isNumberMatchingDesc: a possible length, and
// the whole number matching the pattern.
func (d *desc) match(nsn string) bool {
	if len(d.lengths) > 0 {
		l := int32(len(nsn))
		found := false
		for _, x := range d.lengths {
			if x == l {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if d.dfa != nil {
		if m, ok := d.dfa.full(nsn); ok {
			return m
		}
	}
	return d.re.MatchString(nsn)
}

// regionPatterns is one region's metadata, compiled.
type regionPatterns struct {
	cc int
	// general, then the types in the order the library tries them.
	general                             desc
	premium, tollFree, sharedCost, voip desc
	personal, pager, uan, voicemail     desc
	fixed, mobile                       desc
	sameMobileAndFixed                  bool
	leadingDigits                       *regexp.Regexp // nil: none
	leadingDFA                          *dfa           // leadingDigits as an automaton (nil: use the regexp)
}

// leads reports whether nsn starts with the region's leading digits, as
// leadingDigits.MatchString does; the region must have them.
func (r *regionPatterns) leads(nsn string) bool {
	if r.leadingDFA != nil {
		if m, ok := r.leadingDFA.prefix(nsn); ok {
			return m
		}
	}
	return r.leadingDigits.MatchString(nsn)
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) desc {
	out := desc{
		lengths: d.GetPossibleLength(),
		re:      regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$"),
	}
	if a, ok := compileDFA(d.GetNationalNumberPattern()); ok {
		out.dfa = a
	}
	return out
}

func compileRegion(md *phonenumbers.PhoneMetadata) *regionPatterns {
	r := &regionPatterns{
		cc:                 int(md.GetCountryCode()),
		general:            compileDesc(md.GetGeneralDesc()),
		premium:            compileDesc(md.GetPremiumRate()),
		tollFree:           compileDesc(md.GetTollFree()),
		sharedCost:         compileDesc(md.GetSharedCost()),
		voip:               compileDesc(md.GetVoip()),
		personal:           compileDesc(md.GetPersonalNumber()),
		pager:              compileDesc(md.GetPager()),
		uan:                compileDesc(md.GetUan()),
		voicemail:          compileDesc(md.GetVoicemail()),
		fixed:              compileDesc(md.GetFixedLine()),
		mobile:             compileDesc(md.GetMobile()),
		sameMobileAndFixed: md.GetSameMobileAndFixedLinePattern(),
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		r.leadingDigits = regexp.MustCompile("^(?:" + ld + ")")
		if a, ok := compileDFA(ld); ok {
			r.leadingDFA = a
		}
	}
	return r
}

// numberType is the library's getNumberTypeHelper, in its order.
func (r *regionPatterns) numberType(nsn string) phonenumbers.PhoneNumberType {
	switch {
	case !r.general.match(nsn):
		return phonenumbers.UNKNOWN
	case r.premium.match(nsn):
		return phonenumbers.PREMIUM_RATE
	case r.tollFree.match(nsn):
		return phonenumbers.TOLL_FREE
	case r.sharedCost.match(nsn):
		return phonenumbers.SHARED_COST
	case r.voip.match(nsn):
		return phonenumbers.VOIP
	case r.personal.match(nsn):
		return phonenumbers.PERSONAL_NUMBER
	case r.pager.match(nsn):
		return phonenumbers.PAGER
	case r.uan.match(nsn):
		return phonenumbers.UAN
	case r.voicemail.match(nsn):
		return phonenumbers.VOICEMAIL
	}
	if r.fixed.match(nsn) {
		if r.sameMobileAndFixed || r.mobile.match(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !r.sameMobileAndFixed && r.mobile.match(nsn) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// valid is numberType(nsn) != UNKNOWN, trying the common types first.
func (r *regionPatterns) valid(nsn string) bool {
	if !r.general.match(nsn) {
		return false
	}
	return r.fixed.match(nsn) || (!r.sameMobileAndFixed && r.mobile.match(nsn)) ||
		r.premium.match(nsn) || r.tollFree.match(nsn) || r.sharedCost.match(nsn) || r.voip.match(nsn) ||
		r.personal.match(nsn) || r.pager.match(nsn) || r.uan.match(nsn) || r.voicemail.match(nsn)
}

// A region's patterns are compiled the first time a number needs them,
// once: lazyRegion holds the sync.Once.
type lazyRegion struct {
	once sync.Once
	md   *phonenumbers.PhoneMetadata
	p    *regionPatterns
}

func (l *lazyRegion) get() *regionPatterns {
	l.once.Do(func() { l.p = compileRegion(l.md) })
	return l.p
}

// metadata indexes the library's metadata: by region code, and the
// non-geographical entities ("001") by calling code. Built once, then
// only read.
type metadata struct {
	regions map[string]*lazyRegion
	nonGeo  map[int]*lazyRegion
}

var loadMetadata = sync.OnceValue(func() *metadata {
	m := &metadata{regions: map[string]*lazyRegion{}, nonGeo: map[int]*lazyRegion{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return m // no metadata: every number is invalid, as for the library
	}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			m.nonGeo[int(md.GetCountryCode())] = &lazyRegion{md: md}
		} else {
			m.regions[md.GetId()] = &lazyRegion{md: md}
		}
	}
	return m
})

// regionOf finds the metadata a number (its calling code and national
// significant number) is validated against, as the
// library's GetRegionCodeForNumber and getMetadataForRegionOrCallingCode
// do. validated is true when finding the region already showed the
// number valid there (a shared calling code's region without leading
// digits is found by full validation).
func regionOf(cc int, nsn string) (r *regionPatterns, validated bool) {
	t := loadCallingCodes()
	if cc < 0 || cc >= len(t) {
		return regionOfLookup(cc, nsn)
	}
	e := &t[cc]
	switch {
	case len(e.codes) == 0:
		return nil, false
	case len(e.codes) == 1:
		if e.codes[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			if e.nonGeo == nil {
				return nil, false
			}
			return e.nonGeo.get(), false
		}
		return regionWithCC(e.regions[0], cc), false
	}
	for _, l := range e.regions {
		if l == nil {
			continue
		}
		p := l.get()
		if p.leadingDigits != nil {
			if p.leads(nsn) {
				return regionWithCC(l, cc), false
			}
		} else if p.valid(nsn) {
			if p.cc != cc {
				return nil, false
			}
			return p, true
		}
	}
	return nil, false
}

// callingCode is what regionOf looks up for a calling code: the
// library's region codes for it and, in their order, their metadata
// (nil where there is none), or the non-geographical entity's.
type callingCode struct {
	codes   []string
	regions []*lazyRegion
	nonGeo  *lazyRegion
}

// loadCallingCodes indexes every calling code below 1000 once.
var loadCallingCodes = sync.OnceValue(func() *[1000]callingCode {
	md := loadMetadata()
	var t [1000]callingCode
	for cc := range t {
		e := &t[cc]
		e.codes = phonenumbers.GetRegionCodesForCountryCode(cc)
		e.regions = make([]*lazyRegion, len(e.codes))
		for i, code := range e.codes {
			e.regions[i] = md.regions[code]
		}
		e.nonGeo = md.nonGeo[cc]
	}
	return &t
})

// regionWithCC is metadata.region for a region's metadata l: its
// patterns when its calling code is cc, else nil.
func regionWithCC(l *lazyRegion, cc int) *regionPatterns {
	if l == nil {
		return nil
	}
	p := l.get()
	if p.cc != cc {
		return nil
	}
	return p
}

// regionOfLookup is regionOf looking everything up in the library's
// tables and the metadata's maps (for a calling code loadCallingCodes
// does not index).
func regionOfLookup(cc int, nsn string) (r *regionPatterns, validated bool) {
	codes := phonenumbers.GetRegionCodesForCountryCode(cc)
	md := loadMetadata()
	switch {
	case len(codes) == 0:
		return nil, false
	case len(codes) == 1:
		if codes[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			l := md.nonGeo[cc]
			if l == nil {
				return nil, false
			}
			return l.get(), false
		}
		return md.region(codes[0], cc), false
	}
	for _, code := range codes {
		l := md.regions[code]
		if l == nil {
			// The library would dereference missing metadata here; it
			// never happens with its own data.
			continue
		}
		p := l.get()
		if p.leadingDigits != nil {
			if p.leads(nsn) {
				return md.region(code, cc), false
			}
		} else if p.valid(nsn) {
			if p.cc != cc {
				return nil, false
			}
			return p, true
		}
	}
	return nil, false
}

// region returns a region's patterns when its calling code is cc (as
// IsValidNumberForRegion requires), else nil.
func (m *metadata) region(code string, cc int) *regionPatterns {
	return regionWithCC(m.regions[code], cc)
}

// nsnOf is the library's GetNationalSignificantNumber.
func nsnOf(n *phonenumbers.PhoneNumber) string {
	nn := n.GetNationalNumber()
	if n.GetItalianLeadingZero() && n.GetNumberOfLeadingZeros() > 0 {
		z := min(int(n.GetNumberOfLeadingZeros()), phonenumbers.MAX_LENGTH_FOR_NSN)
		b := make([]byte, z, z+20)
		for i := range b {
			b[i] = '0'
		}
		return string(strconv.AppendUint(b, nn, 10))
	}
	return strconv.FormatUint(nn, 10)
}
