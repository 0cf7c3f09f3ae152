package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
