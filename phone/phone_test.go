package phone

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// libraryE164 is the reference: libphonenumber's own parser, with the
// same "country code without +" retry as parsePhone.
func libraryE164(raw, region string) string {
	if n, err := phonenumbers.Parse(raw, region); err == nil && phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164)
	}
	d := Digits(raw)
	if len(d) >= 8 && raw[0] != '+' && d[0] != '0' {
		if n, err := phonenumbers.Parse("+"+d, ""); err == nil && phonenumbers.IsValidNumber(n) {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	return ""
}

// The fast path must never disagree with the library: whenever it returns
// a number, the library returns the same one.
func TestFastParseAgreesWithLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []string{"FI", "SE", "NO", "DK", "EE", "DE", "NL", "GB", "FR", "ES", "US", "CA", "IT", "BR", "AR"}
	seps := []string{"", " ", "-", ".", "/"}
	checked, fast := 0, 0
	for _, region := range regions {
		cc := phonenumbers.GetCountryCodeForRegion(region)
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		for i := 0; i < 3000; i++ {
			// Random national significant numbers of plausible lengths,
			// seeded with the region's example numbers' first digits.
			ex := phonenumbers.GetExampleNumberForType(region, phonenumbers.PhoneNumberType([]int{0, 1}[i%2]))
			nsn := ""
			if ex != nil {
				nsn = fmt.Sprint(ex.GetNationalNumber())
			}
			b := []byte(nsn)
			for k := len(b) / 2; k < len(b); k++ {
				b[k] = byte('0' + rng.IntN(10))
			}
			if rng.IntN(8) == 0 && len(b) > 3 {
				b = b[:len(b)-1-rng.IntN(2)]
			}
			nsn = string(b)
			sep := seps[rng.IntN(len(seps))]
			forms := []string{
				ndd + nsn,
				"+" + fmt.Sprint(cc) + sep + nsn,
				fmt.Sprint(cc) + nsn,
				"00" + fmt.Sprint(cc) + sep + nsn,
				"(" + ndd + nsn[:min(2, len(nsn))] + ") " + nsn[min(2, len(nsn)):],
				"+" + fmt.Sprint(cc) + " (" + ndd + ")" + nsn,
				nsn,
			}
			for _, in := range forms {
				checked++
				n := fastParse(in, region)
				if n == nil {
					continue
				}
				fast++
				got := phonenumbers.Format(n, phonenumbers.E164)
				if want := libraryE164(in, region); got != want {
					t.Errorf("region %s, %q: fast path %q, library %q", region, in, got, want)
				}
			}
		}
	}
	t.Logf("%d inputs, %d (%.0f%%) taken by the fast path", checked, fast, 100*float64(fast)/float64(checked))
	if fast < checked/4 {
		t.Errorf("fast path took only %d of %d inputs", fast, checked)
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"040-1234567", "+358 40 123 4567", "358401234567", "00358401234567", "(040) 123 4567", "+1 650 253 0000", "12", "+", "0", "040 123 4567 ext 12"} {
		f.Add(s, "FI")
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		if len(region) != 2 {
			region = "FI"
		}
		got, err := Normalize(in, region)
		if err != nil {
			return
		}
		if n := fastParse(in, region); n != nil {
			if want := libraryE164(in, region); want != got {
				t.Fatalf("%q in %s: fast %q, library %q", in, region, got, want)
			}
		}
		// A normalized number normalizes to itself.
		if again, err := Normalize(got, region); err != nil || again != got {
			t.Fatalf("%q -> %q -> %q, %v", in, got, again, err)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	ins := []string{"040-1234567", "+358 50 123 4567", "358441234567", "045 123 4567"}
	i := 0
	for b.Loop() {
		i++
		if _, err := Normalize(ins[i%4], "FI"); err != nil {
			b.Fatal(err)
		}
	}
}
