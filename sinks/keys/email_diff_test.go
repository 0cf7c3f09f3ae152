package keys

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode"
)

// refNormalizeEmail is NormalizeEmail as it was before its ASCII fast
// path: lower-case everything, then validEmail's checks rune by rune.
func refNormalizeEmail(s string) (string, error) {
	e := strings.TrimSpace(s)
	e = strings.TrimPrefix(strings.TrimPrefix(e, "mailto:"), "MAILTO:")
	e = strings.TrimSuffix(strings.TrimPrefix(e, "<"), ">")
	if e == "" {
		return "", nil
	}
	e = strings.ToLower(e)
	at := strings.IndexByte(e, '@')
	bad := fmt.Errorf("%w: %q", ErrInvalidEmail, s)
	if at <= 0 || at != strings.LastIndexByte(e, '@') || len(e) > 254 {
		return "", bad
	}
	local, domain := e[:at], e[at+1:]
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", bad
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "..") || strings.HasPrefix(domain, "-") {
		return "", bad
	}
	for _, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`(),:;<>[\]"`, r) {
			return "", bad
		}
	}
	return e, nil
}

func checkEmail(t *testing.T, s string) {
	t.Helper()
	got, gerr := NormalizeEmail(s)
	want, werr := refNormalizeEmail(s)
	if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("NormalizeEmail(%q) = %q, %v; was %q, %v", s, got, gerr, want, werr)
	}
}

var emailSeeds = []string{
	"", " ", "a@b.c", "Lead.1@Example.FI", "ANNA@EXAMPLE.FI", " mailto:Anna@x.fi ", "MAILTO:a@b.fi", "<A@B.FI>",
	"a@@b.c", "@b.c", "a@b", "a@.b", "a@b.", "a@-b.c", ".a@b.c", "a.@b.c", "a..b@c.d", "a@b..c",
	"a b@c.d", "a\tb@c.d", "a\x00@b.c", "a\x7f@b.c", "a(b@c.d", "a)@b.c", "a,@b.c", "a:@b.c", "a;@b.c",
	"a<@b.c", "a>@b.c", "a[@b.c", `a\@b.c`, "a]@b.c", `a"@b.c`, "ÄNNI@ESIMERKKI.FI", "anna@exämple.fi",
	"a\u00a0b@c.d", "a\u0085@b.c", "a\u2028@b.c", "\xff@b.c", "a@b.c\xff", "ǅ@x.fi", "İ@x.fi", "K@x.fi",
	strings.Repeat("a", 64) + "@b.c", strings.Repeat("a", 65) + "@b.c", "a@" + strings.Repeat("b", 250) + ".c",
	"a@" + strings.Repeat("b", 249) + ".c", "A@" + strings.Repeat("B", 248) + ".C", "a@b.c-", "-a@b.c", "Z@Y.X",
	"a+tag@b.c", "a_b@c.d", "a~!#$%&'*/=?^`{|}@b.c",
}

func TestNormalizeEmailMatchesReference(t *testing.T) {
	for _, s := range emailSeeds {
		checkEmail(t, s)
	}
	for c := 0; c < 256; c++ {
		for _, f := range []string{"%ca@b.c", "a%c@b.c", "a@b%c.c", "a@b.c%c", "A%cB@C.D"} {
			checkEmail(t, fmt.Sprintf(f, c))
			checkEmail(t, strings.Replace(f, "%c", string([]byte{byte(c)}), 1))
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", "@", ".", "-", " ", "\t", "<", ">", "mailto:", "MAILTO:", "\"", "(", "é", "É", "\u00a0", "\xff", "\x00", "0", "K"}
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(10) {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		checkEmail(t, b.String())
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range emailSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEmail(t, s) })
}

func TestLowerASCIIMatchesToLower(t *testing.T) {
	for _, s := range emailSeeds {
		if !isASCII(s) {
			continue
		}
		if got, want := lowerASCII(s), strings.ToLower(s); got != want {
			t.Fatalf("lowerASCII(%q) = %q, want %q", s, got, want)
		}
	}
	for c := 0; c < 128; c++ {
		for _, s := range []string{string(rune(c)), "a" + string(rune(c)) + "Z", "Z" + string(rune(c))} {
			if got, want := lowerASCII(s), strings.ToLower(s); got != want {
				t.Fatalf("lowerASCII(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
