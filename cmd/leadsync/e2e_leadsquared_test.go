package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

const leadsquaredContractJob = `name: e2e-call-contract
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
  CallerSource: Source
  LeadId: LeadId
`

// callRow is one row of the call file the contract test writes.
type callRow struct {
	session, from, to, direction, start, end, source, leadID string
}

func (r callRow) csv() string {
	return strings.Join([]string{r.session, r.from, r.to, r.direction, r.start, r.end, r.source, r.leadID}, ",") + "\n"
}

// TestE2ELeadSquaredCallContract: a call file of callers with and without
// a lead, several calls each, in-file duplicate rows of one call (other
// spellings), and a call LeadSquared refuses (an unknown LeadId: 500
// MXInvalidInputException), through the binary at concurrency 16 against
// an emulator that loses 10 % of write answers after acting, answers 5 %
// of calls with a 500 before acting and 1 % with a spurious 429. One
// invocation ends done; every call is logged exactly once (the lost
// answers included: LeadSquared acted, and nothing is sent again), those
// whose answers were lost are listed as uncertain; each new caller's lead
// is made once, by its first LogCall, with its CallerSource as Source; a
// re-run writes nothing and reports the refused call again without a call.
func TestE2ELeadSquaredCallContract(t *testing.T) {
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01,
		Faults: emulator.Faults{Seed: 11, DropAfterWrite: 0.10, Error500: 0.05, Extra429: 0.01}})
	defer srv.Close()

	const known, fresh, callsEach = 40, 40, 3
	const agent = "+91-8011112222"
	var seed strings.Builder
	seed.WriteString(`{"Leads":[`)
	knownPhone := func(i int) string { return fmt.Sprintf("98200%05d", i) }
	freshPhone := func(i int) string { return fmt.Sprintf("98300%05d", i) }
	for i := range known {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"FirstName":"Known","LastName":"Caller %d","Phone":"+91-%s","Source":"Seeded"}`, i, knownPhone(i))
	}
	seed.WriteString("]}")
	if err := srv.Seed([]byte(seed.String())); err != nil {
		t.Fatal(err)
	}
	knownLead := map[string]string{} // phone digits -> ProspectID
	for _, l := range srv.Leads() {
		if strings.HasPrefix(l.Phone, "+91-98200") {
			knownLead[strings.TrimPrefix(l.Phone, "+91-")] = l.ProspectID
		}
	}

	// Rows, in file order: each caller's calls, every 7th call written
	// twice (the second time in other spellings), known callers' every
	// 3rd call outbound.
	var rows []callRow
	n := 0
	addCalls := func(phone, source string, outboundEvery int) {
		for c := range callsEach {
			n++
			r := callRow{session: fmt.Sprintf("S%04d", n), from: "0" + phone, to: agent, direction: "inbound",
				start: fmt.Sprintf("2026-11-20 09:%02d:%02d", n/60%60, n%60), end: fmt.Sprintf("2026-11-20 10:%02d:%02d", n/60%60, n%60),
				source: source}
			if outboundEvery > 0 && c%outboundEvery == 0 {
				r.from, r.to, r.direction = agent, "+91 "+phone[:5]+" "+phone[5:], "OUTBOUND"
			}
			rows = append(rows, r)
			if n%7 == 0 {
				dup := r
				dup.direction = strings.ToUpper(r.direction)
				if r.direction == "inbound" {
					dup.from = "+91 " + phone[:5] + " " + phone[5:]
				}
				rows = append(rows, dup)
			}
		}
	}
	for i := range known {
		addCalls(knownPhone(i), "Known source", 3)
	}
	for i := range fresh {
		addCalls(freshPhone(i), fmt.Sprintf("Campaign %d", i), 0)
	}
	refused := callRow{session: "S-REFUSED", from: "0" + knownPhone(0), to: agent, direction: "inbound",
		start: "2026-11-20 11:00:00", end: "2026-11-20 11:01:00", source: "Known source",
		leadID: "3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5eff"} // no such lead
	rows = append(rows, refused)
	var file strings.Builder
	file.WriteString("Session,From,To,Direction,Start,End,Source,LeadId\n")
	for _, r := range rows {
		file.WriteString(r.csv())
	}
	calls := n // distinct calls besides the refused one

	dir := t.TempDir()
	writeFile(t, dir, "calls.csv", file.String())
	job := writeFile(t, dir, "job.yaml", leadsquaredContractJob)
	env := map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}

	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitOK && r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sum := readSummary(t, filepath.Join(dir, ".leadsync", "runs", "1", "summary.json"))
	st := srv.Core().Stats()
	drops := st.Faults[emulator.FaultDropAfterWrite]
	t.Logf("run 1: exit %d, status %s, %d rows, %d calls, %d retried; faults %v; requests %v", r.code, sum.Status, sum.Rows, sum.Calls, sum.Retried, st.Faults, st.Requests)
	if drops == 0 || st.Faults[emulator.FaultError500] == 0 || st.Faults[emulator.FaultExtra429] == 0 {
		t.Fatalf("faults %v: the test proves nothing", st.Faults)
	}
	if (sum.Status != "done_with_rejects" && sum.Status != "done_with_uncertain") || sum.Failed != 0 || sum.Rejected != 1 {
		t.Errorf("status %s, failed %d, rejected %d; want done_with_rejects, 0, 1 (the refused call)\n%s", sum.Status, sum.Failed, sum.Rejected, r.stdout)
	}

	// Every call exactly once, on the right lead; the refused one never.
	logs := srv.CallLogs()
	bySession := map[string][]leadsquaredtest.CallLog{}
	for _, l := range logs {
		bySession[l.CallSessionID] = append(bySession[l.CallSessionID], l)
	}
	if len(bySession["S-REFUSED"]) != 0 {
		t.Errorf("the refused call was stored")
	}
	for i := 1; i <= calls; i++ {
		s := fmt.Sprintf("S%04d", i)
		if got := len(bySession[s]); got != 1 {
			t.Errorf("call %s stored %d times", s, got)
		}
	}
	if len(logs) != calls {
		t.Errorf("%d call logs stored, want %d", len(logs), calls)
	}

	// The uncertain calls are exactly the lost answers, each listed (in
	// summary.json by row, in rejected.csv with its columns and reason;
	// rows of one call are listed each); the refused call is rejected
	// with LeadSquared's reason.
	checkReported := func(run string, sum summary) {
		t.Helper()
		uncertain := map[string]bool{}
		refusedSeen := 0
		for _, row := range readCSVMaps(t, filepath.Join(dir, ".leadsync", "runs", run, "rejected.csv")) {
			switch reason := row["leadsync_reason"]; {
			case strings.HasPrefix(reason, "uncertain:"):
				uncertain[row["Session"]] = true
			case row["Session"] == "S-REFUSED" && strings.Contains(reason, "MXInvalidInputException: Lead with Id '"+refused.leadID+"' does not exist"):
				refusedSeen++
			default:
				t.Errorf("run %s: rejected.csv row %s: %s", run, row["leadsync_row"], reason)
			}
		}
		if refusedSeen != 1 {
			t.Errorf("run %s: the refused call is in rejected.csv %d times", run, refusedSeen)
		}
		if len(uncertain) != drops {
			t.Errorf("run %s: %d calls listed uncertain, want the %d lost answers", run, len(uncertain), drops)
		}
		for s := range uncertain {
			if len(bySession[s]) != 1 {
				t.Errorf("uncertain call %s is stored %d times (LeadSquared acted before the answer was lost)", s, len(bySession[s]))
			}
		}
		listed := 0
		for _, u := range sum.Unsettled {
			if u.Status != "uncertain" || u.Reason == "" {
				t.Errorf("run %s: unsettled row %d: %s (%q)", run, u.Row, u.Status, u.Reason)
			}
			listed++
		}
		if sum.Uncertain != listed || listed < len(uncertain) {
			t.Errorf("run %s: summary uncertain %d, listed %d, calls %d", run, sum.Uncertain, listed, len(uncertain))
		}
	}
	checkReported("1", sum)

	// Leads: known callers keep theirs; each new caller has one, made by
	// its first LogCall, with its CallerSource as Source.
	leadsByPhone := map[string][]leadsquaredtest.Lead{}
	for _, l := range srv.Leads() {
		leadsByPhone[strings.TrimPrefix(l.Phone, "+91-")] = append(leadsByPhone[strings.TrimPrefix(l.Phone, "+91-")], l)
	}
	if want := 3 + known + fresh; len(srv.Leads()) != want {
		t.Errorf("%d leads, want %d", len(srv.Leads()), want)
	}
	for i := range fresh {
		ph := freshPhone(i)
		ls := leadsByPhone[ph]
		if len(ls) != 1 {
			t.Errorf("new caller %s: %d leads", ph, len(ls))
			continue
		}
		if want := fmt.Sprintf("Campaign %d", i); ls[0].Source != want {
			t.Errorf("new caller %s: lead source %q, want %q", ph, ls[0].Source, want)
		}
	}
	made := map[string]int{}
	for _, l := range logs {
		lead, _ := srv.Lead(l.LeadID)
		ph := strings.TrimPrefix(lead.Phone, "+91-")
		if l.LeadCreated {
			made[ph]++
		}
		if id, ok := knownLead[ph]; ok && l.LeadID != id {
			t.Errorf("call %s of a known caller on lead %s, want %s", l.CallSessionID, l.LeadID, id)
		}
		if strings.HasPrefix(ph, "98300") {
			continue
		}
		if _, ok := knownLead[ph]; !ok {
			t.Errorf("call %s on lead %s (%s): neither a known nor a new caller", l.CallSessionID, l.LeadID, lead.Phone)
		}
	}
	for i := range fresh {
		if made[freshPhone(i)] != 1 {
			t.Errorf("new caller %s: %d LogCalls made its lead, want 1", freshPhone(i), made[freshPhone(i)])
		}
	}

	// Again: no write, and the refused call reported without a call.
	before := srv.Core().Stats()
	r = runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	after := srv.Core().Stats()
	sum2 := readSummary(t, filepath.Join(dir, ".leadsync", "runs", "2", "summary.json"))
	t.Logf("run 2: exit %d, status %s, requests %v", r.code, sum2.Status, diffCounts(before.Requests, after.Requests))
	if w := after.TotalWrites() - before.TotalWrites(); w != 0 {
		t.Errorf("re-run wrote %d times", w)
	}
	for _, op := range []string{leadsquaredtest.OpLogCall, leadsquaredtest.OpLeadByPhone, leadsquaredtest.OpLeadByEmail} {
		if d := after.Requests[op] - before.Requests[op]; d != 0 {
			t.Errorf("re-run: %d %s calls", d, op)
		}
	}
	if r.code != ExitRejected || sum2.Rejected != 1 {
		t.Errorf("re-run: exit %d, rejected %d; want 1 and the refused call again\n%s%s", r.code, sum2.Rejected, r.stdout, r.stderr)
	}
	checkReported("2", sum2)
	if len(srv.CallLogs()) != calls {
		t.Errorf("re-run: %d call logs, want %d", len(srv.CallLogs()), calls)
	}
}

func readSummary(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	checkForecast(t, s, false)
	return s
}

// readCSVMaps reads a report CSV as one map per row, by header name.
func readCSVMaps(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out
}

func diffCounts(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range b {
		if d := v - a[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

const leadsquaredLeadJob = `name: e2e-ls-leads
source: {path: leads.csv}
sink:
  vendor: leadsquared
  object: lead
  url: ${LS_URL}
  access_key: ${LS_ACCESS}
  secret_key: ${LS_SECRET}
  country_code: "+91"
  budget: {calls: 25, per: 50ms}
