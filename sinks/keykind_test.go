package sinks_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leadsquared"
	"github.com/leadsync/leadsync/sinks/liondesk"
	"github.com/leadsync/leadsync/sinks/tiledesk"
)

// A key's kind is its declared type, never its name.
func TestKeyKindIsTheDeclaredType(t *testing.T) {
	for _, c := range []struct {
		f    sinks.Field
		want keys.Kind
	}{
		{sinks.Field{Name: "x", Type: sinks.Phone}, keys.Phone},
		{sinks.Field{Name: "x", Type: sinks.Email}, keys.Email},
		{sinks.Field{Name: "x", Type: sinks.ID}, keys.ID},
		{sinks.Field{Name: "mobile_phone", Type: sinks.String}, keys.ID},
		{sinks.Field{Name: "email", Type: sinks.String}, keys.ID},
		{sinks.Field{Name: "contact", Type: sinks.Phone}, keys.Phone},
	} {
		if got := c.f.KeyKind(); got != c.want {
			t.Errorf("%s %s: kind %s, want %s", c.f.Type, c.f.Name, got, c.want)
		}
	}
}

// Every vendor schema declares its keys' kinds: each key is a phone, email
// or id field; a key of another type fails the check.
func TestSchemaKeysDeclareTheirKind(t *testing.T) {
	for _, s := range []sinks.Schema{leaddesk.Schema(), tiledesk.Schema(), liondesk.Schema(), leadsquared.Schema()} {
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	}
	bad := sinks.Schema{Vendor: "x", Objects: []sinks.Object{{Name: "o", Fields: []sinks.Field{{Name: "mobile", Type: sinks.String}}, Keys: []string{"mobile"}}}}
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "key mobile is a string field") {
		t.Errorf("a string key passed: %v", err)
	}
}

// No vendor package depends on mapping, config or the YAML library: key
// normalization lives in sinks/keys, below them all.
func TestVendorPackagesStayBelowMapping(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps",
		"github.com/leadsync/leadsync/sinks/leaddesk",
		"github.com/leadsync/leadsync/sinks/tiledesk",
		"github.com/leadsync/leadsync/sinks/liondesk",
		"github.com/leadsync/leadsync/sinks/leadsquared",
		"github.com/leadsync/leadsync/sinks/keys",
	).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "github.com/leadsync/leadsync/mapping", dep == "github.com/leadsync/leadsync/config",
			strings.HasPrefix(dep, "github.com/leadsync/leadsync/mapping/"), strings.HasPrefix(dep, "github.com/leadsync/leadsync/config/"),
			strings.HasPrefix(dep, "github.com/goccy/go-yaml"):
			t.Errorf("a vendor package depends on %s", dep)
		}
	}
	keysDeps, err := exec.Command("go", "list", "-deps", "github.com/leadsync/leadsync/sinks/keys").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(keysDeps)) {
		if strings.HasPrefix(dep, "github.com/leadsync/leadsync/") && dep != "github.com/leadsync/leadsync/phone" && dep != "github.com/leadsync/leadsync/sinks/keys" {
			t.Errorf("sinks/keys depends on %s: it must import only the standard library and phone", dep)
		}
	}
}
