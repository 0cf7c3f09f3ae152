package config

import (
	"errors"
	"strings"
	"testing"
)

const boundsJob = `name: nightly
source:
  path: leads.csv
sink:
  vendor: leaddesk
  url: sandbox
%s
match: {keys: [phone]}
mapping:
  phone: Mobile
`

// Each refusal names the value, the bound and its place (file:line:col).
func TestBoundsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want string
		line, col         int
	}{
		{"concurrency", "concurrency: 1000000", "concurrency must be at most 256 (entities in flight, or mapping workers), not 1000000", 7, 14},
		{"budget of 1e9 per 1ns", "  budget: {calls: 1000000000, per: 1ns}", `sink.budget.per must be at least 1ms, not "1ns"`, 7, 36},
		{"local budget too fast", "  budget: {calls: 1000000000, per: 1ms}", "sink.budget allows 1000000000 calls per 1ms (1e+12 a second): at most 1000000 calls a second", 7, 11},
		{"budget too fast", "remote_placeholder", "sink.budget allows 5000 calls per 1s (5000 a second): at most 1000 calls a second", 7, 11},
		{"source budget too fast", "source_budget_placeholder", "source.budget allows 100 calls per 10ms (10000 a second)", 4, 11},
		{"source budget zero calls", "source_zero_placeholder", "source.budget.calls must be a positive number of calls", 4, 11},
		{"match word", "match_word_placeholder", `match must be a table such as {keys: [phone, email]}, or the word none (no matching: duplicates possible), not "nobody"`, 7, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(boundsJob, "%s", tc.extra, 1)
			switch tc.extra {
			case "remote_placeholder":
				body = strings.Replace(strings.Replace(boundsJob, "%s", "  budget: {calls: 5000, per: 1s}", 1), "url: sandbox", "url: https://api.leaddesk.com", 1)
			case "source_budget_placeholder":
				body = strings.Replace(strings.Replace(boundsJob, "%s\n", "", 1), "  path: leads.csv\n", "  path: leads.csv\n  budget: {calls: 100, per: 10ms}\n", 1)
			case "source_zero_placeholder":
				body = strings.Replace(strings.Replace(boundsJob, "%s\n", "", 1), "  path: leads.csv\n", "  path: leads.csv\n  budget: {calls: 0, per: 1s}\n", 1)
			case "match_word_placeholder":
				body = strings.Replace(strings.Replace(boundsJob, "%s\n", "", 1), "match: {keys: [phone]}", "match: nobody", 1)
			}
			p := writeJob(t, body)
			_, err := LoadJob(p, nil, testVendors())
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("got %v, want one error", err)
			}
			e := es[0]
			if !strings.Contains(e.Msg, tc.want) || e.File != p || e.Line != tc.line || e.Col != tc.col {
				t.Fatalf("got %s:%d:%d %q\nwant %s:%d:%d containing %q", e.File, e.Line, e.Col, e.Msg, p, tc.line, tc.col, tc.want)
			}
		})
	}
}

func TestBoundsAccepted(t *testing.T) {
	for _, extra := range []string{
		"concurrency: 256",
		"  budget: {calls: 1000, per: 1s}",
		"  budget: {calls: 1, per: 1ms}",
		"  budget: {calls: 100, per: 60s}",
		"  budget: {calls: 100, per: 60ms}", // the sandbox, time-scaled
	} {
		if _, err := LoadJob(writeJob(t, strings.Replace(boundsJob, "%s", extra, 1)), nil, testVendors()); err != nil {
			t.Errorf("%s: %v", extra, err)
		}
	}
}

func TestMatchNone(t *testing.T) {
	for _, word := range []string{"none", "None"} {
		body := strings.Replace(strings.Replace(boundsJob, "%s\n", "", 1), "match: {keys: [phone]}", "match: "+word, 1)
		j, err := LoadJob(writeJob(t, body), nil, testVendors())
		if err != nil {
			t.Fatal(err)
		}
		if !j.Match.None || len(j.Match.Keys) != 0 || j.Match.OnAmbiguous != "skip" {
			t.Fatalf("match: %s gave %+v", word, j.Match)
		}
	}
	j, err := LoadJob(writeJob(t, strings.Replace(boundsJob, "%s\n", "", 1)), nil, testVendors())
	if err != nil {
		t.Fatal(err)
	}
	if j.Match.None || len(j.Match.Keys) != 1 {
		t.Fatalf("match table gave %+v", j.Match)
	}
	// Unknown keys inside the table are still refused.
	_, err = LoadJob(writeJob(t, strings.Replace(strings.Replace(boundsJob, "%s\n", "", 1), "match: {keys: [phone]}", "match: {kees: [phone]}", 1)), nil, testVendors())
	if err == nil || !strings.Contains(err.Error(), `unknown key "kees"`) {
		t.Fatalf("got %v", err)
	}
}

func TestLocalURL(t *testing.T) {
	d := &Doc{Env: map[string]string{"$.sink.url": "LD_URL"}}
	for raw, want := range map[string]bool{
		"sandbox": true, "http://127.0.0.1:8080": true, "http://localhost/v1": true, "http://[::1]:9/": true,
		"https://api.leaddesk.com": false, "http://10.0.0.1": false, "https://127.0.0.1.example.com": false,
		"http://host:bad/": true, // not a URL at all: refused when connecting
	} {
		if got := d.localURL("$.source.url", raw); got != want {
			t.Errorf("localURL(%q) = %v, want %v", raw, got, want)
		}
	}
	if d.localURL("$.source.url", "") {
		t.Error("an empty URL is the vendor's default, not local")
	}
	if !d.localURL("$.sink.url", "") {
		t.Error("an unset ${LD_URL} is not known")
	}
}
