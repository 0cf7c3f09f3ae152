package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

const tiledeskJob = `name: e2e-tiledesk
source: {path: leads.csv}
sink:
  vendor: tiledesk
  object: lead
  url: ${TD_URL}
  project: ${TD_PROJECT}
  token: ${TD_TOKEN}
region: FI
match: {keys: [email]}
mapping:
  fullname: {columns: [First, Last]}
  email: Email
  phone: Phone
  company: {column: Campaign}
`

// Tiledesk leads through a dropping emulator at 16 in flight: one lead per
// email; the create-ignored fields (phone, company) land via the follow-up
// PUT; two vendor leads sharing an email are left alone.
func TestE2ETiledesk(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001, Faults: emulator.Faults{Seed: 7, DropAfterWrite: 0.1}})
	defer srv.Close()
	seed := fmt.Sprintf(`{"leads":[{"_id":"66d1e4c0aaaaaaaaaaaaaaa1","fullname":"Twin A","email":"twin@example.fi","id_project":"%[1]s"},{"_id":"66d1e4c0aaaaaaaaaaaaaaa2","fullname":"Twin B","email":"twin@example.fi","id_project":"%[1]s"}]}`, tiledesktest.TestProjectID)
	if err := srv.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 200
	writeFile(t, dir, "leads.csv", people(n)+"Twin;Three;040 999 9999;TWIN@example.fi;;c0\n")
	job := writeFile(t, dir, "job.yaml", tiledeskJob)
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}
	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitRejected { // the broken phone row
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	byEmail := map[string]int{}
	phoneOf := map[string]string{}
	for _, l := range srv.Leads() {
		if l.Deleted() {
			continue
		}
		byEmail[l.Email]++
		phoneOf[l.Email] = l.Phone
	}
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("p%d@example.fi", i)
		if byEmail[email] != 1 {
			t.Errorf("%s: %d leads", email, byEmail[email])
		}
	}
	if byEmail["twin@example.fi"] != 2 {
		t.Errorf("ambiguous twins changed: %d", byEmail["twin@example.fi"])
	}
	if phoneOf["p3@example.fi"] != "+358401000003" {
		t.Errorf("phone of p3: %q (the PUT after create)", phoneOf["p3@example.fi"])
	}
	if srv.Core().Stats().Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Fatal("no write was dropped; the test proves nothing")
	}
	if !strings.Contains(r.stdout, "ambiguous 1") {
		t.Errorf("summary lacks the ambiguous entity:\n%s", r.stdout)
	}
	// 200 entities: listing (one count, one page) is cheaper than 200
	// finds, so the planner prefetched; besides the credential check,
	// finds only follow lost answers (one each: a lost POST or PUT).
	st := srv.Core().Stats()
	if lists := st.Requests[tiledesktest.OpList]; lists > 3+st.Faults[emulator.FaultDropAfterWrite] {
		t.Errorf("%d list calls for %d dropped writes: the planner did not prefetch", lists, st.Faults[emulator.FaultDropAfterWrite])
	}
}

const leadsquaredJob = `name: e2e-calls
source: {path: calls.csv}
sink:
  vendor: leadsquared
  object: call_log
  url: ${LS_URL}
  access_key: ${LS_ACCESS}
  secret_key: ${LS_SECRET}
  country_code: "+91"
  budget: {calls: 25, per: 50ms}
region: IN
match: {keys: [CallSessionId]}
mapping:
  CallSessionId: Session
  SourceNumber: From
  DestinationNumber: To
  Direction: {column: Direction, transform: [title]}
  StartTime: {column: Start, transform: [{date: {from: YYYY-MM-DD HH:mm:ss}}]}
  EndTime: {column: End, transform: [{date: {from: YYYY-MM-DD HH:mm:ss}}]}
  Status: {value: Answered}
  UserId: {value: "` + leadsquaredtest.TestUserID + `"}
  CallerSource: {column: Source, transform: [{truncate: 50}]}
`

