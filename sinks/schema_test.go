package sinks_test

import (
	"testing"

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
