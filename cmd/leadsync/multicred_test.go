package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

// twoKeysJob is leaddeskJob with a second credential of the same account
// (sink.connections), at 100 calls per 120 ms per credential: LeadDesk's
// 100 per 60 s, time-scaled 500x.
var twoKeysJob = strings.Replace(leaddeskJob, "  budget: {calls: 100, per: 60ms}\n",
	"  budget: {calls: 100, per: 120ms}\n  connections: [{api_key: \"${LD_KEY2}\"}]\n", 1)

var oneKeyJob = strings.Replace(leaddeskJob, "per: 60ms", "per: 120ms", 1)

// credRun is one run against a fresh LeadDesk emulator.
type credRun struct {
	elapsed        time.Duration
	most1, most2   int // the emulator's most requests in any window, per credential
	calls1, calls2 int
	limited        int
	srv            *leaddesktest.Server
}

// runCredentials runs n people through LeadDesk with job, one credential
// or two; the emulator is left open for the caller to check (close srv).
func runCredentials(t testing.TB, job string, n int, scale float64) credRun {
	t.Helper()
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: scale})
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(n))
	path := writeFile(t, dir, "job.yaml", job)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey, "LD_KEY2": leaddesktest.TestAPIKey2}
	start := time.Now()
	r := runAppB(env, "run", "--quiet", "--concurrency", benchConcurrency(), path)
	out := credRun{elapsed: time.Since(start), srv: srv}
	if r.code != ExitRejected {
		t.Fatalf("exit %d, want 1 (rejected rows)\n%s%s", r.code, r.stdout, r.stderr)
	}
	core := srv.Core()
	out.most1, out.most2 = core.MaxInWindow(leaddesktest.TestAPIKey), core.MaxInWindow(leaddesktest.TestAPIKey2)
	for _, c := range core.Calls() {
		switch c.Credential {
		case leaddesktest.TestAPIKey:
			out.calls1++
		case leaddesktest.TestAPIKey2:
			out.calls2++
		}
	}
	out.limited = core.Stats().RateLimited
	return out
}

// checkPeople checks the emulator holds every person of people(n) once,
// field by field (person 7 is refused by the vendor), and returns the
// duplicates.
func checkPeople(t testing.TB, srv *leaddesktest.Server, n int) (dups int) {
	t.Helper()
	byPhone := map[string][]leaddesktest.Contact{}
	var list int64
	for _, c := range srv.Contacts() {
		byPhone[c.Phone] = append(byPhone[c.Phone], c)
		if list == 0 {
			list = c.ListID
		}
	}
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+35840%03d%04d", 100+i/10000, i%10000)
		cs := byPhone[phone]
		want := 1
		if i == 7 {
			want = 0
		}
		if len(cs) > want {
			dups += len(cs) - want
		}
		if len(cs) != want {
			t.Errorf("person %d (%s): %d contacts, want %d", i, phone, len(cs), want)
			continue
		}
		if want == 0 {
			continue
		}
		c := cs[0]
		other1 := fmt.Sprintf("c%d", i%3)
		if i%10 == 0 {
			other1 = fmt.Sprintf("late%d", i) // the later row of the merged pair wins
		}
		for field, v := range map[string]string{"fname": fmt.Sprintf("Person%d", i), "lname": fmt.Sprintf("Last%d", i),
			"email": fmt.Sprintf("p%d@example.fi", i), "other1": other1} {
			if got := c.Fields[field]; got != v {
				t.Errorf("person %d: %s %q, want %q", i, field, got, v)
			}
		}
		if c.ListID != list || c.AssignedAgentID != 0 {
			t.Errorf("person %d: list %d (others %d), agent %d", i, c.ListID, list, c.AssignedAgentID)
		}
	}
	return dups
}

