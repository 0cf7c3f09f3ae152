package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

// liondeskFaults are issue 10's faults: 10% of write answers lost after
// the vendor acted, 5% HTTP 500 before acting, 1% spurious 429s.
func liondeskFaults(seed int64) emulator.Faults {
	return emulator.Faults{Seed: seed, DropAfterWrite: 0.10, Error500: 0.05, Extra429: 0.01}
}

const liondeskFlowJob = `name: e2e-liondesk-lead-flow
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
  text_body: Note
  zipcode: Zip
setup:
  contact_sources: [Zillow Imports]
  campaigns:
    - name: Buyer Drip
      actions:
        - type: Email Contact
          timing_type: Delay by Minutes
          delay_by_seconds: 60
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

// flowPerson is one person of the lead file.
type flowPerson struct {
	email, phone string // as stored: lower-case, E.164 ("" when the file has none)
}

// leadFlowFile writes n people: a third e-mail only, a third phone only,
// a third both; every 10th appears again in another spelling (the e-mail
// upper-cased, the phone formatted).
func leadFlowFile(n int) (string, []flowPerson) {
	var b strings.Builder
	b.WriteString("First,Last,Email,Phone,Zip,Note\n")
	var ps []flowPerson
	for i := 0; i < n; i++ {
		p := flowPerson{}
		email, ph := "", ""
		if i%3 != 1 {
			p.email = fmt.Sprintf("buyer%d@example.com", i)
			email = p.email
		}
		if i%3 != 0 {
			p.phone = fmt.Sprintf("+1415555%04d", i)
			ph = fmt.Sprintf("(415) 555-%04d", i)
		}
		ps = append(ps, p)
		fmt.Fprintf(&b, "Buyer%d,Smith,%s,%s,92618,Lead %d\n", i, email, ph, i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "Buyer%d,Smith,%s,%s,92618,Lead %d\n", i, strings.ToUpper(email), strings.ReplaceAll(ph, " ", ""), i)
		}
	}
	return b.String(), ps
}

// parseSummary reads the run summary a --json run prints.
func parseSummary(t *testing.T, r result) summary {
	t.Helper()
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("summary: %v\n%s%s", err, r.stdout, r.stderr)
	}
	return s
}

// The lead flow end to end under issue 10's faults at concurrency 16:
// ONE invocation ends done; each person's contact exists once; each lead
// exists once and its campaign and offers happened, except the leads
// whose POST /leads answer was lost (LionDesk cannot look leads up),
// each listed as uncertain with its reason; a re-run writes nothing.
func TestE2ELionDeskLeadFlowUnderFaults(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	const n = 200
	file, people := leadFlowFile(n)
	writeFile(t, dir, "leads.csv", file)
	job := writeFile(t, dir, "job.yaml", liondeskFlowJob)
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}
	if r := runApp(t, env, "setup", job); r.code != 0 {
		t.Fatalf("setup: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Some people are already contacts, stored as leadsync stores them,
	// with the route's contact source.
	var src int64
	for _, s := range srv.ContactSources() {
		if s.Name == "Zillow Imports" {
			src = s.ID
		}
	}
	var existing []map[string]any
	for i := 0; i < n; i += 7 {
		c := map[string]any{"first_name": fmt.Sprintf("Old%d", i), "source_id": src, "owner_user_id": liondesktest.TestUserID}
		if people[i].email != "" {
			c["email"] = people[i].email
		} else {
			c["mobile_phone"] = people[i].phone
		}
		existing = append(existing, c)
	}
	b, _ := json.Marshal(map[string]any{"contacts": existing})
	if err := srv.Seed(b); err != nil {
		t.Fatal(err)
	}
	srv.Core().Configure(emulator.Options{TimeScale: 0.001, Faults: liondeskFaults(11)})

	r := runApp(t, env, "run", "--json", "--concurrency", "16", job)
	sum := parseSummary(t, r)
	t.Logf("run: exit %d, status %s, entities %d, uncertain %d, failed %d, rejected %d, retried %d, calls %d; faults %v",
		r.code, sum.Status, sum.Entities, sum.Uncertain, sum.Failed, sum.Rejected, sum.Retried, sum.Calls, srv.Core().Stats().Faults)
	if (sum.Status != "done" && sum.Status != "done_with_uncertain") || sum.Failed != 0 || sum.Rejected != 0 {
		t.Fatalf("one invocation did not end done: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if sum.Entities != n {
		t.Fatalf("%d entities, want %d", sum.Entities, n)
	}
	faults := srv.Core().Stats().Faults
	if faults[emulator.FaultDropAfterWrite] == 0 || faults[emulator.FaultError500] == 0 {
		t.Fatalf("faults %v: the test proves nothing", faults)
	}

	// Every uncertain row is listed with its reason: the lead step.
	uncertain := map[string]bool{}
	for _, u := range sum.Unsettled {
		if u.Status != "uncertain" || !strings.Contains(u.Reason, `"lead"`) {
			t.Errorf("unsettled row %d: %s: %s", u.Row, u.Status, u.Reason)
		}
		uncertain[u.Entity] = true
	}
	if len(uncertain) == 0 && sum.Uncertain > 0 || len(sum.Unsettled) < sum.Uncertain {
		t.Fatalf("%d uncertain rows, %d listed", sum.Uncertain, len(sum.Unsettled))
	}
	isUncertain := func(p flowPerson) bool {
		for e := range uncertain {
			if (p.email != "" && strings.Contains(e, p.email)) || (p.phone != "" && strings.Contains(e, p.phone)) {
				return true
			}
		}
		return false
	}

	contactsByKey := map[string][]int64{}
	for _, c := range srv.Contacts() {
		if c.Email != "" {
			contactsByKey[c.Email] = append(contactsByKey[c.Email], c.ID)
		}
		if c.MobilePhone != "" {
			contactsByKey[c.MobilePhone] = append(contactsByKey[c.MobilePhone], c.ID)
		}
	}
	leadsOf := map[int64][]int64{}
	for _, l := range srv.Leads() {
		leadsOf[l.ContactID] = append(leadsOf[l.ContactID], l.ID)
	}
	started := map[int64]int{}
	for _, cc := range srv.CampaignContacts() {
		started[cc.ContactID]++
	}
	offered := map[int64]bool{}
	for _, o := range srv.LeadOffers() {
		offered[o.LeadID] = true
	}
	missing, doubled, incomplete, uncertainN := 0, 0, 0, 0
	for i, p := range people {
		key := p.email
		if key == "" {
			key = p.phone
		}
		ids := contactsByKey[key]
		if len(ids) != 1 {
			t.Errorf("person %d (%s): %d contacts", i, key, len(ids))
			doubled++
			continue
		}
		cid := ids[0]
		leads := leadsOf[cid]
		if isUncertain(p) {
			uncertainN++
			if len(leads) > 1 {
				t.Errorf("person %d: uncertain, %d leads", i, len(leads))
			}
			continue
		}
		switch {
		case len(leads) == 0:
			missing++
			t.Errorf("person %d: no lead", i)
		case len(leads) > 1:
			doubled++
			t.Errorf("person %d: %d leads", i, len(leads))
		case started[cid] != 1 || !offered[leads[0]]:
			incomplete++
			t.Errorf("person %d: lead %d: campaign starts %d, offers %v", i, leads[0], started[cid], offered[leads[0]])
		}
	}
	t.Logf("%d people: %d missing, %d doubled, %d incomplete, %d uncertain (listed)", n, missing, doubled, incomplete, uncertainN)
	if uncertainN != len(uncertain) {
		t.Errorf("%d people uncertain, %d uncertain entities listed", uncertainN, len(uncertain))
	}

	// A re-run writes nothing (uncertain leads stay uncertain, unsent).
	before := srv.Core().Stats().TotalWrites()
	r = runApp(t, env, "run", "--json", "--concurrency", "16", job)
	if w := srv.Core().Stats().TotalWrites() - before; w != 0 {
		t.Fatalf("re-run wrote %d times\n%s%s", w, r.stdout, r.stderr)
	}
	if s := parseSummary(t, r); (s.Status != "done" && s.Status != "done_with_uncertain") || s.Failed != 0 {
		t.Fatalf("re-run: %+v", s)
	}
}

const liondeskFlowContactJob = `name: e2e-liondesk-contacts-faults
source: {path: people.csv}
sink:
  vendor: liondesk
  object: contact
  url: ${LI_URL}
  token: ${LI_TOKEN}
