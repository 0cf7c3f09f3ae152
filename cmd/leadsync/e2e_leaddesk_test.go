package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// writeFile writes a test file and returns its path.
func writeFile(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFileB(b *testing.B, dir, name, body string) string { return writeFile(b, dir, name, body) }

// people writes n people with messy phones; every 10th appears twice in
// another spelling; one row has a broken phone; one names an unknown
// agent (the vendor refuses it).
func people(n int) string {
	var b strings.Builder
	b.WriteString("First;Last;Phone;Email;Agent;Campaign\n")
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("040 %03d %04d", 100+i/10000, i%10000)
		agent := ""
		if i == 7 {
			agent = "no.such.agent"
		}
		fmt.Fprintf(&b, "Person%d;Last%d;%s;p%d@example.fi;%s;c%d\n", i, i, phone, i, agent, i%3)
		if i%10 == 0 {
			fmt.Fprintf(&b, "Person%d;Last%d;+358 40%03d%04d;;;late%d\n", i, i, 100+i/10000, i%10000, i)
		}
	}
	b.WriteString("Broken;Row;12;x@example.fi;;c1\n")
	return b.String()
}

const leaddeskJob = `name: e2e-leaddesk
source: {path: leads.csv}
sink:
  vendor: leaddesk
  object: contact
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {calls: 100, per: 60ms}
region: FI
match: {keys: [phone]}
mapping:
  list: {value: "Nightly leads"}
  fname: First
  lname: Last
  phone: Phone
  email: Email
  assign_to_agent: Agent
  other1: Campaign
`

// The whole product against the LeadDesk emulator: 16 entities in flight,
// 10% of creates answered by a dropped connection, in-file duplicates,
// an ambiguous match, a row the vendor refuses. Every person ends up
// exactly once; nothing ambiguous is touched; a re-run makes no call.
func TestE2ELeadDesk(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001, Faults: emulator.Faults{Seed: 42, DropAfterWrite: 0.1}})
	defer srv.Close()
	// Two vendor contacts share one number: a row with it is ambiguous.
	seed := `{"contacts":[{"id":7001,"list_id":2001,"phone":"+358409999999","fields":{"fname":"Twin"}},{"id":7002,"list_id":2001,"phone":"+358409999999","fields":{"fname":"Twin"}}]}`
	if err := srv.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 300
	writeFile(t, dir, "leads.csv", people(n)+"Twin;Three;040 999 9999;t@example.fi;;c0\n")
	job := writeFile(t, dir, "job.yaml", leaddeskJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}

	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d, want 1 (rejected rows)\n%s%s", r.code, r.stdout, r.stderr)
	}
	byPhone := map[string][]int64{}
	for _, c := range srv.Contacts() {
		byPhone[c.Phone] = append(byPhone[c.Phone], c.ID)
	}
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+35840%03d%04d", 100+i/10000, i%10000)
		want := 1
		if i == 7 {
			want = 0 // refused by the vendor
		}
		if got := len(byPhone[phone]); got != want {
			t.Errorf("person %d (%s): %d contacts, want %d", i, phone, got, want)
		}
	}
	if len(byPhone["+358409999999"]) != 2 {
		t.Errorf("the ambiguous pair changed: %v", byPhone["+358409999999"])
	}
	st := srv.Core().Stats()
	if st.Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Fatal("no create was dropped; the test proves nothing")
	}
	// Later rows' values win in a merged entity.
	for _, c := range srv.Contacts() {
		if c.Phone == "+358401000000" && c.Field("other1") != "late0" {
			t.Errorf("merged person 0: other1 %q, want late0", c.Field("other1"))
		}
	}
	rej, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
	if !strings.Contains(string(rej), "ERR_NOT_FOUND") || !strings.Contains(string(rej), "Broken;") && !strings.Contains(string(rej), "Broken,Row,12") {
		t.Errorf("rejected.csv lacks the vendor's reason or the bad row:\n%s", rej)
	}
	show := runApp(t, nil, "show", "--job", job, "1")
	if !strings.Contains(show.stdout, "skipped/ambiguous") {
		t.Errorf("show lacks the ambiguous entity:\n%s", show.stdout)
	}

	// The same file again: state answers for everything, zero calls.
	before := srv.Core().Stats().TotalRequests()
	r = runApp(t, env, "run", "--quiet", job)
	after := srv.Core().Stats().TotalRequests()
	if r.code != ExitRejected {
		t.Fatalf("re-run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The ambiguous entity and the refused row are looked up again; every
	// written entity costs nothing.
	if after-before > 4 {
		t.Fatalf("re-run made %d calls\n%s", after-before, r.stdout)
	}
}

// Bad credentials stop the run with exit code 4 and a message naming the
// variable, never the value.
func TestE2EUnauthorized(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(3))
	job := writeFile(t, dir, "job.yaml", leaddeskJob)
	r := runApp(t, map[string]string{"LD_URL": srv.URL, "LD_KEY": "wrong-key-0123456789abcdef012345"}, "run", "--quiet", job)
	if r.code != ExitAuth || !strings.Contains(r.stderr, "LD_KEY") || strings.Contains(r.stderr+r.stdout, "wrong-key") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if len(srv.Contacts()) != 0 {
		t.Fatal("contacts written with bad credentials")
	}
}