region: IN
match: {keys: [EmailAddress, Phone]}
mapping:
  FirstName: First
  LastName: Last
  EmailAddress: Email
  Phone: Phone
  Company: Company
`

// TestE2ELeadSquaredLeadUpdate: existing leads whose company changed get
// a Lead.Update (VENDORS.md 4.7), unchanged ones none, new people are
// created once, under the same faults at concurrency 16, in one
// invocation; a re-run writes nothing.
func TestE2ELeadSquaredLeadUpdate(t *testing.T) {
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01,
		Faults: emulator.Faults{Seed: 5, DropAfterWrite: 0.10, Error500: 0.05, Extra429: 0.01}})
	defer srv.Close()
	const existing, changed, fresh = 30, 20, 30
	var seed strings.Builder
	seed.WriteString(`{"Leads":[`)
	for i := range existing {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"FirstName":"Old","LastName":"P%d","EmailAddress":"old%d@example.com","Phone":"+91-98400%05d","Company":"Old Co"}`, i, i, i)
	}
	seed.WriteString("]}")
	if err := srv.Seed([]byte(seed.String())); err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("First,Last,Email,Phone,Company\n")
	for i := range existing {
		company := "Old Co"
		if i < changed {
			company = fmt.Sprintf("New Co %d", i)
		}
		// Keys in other spellings than the vendor holds them.
		fmt.Fprintf(&file, "Old,P%d,OLD%d@Example.com,098400 %05d,%s\n", i, i, i, company)
	}
	for i := range fresh {
		fmt.Fprintf(&file, "New,Q%d,new%d@example.com,+91 98500 %05d,Fresh Co\n", i, i, i)
	}
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", file.String())
	job := writeFile(t, dir, "job.yaml", leadsquaredLeadJob)
	env := map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}

	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	st := srv.Core().Stats()
	t.Logf("run 1: exit %d; faults %v; requests %v", r.code, st.Faults, st.Requests)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st.Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Fatal("no answer was lost: the test proves nothing")
	}
	byEmail := map[string][]leadsquaredtest.Lead{}
	for _, l := range srv.Leads() {
		byEmail[l.EmailAddress] = append(byEmail[l.EmailAddress], l)
	}
	for i := range existing {
		ls := byEmail[fmt.Sprintf("old%d@example.com", i)]
		if len(ls) != 1 {
			t.Errorf("old%d: %d leads", i, len(ls))
			continue
		}
		want := "Old Co"
		if i < changed {
			want = fmt.Sprintf("New Co %d", i)
		}
		if ls[0].Company != want {
			t.Errorf("old%d: company %q, want %q", i, ls[0].Company, want)
		}
		if i >= changed && !ls[0].ModifiedOn.IsZero() {
			t.Errorf("old%d: unchanged, but updated", i)
		}
	}
	for i := range fresh {
		ls := byEmail[fmt.Sprintf("new%d@example.com", i)]
		if len(ls) != 1 || ls[0].Company != "Fresh Co" || ls[0].Phone != fmt.Sprintf("+91-98500%05d", i) {
			t.Errorf("new%d: %+v", i, ls)
		}
	}
	if n := len(srv.Leads()); n != 3+existing+fresh {
		t.Errorf("%d leads, want %d", n, 3+existing+fresh)
	}
	if u := st.Writes[leadsquaredtest.OpLeadUpdate]; u < changed {
		t.Errorf("%d updates stored, want at least the %d changed leads", u, changed)
	}

	before := srv.Core().Stats().TotalWrites()
	r = runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitOK || srv.Core().Stats().TotalWrites() != before {
		t.Errorf("re-run: exit %d, %d writes\n%s%s", r.code, srv.Core().Stats().TotalWrites()-before, r.stdout, r.stderr)
	}
}