region: US
match: {keys: [email, mobile_phone]}
mapping:
  first_name: First
  last_name: Last
  email: Email
  mobile_phone: Phone
  company: Company
  tags: Tags
`

// Contacts under issue 10's faults at concurrency 16: one invocation ends
// done, every person once with every mapped field, tags compared as sets
// (an existing "VIP, Buyer" is not rewritten for "VIP,Buyer"), and a
// re-run writes nothing.
func TestE2ELionDeskContactsUnderFaults(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	const n = 200
	var b strings.Builder
	b.WriteString("First,Last,Email,Phone,Company,Tags\n")
	var existing []map[string]any
	for i := 0; i < n; i++ {
		email, ph := fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("(212) 555-%04d", i)
		switch i % 3 {
		case 1:
			email = ""
		case 2:
			ph = ""
		}
		fmt.Fprintf(&b, "P%d,L%d,%s,%s,Acme %d,\"VIP,Buyer\"\n", i, i, email, ph, i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "P%d,L%d,%s,%s,Acme %d,\"VIP,Buyer\"\n", i, i, strings.ToUpper(email), strings.ReplaceAll(ph, " ", ""), i)
		}
		if i%5 == 0 {
			c := map[string]any{"first_name": fmt.Sprintf("P%d", i), "last_name": fmt.Sprintf("L%d", i), "tags": "VIP, Buyer",
				"company": fmt.Sprintf("Acme %d", i), "owner_user_id": liondesktest.TestUserID}
			if i%10 == 5 {
				c["company"] = "Old Co" // differs: updated
			}
			if email != "" {
				c["email"] = email
			}
			if ph != "" {
				c["mobile_phone"] = fmt.Sprintf("+1212555%04d", i)
			}
			existing = append(existing, c)
		}
	}
	writeFile(t, dir, "people.csv", b.String())
	job := writeFile(t, dir, "job.yaml", liondeskFlowContactJob)
	seedJSON, _ := json.Marshal(map[string]any{"contacts": existing})
	if err := srv.Seed(seedJSON); err != nil {
		t.Fatal(err)
	}
	sameIDs := map[string]bool{}
	for _, c := range srv.Contacts() {
		if c.Company != "Old Co" {
			sameIDs[fmt.Sprint(c.ID)] = true
		}
	}
	srv.Core().Configure(emulator.Options{TimeScale: 0.001, Faults: liondeskFaults(23)})
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}

	r := runApp(t, env, "run", "--json", "--concurrency", "16", job)
	sum := parseSummary(t, r)
	t.Logf("run: exit %d, status %s, entities %d, failed %d, uncertain %d, retried %d, calls %d, actions %v; faults %v",
		r.code, sum.Status, sum.Entities, sum.Failed, sum.Uncertain, sum.Retried, sum.Calls, sum.Actions, srv.Core().Stats().Faults)
	if r.code != 0 || sum.Status != "done" {
		t.Fatalf("one invocation did not end done: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	byKey := map[string][]liondesktest.Contact{}
	for _, c := range srv.Contacts() {
		if c.Email != "" {
			byKey[c.Email] = append(byKey[c.Email], c)
		}
		if c.MobilePhone != "" {
			byKey[c.MobilePhone] = append(byKey[c.MobilePhone], c)
		}
	}
	bad := 0
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("p%d@example.com", i)
		if i%3 == 1 {
			key = fmt.Sprintf("+1212555%04d", i)
		}
		cs := byKey[key]
		if len(cs) != 1 || cs[0].Company != fmt.Sprintf("Acme %d", i) || cs[0].FirstName != fmt.Sprintf("P%d", i) || cs[0].Tags == "" {
			bad++
			t.Errorf("person %d: %+v", i, cs)
		}
	}
	for _, c := range srv.Core().Calls() {
		if c.Method == "PATCH" && sameIDs[filepath.Base(c.Path)] {
			t.Errorf("contact %s patched although only its tags' spelling differs", filepath.Base(c.Path))
		}
	}
	t.Logf("%d people, %d wrong", n, bad)

	before := srv.Core().Stats().TotalWrites()
	r = runApp(t, env, "run", "--json", "--concurrency", "16", job)
	if w := srv.Core().Stats().TotalWrites() - before; w != 0 || r.code != 0 {
		t.Fatalf("re-run: exit %d, %d writes\n%s%s", r.code, w, r.stdout, r.stderr)
	}
	// --verify compares every person with LionDesk again: still nothing.
	r = runApp(t, env, "run", "--json", "--verify", job)
	if w := srv.Core().Stats().TotalWrites() - before; w != 0 || r.code != 0 {
		t.Fatalf("verify run: exit %d, %d writes\n%s%s", r.code, w, r.stdout, r.stderr)
	}
	// reconcile compares as the vendor means too: the seeded "VIP, Buyer"
	// against the file's "VIP,Buyer" is present, not differs.
	srv.Core().Configure(emulator.Options{TimeScale: 0.001})
	out := filepath.Join(dir, "reconcile")
	r = runApp(t, env, "reconcile", "--out", out, job)
	b2, err := os.ReadFile(filepath.Join(out, "reconcile.json"))
	if err != nil {
		t.Fatalf("reconcile: exit %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	var rec struct {
		Entities []struct {
			Action  string `json:"action"`
			Changes []struct {
				Field string `json:"field"`
			} `json:"changes"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(b2, &rec); err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]int{}
	for _, e := range rec.Entities {
		verdicts[e.Action]++
		if e.Action == "differs" {
			t.Errorf("reconcile: differs on %+v", e.Changes)
		}
	}
	if r.code != 0 || verdicts["present"] != n {
		t.Fatalf("reconcile: exit %d, verdicts %v (want %d present)\n%s%s", r.code, verdicts, n, r.stdout, r.stderr)
	}
}

