package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGCCommand: gc keeps the newest run whole and prunes the others'
// rows; runs still lists them all with the state's size, show says the
// rows were removed, and a folder without state gets a hint, not a file.
func TestGCCommand(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("name: g\nsource: {path: in.csv}\nsink: {vendor: export, path: out.jsonl}\nmapping: {name: Name}\n"), 0o644)
	for i := range 3 {
		os.WriteFile(filepath.Join(dir, "in.csv"), []byte("Name\nA"+strings.Repeat("x", i)+"\nB\n"), 0o644)
		if r := runApp(t, nil, "run", "--quiet", job); r.code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
	}
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