// TestTwoCredentials: a sink with two credentials of one account spreads
// the people over both (each within its own window, no 429), writes each
// person once with every field, and a re-run makes no call: one person
// always goes through one connection, and the state index is the
// account's.
func TestTwoCredentials(t *testing.T) {
	const n = 400
	r := runCredentials(t, twoKeysJob, n, 0.002)
	defer r.srv.Close()
	if dups := checkPeople(t, r.srv, n); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
	if r.most1 > 100 || r.most2 > 100 || r.limited != 0 {
		t.Errorf("most in a window %d and %d (limit 100 each), %d × 429", r.most1, r.most2, r.limited)
	}
	// Both credentials carry about half of the calls.
	if r.calls1 < r.calls2/2 || r.calls2 < r.calls1/2 {
		t.Errorf("calls per credential %d and %d: not spread", r.calls1, r.calls2)
	}
	t.Logf("%d and %d calls, most in a window %d and %d, %s", r.calls1, r.calls2, r.most1, r.most2, r.elapsed)
}

// twoKeysRun is twoKeysJob on people(60), against an emulator.
func twoKeysRun(t *testing.T) (*leaddesktest.Server, string, map[string]string) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.002})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(60))
	job := writeFile(t, dir, "job.yaml", twoKeysJob)
	return srv, job, map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey, "LD_KEY2": leaddesktest.TestAPIKey2}
}

