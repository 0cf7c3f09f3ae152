package mapping

import (
	"math/rand"
	"strings"
	"testing"
)

var titleSeeds = []string{
	"", "a", "A", "anna", "ANNA", "Anna", "anna-liisa", "o'brien", "mc.donald", "j.r.r. tolkien",
	"anna\tmaria", "anna\nmaria", "anna\vmaria", "anna\fmaria", "anna\rmaria", "  anna  ", "anna123", "123abc",
	"äiti", "ÄITI", "o’brien", "ǆemal", "istanbul İ", "\xff", "a\xffb", "ß", "anna\u00a0maria", "anna\u0085maria",
	"@[`{", "a@b[c`d{e", "ZZ", "zz", "-a", "'a", ".a",
}

func TestTitleCaseMatchesReference(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := titleCase(s), titleCaseRunes(s); got != want {
			t.Fatalf("titleCase(%q) = %q, was %q", s, got, want)
		}
	}
	for _, s := range titleSeeds {
		check(s)
	}
	for c := 0; c < 256; c++ {
		for _, f := range []string{"%s", "a%sb", "A%sB", "%sa", "%sA"} {
			check(strings.Replace(f, "%s", string(rune(c)), 1))
			check(strings.Replace(f, "%s", string([]byte{byte(c)}), 1))
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "z", "A", "Z", " ", "\t", "-", "'", ".", "’", "ä", "Ä", "@", "[", "`", "{", "0", "\xff", "\u00a0"}
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(10) {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		check(b.String())
	}
}

func FuzzTitleCase(f *testing.F) {
	for _, s := range titleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := titleCase(s), titleCaseRunes(s); got != want {
			t.Fatalf("titleCase(%q) = %q, was %q", s, got, want)
		}
	})
}
