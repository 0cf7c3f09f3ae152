package main

import (
	"encoding/json"
	jobpkg "github.com/leadsync/leadsync/pipeline/job"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

// noWrites fails the test when the emulator saw a write call.
func noWrites(t *testing.T, core *emulator.Core) int {
	t.Helper()
	calls := core.Calls()
	for _, c := range calls {
		if c.Write {
			t.Errorf("validate --online made a write call: %s %s (%s)", c.Method, c.Path, c.Op)
		}
	}
	return len(calls)
}

const onlineLeadDeskJob = `name: online
source: {path: leads.csv}
sink: {vendor: leaddesk, object: contact, url: "${LD_URL}", api_key: "${LD_KEY}", budget: {calls: 100, per: 60s}}
region: FI
match: {keys: [phone]}
mapping:
  list:  {value: "LIST"}
  phone: {column: Puhelin, transform: [phone], required: true}
  fname: Etunimi
`

func TestValidateOnlineLeadDesk(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{})
	defer srv.Close()
	dir := copyExample(t)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}

	good := writeFile(t, dir, "good.yaml", strings.Replace(onlineLeadDeskJob, "LIST", "2001", 1))
	r := runApp(t, env, "validate", good, "--online")
	if r.code != ExitOK || !strings.Contains(r.stdout, "online  ok: credentials and the objects the job names (2 read calls, no write)") {
		t.Fatalf("good: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := noWrites(t, srv.Core()); n != 2 {
		t.Errorf("good: %d calls at the emulator, want 2", n)
	}
	// Without --online: no call at all.
	if r := runApp(t, env, "validate", good); r.code != ExitOK || len(srv.Core().Calls()) != 2 {
		t.Fatalf("offline validate: exit %d, %d calls", r.code, len(srv.Core().Calls()))
	}

	bad := writeFile(t, dir, "bad.yaml", strings.Replace(onlineLeadDeskJob, "LIST", "9999", 1))
	r = runApp(t, env, "validate", bad, "--online")
	want := bad + ":7:18: calling list 9999 does not exist at LeadDesk (ERR_NOT_FOUND:list): every row would be rejected"
	if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Fatalf("missing list: exit %d\n%s\nwant %s", r.code, r.stderr, want)
	}
	r = runApp(t, env, "validate", "--json", "--online", bad)
	var out jobpkg.Validation
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if r.code != ExitUsage || out.OK || len(out.Problems) != 1 || out.Problems[0].Line != 7 || out.Online == nil || out.Online.Calls != 2 {
		t.Fatalf("--json: exit %d %+v", r.code, out)
	}

	// A list by name cannot be checked: a warning, exit 0.
	named := writeFile(t, dir, "named.yaml", strings.Replace(onlineLeadDeskJob, "LIST", "No such list", 1))
	if r := runApp(t, env, "validate", named, "--online"); r.code != ExitOK || !strings.Contains(r.stdout, `warning `+named+`:7:18: calling list "No such list" is not checked`) {
		t.Fatalf("named list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	env["LD_KEY"] = "00000000000000000000000000000000"
	if r := runApp(t, env, "validate", good, "--online"); r.code != ExitAuth || !strings.Contains(r.stderr, "sink.api_key from $LD_KEY") {
		t.Fatalf("bad key: exit %d\n%s", r.code, r.stderr)
	}
	noWrites(t, srv.Core())
}

func TestValidateOnlineTiledesk(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{})
	defer srv.Close()
	dir := copyExample(t)
	job := `name: online-td
source: {path: leads.csv}
sink: {vendor: tiledesk, object: lead, url: "${TD_URL}", project: PROJECT, token: "${TD_TOKEN}"}
region: FI
match: {keys: [email]}
mapping:
  fullname: Etunimi
  email: {column: Sähköposti, transform: [email]}
`
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_TOKEN": tiledesktest.TestToken}
	good := writeFile(t, dir, "good.yaml", strings.Replace(job, "PROJECT", tiledesktest.TestProjectID, 1))
	if r := runApp(t, env, "validate", good, "--online"); r.code != ExitOK || !strings.Contains(r.stdout, "(1 read call, no write)") {
		t.Fatalf("good: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.yaml", strings.Replace(job, "PROJECT", "65aa00112233445566770000", 1))
	r := runApp(t, env, "validate", bad, "--online")
	if want := bad + ":3:67: project 65aa00112233445566770000 does not exist at Tiledesk"; r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Fatalf("missing project: exit %d\n%s\nwant %s", r.code, r.stderr, want)
	}
	noWrites(t, srv.Core())
}

// The README's LionDesk job: before setup, validate --online names what
// is missing; after it, it passes.
func TestValidateOnlineLionDesk(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{})
	defer srv.Close()
	dir := t.TempDir()
	for _, f := range []string{"liondesk-leads.yaml", "buyers.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "example", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, f, string(b))
	}
	job := filepath.Join(dir, "liondesk-leads.yaml")
	env := map[string]string{"LIONDESK_URL": srv.URL, "LIONDESK_TOKEN": liondesktest.TestToken}
	r := runApp(t, env, "validate", "--online", job)
	for _, want := range []string{
		`contact source "Zillow Imports" does not exist`,
		`campaign "Buyer Drip" of setup: does not exist at LionDesk: run leadsync setup JOB`,
		`lead route "Zillow/Zillow Imports (Buyer) -> Buyer Drip, Team Rollout" of setup: does not exist`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("before setup: stderr lacks %q", want)
		}
	}
	if r.code != ExitUsage {
		t.Errorf("before setup: exit %d", r.code)
	}
	if t.Failed() {
		t.Fatalf("%s%s", r.stdout, r.stderr)
	}
	noWrites(t, srv.Core())
	if r := runApp(t, env, "setup", job); r.code != ExitOK {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	before := len(srv.Core().Calls())
	if r := runApp(t, env, "validate", "--online", job); r.code != ExitOK || !strings.Contains(r.stdout, "online  ok") {
		t.Fatalf("after setup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range srv.Core().Calls()[before:] {
		if c.Write {
			t.Errorf("after setup: write call %s %s", c.Method, c.Path)
		}
	}
}