// Call logs cannot be looked up at LeadSquared: every one is sent once,
// the lead is resolved by phone, an unknown caller's call makes its lead
// (with CallerSource as its source), a lost answer is reported uncertain
// and not resent.
func TestE2ELeadSquaredCallLogs(t *testing.T) {
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01})
	defer srv.Close()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Session,From,To,Direction,Start,End,Source\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "call-%d,098765 43210,+91 80111 12222,inbound,2026-11-20 09:%02d:00,2026-11-20 09:%02d:30,%s\n", i, i, i, strings.Repeat("Newspaper ", 8))
	}
	b.WriteString("call-unknown,+91 70000 00000,+91 80111 12222,inbound,2026-11-20 10:00:00,2026-11-20 10:01:00,Web\n")
	writeFile(t, dir, "calls.csv", b.String())
	job := writeFile(t, dir, "job.yaml", leadsquaredJob)
	env := map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}
	// One create's answer is lost.
	srv.Core().InjectNext("", emulator.FaultDropAfterWrite) // waits for the first write
	r := runApp(t, env, "run", "--quiet", "--concurrency", "8", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	logs := srv.CallLogs()
	if len(logs) != 41 {
		t.Fatalf("%d call logs stored, want 41", len(logs))
	}
	seen := map[string]int{}
	for _, l := range logs {
		seen[l.CallSessionID]++
		if l.CallSessionID == "call-unknown" {
			if lead, ok := srv.Lead(l.LeadID); !l.LeadCreated || !ok || lead.Source != "Web" || lead.Phone != "+91-7000000000" {
				t.Errorf("unknown caller's call: %+v on lead %+v, want a new lead with Source Web", l, lead)
			}
			continue
		}
		if l.LeadID != leadsquaredtest.TestLeadID {
			t.Errorf("call %s logged on lead %q", l.CallSessionID, l.LeadID)
		}
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("call %s stored %d times", s, n)
		}
	}
	if !strings.Contains(r.stdout, "uncertain 1") {
		t.Errorf("summary lacks the uncertain call:\n%s", r.stdout)
	}
	// Again: nothing is sent twice; the uncertain one stays reported.
	before := len(srv.CallLogs())
	r = runApp(t, env, "run", "--quiet", job)
	if len(srv.CallLogs()) != before {
		t.Fatalf("re-run sent %d call logs again\n%s", len(srv.CallLogs())-before, r.stdout)
	}
	if !strings.Contains(r.stdout, "uncertain 1") {
		t.Errorf("re-run summary:\n%s", r.stdout)
	}
}

// Mirror mode: leads this tool created that left the source are soft
// deleted; a lead someone else created is never touched; a source with no
// valid row deletes nothing.
func TestE2ETiledeskMirror(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	seed := fmt.Sprintf(`{"leads":[{"_id":"66d1e4c0aaaaaaaaaaaaaaa9","fullname":"Not Ours","email":"other@example.fi","id_project":"%s"}]}`, tiledesktest.TestProjectID)
	if err := srv.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", strings.Replace(tiledeskJob, "region: FI", "region: FI\nmirror: true", 1))
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}
	writeFile(t, dir, "leads.csv", people(10))
	if r := runApp(t, env, "run", "--quiet", job); r.code != ExitRejected {
		t.Fatalf("first run %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkForecast(t, readSummary(t, filepath.Join(dir, ".leadsync", "runs", "1", "summary.json")), true) // no faults: within 5 %
	// People 0..7 stay; 8 and 9 leave the file.
	all := people(10)
	lines := strings.Split(strings.TrimSpace(all), "\n")
	var kept []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "Person8;") && !strings.HasPrefix(l, "Person9;") {
			kept = append(kept, l)
		}
	}
	writeFile(t, dir, "leads.csv", strings.Join(kept, "\n")+"\n")
	r := runApp(t, env, "run", "--quiet", job)
	if !strings.Contains(r.stdout, "deleted 2") {
		t.Fatalf("second run:\n%s%s", r.stdout, r.stderr)
	}
	live := map[string]bool{}
	for _, l := range srv.Leads() {
		if !l.Deleted() {
			live[l.Email] = true
		}
	}
	if live["p8@example.fi"] || live["p9@example.fi"] || !live["p6@example.fi"] || !live["other@example.fi"] {
		t.Fatalf("live leads after mirror: %v", live)
	}
	// A file with nothing valid must never wipe the vendor.
	writeFile(t, dir, "leads.csv", "First;Last;Phone;Email;Agent;Campaign\nBroken;Row;12;bad;;c1\n")
	r = runApp(t, env, "run", "--quiet", job)
	if r.code == 0 || !strings.Contains(r.stderr, "no valid row") {
		t.Fatalf("empty source: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	n := 0
	for _, l := range srv.Leads() {
		if !l.Deleted() {
			n++
		}
	}
	if n != 9 { // p0..p7, plus the lead that is not ours
		t.Fatalf("%d live leads after an empty run, want 9", n)
	}
}
