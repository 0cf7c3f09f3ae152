package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

// mirrorJob is a Tiledesk mirror job on people(10), on an emulator.
func mirrorJob(t *testing.T) (srv *tiledesktest.Server, dir, job string, env map[string]string) {
	srv = tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001})
	t.Cleanup(srv.Close)
	dir = t.TempDir()
	job = writeFile(t, dir, "job.yaml", strings.Replace(tiledeskJob, "region: FI", "region: FI\nmirror: true", 1))
	env = map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}
	writeFile(t, dir, "leads.csv", people(10))
	return srv, dir, job, env
}

// The diff of a mirror job lists the deletions the run would make, and
// deletes nothing; the run then deletes those.
func TestE2EMirrorDiffListsDeletions(t *testing.T) {
	srv, dir, job, env := mirrorJob(t)
	runApp(t, env, "run", "--quiet", job)
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(people(10)), "\n") {
		if !strings.HasPrefix(l, "Person8;") && !strings.HasPrefix(l, "Person9;") {
			kept = append(kept, l)
		}
	}
	writeFile(t, dir, "leads.csv", strings.Join(kept, "\n")+"\n")
	out := filepath.Join(dir, "plan")
	r := runApp(t, env, "diff", "--out", out, job)
	if !strings.Contains(r.stdout, "delete     2") {
		t.Fatalf("diff:\n%s%s", r.stdout, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "diff.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Entities []struct {
			Action   string `json:"action"`
			VendorID string `json:"vendor_id"`
		} `json:"entities"`
	}
	json.Unmarshal(b, &d)
	planned := map[string]bool{}
	for _, e := range d.Entities {
		if e.Action == "delete" {
			planned[e.VendorID] = true
		}
	}
	for _, l := range srv.Leads() {
		if l.Deleted() {
			t.Fatalf("the diff deleted %s", l.Email)
		}
	}
	r = runApp(t, env, "run", "--quiet", job)
	if !strings.Contains(r.stdout, "deleted 2") {
		t.Fatalf("run:\n%s%s", r.stdout, r.stderr)
	}
	n := 0
	for _, l := range srv.Leads() {
		if l.Deleted() {
			n++
			if !planned[l.ID] {
				t.Fatalf("deleted %s, not in the plan %v", l.ID, planned)
			}
		}
	}
	if n != 2 || len(planned) != 2 {
		t.Fatalf("deleted %d, planned %v", n, planned)
	}
}

// run --dry-run of an export job writes no file and reports what it would
// write.
func TestExportDryRun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "Name;Phone\nAnna;0401234567\nBo;12\nCy;0407654321\n")
	job := writeFile(t, dir, "job.yaml", "name: preview\nsource: {path: in.csv}\nsink: {vendor: export, path: out/out.csv}\nregion: FI\nmapping: {name: Name, phone: {column: Phone, transform: [phone]}}\n")
	r := runApp(t, nil, "run", "--dry-run", job)
	if r.code != ExitRejected && r.code != 0 || !strings.Contains(r.stdout, "export     2") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Fatalf("a dry run created the output folder: %v", err)
	}
	if r := runApp(t, nil, "run", "--quiet", job); r.code != ExitRejected {
		t.Fatalf("the real run after the dry run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "out", "out.csv"))
	if got := strings.Count(string(b), "\n"); got != 3 {
		t.Fatalf("export %d lines:\n%s", got, b)
	}
}

// A mirror job whose file has become empty (0 bytes, blank lines, or a
// header only) deletes nothing: it says there were no rows and exits 0,
// the diff plans no deletion, and every record stays at the vendor.
func TestE2EMirrorEmptyFileDeletesNothing(t *testing.T) {
	srv, dir, job, env := mirrorJob(t)
	if r := runApp(t, env, "run", "--quiet", job); r.code > 1 {
		t.Fatalf("seeding run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	stored := len(srv.Leads())
	header := strings.SplitN(people(1), "\n", 2)[0] + "\n"
	for name, content := range map[string]string{"0 bytes": "", "blank lines": "\n\n\r\n", "header only": header} {
		t.Run(name, func(t *testing.T) {
			writeFile(t, dir, "leads.csv", content)
			d := runApp(t, env, "diff", "--out", filepath.Join(dir, "plan-"+strings.ReplaceAll(name, " ", "-")), job)
			if strings.Contains(d.stdout, "delete ") && !strings.Contains(d.stdout, "delete     0") {
				t.Fatalf("the diff plans deletions:\n%s%s", d.stdout, d.stderr)
			}
			r := runApp(t, env, "run", job)
			if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "no rows") {
				t.Fatalf("run: exit %d, want 0 and a no-rows line\n%s%s", r.code, r.stdout, r.stderr)
			}
			deleted := 0
			for _, l := range srv.Leads() {
				if l.Deleted() {
					deleted++
				}
			}
			if deleted != 0 || len(srv.Leads()) != stored {
				t.Fatalf("%d of %d records deleted (%d stored)", deleted, stored, len(srv.Leads()))
			}
		})
	}
}
