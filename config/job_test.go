package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeJob(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadJob(t *testing.T) {
	p := writeJob(t, `name: nightly
source: {path: leads.csv}
sink:
  vendor: leaddesk
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {calls: 100, per: 60s}
match: {keys: [phone]}
region: fi
mapping:
  phone: Mobile
`)
	j, err := LoadJob(p, env(map[string]string{"LD_URL": "sandbox", "LD_KEY": "s3cret"}), testVendors())
	if err != nil {
		t.Fatal(err)
	}
	if j.Sink.Conn.Get("api_key") != "s3cret" || j.Sink.Conn.Get("url") != "sandbox" || j.Region != "FI" || j.Mode != "upsert" || j.Match.OnAmbiguous != "skip" {
		t.Fatalf("job: %+v", j)
	}
	if j.Source.Type != "csv" || j.Source.Path != filepath.Join(filepath.Dir(p), "leads.csv") {
		t.Fatalf("source: %+v", j.Source)
	}
	if j.EnvVar("$.sink.api_key") != "LD_KEY" {
		t.Fatalf("env var of api_key: %q", j.EnvVar("$.sink.api_key"))
	}
	if w, _ := j.Sink.Budget.Window(); w.Seconds() != 60 {
		t.Fatalf("budget window %v", w)
	}
}

func TestLoadJobErrors(t *testing.T) {
	p := writeJob(t, `name: x
source: {path: leads.csv, delimeter: ";"}
sink:
  vendor: leaddesk
  api_key: ${MISSING_KEY}
  budget: {calls: 0, per: soon}
mode: upsert_all
match: {keys: [phone], on_ambigous: skip}
mapping: {phone: Mobile}
`)
	_, err := LoadJob(p, env(nil), testVendors())
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	// Variables first (all of them), then unknown keys, then semantics:
	// each stage reports everything it finds.
	if len(es) != 1 || !strings.Contains(es[0].Error(), "job.yaml:5:12: environment variable MISSING_KEY is not set") {
		t.Fatalf("errors:\n%v", es)
	}
	_, err = LoadJob(p, env(map[string]string{"MISSING_KEY": "k"}), testVendors())
	msg := err.Error()
	for _, want := range []string{`job.yaml:2:27: unknown key "delimeter"; did you mean "delimiter"?`, `job.yaml:8:24: unknown key "on_ambigous"; did you mean "on_ambiguous"?`} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	p2 := writeJob(t, "source: {path: leads.csv}\nsink: {vendor: leaddesk, budget: {calls: 0, per: soon}}\nmode: upsert_all\nmapping: {phone: Mobile}\n")
	_, err = LoadJob(p2, env(nil), testVendors())
	msg = err.Error()
	for _, want := range []string{"mode must be one of upsert, create_only, update_only", "sink.budget.calls must be a positive", `sink.budget.per must be a duration such as 60s or 5s, not "soon"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// state_values is a word of its list, named with its place.
	p4 := writeJob(t, "source: {path: leads.csv}\nsink: {vendor: leaddesk}\nstate_values: some\nmapping: {phone: Mobile}\n")
	if _, err = LoadJob(p4, env(nil), testVendors()); err == nil || !strings.Contains(err.Error(), `job.yaml:3:15: state_values must be one of all, none, not "some"`) {
		t.Errorf("state_values: %v", err)
	}
	for in, want := range map[string]string{"": "all", "state_values: None\n": "none", "state_values: all\n": "all"} {
		j, err := LoadJob(writeJob(t, "source: {path: leads.csv}\nsink: {vendor: leaddesk}\n"+in+"mapping: {phone: Mobile}\n"), env(nil), testVendors())
		if err != nil || j.StateValues != want {
			t.Errorf("%q: state_values %v, %v; want %s", in, j, err, want)
		}
	}
	// Secrets never appear in messages.
	p3 := writeJob(t, "source: {path: leads.csv}\nsink:\n  vendor: leaddesk\n  api_key: ${K}\n  budget:\n    calls: 1\n    per: ${K}\nmode: ${K}\nmapping: {phone: Mobile}\n")
	_, err = LoadJob(p3, env(map[string]string{"K": "topsecret"}), testVendors())
	if err == nil || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "not ${K}") {
		t.Fatalf("secret leaked or no error: %v", err)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("bad.yaml", []byte("a: [1, 2\nb: c\n"), env(nil))
	var es Errors
	if !errors.As(err, &es) || es[0].Line == 0 {
		t.Fatalf("want a positioned syntax error, got %v", err)
	}
}