// TestTwoCredentialsRerunAndBadKey: the same file again through two
// credentials makes (almost) no call; a bad second key stops the run
// before any write, naming its variable and never its value.
func TestTwoCredentialsRerunAndBadKey(t *testing.T) {
	srv, job, env := twoKeysRun(t)
	if r := runApp(t, env, "run", "--quiet", job); r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	before := srv.Core().Stats().TotalRequests()
	if r := runApp(t, env, "run", "--quiet", job); r.code != ExitRejected {
		t.Fatalf("re-run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The refused person and the bad row are looked up again (and the
	// run's checks); every written person costs nothing.
	if d := srv.Core().Stats().TotalRequests() - before; d > 6 {
		t.Errorf("re-run made %d calls", d)
	}

	srv2 := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.002})
	defer srv2.Close()
	dir2 := t.TempDir()
	writeFile(t, dir2, "leads.csv", people(5))
	job2 := writeFile(t, dir2, "job.yaml", twoKeysJob)
	env2 := map[string]string{"LD_URL": srv2.URL, "LD_KEY": leaddesktest.TestAPIKey, "LD_KEY2": "wrong-key-0123456789abcdef012345"}
	r := runApp(t, env2, "run", "--quiet", job2)
	if r.code != ExitAuth || !strings.Contains(r.stderr, "LD_KEY2") || strings.Contains(r.stderr+r.stdout, "wrong-key") {
		t.Fatalf("bad second key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := srv2.Core().Stats(); len(srv2.Contacts()) != 0 || st.Writes[emulatorAnyWrite(st)] != 0 {
		t.Fatal("contacts written with a bad second key")
	}
}

// emulatorAnyWrite returns an operation that wrote, or "".
func emulatorAnyWrite(st emulator.Stats) string {
	for op, n := range st.Writes {
		if n > 0 {
			return op
		}
	}
	return ""
}

// BenchmarkTwoCredentials: the same 600 people (1,200 calls) through
// LeadDesk with one credential and with two of the same account, side by
// side, at 100 calls per 600 ms per credential (LeadDesk's 100 per 60 s,
// time-scaled 100x, slow enough that the budget and not this machine's
// CPU bounds the run): throughput of each, duplicates at the emulator
// (every record checked field by field), the most calls in any window
// per credential, 429s. The last line is the median ratio of
// throughputs (the budget's bound: 12 windows against 6, 2.0x).
//
//	go test ./cmd/leadsync -run - -bench TwoCredentials -benchtime 3x
func BenchmarkTwoCredentials(b *testing.B) {
	const n = 600
	slow := func(job string) string { return strings.Replace(job, "per: 120ms", "per: 600ms", 1) }
	var ratios []float64
	for b.Loop() {
		one := runCredentials(b, slow(oneKeyJob), n, 0.01)
		dups1 := checkPeople(b, one.srv, n)
		one.srv.Close()
		two := runCredentials(b, slow(twoKeysJob), n, 0.01)
		dups2 := checkPeople(b, two.srv, n)
		two.srv.Close()
		ratio := one.elapsed.Seconds() / two.elapsed.Seconds()
		ratios = append(ratios, ratio)
		b.ReportMetric(float64(n)/one.elapsed.Seconds(), "rows/s-1key")
		b.ReportMetric(float64(n)/two.elapsed.Seconds(), "rows/s-2keys")
		b.ReportMetric(ratio, "ratio")
		b.ReportMetric(float64(dups1+dups2), "duplicates")
		b.ReportMetric(float64(max(two.most1, two.most2)), "max-in-window/key")
		b.ReportMetric(float64(one.limited+two.limited), "429s")
		fmt.Printf("one key: %s (%d calls, most %d in a window); two keys: %s (%d + %d calls, most %d and %d); %d duplicates, %d × 429; %.2fx\n",
			one.elapsed.Round(time.Millisecond), one.calls1, one.most1, two.elapsed.Round(time.Millisecond), two.calls1, two.calls2,
			two.most1, two.most2, dups1+dups2, one.limited+two.limited, ratio)
	}
	sort.Float64s(ratios)
	fmt.Printf("two credentials vs one: %.2fx throughput (median of %d)\n", ratios[len(ratios)/2], len(ratios))
}

// Tiledesk through two tokens of one agent (a second token seeded into
// the emulator): the prefetched listing, the lead_id stamp (OwnKeyer),
// the create and its follow-up PUT (Coster) all keep working through the
// routed sink, with lost answers: one lead per person, its phone set,
// both tokens used.
func TestTwoCredentialsTiledesk(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001, Faults: emulator.Faults{Seed: 7, DropAfterWrite: 0.1}})
	defer srv.Close()
	const token2 = "second-token-of-the-test-agent"
	if err := srv.Seed([]byte(`{"tokens":[{"token":"` + token2 + `","user_id":"` + tiledesktest.TestUserID + `"}]}`)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 200
	writeFile(t, dir, "leads.csv", people(n))
	job := writeFile(t, dir, "job.yaml", strings.Replace(tiledeskJob, "  token: ${TD_TOKEN}\n", "  token: ${TD_TOKEN}\n  connections: [{token: \"${TD_TOKEN2}\"}]\n", 1))
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken, "TD_TOKEN2": token2}
	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitRejected { // the broken phone row
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	byEmail := map[string]int{}
	phoneOf := map[string]string{}
	for _, l := range srv.Leads() {
		if !l.Deleted() {
			byEmail[l.Email]++
			phoneOf[l.Email] = l.Phone
		}
	}
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("p%d@example.fi", i)
		if byEmail[email] != 1 {
			t.Errorf("%s: %d leads", email, byEmail[email])
		}
		if want := fmt.Sprintf("+35840%03d%04d", 100+i/10000, i%10000); phoneOf[email] != want {
			t.Errorf("%s: phone %q, want %q", email, phoneOf[email], want)
		}
	}
	if srv.Core().Stats().Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Fatal("no write was dropped; the test proves nothing")
	}
	by := map[string]int{}
	for _, c := range srv.Core().Calls() {
		by[c.Credential]++
	}
	if by["JWT "+tiledesktest.TestToken] < 50 || by["JWT "+token2] < 50 {
		t.Errorf("calls per token: %v", by)
	}
	before := srv.Core().Stats().TotalRequests()
	if r := runApp(t, env, "run", "--quiet", job); r.code != ExitRejected {
		t.Fatalf("re-run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := srv.Core().Stats().TotalRequests() - before; d > 4 {
		t.Errorf("re-run made %d calls", d)
	}
}

// A dry run through two credentials reads through both and writes
// nothing.
func TestTwoCredentialsDryRun(t *testing.T) {
	srv, job, env := twoKeysRun(t)
	r := runApp(t, env, "run", "--dry-run", "--quiet", job)
	if r.code == ExitUsage || r.code == ExitAuth {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	by := map[string]int{}
	for _, c := range srv.Core().Calls() {
		if c.Write {
			t.Fatalf("a dry run wrote: %s", c.Op)
		}
		by[c.Credential]++
	}
	if len(srv.Contacts()) != 0 || by[leaddesktest.TestAPIKey] == 0 || by[leaddesktest.TestAPIKey2] == 0 {
		t.Errorf("dry run: %d contacts, reads per credential %d and %d", len(srv.Contacts()), by[leaddesktest.TestAPIKey], by[leaddesktest.TestAPIKey2])
	}
}
