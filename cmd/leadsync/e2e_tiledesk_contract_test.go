package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/phone"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

const tiledeskContractJob = `name: e2e-tiledesk-contract
source: {path: people.csv}
sink:
  vendor: tiledesk
  object: lead
  url: ${TD_URL}
  project: ${TD_PROJECT}
  token: ${TD_TOKEN}
  budget: {calls: 5000, per: 100ms}
region: FI
match: {keys: [phone, email]}
mapping:
  fullname: {columns: [First, Last]}
  email: Email
  phone: Phone
  company: Company
  attributes.source: {column: Source}
`

// contractPerson is one person of the contract file and what Tiledesk
// must hold for them.
type contractPerson struct {
	first, phone, email, company, source string // phone in E.164, email lower-case
}

// TestE2ETiledeskContract is issue 10's proof for Tiledesk: people with a
// phone only, an e-mail only and both; existing leads holding each key
// alone or both (phones in national format, e-mails in capitals, legacy
// attributes); in-file duplicates in other spellings; concurrency 16 with
// 10% of write answers lost after the write, 5% of calls answered 500
// before acting, 1% spurious 429s. One invocation ends done (exit 0),
// every person is one live lead with every mapped field (phone included),
// legacy attributes are kept, and a re-run writes nothing.
func TestE2ETiledeskContract(t *testing.T) {
	srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001,
		Faults: emulator.Faults{Seed: contractSeed(), DropAfterWrite: 0.10, Error500: 0.05, Extra429: 0.01}})
	defer srv.Close()

	n := 300
	fmt.Sscan(os.Getenv("TD_CONTRACT_N"), &n) // a bigger file by hand: TD_CONTRACT_N=3000
	var people []contractPerson
	var rows strings.Builder
	var seeded []map[string]any
	rows.WriteString("First,Last,Phone,Email,Company,Source\n")
	for i := range n {
		p := contractPerson{first: fmt.Sprintf("Person%d", i), company: fmt.Sprintf("Co %d", i), source: fmt.Sprintf("src-%d", i%4)}
		national := fmt.Sprintf("040 %03d %04d", 100+i/1000, i%1000)
		if i%3 != 2 {
			p.phone = fmt.Sprintf("+35840%03d%04d", 100+i/1000, i%1000)
		}
		if i%3 != 1 {
			p.email = fmt.Sprintf("p%d@example.fi", i)
		}
		people = append(people, p)
		filePhone := ""
		if p.phone != "" {
			filePhone = national
		}
		fmt.Fprintf(&rows, "%s,Last%d,%s,%s,%s,%s\n", p.first, i, filePhone, p.email, p.company, p.source)
		// In-file duplicates in other spellings.
		if i%7 == 0 {
			dupPhone, dupEmail := "", strings.ToUpper(p.email)
			if p.phone != "" {
				dupPhone = "+358 40 " + strings.TrimPrefix(p.phone, "+35840")
				if p.email != "" && i%2 == 0 {
					dupEmail = "" // only the phone ties it to the first row
				}
			}
			fmt.Fprintf(&rows, "%s,Last%d,%s,%s,%s,%s\n", p.first, i, dupPhone, dupEmail, p.company, p.source)
		}
		// Existing leads: some hold both keys, some only one of the
		// person's keys, with stale values.
		if i%4 == 0 {
			lead := map[string]any{"_id": fmt.Sprintf("66d1e4c0aaaa%012d", i), "id_project": tiledesktest.TestProjectID,
				"lead_id": fmt.Sprintf("old-%d", i), "fullname": "Stale Name", "company": "Old Co",
				"attributes": map[string]any{"legacy": fmt.Sprintf("kept-%d", i)}}
			variant := (i / 4) % 3
			if p.phone != "" && (p.email == "" || variant != 2) {
				lead["phone"] = national
			}
			if p.email != "" && (p.phone == "" || variant != 1) {
				lead["email"] = fmt.Sprintf("P%d@Example.FI", i)
			}
			seeded = append(seeded, lead)
		}
	}
	fixtures, _ := json.Marshal(map[string]any{"leads": seeded})
	if err := srv.Seed(fixtures); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "people.csv", rows.String())
	job := writeFile(t, dir, "job.yaml", tiledeskContractJob)
	env := map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken}

	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitOK {
		t.Fatalf("one invocation under faults: exit %d, want 0 (done)\n%s%s", r.code, r.stdout, r.stderr)
	}
	st := srv.Core().Stats()
	for _, f := range []string{emulator.FaultDropAfterWrite, emulator.FaultError500, emulator.FaultExtra429} {
		if st.Faults[f] == 0 {
			t.Errorf("no %s fault happened: the test proves less than it says", f)
		}
	}
	checkContractLeads(t, srv, people)
	t.Logf("first run: %d requests (%d writes) for %d people; faults %v", st.TotalRequests(), st.TotalWrites(), n, st.Faults)

	writes := srv.Core().Stats().TotalWrites()
	requests := srv.Core().Stats().TotalRequests()
	r = runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitOK {
		t.Fatalf("re-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if w := srv.Core().Stats().TotalWrites() - writes; w != 0 {
		t.Errorf("the re-run wrote %d times, want 0\n%s", w, r.stdout)
	}
	checkContractLeads(t, srv, people)
	t.Logf("re-run: %d requests, 0 writes", srv.Core().Stats().TotalRequests()-requests)
}

