package keys

import (
	"errors"
	"testing"
)

func TestKey(t *testing.T) {
	cases := []struct {
		kind   Kind
		in     string
		region string
		want   string
		ok     bool
	}{
		{Phone, "040 123 4567", "FI", "phone:+358401234567", true},
		{Phone, "+358 40 123 4567", "", "phone:+358401234567", true},
		{Phone, "+358401234567", "", "phone:+358401234567", true},
		{Phone, "(040) 123 4567", "FI", "phone:+358401234567", true},
		{Phone, "040 123 4567", "", "", false}, // no region: no country to read it in
		{Phone, "not a phone", "FI", "", false},
		{Email, " Anna@Example.FI ", "", "email:anna@example.fi", true},
		{Email, "mailto:anna@example.fi", "", "email:anna@example.fi", true},
		{Email, "<anna@example.fi>", "", "email:anna@example.fi", true},
		{Email, "anna@@example.fi", "", "", false},
		{Email, "  ", "", "", false},
		{ID, "  AB-12 ", "", "id:AB-12", true},
		{ID, "   ", "", "", false},
		{Kind("event"), " x ", "", "event:x", true}, // other kinds: trimmed, like ids
	}
	for _, c := range cases {
		got, ok := Key(c.kind, c.in, c.region)
		if got != c.want || ok != c.ok {
			t.Errorf("Key(%s, %q, %q) = %q %v, want %q %v", c.kind, c.in, c.region, got, ok, c.want, c.ok)
		}
		v, ok := Value(c.kind, c.in, c.region)
		if ok != c.ok || ok && string(c.kind)+":"+v != c.want {
			t.Errorf("Value(%s, %q, %q) = %q %v", c.kind, c.in, c.region, v, ok)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"  ":                     "",
		"Matti.Meikalainen@X.fi": "matti.meikalainen@x.fi",
		"MAILTO:a@b.fi":          "a@b.fi",
	} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"a@b", "@b.fi", "a b@c.fi", "a@b..fi", ".a@b.fi", "a@-b.fi", "a@b.fi."} {
		if _, err := NormalizeEmail(in); !errors.Is(err, ErrInvalidEmail) {
			t.Errorf("%q: %v, want ErrInvalidEmail", in, err)
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	for _, in := range []string{"040 123 4567", "+46 70 123 45 67", "0044 20 7946 0958"} {
		p, err := NormalizePhone(in, "FI")
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if p2, err := NormalizePhone(p, "FI"); err != nil || p2 != p {
			t.Errorf("%q -> %q -> %q %v", in, p, p2, err)
		}
	}
}
