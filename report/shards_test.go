package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMergeShards(t *testing.T) {
	root := t.TempDir()
	write := func(dir, name, body string) string {
		p := filepath.Join(root, dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("0", "summary.json", `{"job":"j","run_id":3,"status":"done","rows":10,"written":8,"rejected":2,"calls":20,"seconds":4,"actions":{"create":5,"update":3},"unsettled":[{"row":4}],"dry_run":false}`)
	b := write("1", "summary.json", `{"job":"j [shard 1/2]","shard":"1/2","run_id":7,"status":"done_with_rejects","rows":12,"written":9,"rejected":3,"calls":25,"seconds":6,"actions":{"create":9},"unsettled":[{"row":9}],"dry_run":false}`)
	write("0", "rejected.csv", "Name,leadsync_row,leadsync_reason\nX,5,bad\nY,2,bad\n")
	write("1", "rejected.csv", "Name,leadsync_row,leadsync_reason\nZ,3,bad\n")
	out := filepath.Join(root, "merged")
	m, err := MergeShards([]string{a, b}, out)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Summary
	if s["rows"] != 12.0 || s["written"] != 17.0 || s["calls"] != 45.0 || s["seconds"] != 6.0 || s["status"] != "done_with_rejects" || m.Shards != 2 {
		t.Errorf("merged %v", s)
	}
	if acts := s["actions"].(map[string]any); acts["create"] != 14.0 || acts["update"] != 3.0 {
		t.Errorf("actions %v", acts)
	}
	if u := s["unsettled"].([]any); len(u) != 2 {
		t.Errorf("unsettled %v", u)
	}
	data, err := os.ReadFile(filepath.Join(out, "rejected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), "Name,leadsync_row,leadsync_reason\nY,2,bad\nZ,3,bad\nX,5,bad\n"; got != want {
		t.Errorf("rejected.csv:\n%s\nwant\n%s", got, want)
	}
	other := write("2", "summary.json", `{"job":"k","run_id":1,"status":"done"}`)
	if _, err := MergeShards([]string{a, other}, ""); err == nil || !strings.Contains(err.Error(), "job") {
		t.Errorf("shards of two jobs merged: %v", err)
	}
}
