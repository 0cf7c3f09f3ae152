package main

import (
	"github.com/leadsync/leadsync/sinks/vendors"

	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyNightly copies the sandbox LeadDesk example job into a temp folder,
// reading the worked example's file (with its 3 bad rows) instead of the
// quick start's clean one, both jobs in one state database.
func copyNightly(t *testing.T) (dir, job string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range []string{"nightly-leaddesk.yaml", "leads.csv", "job.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "example", f))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		switch f {
		case "nightly-leaddesk.yaml":
			text = strings.Replace(text, "nightly.csv", "leads.csv", 1)
		case "job.yaml": // one state for both jobs, as these tests need
			text = strings.Replace(text, "state: .leadsync/preview/state.db", "", 1)
		}
		writeFile(t, dir, f, text)
	}
	return dir, filepath.Join(dir, "nightly-leaddesk.yaml")
}

func readReportCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRunsAndShowAreReadOnly(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, ".leadsync", "state.db")
	for _, args := range [][]string{{"runs", "--state", st}, {"show", "--state", st, "1"}} {
		r := runApp(t, nil, args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "no state here") || !strings.Contains(r.stderr, "leadsync run") {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, ".leadsync")); !os.IsNotExist(err) {
			t.Fatalf("%v created state: %v", args, err)
		}
	}
}

func TestRunsShowJobFilterJSONAndDryRuns(t *testing.T) {
	dir, nightly := copyNightly(t)
	preview := filepath.Join(dir, "job.yaml")
	if r := runApp(t, nil, "run", "-q", preview); r.code != ExitRejected { // run 1
		t.Fatalf("preview: %d %s", r.code, r.stderr)
	}
	if r := runApp(t, nil, "run", "-q", nightly); r.code != ExitRejected { // run 2
		t.Fatalf("nightly: %d %s", r.code, r.stderr)
	}
	if r := runApp(t, nil, "diff", "-q", nightly); r.code != ExitRejected { // run 3, dry
		t.Fatalf("diff: %d %s%s", r.code, r.stdout, r.stderr)
	}
	// show --job refuses another job's run.
	r := runApp(t, nil, "show", "--job", nightly, "1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `run 1 is a run of job "example-preview"`) {
		t.Fatalf("show --job other job's run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, nil, "runs", "--job", nightly, "--json")
	var runs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 2 {
		t.Fatalf("runs --json: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"run_id", "job", "status", "dry_run", "rows", "written", "created", "updated", "unchanged", "rejected", "calls", "counts"} {
		if _, ok := runs[1][k]; !ok {
			t.Errorf("runs --json lacks %q: %v", k, runs[1])
		}
	}
	if runs[0]["dry_run"] != true || runs[0]["written"] != 0.0 || runs[1]["created"] != 7.0 || runs[1]["calls"].(float64) < 7 {
		t.Fatalf("runs --json: %v", runs)
	}
	r = runApp(t, nil, "runs", "--job", nightly)
	if !strings.Contains(r.stdout, "dry run (wrote nothing)") || strings.Contains(r.stdout, "example-preview") || !strings.Contains(r.stdout, "CREATED") {
		t.Fatalf("runs:\n%s", r.stdout)
	}
	r = runApp(t, nil, "show", "--job", nightly, "--json", "2")
	var show map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || show["created"] != 7.0 || len(show["problem_rows"].([]any)) != 3 {
		t.Fatalf("show --json: %v\n%s%s", err, r.stdout, r.stderr)
	}
}

func TestDiffPrintsOneSummaryAndItsOwnJSON(t *testing.T) {
	_, nightly := copyNightly(t)
	r := runApp(t, nil, "diff", "-q", nightly)
	if strings.Count(r.stdout, "job nightly-leaddesk") != 1 || strings.Contains(r.stdout, "written") {
		t.Fatalf("diff prints more than its summary:\n%s", r.stdout)
	}
	out := filepath.Join(filepath.Dir(nightly), "d")
	r = runApp(t, nil, "diff", "-q", "--json", "--out", out, nightly)
	var s map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("diff --json: %v\n%s", err, r.stdout)
	}
	counts := s["counts"].(map[string]any)
	if counts["create"] != 7.0 || counts["update"] != 0.0 || counts["rejected_rows"] != 3.0 || s["forecast"].(map[string]any)["calls"].(float64) == 0 {
		t.Fatalf("diff --json: %s", r.stdout)
	}
	if _, ok := s["written"]; ok {
		t.Fatalf("diff --json is the run summary: %s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "written.csv")); !os.IsNotExist(err) {
		t.Fatalf("a diff left written.csv: %v", err)
	}
}

func TestQuietAndJSONLogs(t *testing.T) {
	_, nightly := copyNightly(t)
	r := runApp(t, nil, "run", nightly, "-q")
	if strings.Contains(r.stderr, "level=INFO") || strings.Contains(r.stderr, "plan:") {
		t.Fatalf("-q printed info lines:\n%s", r.stderr)
	}
	r = runApp(t, nil, "run", nightly, "--fresh", "--log-format", "json", "--json")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) < 3 {
		t.Fatalf("json logs:\n%s", r.stderr)
	}
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not a JSON line: %q (%v)", l, err)
		}
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"calls", "entities", "uncertain", "failed", "retried", "failures", "unsettled", "actions", "budget", "output", "message", "dry_run"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("run --json lacks %q", k)
		}
	}
	// An export job makes no calls: calls is 0, not missing.
	r = runApp(t, nil, "run", "-q", "--json", filepath.Join(filepath.Dir(nightly), "job.yaml"))
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum["calls"] != 0.0 {
		t.Fatalf("export --json: %v %s", err, r.stdout)
	}
}

