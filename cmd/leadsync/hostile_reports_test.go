package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// Two jobs whose state databases sit in one folder (state: .st/a.db and
// .st/b.db) both start at run 1: their reports must not land in the same
// folder, where the second run's summary.json and rejected.csv would replace
// the first's, and `runs --state` must read each database's own summary.
func TestReportsOfStatesSharingAFolderStayApart(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "name,email\nAnna,anna@example.com\nBad,not-an-email\n")
	for _, n := range []string{"a", "b"} {
		writeFile(t, dir, n+".yaml", "name: job-"+n+"\nsource: {path: in.csv}\nsink: {vendor: export, path: out-"+n+".csv}\n"+
			"state: .st/"+n+".db\nmapping:\n  name: name\n  email: {column: email, transform: [email]}\n")
	}
	for _, n := range []string{"a", "b"} {
		if r := runApp(t, nil, "run", filepath.Join(dir, n+".yaml")); r.code != ExitRejected {
			t.Fatalf("run %s: exit %d, stderr %s", n, r.code, r.stderr)
		}
	}
	seen := map[string]string{}
	for _, n := range []string{"a", "b"} {
		r := runApp(t, nil, "run", "--json", filepath.Join(dir, n+".yaml"))
		var s summary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatalf("job %s: --json: %v: %s", n, err, r.stdout)
		}
		if s.Reports == "" {
			t.Fatalf("job %s: no reports folder in %s", n, r.stdout)
		}
		if other, ok := seen[s.Reports]; ok {
			t.Fatalf("jobs %s and %s share the reports folder %s", other, n, s.Reports)
		}
		seen[s.Reports] = n
		b, err := os.ReadFile(filepath.Join(s.Reports, "summary.json"))
		if err != nil || !strings.Contains(string(b), `"job-`+n+`"`) {
			t.Fatalf("job %s: summary.json in %s is not its own (%v): %.200s", n, s.Reports, err, b)
		}
	}
}

// A run interrupted by Ctrl-C and resumed reports the whole run's entities
// (rows and counts already do): the entities settled before the interrupt
// are counted in `entities` and `actions` too, not only those the resumed
// invocation planned (it printed "rows 400, entities 290, written 400").
func TestResumedRunCountsTheWholeRunsEntities(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.005})
	defer srv.Close()
	dir := t.TempDir()
	const n = 400
	writeFile(t, dir, "leads.csv", people(n))
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: 300ms", 1))
	env := append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)
	cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "8", job)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d", code, ExitInterrupted)
	}
	if len(srv.Contacts()) == 0 {
		t.Fatal("nothing written before the interrupt: the test proves nothing")
	}
	cmd = exec.Command(bin, "run", "--quiet", "--json", job)
	cmd.Env = env
	out, _ := cmd.Output()
	var s summary
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sum := 0
	for _, v := range s.Actions {
		sum += v
	}
	if !s.Resumed || s.Entities != n || sum != n {
		t.Fatalf("resumed %v: entities %d, actions %v (sum %d), want %d entities", s.Resumed, s.Entities, s.Actions, sum, n)
	}
	// So are its calls: the emulator's count of both invocations'.
	if got := srv.Core().Stats().TotalRequests(); s.Calls != got {
		t.Errorf("the resumed run reports %d calls, the emulator got %d", s.Calls, got)
	}
	// The report files are the whole run's too: every row the first
	// invocation finished is in written.csv or rejected.csv, once, as the
	// summary counts them (the resumed invocation wrote only its own).
	for file, want := range map[string]int{"written.csv": s.Written, "rejected.csv": s.Rejected} {
		rows := reportRows(t, filepath.Join(s.Reports, file))
		if len(rows) != want {
			t.Errorf("%s holds %d rows, the summary counts %d", file, len(rows), want)
		}
		for r, k := range rows {
			if k != 1 {
				t.Errorf("%s lists row %s %d times", file, r, k)
			}
		}
	}
}

// reportRows counts the lines of a report file by their leadsync_row.
func reportRows(t *testing.T, path string) map[string]int {
	t.Helper()
	rows := map[string]int{}
	for _, rec := range readCSVMaps(t, path) {
		rows[rec["leadsync_row"]]++
	}
	return rows
}
