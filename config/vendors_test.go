package config

import (
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
)

// testVendors stand in for sinks/vendors.All() (which config's tests
// cannot import: the vendors import mapping, which imports config): two
// vendors with the shapes config meets, a sink only and a sink that is
// also a source with keys of its own. cmd/leadsync's tests load jobs with
// the real registry.
func testVendors() []sinks.Vendor {
	newSource := func(sinks.SourceConfig) (sources.Pager, error) { return nil, nil }
	return []sinks.Vendor{
		{Name: "export"},
		{Name: "leaddesk", Options: []sinks.Option{{Key: "url"}, {Key: "api_key", Secret: true}}},
		{Name: "lookupdesk", NewSource: newSource, Options: []sinks.Option{
			{Key: "url"}, {Key: "token", Secret: true},
			{Key: "addresses", Kind: sinks.BoolOption, SourceOnly: true, Doc: "read addresses too"},
			{Key: "lookups", Kind: sinks.PathOption, SourceOnly: true, Required: "a file of emails or phones to look up", Doc: "a file"},
		}},
	}
}