// A lead LionDesk cannot route is rejected before anything is written,
// with what the LionDesk set-up lacks, in rejected.csv and show; the next
// run reports it again (never unchanged) and writes nothing.
func TestE2ELionDeskUnroutableLead(t *testing.T) {
	srv := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", "First,Last,Email,Phone,Zip,Note\nAnn,Lee,ann@example.com,,92618,hi\nBo,Ray,bo@example.com,,92618,hello\n")
	job := writeFile(t, dir, "job.yaml", liondeskFlowJob)
	env := map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken}
	if r := runApp(t, env, "setup", job); r.code != 0 {
		t.Fatalf("setup: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Bo is already a contact from the Email source: no route takes his lead.
	seedJSON, _ := json.Marshal(map[string]any{"contacts": []map[string]any{{"email": "bo@example.com", "source_id": liondesktest.ContactSourceEmail, "owner_user_id": liondesktest.TestUserID}}})
	if err := srv.Seed(seedJSON); err != nil {
		t.Fatal(err)
	}
	before := srv.Core().Stats().TotalWrites()
	r := runApp(t, env, "run", "--json", job)
	sum := parseSummary(t, r)
	if r.code != ExitRejected || sum.Rejected != 1 {
		t.Fatalf("exit %d, %+v\n%s%s", r.code, sum, r.stdout, r.stderr)
	}
	if len(srv.Leads()) != 1 || srv.Leads()[0].ContactID == srv.Contacts()[0].ID {
		t.Fatalf("leads %+v", srv.Leads())
	}
	if w := srv.Core().Stats().TotalWrites() - before; w != 4 { // Ann: contact, lead, campaign, offers
		t.Fatalf("%d writes, want 4", w)
	}
	const why = "no lead route takes this lead"
	rej := strings.ReplaceAll(readRejected(t, dir), `""`, `"`)
	if !strings.Contains(rej, why) || !strings.Contains(rej, `contact source "Email"`) {
		t.Fatalf("rejected.csv:\n%s", rej)
	}
	show := runApp(t, env, "show", "--job", job, "1")
	if !strings.Contains(show.stdout+show.stderr, why) {
		t.Fatalf("show:\n%s%s", show.stdout, show.stderr)
	}
	before = srv.Core().Stats().TotalWrites()
	r = runApp(t, env, "run", "--json", job)
	sum = parseSummary(t, r)
	if r.code != ExitRejected || sum.Rejected != 1 || srv.Core().Stats().TotalWrites() != before {
		t.Fatalf("re-run: exit %d, %+v, %d writes\n%s", r.code, sum, srv.Core().Stats().TotalWrites()-before, r.stderr)
	}
}

// readRejected returns every rejected.csv under dir.
func readRejected(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() == "rejected.csv" {
			data, _ := os.ReadFile(p)
			b.Write(data)
		}
		return nil
	})
	return b.String()
}