// checkContractLeads checks that each person is exactly one live lead
// with every mapped field, and that no other live lead exists.
func checkContractLeads(t *testing.T, srv *tiledesktest.Server, people []contractPerson) {
	t.Helper()
	byPhone, byEmail := map[string][]tiledesktest.Lead{}, map[string][]tiledesktest.Lead{}
	live := 0
	for _, l := range srv.Leads() {
		if l.Deleted() || l.IDProject == "" {
			continue
		}
		live++
		if p, err := phone.Normalize(l.Phone, "FI"); err == nil && l.Phone != "" {
			byPhone[p] = append(byPhone[p], l)
		}
		if l.Email != "" {
			e := strings.ToLower(l.Email)
			byEmail[e] = append(byEmail[e], l)
		}
	}
	if live != len(people) {
		t.Errorf("%d live leads for %d people", live, len(people))
	}
	bad := 0
	for i, p := range people {
		var found []tiledesktest.Lead
		if p.phone != "" {
			found = byPhone[p.phone]
		} else {
			found = byEmail[p.email]
		}
		if len(found) != 1 {
			t.Errorf("person %d (%s / %s): %d leads", i, p.phone, p.email, len(found))
			bad++
			continue
		}
		l := found[0]
		attrs, _ := l.Attributes.(map[string]any)
		problems := []string{}
		if p.phone != "" {
			if got, _ := phone.Normalize(l.Phone, "FI"); got != p.phone {
				problems = append(problems, "phone "+l.Phone)
			}
		}
		if p.email != "" && strings.ToLower(l.Email) != p.email {
			problems = append(problems, "email "+l.Email)
		}
		if l.Fullname != fmt.Sprintf("%s Last%d", p.first, i) {
			problems = append(problems, "fullname "+l.Fullname)
		}
		if l.Company != p.company {
			problems = append(problems, "company "+l.Company)
		}
		if attrs["source"] != p.source {
			problems = append(problems, fmt.Sprintf("attributes %v", attrs))
		}
		if i%4 == 0 && attrs["legacy"] != fmt.Sprintf("kept-%d", i) {
			problems = append(problems, fmt.Sprintf("legacy attribute lost: %v", attrs))
		}
		if len(problems) > 0 {
			t.Errorf("person %d lead %s incomplete: %s", i, l.ID, strings.Join(problems, "; "))
			bad++
		}
		if bad > 20 {
			t.Fatal("too many problems")
		}
	}
}

func contractSeed() int64 {
	var s int64 = 10
	fmt.Sscan(os.Getenv("TD_CONTRACT_SEED"), &s)
	return s
}

// `fields` shows the per-key attributes; a job mapping the old single
// JSON attributes value is refused before any call, pointing at them.
func TestTiledeskAttributesFields(t *testing.T) {
	r := runApp(t, nil, "fields", "tiledesk", "lead")
	if r.code != 0 || !strings.Contains(r.stdout, "attributes.*") || !strings.Contains(r.stdout, "attributes.source: {column: Source}") ||
		!strings.Contains(r.stdout, "match keys: email, lead_id, phone") {
		t.Fatalf("fields tiledesk lead: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	writeFile(t, dir, "people.csv", "First,Last,Phone,Email,Company,Source\nA,B,040 1234567,a@example.fi,C,S\n")
	job := writeFile(t, dir, "job.yaml", strings.Replace(tiledeskContractJob, "attributes.source: {column: Source}", "attributes: Source", 1))
	env := map[string]string{"TD_URL": "http://127.0.0.1:1/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": "x"}
	r = runApp(t, env, "validate", job)
	if r.code == 0 || !strings.Contains(r.stderr, `no field "attributes"`) || !strings.Contains(r.stderr, "attributes.<key>") {
		t.Fatalf("validate with JSON attributes: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