const leadsquaredPopupJob = `name: e2e-ls-popups
source: {path: popups.csv}
sink:
  vendor: leadsquared
  object: agent_popup
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
  Direction: {value: Inbound}
  UserId: Agent
`

// TestE2ELeadSquaredAgentPopups: a popup is one call session shown to one
// agent: rows of the same session and agent merge, the same session shown
// to a second agent is a second popup, a caller without a lead is refused
// (ShowAgentPopup requires a LeadId) with a reason, under the faults at
// concurrency 16; a re-run sends nothing and reports the refusal again.
func TestE2ELeadSquaredAgentPopups(t *testing.T) {
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01,
		Faults: emulator.Faults{Seed: 3, DropAfterWrite: 0.10, Error500: 0.05, Extra429: 0.01}})
	defer srv.Close()
	const callers = 30
	var seed strings.Builder
	seed.WriteString(`{"Leads":[`)
	for i := range callers {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"LastName":"Caller %d","Phone":"+91-98600%05d"}`, i, i)
	}
	seed.WriteString("]}")
	if err := srv.Seed([]byte(seed.String())); err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("Session,From,To,Agent\n")
	want := map[[2]string]bool{} // session, agent
	for i := range callers {
		s := fmt.Sprintf("P%03d", i)
		fmt.Fprintf(&file, "%s,098600%05d,+91-8011112222,%s\n", s, i, leadsquaredtest.TestUserID)
		want[[2]string{s, leadsquaredtest.TestUserID}] = true
		if i%3 == 0 { // the same popup again, in another spelling
			fmt.Fprintf(&file, "%s,+91 98600 %05d,+91-8011112222,%s\n", s, i, leadsquaredtest.TestUserID)
		}
		if i%4 == 0 { // passed to a second agent: a second popup
			fmt.Fprintf(&file, "%s,098600%05d,+91-8033334444,%s\n", s, i, leadsquaredtest.TestUserID2)
			want[[2]string{s, leadsquaredtest.TestUserID2}] = true
		}
	}
	file.WriteString("P-UNKNOWN,+91 70000 00099,+91-8011112222," + leadsquaredtest.TestUserID + "\n")
	dir := t.TempDir()
	writeFile(t, dir, "popups.csv", file.String())
	job := writeFile(t, dir, "job.yaml", leadsquaredPopupJob)
	env := map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}

	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	sum := readSummary(t, filepath.Join(dir, ".leadsync", "runs", "1", "summary.json"))
	st := srv.Core().Stats()
	t.Logf("run 1: exit %d, status %s, uncertain %d; faults %v; requests %v", r.code, sum.Status, sum.Uncertain, st.Faults, st.Requests)
	if r.code != ExitRejected || (sum.Status != "done_with_rejects" && sum.Status != "done_with_uncertain") || sum.Failed != 0 || sum.Rejected != 1 {
		t.Fatalf("exit %d, status %s, failed %d, rejected %d\n%s%s", r.code, sum.Status, sum.Failed, sum.Rejected, r.stdout, r.stderr)
	}
	got := map[[2]string]int{}
	for _, p := range srv.Popups() {
		got[[2]string{p.CallSessionID, p.UserID}]++
	}
	for k := range want {
		if got[k] != 1 {
			t.Errorf("popup %v shown %d times", k, got[k])
		}
	}
	if len(srv.Popups()) != len(want) {
		t.Errorf("%d popups, want %d", len(srv.Popups()), len(want))
	}
	drops := st.Faults[emulator.FaultDropAfterWrite]
	uncertain := map[string]bool{}
	refused := 0
	for _, row := range readCSVMaps(t, filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv")) {
		switch reason := row["leadsync_reason"]; {
		case strings.HasPrefix(reason, "uncertain:"):
			uncertain[row["Session"]+"/"+row["Agent"]] = true
		case row["Session"] == "P-UNKNOWN" && strings.Contains(reason, "no lead found by phone") && strings.Contains(reason, "existing lead"):
			refused++
		default:
			t.Errorf("rejected.csv row %s: %s", row["leadsync_row"], reason)
		}
	}
	if refused != 1 || len(uncertain) != drops {
		t.Errorf("refused %d, uncertain %d popups for %d lost answers", refused, len(uncertain), drops)
	}

	before := srv.Core().Stats()
	r = runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	after := srv.Core().Stats()
	if w := after.TotalWrites() - before.TotalWrites(); w != 0 || r.code != ExitRejected {
		t.Errorf("re-run: exit %d, %d writes", r.code, w)
	}
	if d := after.Requests[leadsquaredtest.OpLeadByPhone] - before.Requests[leadsquaredtest.OpLeadByPhone]; d != 0 {
		t.Errorf("re-run: %d lookups (the refused popup is remembered)", d)
	}
}
