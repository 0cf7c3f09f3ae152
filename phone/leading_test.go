package phone

import (
	"math/rand"
	"strconv"
	"testing"
)

// TestLeadingDigitsDFAMatchesRegexp holds every region's leading-digits
// automaton to its regexp, on every digit string of up to five digits and
// on random longer ones, some with a non-digit.
func TestLeadingDigitsDFAMatchesRegexp(t *testing.T) {
	var inputs []string
	var gen func(p string, n int)
	gen = func(p string, n int) {
		inputs = append(inputs, p)
		if n == 0 {
			return
		}
		for c := '0'; c <= '9'; c++ {
			gen(p+string(c), n-1)
		}
	}
	gen("", 5)
	rng := rand.New(rand.NewSource(1))
	for range 5000 {
		s := strconv.FormatUint(rng.Uint64(), 10)[:4+rng.Intn(12)]
		inputs = append(inputs, s)
		b := []byte(s)
		b[rng.Intn(len(b))] = "x +-"[rng.Intn(4)]
		inputs = append(inputs, string(b))
	}
	md := loadMetadata()
	automata := 0
	for code, l := range md.regions {
		p := l.get()
		if p.leadingDigits == nil {
			continue
		}
		if p.leadingDFA != nil {
			automata++
		}
		for _, s := range inputs {
			if got, want := p.leads(s), p.leadingDigits.MatchString(s); got != want {
				t.Fatalf("%s: leads(%q) = %v, regexp %v (%s)", code, s, got, want, p.leadingDigits)
			}
		}
	}
	if automata < 10 {
		t.Fatalf("only %d regions' leading digits compiled to automata", automata)
	}
}
