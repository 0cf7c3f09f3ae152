package job

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeJob writes a job file and its leads in a fresh folder.
func writeJob(t *testing.T, sink string) string {
	t.Helper()
	dir := t.TempDir()
	leads := "Name,Phone\nAnna Virtanen,040 123 4567\nOuti Laine,+358 50 765 4321\nMikko Laine,040 765 4321\n"
	job := "name: lifecycle\nsource: {path: leads.csv}\nsink: " + sink + "\nregion: FI\nstate: state/state.db\nmatch: {keys: [phone]}\n" +
		"mapping:\n  list: {value: \"Nightly leads\"}\n  fname: Name\n  phone: {column: Phone, transform: [phone], required: true}\n"
	for name, text := range map[string]string{"leads.csv": leads, "job.yaml": job} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "job.yaml")
}

func load(t *testing.T, path string) *Job {
	t.Helper()
	j, err := Load(path, LoadOptions{Lookup: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// A run cancelled once its plan is made ends Interrupted, with no error;
// the next run of the same job resumes it and finishes; a Job runs once.
func TestRunInterruptedThenResumed(t *testing.T) {
	path := writeJob(t, "{vendor: leaddesk, object: contact, url: sandbox}")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := load(t, path)
	res, err := j.Run(ctx, RunOptions{Notify: func(kind, _ string) {
		if kind == "plan" {
			cancel()
		}
	}})
	if err != nil || res.Class != Interrupted || res.Summary.Status != "interrupted" {
		t.Fatalf("cancelled run: %v, %+v", err, res)
	}
	if _, err := j.Run(context.Background(), RunOptions{}); ClassOf(err) != Usage {
		t.Fatalf("a second Run of one Job: %v", err)
	}
	res, err = load(t, path).Run(context.Background(), RunOptions{})
	if err != nil || res.Class != Done || !res.Summary.Resumed || res.Summary.RunID != 1 || res.Summary.Written != 3 {
		t.Fatalf("resumed run: %v, %+v", err, res.Summary)
	}
}

// Refusals before a run starts come as classed errors and no result.
func TestRunRefusalsAreClassed(t *testing.T) {
	path := writeJob(t, "{vendor: export, schema: leaddesk/contact, path: out.csv}")
	res, err := load(t, path).Run(context.Background(), RunOptions{PlanIn: "plan.json"})
	if res != nil || ClassOf(err) != Usage {
		t.Fatalf("a plan applied to an export: %v, %v", res, err)
	}
	res, err = load(t, path).Run(context.Background(), RunOptions{})
	if err != nil || res.Class != Done || res.Summary.Written != 3 || filepath.Base(res.Summary.Output) != "out.csv" {
		t.Fatalf("export: %v, %+v", err, res)
	}
}

// After a run, the history lists it and a reconcile finds every row in
// the target: the library alone, no binary.
func TestHistoryAndReconcile(t *testing.T) {
	path := writeJob(t, "{vendor: leaddesk, object: contact, url: sandbox}")
	if res, err := load(t, path).Run(context.Background(), RunOptions{}); err != nil || res.Class != Done {
		t.Fatalf("run: %v, %+v", err, res)
	}
	h, err := OpenHistory("", path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	runs, err := h.Runs(context.Background(), 10)
	if err != nil || len(runs) != 1 || runs[0].Created != 3 || runs[0].StatusText() != "done" {
		t.Fatalf("runs: %v, %+v", err, runs)
	}
	d, err := h.Show(context.Background(), runs[0].ID, 5)
	if err != nil || d.Info.Written != 3 || len(d.Output.Rows) != 0 {
		t.Fatalf("show: %v, %+v", err, d)
	}
	if _, err := h.Show(context.Background(), 9, 5); err == nil {
		t.Fatal("show of a run that is not there")
	}
	r, err := load(t, path).Reconcile(context.Background(), ReconcileOptions{OutDir: t.TempDir()})
	if err != nil || r.Class != Done || r.Diff.Counts[verdictPresent] != 3 || r.Diff.Counts[verdictMissing] != 0 {
		t.Fatalf("reconcile: %v, %+v", err, r)
	}
}

// gc through the library: a job's state path from its file; no state is
// a usage error, not a new database.
func TestCollectGarbage(t *testing.T) {
	path := writeJob(t, "{vendor: export, schema: leaddesk/contact, path: out.csv}")
	if _, err := CollectGarbage(context.Background(), GCOptions{JobFile: path, Keep: 1}); ClassOf(err) != Usage {
		t.Fatalf("gc before any run: %v", err)
	}
	if _, err := load(t, path).Run(context.Background(), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := CollectGarbage(context.Background(), GCOptions{JobFile: path, Keep: 1})
	if err != nil || res.Path != filepath.Join(filepath.Dir(path), "state", "state.db") || res.Runs != 0 {
		t.Fatalf("gc: %v, %+v", err, res)
	}
}

// state_values reaches the engine: with none, state holds the records'
// content hashes and no values; by default it holds both.
func TestStateValuesSetting(t *testing.T) {
	for _, c := range []struct {
		line       string
		withValues int
	}{{"", 3}, {"state_values: none\n", 0}} {
		path := writeJob(t, "{vendor: leaddesk, object: contact, url: sandbox}")
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(c.line)
		f.Close()
		res, err := load(t, path).Run(context.Background(), RunOptions{})
		if err != nil || res.Class != Done || res.Summary.Written != 3 {
			t.Fatalf("%q: %v, %+v", c.line, err, res)
		}
		db, err := sql.Open("sqlite3", "file:"+filepath.Join(filepath.Dir(path), "state", "state.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var records, withValues int
		err = db.QueryRow(`SELECT COUNT(*), COUNT(fields) FROM records WHERE length(content_hash) > 0`).Scan(&records, &withValues)
		db.Close()
		if err != nil || records != 3 || withValues != c.withValues {
			t.Errorf("%q: %d records, %d with values (want 3, %d): %v", c.line, records, withValues, c.withValues, err)
		}
		// A diff says where old values come from.
		res, err = load(t, path).Run(context.Background(), RunOptions{DryRun: true})
		if err != nil || res.Diff == nil {
			t.Fatalf("%q: dry run %v, %+v", c.line, err, res)
		}
		notes := strings.Join(res.Diff.Diff.Notes, "\n")
		if !strings.Contains(notes, "LeadDesk's contact find returns ids only") || strings.Contains(notes, "state_values: none") != (c.withValues == 0) {
			t.Errorf("%q: diff notes %q", c.line, notes)
		}
	}
}
