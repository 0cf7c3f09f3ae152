package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// A vendor job without match keys is refused: every run would create
// every row again. The message says where and offers match: none.
func TestValidateRefusesVendorJobWithoutMatch(t *testing.T) {
	dir := copyExample(t)
	job := writeFile(t, dir, "nomatch.yaml", `name: nomatch
source: {path: leads.csv}
sink: {vendor: leaddesk, object: contact, url: sandbox}
region: FI
mapping:
  list:  {value: "Nightly leads"}
  phone: {column: Puhelin, transform: [phone]}
`)
	r := runApp(t, nil, "validate", job)
	want := job + ":3:16: match keys are required for leaddesk/contact: without them no row is found at the vendor and every run creates every row again; name the fields that identify a record (match: {keys: [phone, email]}), or write `match: none` to accept duplicates"
	if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d\n%s\nwant %s", r.code, r.stderr, want)
	}
	// An export needs no match keys.
	exp := writeFile(t, dir, "export.yaml", `source: {path: leads.csv}
sink: {vendor: export, path: out.csv}
mapping:
  phone: Puhelin
`)
	if r := runApp(t, nil, "validate", exp); r.code != ExitOK {
		t.Fatalf("export without match: exit %d\n%s", r.code, r.stderr)
	}
}

// match: none is accepted, and validate and the run both say that
// duplicates are possible.
func TestMatchNoneWarns(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{})
	defer srv.Close()
	dir := copyExample(t)
	job := writeFile(t, dir, "none.yaml", `name: none
source: {path: leads.csv}
sink:
  vendor: leaddesk
  object: contact
  url: ${LD_URL}
  api_key: ${LD_KEY}
region: FI
match: none
mapping:
  list:  {value: "Nightly leads"}
  phone: {column: Puhelin, transform: [phone], required: true}
`)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	r := runApp(t, env, "validate", job)
	if r.code != ExitOK || !strings.Contains(r.stdout, "warning match: none: ") || !strings.Contains(r.stdout, "duplicates are possible") {
		t.Fatalf("validate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, env, "run", "--quiet", job)
	if r.code != ExitRejected || !strings.Contains(r.stderr, "level=WARN") || !strings.Contains(r.stderr, "duplicates are possible") {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// validate refuses the nonsense of the hostile-input report, each with
// its place in the job file.
func TestValidateRefusesNonsense(t *testing.T) {
	const base = `name: nonsense
source: {path: leads.csv}
sink:
  vendor: leaddesk
  object: contact
  url: https://api.leaddesk.com
  api_key: k
  budget: {calls: 100, per: 60s}
region: FI
match: {keys: [phone]}
concurrency: 4
mapping:
  list:   {value: "Nightly leads"}
  phone:  {column: Puhelin, transform: [phone], required: true}
  city:   Kaupunki
  other3: {column: Syntynyt, transform: [{date: {from: DD.MM.YYYY}}]}
`
	for _, tc := range []struct{ name, from, to, want string }{
		{"concurrency", "concurrency: 4", "concurrency: 1000000", ":11:14: concurrency must be at most 256"},
		{"budget", "budget: {calls: 100, per: 60s}", "budget: {calls: 1000000000, per: 1ns}", `:8:36: sink.budget.per must be at least 1ms, not "1ns"`},
		{"date tokens", "from: DD.MM.YYYY", "from: dd.mm.yyyy", `:16:49: date format "dd.mm.yyyy": unknown token "dd"`},
		{"empty constant", `list:   {value: "Nightly leads"}`, `list:   {value: ""}`, ":13:11: field list is required by contact, but its value is empty"},
		{"keys", "keys: [phone]", "keys: [city]", ":10:16: match key city is not a key field of contact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyExample(t)
			body := strings.Replace(base, tc.from, tc.to, 1)
			if body == base {
				t.Fatalf("%q is not in the job", tc.from)
			}
			job := writeFile(t, dir, "job.yaml", body)
			r := runApp(t, nil, "validate", job)
			if r.code != ExitUsage || !strings.Contains(r.stderr, job+tc.want) {
				t.Fatalf("exit %d\n%s\nwant %s%s", r.code, r.stderr, job, tc.want)
			}
		})
	}
	dir := copyExample(t)
	if r := runApp(t, nil, "validate", writeFile(t, dir, "job.yaml", base)); r.code != ExitOK {
		t.Fatalf("the sane job: exit %d\n%s", r.code, r.stderr)
	}
	// The flag is bounded as the job is.
	if r := runApp(t, nil, "run", "--concurrency", "100000", writeFile(t, dir, "job.yaml", base)); r.code != ExitUsage || !strings.Contains(r.stderr, "--concurrency must be between 1 and 256") {
		t.Fatalf("--concurrency 100000: exit %d\n%s", r.code, r.stderr)
	}
}

// Every job shipped in testdata still validates, but for the README's
// example of validate's errors (testdata/example/bad.yaml, run by
// testdata/readme/worked-example.txtar).
func TestTestdataJobsValidate(t *testing.T) {
	jobs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.yaml"))
	if len(jobs) == 0 {
		t.Fatal("no testdata jobs")
	}
	for _, job := range jobs {
		if filepath.Base(job) == "bad.yaml" || filepath.Base(filepath.Dir(job)) == "kubernetes" {
			continue // kubernetes: manifests that run jobs, not jobs
		}
		if r := runApp(t, nil, "validate", job); r.code != ExitOK {
			t.Errorf("%s: exit %d\n%s", job, r.code, r.stderr)
		}
	}
}
