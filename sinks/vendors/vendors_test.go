package vendors

import (
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// Every descriptor is whole: a unique name, a title, a schema, options
// declared once, test credentials only for keys it declares.
func TestDescriptors(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range All() {
		if v.Name == "" || v.Title == "" || seen[v.Name] {
			t.Errorf("vendor %q (title %q): a unique name and a title are required", v.Name, v.Title)
		}
		seen[v.Name] = true
		if s := v.Schema(); s.Vendor != v.Name || len(s.Objects) == 0 {
			t.Errorf("%s: schema of %q with %d objects", v.Name, s.Vendor, len(s.Objects))
		}
		keys := map[string]sinks.Option{}
		for _, o := range v.Options {
			if _, dup := keys[o.Key]; dup || o.Key == "" || o.Doc == "" {
				t.Errorf("%s: option %q declared twice, or without a key or a doc", v.Name, o.Key)
			}
			keys[o.Key] = o
			if o.SourceOnly && v.NewSource == nil {
				t.Errorf("%s: source option %s without a source", v.Name, o.Key)
			}
		}
		if v.NewSink != nil {
			if _, ok := keys["url"]; !ok {
				t.Errorf("%s: a connection has a url", v.Name)
			}
		}
		if (v.Setup == nil) != (v.SetupDoc == "") {
			t.Errorf("%s: Setup and SetupDoc go together", v.Name)
		}
		if v.NewEmulator == nil {
			continue
		}
		em := v.NewEmulator(sinks.EmulatorOptions{})
		if em.EmulatorServer == nil || em.Handler() == nil || em.Core() == nil || len(em.Credentials()) == 0 || len(em.Conn) == 0 {
			t.Errorf("%s: emulator incomplete: %+v", v.Name, em)
		}
		for k := range em.Conn {
			if o, ok := keys[k]; !ok || o.SourceOnly {
				t.Errorf("%s: the emulator's test credential %s is not a connection option", v.Name, k)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	if v, err := Lookup(All(), "LeadDesk"); err != nil || v.Name != "leaddesk" {
		t.Fatalf("Lookup: %v %v", v.Name, err)
	}
	if _, err := Lookup(All(), "nodesk"); err == nil || err.Error() != `unknown vendor "nodesk" (known: export, leaddesk, leadsquared, liondesk, tiledesk)` {
		t.Fatalf("unknown: %v", err)
	}
}
