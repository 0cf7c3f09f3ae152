package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportRuns writes an export job (head, then a source, sink and mapping)
// and runs it n times, each on a changed two-row file (a new run each
// time), and returns the job's path.
func exportRuns(t *testing.T, head string, n int) string {
	t.Helper()
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte(head+"source: {path: in.csv}\nsink: {vendor: export, path: out.jsonl}\nmapping: {name: Name}\n"), 0o644)
	for i := range n {
		os.WriteFile(filepath.Join(dir, "in.csv"), []byte("Name\nA"+strings.Repeat("x", i)+"\nB\n"), 0o644)
		if r := runApp(t, nil, "run", "--quiet", job); r.code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
	}
	return job
}

// TestGCCommand: gc keeps the newest run whole and prunes the others'
// rows; runs still lists them all with the state's size, show says the
// rows were removed, and a folder without state gets a hint, not a file.
func TestGCCommand(t *testing.T) {
	job := exportRuns(t, "name: g\n", 3)
	r := runApp(t, nil, "gc", "--job", job, "--keep", "1", "--vacuum", "--json")
	if r.code != ExitOK {
		t.Fatalf("gc: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Runs     int   `json:"runs_pruned"`
		Outcomes int   `json:"outcomes_removed"`
		Before   int64 `json:"bytes_before"`
		After    int64 `json:"bytes_after"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if out.Runs != 2 || out.Outcomes != 4 || out.After <= 0 {
		t.Errorf("gc --keep 1: %+v, want 2 runs and 4 outcomes pruned", out)
	}
	runs := runApp(t, nil, "runs", "--job", job)
	if !strings.Contains(runs.stdout, "state ") || strings.Count(runs.stdout, " g ") < 3 {
		t.Errorf("runs after gc:\n%s", runs.stdout)
	}
	show := runApp(t, nil, "show", "--job", job, "1")
	if !strings.Contains(show.stdout, "outcomes removed by leadsync gc") {
		t.Errorf("show of a pruned run does not say so:\n%s", show.stdout)
	}
	empty := t.TempDir()
	r = runApp(t, nil, "gc", "--state", filepath.Join(empty, "state.db"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no state here") {
		t.Errorf("gc without state: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(empty, "state.db")); err == nil {
		t.Error("gc created a state file")
	}
}

// TestKeepRuns: a job with keep_runs: 2 prunes its older runs' rows after
// each run by itself; every run stays in history.
func TestKeepRuns(t *testing.T) {
	job := exportRuns(t, "name: k\nkeep_runs: 2\n", 4)
	dir := filepath.Dir(job)
	for id, pruned := range map[string]bool{"1": true, "2": true, "3": false, "4": false} {
		r := runApp(t, nil, "show", "--job", job, "--json", id)
		var out struct {
			Pruned bool `json:"pruned"`
			Rows   int  `json:"rows"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("show %s: %v\n%s%s", id, err, r.stdout, r.stderr)
		}
		if out.Pruned != pruned || out.Rows != 2 {
			t.Errorf("run %s: pruned %v (want %v), rows %d", id, out.Pruned, pruned, out.Rows)
		}
	}
	if r := runApp(t, nil, "validate", filepath.Join(writeFile(t, dir, "bad.yaml", "name: b\nkeep_runs: -1\nsource: {path: in.csv}\nsink: {vendor: export, path: o.jsonl}\nmapping: {name: Name}\n"))); r.code != ExitUsage || !strings.Contains(r.stderr, "keep_runs") {
		t.Errorf("keep_runs: -1 accepted: exit %d %s", r.code, r.stderr)
	}
}