func TestWrittenCSVIsASuccessFile(t *testing.T) {
	dir, nightly := copyNightly(t)
	runApp(t, nil, "run", "-q", nightly)
	recs := readReportCSV(t, filepath.Join(dir, ".leadsync", "runs", "1", "written.csv"))
	h := recs[0]
	want := []string{"Etunimi", "Sukunimi", "Puhelin", "Sähköposti", "Kaupunki", "Kampanja", "Budjetti", "Syntynyt", "Lisätiedot", "leadsync_row", "leadsync_vendor_id", "leadsync_action"}
	if strings.Join(h, "|") != strings.Join(want, "|") || len(recs) != 8 {
		t.Fatalf("written.csv header %q, %d lines", h, len(recs))
	}
	for _, rec := range recs[1:] {
		if rec[0] == "" || rec[10] == "" || rec[11] != "create" {
			t.Fatalf("written.csv row %q", rec)
		}
	}
}

func TestReimportFixedRejectedFile(t *testing.T) {
	dir, nightly := copyNightly(t)
	runApp(t, nil, "run", "-q", nightly)
	b, err := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(strings.Replace(string(b), ",12345,", ",040 111 2222,", 1), "pekka(at)example.fi", "pekka@example.fi", 1)
	in := writeFile(t, dir, "fixed.csv", fixed)
	r := runApp(t, nil, "run", "-q", "--json", nightly, "--input", in)
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
	}
	if s.RunID != 2 || s.Resumed || s.Rows != 3 || s.Written != 2 || s.Rejected != 1 || s.Actions["create"] != 2 {
		t.Fatalf("re-import: %+v\n%s", s, r.stderr)
	}
	// The new rejected.csv has the original columns once, not leadsync_* twice.
	rej := readReportCSV(t, filepath.Join(dir, ".leadsync", "runs", "2", "rejected.csv"))
	if len(rej[0]) != 12 || len(rej) != 2 || rej[1][0] != "Kaisa" {
		t.Fatalf("rejected.csv of the re-import: %q", rej)
	}
	// The same input again resumes nothing and writes nothing new.
	r = runApp(t, nil, "run", "-q", "--json", nightly, "--input", in)
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.RunID != 3 || s.Calls != 0 || s.Actions["unchanged"] != 2 {
		t.Fatalf("again: %v %+v", err, s)
	}
}

