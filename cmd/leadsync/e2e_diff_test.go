package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

func readDiff(t *testing.T, path string) *report.Diff {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := report.ReadDiff(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// leadsync diff makes read calls only, for every vendor: the emulators'
// write counters stay at zero, and the reports say what a run would do.
func TestDiffWritesNothingAtAnyVendor(t *testing.T) {
	type vendorCase struct {
		name string
		core *emulator.Core
		env  map[string]string
		job  string
		file string
		body string
	}
	ld := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer ld.Close()
	td := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001})
	defer td.Close()
	li := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer li.Close()
	ls := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01})
	defer ls.Close()
	calls := "Session,From,To,Direction,Start,End,Source\ncall-1,098765 43210,+91 80111 12222,inbound,2026-11-20 09:00:00,2026-11-20 09:00:30,Web\n"
	cases := []vendorCase{
		{"leaddesk", ld.Core(), map[string]string{"LD_URL": ld.URL, "LD_KEY": leaddesktest.TestAPIKey}, leaddeskJob, "leads.csv", people(20)},
		{"tiledesk", td.Core(), map[string]string{"TD_URL": td.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}, tiledeskJob, "leads.csv", people(20)},
		{"liondesk contact", li.Core(), map[string]string{"LI_URL": li.URL, "LI_TOKEN": liondesktest.TestToken}, liondeskContactJob, "leads.csv", strings.ReplaceAll(people(20), ";", ",")},
		{"liondesk lead", li.Core(), map[string]string{"LI_URL": li.URL, "LI_TOKEN": liondesktest.TestToken}, liondeskLeadJob, "leads.csv", "First,Last,Email,Phone,Zip\nA,B,a@example.com,(415) 555-0100,92618\n"},
		{"leadsquared", ls.Core(), map[string]string{"LS_URL": ls.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}, leadsquaredJob, "calls.csv", calls},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tc.file, tc.body)
			job := writeFile(t, dir, "job.yaml", tc.job)
			before := tc.core.Stats().TotalWrites()
			out := filepath.Join(dir, "diff")
			r := runApp(t, tc.env, "diff", "--quiet", "--out", out, job)
			if w := tc.core.Stats().TotalWrites() - before; w != 0 {
				t.Fatalf("diff wrote %d times at %s", w, tc.name)
			}
			if r.code != 0 && r.code != ExitRejected {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			d := readDiff(t, filepath.Join(out, "diff.json"))
			if d.Counts["create"] == 0 || d.Forecast.Calls == 0 {
				t.Fatalf("diff counts %v, forecast %+v", d.Counts, d.Forecast)
			}
			for _, f := range []string{"diff.csv", "diff.html"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// A plan is applied exactly: an entity whose vendor record changed after
// the plan was made is set aside and reported; the rest is written.
func TestPlanAndApply(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	seed := fmt.Sprintf(`{"leads":[
		{"_id":"66d1e4c0aaaaaaaaaaaaaab1","fullname":"Person1 Last1","email":"p1@example.fi","phone":"+358400000001","id_project":"%[1]s"},
		{"_id":"66d1e4c0aaaaaaaaaaaaaab2","fullname":"Person2 Last2","email":"p2@example.fi","phone":"+358400000002","id_project":"%[1]s"},
		{"_id":"66d1e4c0aaaaaaaaaaaaaab3","fullname":"Twin","email":"p3@example.fi","id_project":"%[1]s"},
		{"_id":"66d1e4c0aaaaaaaaaaaaaab4","fullname":"Twin","email":"p3@example.fi","id_project":"%[1]s"}]}`, tiledesktest.TestProjectID)
	if err := srv.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(6))
	job := writeFile(t, dir, "job.yaml", tiledeskJob)
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}
	plan := filepath.Join(dir, "plan.json")
	r := runApp(t, env, "diff", "--quiet", "--plan", plan, "--out", filepath.Join(dir, "diff"), job)
	if r.code != ExitRejected {
		t.Fatalf("diff: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	d := readDiff(t, plan)
	if d.Counts["update"] != 2 || d.Counts["ambiguous"] != 1 || d.Counts["create"] != 3 {
		t.Fatalf("plan counts %v", d.Counts)
	}
	review, _ := os.ReadFile(filepath.Join(dir, "diff", "review.csv"))
	if !strings.Contains(string(review), "66d1e4c0aaaaaaaaaaaaaab3 66d1e4c0aaaaaaaaaaaaaab4") {
		t.Fatalf("review.csv:\n%s", review)
	}
	// Someone edits p2 in Tiledesk after the plan was made.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v3/"+tiledesktest.TestProjectID+"/leads/66d1e4c0aaaaaaaaaaaaaab2", bytes.NewReader([]byte(`{"phone":"+358499999999"}`)))
	req.Header.Set("Authorization", tiledesktest.JWTAuthorization(tiledesktest.TestToken))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("edit: %v %v", err, resp)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	r = runApp(t, env, "run", "--quiet", "--json", "--plan", plan, job)
	var sum summary
	json.Unmarshal([]byte(r.stdout), &sum)
	if sum.Actions["set_aside"] != 1 || sum.Actions["update"] != 1 || sum.Actions["create"] != 3 {
		t.Fatalf("apply: %d %+v\n%s", r.code, sum.Actions, r.stderr)
	}
	for _, l := range srv.Leads() {
		if l.Email == "p2@example.fi" && l.Phone != "+358499999999" {
			t.Fatalf("the set-aside lead was written: %+v", l)
		}
		if l.Email == "p1@example.fi" && l.Phone != "+358401000001" {
			t.Fatalf("the planned update was not applied: %+v", l)
		}
	}
	show := runApp(t, nil, "show", "--job", job, "2")
	if !strings.Contains(show.stdout, "skipped/set_aside") {
		t.Fatalf("show:\n%s", show.stdout)
	}
	// A plan for other input is refused.
	writeFile(t, dir, "leads.csv", people(7))
	r = runApp(t, env, "run", "--quiet", "--plan", plan, job)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "another version of the input") {
		t.Fatalf("stale plan: %d\n%s", r.code, r.stderr)
	}
}

// --mask-pii masks personal data in every report: the diff's emails keep
// only their domain, and the rejected-rows file masks the columns that
// feed PII fields.
func TestMaskPIIReports(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(5))
	job := writeFile(t, dir, "job.yaml", leaddeskJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	out := filepath.Join(dir, "diff")
	runApp(t, env, "diff", "--quiet", "--mask-pii", "--out", out, job)
	for _, f := range []string{"diff.json", "diff.csv", "diff.html", "rejected.csv"} {
		b, _ := os.ReadFile(filepath.Join(out, f))
		if strings.Contains(string(b), "p1@example.fi") || strings.Contains(string(b), "x@example.fi") {
			t.Errorf("%s holds an email's local part:\n%s", f, b)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "diff.json"))
	if !strings.Contains(string(b), "•••@example.fi") {
		t.Errorf("diff.json is not masked:\n%s", b)
	}
}
