package phone

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// sampleNumbers generates numbers for every region and non-geographical
// calling code the library knows (any region a job may set): each type's
// example number with its tail digits replaced at random, shortened and
// lengthened, written with a leading zero, with a wrong calling code, and
// random digit strings of every length under random calling codes.
func sampleNumbers(rng *rand.Rand, perType int) []*phonenumbers.PhoneNumber {
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	var codes []int
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	slices.Sort(codes)
	num := func(cc int, nsn string, zeros int) *phonenumbers.PhoneNumber {
		nn, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return nil
		}
		c := int32(cc)
		n := &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &nn}
		if zeros > 0 {
			z, t := int32(zeros), true
			n.ItalianLeadingZero, n.NumberOfLeadingZeros = &t, &z
		}
		return n
	}
	randDigits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		if b[0] == '0' {
			b[0] = byte('1' + rng.IntN(9))
		}
		return string(b)
	}
	var out []*phonenumbers.PhoneNumber
	add := func(n *phonenumbers.PhoneNumber) {
		if n != nil {
			out = append(out, n)
		}
	}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	examples := func(cc int, ex *phonenumbers.PhoneNumber) {
		if ex == nil {
			return
		}
		nsn := strconv.FormatUint(ex.GetNationalNumber(), 10)
		for i := 0; i < perType; i++ {
			b := []byte(nsn)
			for k := len(b) / 3; k < len(b); k++ {
				if rng.IntN(2) == 0 {
					b[k] = byte('0' + rng.IntN(10))
				}
			}
			s := string(b)
			switch i % 8 {
			case 5:
				if len(s) > 2 {
					s = s[:len(s)-1]
				}
			case 6:
				s += strconv.Itoa(rng.IntN(10))
			}
			c := cc
			if i%16 == 7 {
				c = codes[rng.IntN(len(codes))]
			}
			zeros := 0
			if i%12 == 3 {
				zeros = 1 + rng.IntN(2)
			}
			add(num(c, s, zeros))
		}
	}
	for _, r := range regions {
		cc := phonenumbers.GetCountryCodeForRegion(r)
		for _, t := range types {
			examples(cc, phonenumbers.GetExampleNumberForType(r, t))
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		examples(cc, phonenumbers.GetExampleNumberForNonGeoEntity(cc))
	}
	for i := 0; i < 30000; i++ {
		cc := codes[rng.IntN(len(codes))]
		switch i % 10 {
		case 0:
			cc = rng.IntN(1000) // often no such calling code
		case 1:
			cc = 1 // NANPA: two dozen regions share it
		}
		add(num(cc, randDigits(1+rng.IntN(17)), 0))
	}
	return out
}

// TestIsValidAgreesWithLibrary holds IsValid and NumberType to the
// library's IsValidNumber and GetNumberType on a large sample of valid
// and invalid numbers.
func TestIsValidAgreesWithLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 5))
	perType := 80
	if testing.Short() {
		perType = 10
	}
	nums := sampleNumbers(rng, perType)
	if !testing.Short() && len(nums) < 100_000 {
		t.Fatalf("only %d sample numbers", len(nums))
	}
	valid, bad := 0, 0
	types := map[phonenumbers.PhoneNumberType]int{}
	for _, n := range nums {
		want := phonenumbers.IsValidNumber(n)
		if got := IsValid(n); got != want {
			bad++
			if bad < 20 {
				t.Errorf("+%d %s (leading zeros %d): IsValid %v, library %v", n.GetCountryCode(), strconv.FormatUint(n.GetNationalNumber(), 10), n.GetNumberOfLeadingZeros(), got, want)
			}
		}
		if want {
			valid++
		}
		if got, want := E164(n), phonenumbers.Format(n, phonenumbers.E164); got != want {
			bad++
			if bad < 20 {
				t.Errorf("E164 %q, library %q", got, want)
			}
		}
		wt := phonenumbers.GetNumberType(n)
		types[wt]++
		if got := NumberType(n); got != wt {
			bad++
			if bad < 20 {
				t.Errorf("+%d %s: NumberType %v, library %v", n.GetCountryCode(), strconv.FormatUint(n.GetNationalNumber(), 10), got, wt)
			}
		}
	}
	t.Logf("%d numbers, %d valid; types %v", len(nums), valid, types)
	if valid < len(nums)/5 || valid > len(nums)*4/5 {
		t.Errorf("the sample is lopsided: %d of %d valid", valid, len(nums))
	}
	if len(types) < 8 {
		t.Errorf("the sample covers only %d number types", len(types))
	}
}

