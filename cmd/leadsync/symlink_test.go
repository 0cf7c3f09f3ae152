package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// plantLinks puts a link at each name in dir, each to its own victim
// file, and returns a check that every victim is unchanged and every
// name, if written, is a file of its own.
func plantLinks(t *testing.T, dir string, names ...string) func() {
	t.Helper()
	victims := filepath.Join(t.TempDir(), "victims")
	os.MkdirAll(victims, 0o755)
	os.MkdirAll(dir, 0o755)
	for _, n := range names {
		v := filepath.Join(victims, strings.ReplaceAll(n, "/", "_"))
		if err := os.WriteFile(v, []byte("precious "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(v, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		for _, n := range names {
			v := filepath.Join(victims, strings.ReplaceAll(n, "/", "_"))
			if b, _ := os.ReadFile(v); string(b) != "precious "+n {
				t.Errorf("%s: leadsync wrote through the planted link to its target: %q", n, b)
			}
			fi, err := os.Lstat(filepath.Join(dir, n))
			if err == nil && fi.Mode()&os.ModeSymlink != 0 {
				t.Logf("%s: left as a link (not written)", n)
			}
		}
	}
}

// No file leadsync writes follows a link planted where it goes: run
// reports, summary.json, the export output, diff reports, the plan, the
// sandbox's records. The state database, written in place, refuses one.
func TestNoWriteThroughPlantedLinks(t *testing.T) {
	t.Run("export run", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "in.csv", "Name,Email\nAnna,anna@example.fi\nBad,not-an-email\n")
		job := writeFile(t, dir, "job.yaml", "name: links\nsource: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nmapping: {name: Name, email: {column: Email, transform: [email]}}\n")
		check := plantLinks(t, filepath.Join(dir, ".leadsync", "runs", "1"), "rejected.csv", "written.csv", "summary.json")
		checkOut := plantLinks(t, dir, "out.csv")
		r := runApp(t, nil, "run", "--quiet", job)
		if r.code != ExitRejected {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		check()
		checkOut()
		b, err := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
		if err != nil || !strings.Contains(string(b), "not-an-email") {
			t.Fatalf("rejected.csv not written: %q %v", b, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "out.csv")); !strings.Contains(string(b), "anna@example.fi") {
			t.Fatalf("out.csv: %q", b)
		}
	})
	t.Run("diff and plan on the sandbox", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "leads.csv", people(5))
		job := writeFile(t, dir, "job.yaml", strings.Replace(strings.Replace(leaddeskJob, "${LD_URL}", "sandbox", 1), "${LD_KEY}", leaddesktest.TestAPIKey, 1))
		check := plantLinks(t, filepath.Join(dir, "diff"), "diff.json", "diff.csv", "diff.html", "review.csv", "rejected.csv", "written.csv", "summary.json")
		checkPlan := plantLinks(t, dir, "plan.json")
		checkSandbox := plantLinks(t, filepath.Join(dir, ".leadsync", "sandbox"), "leaddesk.json")
		r := runApp(t, nil, "diff", "--quiet", "--out", filepath.Join(dir, "diff"), "--plan", filepath.Join(dir, "plan.json"), job)
		if r.code != 0 && r.code != ExitRejected {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		check()
		checkPlan()
		checkSandbox()
		if d := readDiff(t, filepath.Join(dir, "plan.json")); d.Counts["create"] == 0 {
			t.Fatalf("plan: %v", d.Counts)
		}
	})
	for _, name := range []string{"state.db", "state.db-wal", "state.db-shm"} {
		t.Run("state "+name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "in.csv", "Name\nAnna\n")
			job := writeFile(t, dir, "job.yaml", "name: links\nsource: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nmapping: {name: Name}\n")
			check := plantLinks(t, filepath.Join(dir, ".leadsync"), name)
			r := runApp(t, nil, "run", "--quiet", job)
			if r.code != ExitUsage || !strings.Contains(r.stderr, name+" is a symbolic link") {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			check()
		})
	}
}

// A run folder planted as a link to a folder elsewhere is refused: no
// report lands outside the job folder.
func TestRunFolderLinkRefused(t *testing.T) {
	dir, victim := t.TempDir(), t.TempDir()
	writeFile(t, dir, "in.csv", "Name,Email\nAnna,anna@example.fi\n")
	job := writeFile(t, dir, "job.yaml", "name: links\nsource: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nmapping: {name: Name, email: {column: Email, transform: [email]}}\n")
	runs := filepath.Join(dir, ".leadsync", "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(runs, "1")); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, nil, "run", "--quiet", job)
	if r.code == 0 || !strings.Contains(r.stderr, "link") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Fatalf("written through the link: %v", ents)
	}
}
