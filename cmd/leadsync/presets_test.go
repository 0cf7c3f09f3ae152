package main

import (
	"github.com/leadsync/leadsync/sinks/vendors"

	"testing"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks/leadsquared"
	"github.com/leadsync/leadsync/sinks/liondesk"
	"github.com/leadsync/leadsync/sinks/tiledesk"
	"github.com/leadsync/leadsync/sources/csvfile"
)

// Every preset compiles against the source it is written for and the
// sink object it feeds.
func TestPresetsCompile(t *testing.T) {
	tdHeader := func() []string {
		p, _ := tiledesk.NewPager(tiledesk.SourceConfig{URL: "http://127.0.0.1:1", Project: "65aa00112233445566778899", Token: "t"})
		return p.Header()
	}
	liHeader := func() []string {
		p, _ := liondesk.NewPager(liondesk.SourceConfig{URL: "http://127.0.0.1:1", Token: "t"})
		return p.Header()
	}
	exportHeader := func() []string {
		s, err := csvfile.Open("../../testdata/migrations/liondesk-export.csv", csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Header()
	}
	cases := map[string]struct {
		header func() []string
		target string
	}{
		"tiledesk-lead-to-leaddesk-contact":   {tdHeader, "leaddesk/contact"},
		"tiledesk-lead-to-liondesk-lead":      {tdHeader, "liondesk/lead"},
		"liondesk-contact-to-tiledesk-lead":   {liHeader, "tiledesk/lead"},
		"liondesk-export-to-leaddesk-contact": {exportHeader, "leaddesk/contact"},
	}
	if len(mapping.Presets()) != len(cases) {
		t.Fatalf("presets %v: each needs a case here", mapping.Presets())
	}
	_ = leadsquared.SourceHeader
	for name, tc := range cases {
		obj, err := objectFor(vendors.All(), tc.target, "")
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := config.Parse("job.yaml", []byte("mapping: preset:"+name+"\n"), func(string) (string, bool) { return "", false })
		node := config.Pairs(doc.Root)[0].Value
		if _, err := mapping.Compile(doc, node, obj, mapping.Options{Header: tc.header(), Region: "FI"}); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}
