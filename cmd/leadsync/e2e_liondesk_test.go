package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

const liondeskLeadJob = `name: e2e-liondesk-leads
source: {path: leads.csv}
sink:
  vendor: liondesk
  object: lead
  url: ${LI_URL}
  token: ${LI_TOKEN}
region: US
match: {keys: [email, mobile_phone]}
mapping:
  first_name: First
  last_name: Last
  email: Email
  mobile_phone: Phone
  lead_source: {value: Zillow}
  contact_source: {value: Zillow Imports}
  type: {value: Buyer}
  zipcode: Zip
setup:
  contact_sources: [Zillow Imports]
  campaigns:
    - name: Buyer Drip
      actions:
        - type: Agent Task - Call Reminder
          timing_type: Delay by Minutes
          delay_by_seconds: 600
          notes: Call the lead
  teams:
    - name: North Team
      distribution_options:
        - user_id: 1002
          rank: 1
          assign_automatically: true
          has_text_alert: true
  routes:
    - lead_source: Zillow
      contact_source: Zillow Imports
      filter: Buyer
      campaign: Buyer Drip
      distribution_target: Team Rollout
      team_selection_method: Specific Team
      team: North Team
`

// The seeds' lead submission walkthrough end to end: setup ensures the
// campaign, its action, the team's option and the route (idempotently);
// the run finds or creates each contact, creates the lead, starts the
// route's campaign and sends the Team Rollout offers, once per person.
func TestE2ELionDeskLeads(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("First,Last,Email,Phone,Zip\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "Buyer%d,Smith,buyer%d@example.com,(415) 555-%04d,92618\n", i, i, i)
	}
	b.WriteString("Buyer3,Smith,,415.555.0003,92618\n") // buyer 3 again, by phone
	writeFile(t, dir, "leads.csv", b.String())
	job := writeFile(t, dir, "job.yaml", liondeskLeadJob)
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}

	r := runApp(t, env, "setup", job)
	if r.code != 0 || !strings.Contains(r.stdout, "created") {
		t.Fatalf("setup: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, env, "setup", job)
	if r.code != 0 || !strings.Contains(r.stdout, "nothing written") {
		t.Fatalf("second setup changed something: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	writesAfterSetup := srv.Core().Stats().TotalWrites()

	r = runApp(t, env, "run", "--quiet", "--concurrency", "8", job)
	if r.code != 0 {
		t.Fatalf("run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(srv.Contacts()); n != 30 {
		t.Errorf("%d contacts, want 30", n)
	}
	if n := len(srv.Leads()); n != 30 {
		t.Errorf("%d leads, want 30 (one per person)", n)
	}
	if n := len(srv.CampaignContacts()); n != 30 {
		t.Errorf("%d campaign starts, want 30", n)
	}
	if n := len(srv.LeadOffers()); n < 30 {
		t.Errorf("%d lead offers, want one or more per lead", n)
	}
	// Leads cannot be looked up: a second run sends nothing.
	before := srv.Core().Stats().TotalWrites()
	r = runApp(t, env, "run", "--quiet", job)
	if r.code != 0 || srv.Core().Stats().TotalWrites() != before {
		t.Fatalf("re-run wrote %d times\n%s%s", srv.Core().Stats().TotalWrites()-before, r.stdout, r.stderr)
	}
	if writesAfterSetup == 0 {
		t.Fatal("setup wrote nothing")
	}
}

const liondeskContactJob = `name: e2e-liondesk-contacts
source: {path: leads.csv}
sink:
  vendor: liondesk
  object: contact
  url: ${LI_URL}
  token: ${LI_TOKEN}
region: FI
match: {keys: [email, mobile_phone]}
mapping:
  first_name: First
  last_name: Last
  email: Email
  mobile_phone: Phone
  company: Campaign
`

// Contacts at 16 in flight with 10% of writes answered by a dropped
// connection: one contact per person.
func TestE2ELionDeskContacts(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001, Faults: emulator.Faults{Seed: 5, DropAfterWrite: 0.1}})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", strings.ReplaceAll(people(150), ";", ","))
	job := writeFile(t, dir, "job.yaml", liondeskContactJob)
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}
	r := runApp(t, env, "run", "--quiet", "--concurrency", "16", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	byEmail := map[string]int{}
	for _, c := range srv.Contacts() {
		byEmail[c.Email]++
	}
	for i := 0; i < 150; i++ {
		if n := byEmail[fmt.Sprintf("p%d@example.fi", i)]; n != 1 {
			t.Errorf("p%d: %d contacts", i, n)
		}
	}
	if srv.Core().Stats().Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Fatal("no write was dropped; the test proves nothing")
	}
}

// LionDesk documents no rate limit, but a real account has one: with no
// budget configured, the run learns it from the 429s it gets, sends few
// of them, and still finishes every row.
func TestE2EAdaptiveBudget(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.1, Limit: &emulator.Limit{Calls: 20, Per: time.Second}})
	defer srv.Close()
	dir := t.TempDir()
	const n = 40
	writeFile(t, dir, "leads.csv", strings.ReplaceAll(people(n), ";", ","))
	job := writeFile(t, dir, "job.yaml", liondeskContactJob)
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}
	r := runApp(t, env, "run", "--quiet", "--concurrency", "8", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	byEmail := map[string]int{}
	for _, c := range srv.Contacts() {
		byEmail[c.Email]++
	}
	for i := 0; i < n; i++ {
		if byEmail[fmt.Sprintf("p%d@example.fi", i)] != 1 {
			t.Fatalf("p%d: %d contacts", i, byEmail[fmt.Sprintf("p%d@example.fi", i)])
		}
	}
	st := srv.Core().Stats()
	t.Logf("%d requests, %d 429s", st.TotalRequests(), st.RateLimited)
	if st.RateLimited > st.TotalRequests()/10 {
		t.Fatalf("%d of %d requests got 429: the budget did not adapt", st.RateLimited, st.TotalRequests())
	}
}
