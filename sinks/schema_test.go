package sinks_test

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/tiledesk"
)

// Every declared schema passes its own checks.
func TestSchemas(t *testing.T) {
	for _, s := range []sinks.Schema{leaddesk.Schema(), export.Schema(), tiledesk.Schema()} {
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	}
	c, err := leaddesk.Schema().Object("contact")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Field("other35"); !ok {
		t.Error("contact lacks other35")
	}
	if _, ok := c.Field("other36"); ok {
		t.Error("contact has other36")
	}
	if _, err := leaddesk.Schema().Object("lead"); err == nil {
		t.Error("unknown object found")
	}
	bad := sinks.Schema{Vendor: "x", Objects: []sinks.Object{{Name: "o", Fields: []sinks.Field{{Name: "a", Type: sinks.String}, {Name: "a", Type: sinks.Enum}}, Keys: []string{"b"}}}}
	if err := bad.Check(); err == nil {
		t.Error("a bad schema passed")
	}
}

func TestCanonicalValues(t *testing.T) {
	for _, c := range []struct {
		typ  sinks.FieldType
		a, b string
		same bool
	}{
		{sinks.Tags, "VIP,Buyer", "Buyer, VIP", true},
		{sinks.Tags, "VIP,Buyer", "VIP", false},
		{sinks.Email, "A@B.fi ", "a@b.fi", true},
		{sinks.Number, "98112", "98112.0", true},
		{sinks.Int, "7", "8", false},
		{sinks.Phone, "+358 40 123 4567", "+358401234567", true},
		{sinks.ID, "7A3C0F52-1B4E-4C8A-9D21-5E6F7A8B9C0D", "7a3c0f52-1b4e-4c8a-9d21-5e6f7a8b9c0d", true},
		{sinks.ID, "ABC", "abc", false},
		{sinks.String, "Anna", "anna", false},
	} {
		if got := (sinks.Field{Type: c.typ}).Equal(c.a, c.b); got != c.same {
			t.Errorf("%s: Equal(%q, %q) = %v", c.typ, c.a, c.b, got)
		}
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 200 * time.Millisecond, 2: 400 * time.Millisecond, 4: 1600 * time.Millisecond, 30: 20 * time.Second} {
		for range 50 {
			if d := sinks.Backoff(n, 200*time.Millisecond, 20*time.Second); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", n, d, want/2, want)
			}
		}
	}
}
