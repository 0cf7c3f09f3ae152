package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// A state file leadsync cannot use is named, with what to do, and exits
// 5 in every command that opens it.
func TestStateFaultExitCode(t *testing.T) {
	dir := copyExample(t)
	job := filepath.Join(dir, "job.yaml")
	db := filepath.Join(dir, ".leadsync", "preview", "state.db") // job.yaml's state
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, []byte("not a database, a note someone saved here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"run", "--quiet", job}, {"runs", "--job", job}, {"show", "--job", job, "1"}} {
		r := runApp(t, nil, args...)
		if r.code != ExitFiles || !strings.Contains(r.stderr, "state file "+db+" is damaged") || !strings.Contains(r.stderr, "mv "+db) {
			t.Fatalf("%s: exit %d, want %d naming the damaged file\n%s", args[0], r.code, ExitFiles, r.stderr)
		}
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, nil, "run", "--quiet", job)
	if r.code != ExitFiles || !strings.Contains(r.stderr, "state file "+db+" cannot be used (it is a folder)") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// bigLeads writes n rows in the example's columns; every 10th phone is
// bad (rejected for itself).
func bigLeads(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Etunimi;Sukunimi;Puhelin;Sähköposti;Kaupunki;Lisätiedot;Kampanja;Budjetti;Syntynyt\n")
	for i := range n {
		phone := fmt.Sprintf("+35840%07d", 1000000+i)
		if i%10 == 9 {
			phone = "12"
		}
		fmt.Fprintf(&b, "Anna%d;Virtanen;%s;anna%d@example.com;Helsinki;note %d;spring;100;01.02.1990\n", i, phone, i, i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallDisk mounts a tmpfs of size bytes (root only; skipped otherwise).
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// On a full disk no row is rejected: the run stops with exit 5 and says
// which file could not be written; rejected.csv holds only bad rows.
func TestDiskFullRejectsNoRow(t *testing.T) {
	src := filepath.Join(t.TempDir(), "big.csv")
	bigLeads(t, src, 20000)
	example, err := os.ReadFile(filepath.Join("..", "..", "testdata", "example", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, say string
		size      int
		out       func(jobDir string) string // the export's output path
	}{
		// The output fills the disk: the export file cannot be written.
		{"output", "leadsync could not write its own file", 1500 << 10, func(string) string { return "out/contacts.csv" }},
		// The state database fills it.
		{"state", "cannot grow: the disk is full", 300 << 10, func(string) string { return filepath.Join(t.TempDir(), "contacts.csv") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := smallDisk(t, tc.size)
			body := strings.Replace(string(example), "path: leads.csv", "path: "+src, 1)
			body = strings.Replace(body, "path: out/contacts.csv", "path: "+tc.out(dir), 1)
			job := writeFile(t, dir, "job.yaml", body)
			reports := t.TempDir()
			r := runApp(t, nil, "run", "--quiet", "--report", reports, job)
			if r.code != ExitFiles || !strings.Contains(r.stderr, tc.say) || !strings.Contains(r.stderr, "no row was rejected") {
				t.Fatalf("exit %d, want %d saying %q\n%s%s", r.code, ExitFiles, tc.say, r.stdout, r.stderr)
			}
			rej, err := os.ReadFile(filepath.Join(reports, "rejected.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(rej), "no space") || strings.Contains(string(rej), "disk") {
				t.Fatalf("rows rejected for the disk:\n%.600s", rej)
			}
			var sum summary
			b, _ := os.ReadFile(filepath.Join(reports, "summary.json"))
			if err := json.Unmarshal(b, &sum); err == nil && sum.Rejected > sum.Rows/10+1 {
				t.Fatalf("%d of %d rows rejected; only every 10th is bad", sum.Rejected, sum.Rows)
			}
		})
	}
}

// A state file removed while a run is going stops the run at once (not
// at its end, with the history gone): exit 5, and the message says so.
func TestStateRemovedMidRun(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(200))
	// 5 calls a second: the run would take over a minute.
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "budget: {calls: 100, per: 60ms}", "budget: {calls: 5, per: 1s}", 1))
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	db := filepath.Join(dir, ".leadsync", "state.db")
	done := make(chan result, 1)
	start := time.Now()
	go func() { done <- runAppB(env, "run", "--quiet", "--grace", "1s", job) }()
	for len(srv.Contacts()) == 0 {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the run wrote nothing in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	removed := time.Now()
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run went on for 30 s after its state file was removed")
	}
	if r.code != ExitFiles || !strings.Contains(r.stderr, "state file "+db+" was removed") || !strings.Contains(r.stderr, "history") {
		t.Fatalf("exit %d after %s\n%s%s", r.code, time.Since(removed), r.stdout, r.stderr)
	}
	if n := len(srv.Contacts()); n > 50 {
		t.Errorf("%d contacts written: the run did not stop soon after the removal", n)
	}
}