func TestIsValidEdgeCases(t *testing.T) {
	for _, n := range []*phonenumbers.PhoneNumber{
		{},                             // no calling code, no number
		{CountryCode: ptr[int32](358)}, // no national number
		{CountryCode: ptr[int32](-1), NationalNumber: ptr[uint64](401234567)},
		{CountryCode: ptr[int32](39), NationalNumber: ptr[uint64](612345678), ItalianLeadingZero: ptr(true), NumberOfLeadingZeros: ptr[int32](1)},
		{CountryCode: ptr[int32](39), NationalNumber: ptr[uint64](612345678), ItalianLeadingZero: ptr(true), NumberOfLeadingZeros: ptr[int32](-3)},
		{CountryCode: ptr[int32](39), NationalNumber: ptr[uint64](612345678), ItalianLeadingZero: ptr(true), NumberOfLeadingZeros: ptr[int32](1 << 30)},
		{CountryCode: ptr[int32](800), NationalNumber: ptr[uint64](12345678)},
		{CountryCode: ptr[int32](1), NationalNumber: ptr[uint64](2684601234)},  // Antigua, by leading digits
		{CountryCode: ptr[int32](44), NationalNumber: ptr[uint64](7624123456)}, // Isle of Man
	} {
		if got, want := IsValid(n), phonenumbers.IsValidNumber(n); got != want {
			t.Errorf("%v: IsValid %v, library %v", n, got, want)
		}
		if got, want := NumberType(n), phonenumbers.GetNumberType(n); got != want {
			t.Errorf("%v: NumberType %v, library %v", n, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func BenchmarkIsValid(b *testing.B) {
	nums := sampleNumbers(rand.New(rand.NewPCG(1, 1)), 2)
	b.Run("fast", func(b *testing.B) {
		i := 0
		for b.Loop() {
			IsValid(nums[i%len(nums)])
			i++
		}
	})
	b.Run("library", func(b *testing.B) {
		i := 0
		for b.Loop() {
			phonenumbers.IsValidNumber(nums[i%len(nums)])
			i++
		}
	})
}

// Every pattern's automaton answers as its regexp, on digit strings of
// every length the library allows.
func TestDFAAgreesWithRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	md := loadMetadata()
	var all []*lazyRegion
	for _, l := range md.regions {
		all = append(all, l)
	}
	for _, l := range md.nonGeo {
		all = append(all, l)
	}
	descs, fallback := 0, 0
	for _, l := range all {
		p := l.get()
		for _, d := range []desc{p.general, p.premium, p.tollFree, p.sharedCost, p.voip, p.personal, p.pager, p.uan, p.voicemail, p.fixed, p.mobile} {
			descs++
			if d.dfa == nil {
				fallback++
				continue
			}
			for i := 0; i < 200; i++ {
				b := make([]byte, rng.IntN(18))
				for k := range b {
					b[k] = byte('0' + rng.IntN(10))
				}
				s := string(b)
				if got, _ := d.dfa.full(s); got != d.re.MatchString(s) {
					t.Fatalf("%s: automaton %v, regexp %v on %q", d.re, got, !got, s)
				}
			}
		}
	}
	t.Logf("%d patterns, %d left to the regexp", descs, fallback)
	if fallback > descs/10 {
		t.Errorf("%d of %d patterns have no automaton", fallback, descs)
	}
}