func TestSandboxRecordsAreParsedNotByteCompared(t *testing.T) {
	dir, nightly := copyNightly(t)
	runApp(t, nil, "run", "-q", nightly)
	saved := filepath.Join(dir, ".leadsync", "sandbox", "leaddesk.json")
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	re, _ := json.MarshalIndent(v, "", "        ") // a whitespace-only re-save
	writeFile(t, filepath.Dir(saved), "leaddesk.json", string(re))
	old := map[string]bool{}
	for _, rec := range readReportCSV(t, filepath.Join(dir, ".leadsync", "runs", "1", "written.csv"))[1:] {
		old[rec[10]] = true
	}
	src, _ := os.ReadFile(filepath.Join(dir, "leads.csv"))
	header := strings.SplitN(string(src), "\n", 2)[0]
	in := writeFile(t, dir, "new.csv", header+"\nUusi;Ihminen;040 999 8888;;;;;;\n")
	r := runApp(t, nil, "run", "-q", nightly, "--input", in)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	recs := readReportCSV(t, filepath.Join(dir, ".leadsync", "runs", "2", "written.csv"))
	if len(recs) != 2 || old[recs[1][10]] {
		t.Fatalf("the new contact reused an existing id: %q (old %v)", recs, old)
	}
	// A broken file is a hard error, not an empty vendor.
	writeFile(t, filepath.Dir(saved), "leaddesk.json", `{"contacts": [`)
	r = runApp(t, nil, "run", "-q", "--fresh", nightly)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "leaddesk.json") {
		t.Fatalf("broken sandbox records: exit %d\n%s", r.code, r.stderr)
	}
}

// The sandbox's export lines are what the example job needs: pasted, its
// run writes to the sandbox's LeadDesk.
func TestSandboxPrintsExportLines(t *testing.T) {
	vendors := newSandboxVendors(vendors.All(), emulatorSettings{timeScale: 1})
	srv := httptest.NewServer(sandboxMux(vendors))
	defer srv.Close()
	text := describeSandbox(srv.URL, vendors, emulatorSettings{timeScale: 1})
	env := map[string]string{}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		n++
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = strings.Trim(v, "'")
		}
	}
	if n != 4 || env["LEADDESK_URL"] != srv.URL+"/leaddesk" || env["TILEDESK_TOKEN"] == "" || env["LEADSQUARED_SECRET_KEY"] == "" {
		t.Fatalf("export lines (%d): %v\n%s", n, env, text)
	}
	_, nightly := copyNightly(t)
	r := runApp(t, env, "run", "-q", nightly)
	if r.code != ExitRejected || vendors[0].Core().Stats().TotalWrites() != 7 {
		t.Fatalf("run with the pasted exports: %d, %d writes\n%s%s", r.code, vendors[0].Core().Stats().TotalWrites(), r.stdout, r.stderr)
	}
}

// inspect's suggestion leaves a placeholder for a required field no column
// matched; a job holding it is refused by validate until it is filled in.
func TestInspectPlaceholderIsRefusedUntilFilled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", "Name,Phone\nAnn,040 123 4567\n")
	r := runApp(t, nil, "inspect", filepath.Join(dir, "leads.csv"))
	i := strings.Index(r.stdout, "mapping:\n")
	if r.code != 0 || i < 0 || !strings.Contains(r.stdout, `list: {value: "<FILL IN: calling list name>"}`) {
		t.Fatalf("inspect: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	job := "name: x\nsource: {path: leads.csv}\nsink: {vendor: export, schema: leaddesk/contact, path: out.csv}\nmatch: {keys: [phone]}\nregion: FI\n" + r.stdout[i:]
	p := writeFile(t, dir, "job.yaml", job)
	r = runApp(t, nil, "validate", p)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "placeholder <FILL IN: calling list name> is still there") {
		t.Fatalf("validate with a placeholder: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	writeFile(t, dir, "job.yaml", strings.ReplaceAll(job, "<FILL IN: calling list name>", "Nightly"))
	if r = runApp(t, nil, "validate", p); r.code != 0 {
		t.Fatalf("validate once filled: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
