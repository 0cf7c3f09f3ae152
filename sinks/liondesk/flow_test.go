package liondesk

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

func leadFlow(t *testing.T, srv *liondesktest.Server) sinks.Flow {
	t.Helper()
	f, ok := newSink(t, srv, ObjectLead).(sinks.Flow)
	if !ok {
		t.Fatal("the lead sink is not a sinks.Flow")
	}
	return f
}

func TestFlowSteps(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	fl := leadFlow(t, srv)
	want := []sinks.Step{
		{Name: StepContact, Idempotent: true},
		{Name: StepLead},
		{Name: StepCampaign, Verifiable: true},
		{Name: StepOffers, Verifiable: true},
	}
	for _, f := range []sinks.Fields{paul("Zillow"), paul("Email"), {"email": "x@example.com"}} {
		got := fl.Steps(f)
		if len(got) != len(want) {
			t.Fatalf("steps %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("step %d: %+v, want %+v", i, got[i], want[i])
			}
		}
	}
	if srv.Core().Stats().TotalRequests() != 0 {
		t.Fatal("Steps made calls")
	}
}

// Each step's Do does its one write and returns its result: the contact
// id, the lead id, the campaign contact's id, the number of offers.
func TestFlowDoEachStep(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	f := paul("Email") // Team Rollout to the North team
	done := map[string]string{}
	base := srv.Core().Stats().Writes
	for _, st := range []struct{ step, op string }{
		{StepContact, "contact.create"}, {StepLead, "lead.create"}, {StepCampaign, "campaigncontact.create"}, {StepOffers, "leadoffer.create"},
	} {
		res, err := fl.Do(withTimeout(t), st.step, f, done)
		if err != nil {
			t.Fatalf("%s: %v", st.step, err)
		}
		if w := srv.Core().Stats().Writes; w[st.op]-base[st.op] != 1 || srv.Core().Stats().TotalWrites()-sum(base) != len(done)+1 {
			t.Fatalf("%s: writes %v", st.step, w)
		}
		done[st.step] = res
	}
	c, l, cc := srv.Contacts(), srv.Leads(), srv.CampaignContacts()
	if len(c) != 1 || done[StepContact] != strconv.FormatInt(c[0].ID, 10) {
		t.Fatalf("contact result %q, contacts %+v", done[StepContact], c)
	}
	if len(l) != 1 || done[StepLead] != strconv.FormatInt(l[0].ID, 10) || l[0].ContactID != c[0].ID || l[0].DistributionTarget != "Team Rollout" {
		t.Fatalf("lead result %q, leads %+v", done[StepLead], l)
	}
	if len(cc) != 1 || done[StepCampaign] != strconv.FormatInt(cc[0].ID, 10) || cc[0].ContactID != c[0].ID {
		t.Fatalf("campaign result %q, campaign contacts %+v", done[StepCampaign], cc)
	}
	if n := len(srv.LeadOffers()); n != 2 || done[StepOffers] != "2" {
		t.Fatalf("offers result %q, %d offers", done[StepOffers], n)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// A Myself lead has no offers to send: the step is skipped without a call.
func TestFlowSkipsOffersOfAMyselfLead(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	f := paul("Zillow")
	done := map[string]string{}
	for _, st := range []string{StepContact, StepLead, StepCampaign} {
		res, err := fl.Do(ctx, st, f, done)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		done[st] = res
	}
	before := srv.Core().Stats().TotalWrites()
	res, err := fl.Do(ctx, StepOffers, f, done)
	if !errors.Is(err, sinks.ErrStepSkipped) || res != "" {
		t.Fatalf("offers of a Myself lead: %q, %v", res, err)
	}
	if srv.Core().Stats().TotalWrites() != before || requests(srv)["leadoffer.create"] != 0 {
		t.Fatal("offers requested")
	}
}

// A lead route without a campaign (LionDesk requires one, so only a
// route whose campaign reads as none) skips the campaign step.
func TestFlowSkipsTheCampaignOfARouteWithoutOne(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	seed(t, srv, map[string]any{"lead_routes": []map[string]any{{"distribution_target": "Myself", "lead_source_id": liondesktest.LeadSourceZillow,
		"contact_source_id": 0, "campaign_id": 0, "owner_user_id": liondesktest.TestUserID}}})
	s := newSink(t, srv, ObjectLead).(*leadSink)
	f := sinks.Fields{"email": "nocampaign@example.com", "lead_source": "Zillow"}
	done := map[string]string{}
	for _, st := range []string{StepContact, StepLead} {
		res, err := s.Do(ctx, st, f, done)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		done[st] = res
	}
	if _, err := s.Do(ctx, StepCampaign, f, done); !errors.Is(err, sinks.ErrStepSkipped) {
		t.Fatalf("campaign: %v", err)
	}
	if requests(srv)["campaigncontact.create"] != 0 {
		t.Fatal("campaign started")
	}
}

// After a lost answer, the idempotent contact step finds what it created.
func TestFlowContactAfterALostAnswer(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	f := paul("Zillow")
	srv.Core().InjectNext("contact.create", emulator.FaultDropAfterWrite)
	_, err := fl.Do(ctx, StepContact, f, nil)
	if !sinks.IsUnknownOutcome(err) {
		t.Fatalf("lost answer: %v", err)
	}
	res, err := fl.Do(ctx, StepContact, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := srv.Contacts(); len(c) != 1 || res != strconv.FormatInt(c[0].ID, 10) || writes(srv)["contact.create"] != 1 {
		t.Fatalf("result %q, contacts %+v", res, c)
	}
}

// The lead step cannot be checked (LionDesk cannot list a contact's
// leads): its lost answer is an unknown outcome, and it is declared
// neither idempotent nor verifiable, so the engine leaves it uncertain.
func TestFlowLeadAfterALostAnswerIsUnknown(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	f := paul("Zillow")
	cid, err := fl.Do(ctx, StepContact, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Core().InjectNext("lead.create", emulator.FaultDropAfterWrite)
	_, err = fl.Do(ctx, StepLead, f, map[string]string{StepContact: cid})
	if !sinks.IsUnknownOutcome(err) || len(srv.Leads()) != 1 {
		t.Fatalf("lost lead answer: %v, %d leads", err, len(srv.Leads()))
	}
	for _, st := range fl.Steps(f) {
		if st.Name == StepLead && (st.Idempotent || st.Verifiable) {
			t.Fatalf("lead step %+v: nothing can tell whether a lost POST /leads happened", st)
		}
	}
	// A 500 says nothing either (LionDesk documents no 500 that means
	// "not done").
	srv.Core().InjectNext("lead.create", emulator.FaultError500)
	_, err = fl.Do(ctx, StepLead, f, map[string]string{StepContact: cid})
	if !sinks.IsUnknownOutcome(err) {
		t.Fatalf("500: %v", err)
	}
}

// doUpTo runs the steps before last and returns their results.
func doUpTo(t *testing.T, fl sinks.Flow, f sinks.Fields, last string) map[string]string {
	t.Helper()
	done := map[string]string{}
	for _, st := range fl.Steps(f) {
		if st.Name == last {
			return done
		}
		res, err := fl.Do(ctx, st.Name, f, done)
		if err != nil && !errors.Is(err, sinks.ErrStepSkipped) {
			t.Fatalf("%s: %v", st.Name, err)
		}
		done[st.Name] = res
	}
	t.Fatalf("no step %s", last)
	return nil
}

// Verify tells a campaign start whose answer was lost: by the contact's
// campaign communications when the campaign has any, by its agent tasks
// when it has only those.
func TestFlowVerifyCampaign(t *testing.T) {
	taskOnly := SetupSpec{
		ContactSources: []string{"Zillow Imports"},
		Campaigns:      []CampaignSpec{{Name: "Call Drip", Actions: []ActionSpec{{Type: "Agent Task - Call Reminder", TimingType: "Delay by Minutes", DelayBySeconds: ptr(int64(600)), Notes: "Call"}}}},
		Routes:         []RouteSpec{{LeadSource: "Zillow", ContactSource: "Zillow Imports", Campaign: "Call Drip", DistributionTarget: "Myself"}},
	}
	for name, c := range map[string]struct {
		spec   SetupSpec
		source string
		by     string // the read Verify uses
	}{
		"communications": {fullSpec(), "Zillow", "communication.find"},
		"tasks":          {taskOnly, "Zillow Imports", "task.find"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, liondesktest.Options{})
			setUp(t, srv, c.spec)
			fl := leadFlow(t, srv)
			f := paul(c.source)
			done := doUpTo(t, fl, f, StepCampaign)
			// Not started yet: Verify says so.
			if res, ok, err := fl.Verify(ctx, StepCampaign, f, done); err != nil || ok {
				t.Fatalf("before the start: %q %v %v", res, ok, err)
			}
			if requests(srv)[c.by] == 0 {
				t.Fatalf("verified without %s", c.by)
			}
			srv.Core().InjectNext("campaigncontact.create", emulator.FaultDropAfterWrite)
			if _, err := fl.Do(ctx, StepCampaign, f, done); !sinks.IsUnknownOutcome(err) {
				t.Fatalf("lost answer: %v", err)
			}
			before := srv.Core().Stats().TotalWrites()
			res, ok, err := fl.Verify(ctx, StepCampaign, f, done)
			if err != nil || !ok || res == "" {
				t.Fatalf("after the lost start: %q %v %v", res, ok, err)
			}
			if srv.Core().Stats().TotalWrites() != before || len(srv.CampaignContacts()) != 1 {
				t.Fatal("Verify wrote")
			}
			if name == "tasks" && res != strconv.FormatInt(srv.CampaignContacts()[0].ID, 10) {
				t.Fatalf("result %q, want the campaign contact's id", res)
			}
		})
	}
}

// Verify of lead offers whose answer was lost: sending again is answered
// "already sent" (LionDesk's precondition), which means they happened.
func TestFlowVerifyOffers(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	f := paul("Email")
	done := doUpTo(t, fl, f, StepOffers)
	srv.Core().InjectNext("leadoffer.create", emulator.FaultDropAfterWrite)
	if _, err := fl.Do(ctx, StepOffers, f, done); !sinks.IsUnknownOutcome(err) {
		t.Fatalf("lost answer: %v", err)
	}
	res, ok, err := fl.Verify(ctx, StepOffers, f, done)
	if err != nil || !ok || res != "already sent" {
		t.Fatalf("verify: %q %v %v", res, ok, err)
	}
	if n := len(srv.LeadOffers()); n != 2 {
		t.Fatalf("%d offers, want 2", n)
	}
	// Offers that were never sent: Verify's send creates them.
	f2 := paul("Email")
	f2["email"], f2["mobile_phone"] = "second@example.com", phone(61)
	done2 := doUpTo(t, fl, f2, StepOffers)
	res, ok, err = fl.Verify(ctx, StepOffers, f2, done2)
	if err != nil || !ok || res != "2" || len(srv.LeadOffers()) != 4 {
		t.Fatalf("verify unsent: %q %v %v, %d offers", res, ok, err, len(srv.LeadOffers()))
	}
}

// A lead LionDesk cannot carry through is refused before anything is
// written, with what is missing in the LionDesk set-up.
func TestFlowUnroutableLead(t *testing.T) {
	noOptions := teamSpec()
	noOptions.DistributionOptions = nil
	cases := []struct {
		name string
		spec *SetupSpec
		f    sinks.Fields
		want []string
	}{
		{"no route", nil, paul("Zillow"), []string{`no lead route takes this lead (lead source "Zillow", contact source "Zillow", type "Buyer")`, "Add a lead route", "--retry-rejected"}},
		{"no route for the sources", ptrSpec(fullSpec()), paul("Open House"), []string{`contact source "Open House"`, "no lead route"}},
		{"zipcode no team covers", &SetupSpec{
			Campaigns: []CampaignSpec{{Name: "Open House Follow-up"}},
			Teams:     []TeamSpec{teamSpec()},
			Routes: []RouteSpec{{LeadSource: "Open House", ContactSource: "Website", Campaign: "Open House Follow-up",
				DistributionTarget: "Team Rollout", TeamSelectionMethod: "Zipcode"}},
		}, sinks.Fields{"email": "far@example.com", "contact_source": "Website", "lead_source": "Open House", "zipcode": "10001"},
			[]string{"none of your teams has 10001 in its distribution_zipcodes"}},
		{"team without options", &SetupSpec{
			Campaigns: []CampaignSpec{buyerDrip()},
			Teams:     []TeamSpec{noOptions},
			Routes: []RouteSpec{{LeadSource: "Zillow", ContactSource: "Email", Campaign: "Buyer Drip",
				DistributionTarget: "Team Rollout", TeamSelectionMethod: "Specific Team", Team: "North Team"}},
		}, paul("Email"), []string{`team "North Team"`, "has no team member distribution options with an alert on", "distribution_options"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, liondesktest.Options{})
			if c.spec != nil {
				setUp(t, srv, *c.spec)
			}
			before := srv.Core().Stats().TotalWrites()
			fl := leadFlow(t, srv)
			_, err := fl.Do(ctx, StepContact, c.f, nil)
			mustClass(t, err, sinks.Rejected)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if srv.Core().Stats().TotalWrites() != before {
				t.Fatal("an unroutable lead wrote")
			}
			// Create says the same, and that nothing was written.
			_, err = newSink(t, srv, ObjectLead).Create(ctx, c.f)
			mustClass(t, err, sinks.Rejected)
			if !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("create: %v", err)
			}
		})
	}
}

func ptrSpec(s SetupSpec) *SetupSpec { return &s }

// An existing contact's own source routes its lead: the message names it.
func TestFlowUnroutableExistingContact(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	seed(t, srv, map[string]any{"contacts": []map[string]any{{"id": 701, "email": "paul@example.com", "source_id": liondesktest.ContactSourceZillow}}})
	f := paul("Email")
	f["type"] = "Seller" // the Zillow/Zillow route only takes buyers
	_, err := leadFlow(t, srv).Do(ctx, StepContact, f, nil)
	mustClass(t, err, sinks.Rejected)
	if !strings.Contains(err.Error(), "existing contact 701") || !strings.Contains(err.Error(), `type "Seller"`) {
		t.Fatalf("error %v", err)
	}
}

func TestLeadRefusedBeforeAnyWrite(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	before := srv.Core().Stats().TotalWrites()
	s := newSink(t, srv, ObjectLead)
	cases := []struct {
		f   sinks.Fields
		msg string
	}{
		{sinks.Fields{"email": "a@example.com", "lead_source": "Craigslist"}, `lead source "Craigslist" does not exist`},
		{sinks.Fields{"email": "a@example.com", "contact_source": "Billboard"}, `contact source "Billboard" does not exist`},
		{sinks.Fields{"first_name": "Nobody", "lead_source": "Zillow"}, "needs an email or a phone"},
		{sinks.Fields{"email": "a@example.com", "mobile_phone": "12"}, "mobile_phone"},
		{sinks.Fields{"email": "a@example.com", "claimed_via": "Fax"}, "claimed_via"},
	}
	for _, c := range cases {
		_, err := s.Create(ctx, c.f)
		if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%v: %v, want %q", c.f, err, c.msg)
		}
		mustClass(t, err, sinks.Rejected)
	}
	if w := srv.Core().Stats().TotalWrites(); w != before {
		t.Fatalf("%d writes", w-before)
	}
}

// A lead LionDesk refuses after its contact was created: the error names
// the vendor's reason and what was done; the contact is found next time.
func TestLeadRefusedAfterTheContact(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	s := newSink(t, srv, ObjectLead)
	f := paul("Zillow")
	f["listing_status"] = strings.Repeat("x", 300)
	_, err := s.Create(ctx, f)
	mustClass(t, err, sinks.Rejected)
	c := srv.Contacts()
	if len(c) != 1 || !strings.Contains(err.Error(), `step "lead" failed (done: contact `+strconv.FormatInt(c[0].ID, 10)+")") ||
		!strings.Contains(err.Error(), "listing_status must be at most 255 characters") {
		t.Fatalf("error %v", err)
	}
	delete(f, "listing_status")
	if _, err := s.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	if len(srv.Contacts()) != 1 || len(srv.Leads()) != 1 {
		t.Fatalf("contacts %d, leads %d", len(srv.Contacts()), len(srv.Leads()))
	}
}

// Routes are read once per sink; a route added during the run makes
// LionDesk's routing differ from leadsync's, which the campaign step
// reports instead of starting the wrong campaign.
func TestLeadReportsARouteAddedDuringTheRun(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, SetupSpec{Campaigns: []CampaignSpec{buyerDrip()}, Teams: []TeamSpec{teamSpec()}})
	// A Team Rollout route for Zillow leads of any contact source.
	seed(t, srv, map[string]any{"lead_routes": []map[string]any{{"distribution_target": "Team Rollout", "lead_source_id": liondesktest.LeadSourceZillow,
		"contact_source_id": 0, "campaign_id": srv.Campaigns()[0].ID, "team_selection_method": "Specific Team", "team_id": liondesktest.TeamNorth,
		"owner_user_id": liondesktest.TestUserID}}})
	s := newSink(t, srv, ObjectLead)
	if _, err := s.Create(ctx, paul("Zillow")); err != nil {
		t.Fatal(err)
	}
	setUp(t, srv, fullSpec()) // adds the more specific Myself route for Zillow/Zillow
	f := paul("Zillow")
	f["email"], f["mobile_phone"] = "other@example.com", phone(77)
	rec, err := s.Create(ctx, f)
	mustClass(t, err, sinks.Rejected)
	if rec.ID == "" || !strings.Contains(err.Error(), "LionDesk routed lead "+rec.ID+" to Myself, but leadsync matched route") {
		t.Fatalf("record %+v, error %v", rec, err)
	}
	if len(srv.CampaignContacts()) != 1 {
		t.Fatal("a campaign was started for the misrouted lead")
	}
}

// flowConformance is the flow variant of the sinktest suite, for a Flow
// against its emulator: it runs the steps as the engine does (an
// idempotent step is sent again after a lost answer, a verifiable one is
// verified and sent only when it did not happen, any other is left
// uncertain), losing the answer of each write step in turn, and checks
// that every write happened exactly once (none after an uncertain step).
func flowConformance(t *testing.T, newFlow func(t *testing.T) (sinks.Flow, *emulator.Core, func() map[string]int), f sinks.Fields, ops map[string]string) {
	for _, lose := range []string{"", StepContact, StepLead, StepCampaign, StepOffers} {
		t.Run("lose "+lose, func(t *testing.T) {
			fl, core, count := newFlow(t)
			if lose != "" {
				core.InjectNext(ops[lose], emulator.FaultDropAfterWrite)
			}
			done := map[string]string{}
			uncertain := ""
			for _, st := range fl.Steps(f) {
				res, err := fl.Do(context.Background(), st.Name, f, done)
				if sinks.IsUnknownOutcome(err) {
					switch {
					case st.Idempotent:
						res, err = fl.Do(context.Background(), st.Name, f, done)
					case st.Verifiable:
						var ok bool
						res, ok, err = fl.Verify(context.Background(), st.Name, f, done)
						if err == nil && !ok {
							res, err = fl.Do(context.Background(), st.Name, f, done)
						}
					default:
						uncertain = st.Name
					}
				}
				if uncertain != "" {
					break
				}
				if errors.Is(err, sinks.ErrStepSkipped) {
					err, res = nil, ""
				}
				if err != nil {
					t.Fatalf("step %s: %v", st.Name, err)
				}
				done[st.Name] = res
			}
			got := count()
			for _, st := range fl.Steps(f) {
				want := 1
				if uncertain != "" && st.Name != uncertain && done[st.Name] == "" {
					want = 0
				}
				if got[st.Name] != want {
					t.Errorf("step %s happened %d times, want %d (uncertain: %q)", st.Name, got[st.Name], want, uncertain)
				}
			}
			if lose != "" && core.Stats().Faults[emulator.FaultDropAfterWrite] != 1 {
				t.Fatal("no answer was lost")
			}
			if lose == StepLead && uncertain != StepLead {
				t.Fatal("a lost lead answer was not left uncertain")
			}
		})
	}
}

func TestLeadFlowConformance(t *testing.T) {
	ops := map[string]string{StepContact: "contact.create", StepLead: "lead.create", StepCampaign: "campaigncontact.create", StepOffers: "leadoffer.create"}
	flowConformance(t, func(t *testing.T) (sinks.Flow, *emulator.Core, func() map[string]int) {
		srv := newServer(t, liondesktest.Options{})
		setUp(t, srv, fullSpec())
		return leadFlow(t, srv), srv.Core(), func() map[string]int {
			offers := map[int64]bool{}
			for _, o := range srv.LeadOffers() {
				offers[o.LeadID] = true
			}
			return map[string]int{StepContact: len(srv.Contacts()), StepLead: len(srv.Leads()),
				StepCampaign: len(srv.CampaignContacts()), StepOffers: len(offers)}
		}
	}, paul("Email"), ops)
}

// The calls a lead costs, once the sink has its names and routes: a new
// person (email and phone) 2 finds + 4 writes; a known contact 1 find +
// 3 writes; lost answers: the contact step finds again by its first key
// (no second create: +1 call), the campaign step reads the contact's
// communications (+1, and the campaign's actions once per run), the
// offers step sends again once (+1).
func TestFlowCallsPerLead(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	fl := leadFlow(t, srv)
	run := func(f sinks.Fields) {
		t.Helper()
		done := map[string]string{}
		for _, st := range fl.Steps(f) {
			res, err := fl.Do(ctx, st.Name, f, done)
			if sinks.IsUnknownOutcome(err) {
				switch {
				case st.Idempotent:
					res, err = fl.Do(ctx, st.Name, f, done)
				case st.Verifiable:
					var ok bool
					if res, ok, err = fl.Verify(ctx, st.Name, f, done); err == nil && !ok {
						res, err = fl.Do(ctx, st.Name, f, done)
					}
				}
			}
			if err != nil && !errors.Is(err, sinks.ErrStepSkipped) {
				t.Fatalf("%s: %v", st.Name, err)
			}
			done[st.Name] = res
		}
	}
	person := func(i int) sinks.Fields {
		f := paul("Email")
		f["email"], f["mobile_phone"] = "calls"+strconv.Itoa(i)+"@example.com", phone(1000+i)
		return f
	}
	run(person(0)) // warm the caches
	cases := []struct {
		name          string
		prep          func(i int)
		calls, writes int
	}{
		{"new person", nil, 6, 4},
		{"known contact", func(i int) {
			seed(t, srv, map[string]any{"contacts": []map[string]any{{"email": "calls" + strconv.Itoa(i) + "@example.com", "source_id": liondesktest.ContactSourceEmail, "owner_user_id": liondesktest.TestUserID}}})
		}, 4, 3},
		{"contact answer lost", func(int) { srv.Core().InjectNext("contact.create", emulator.FaultDropAfterWrite) }, 7, 4},
		{"campaign answer lost", func(int) { srv.Core().InjectNext("campaigncontact.create", emulator.FaultDropAfterWrite) }, 8, 4},
		{"offers answer lost", func(int) { srv.Core().InjectNext("leadoffer.create", emulator.FaultDropAfterWrite) }, 7, 4},
	}
	for i, c := range cases {
		if c.prep != nil {
			c.prep(i + 1)
		}
		before := srv.Core().Stats()
		run(person(i + 1))
		after := srv.Core().Stats()
		calls, writes := after.TotalRequests()-before.TotalRequests(), after.TotalWrites()-before.TotalWrites()
		t.Logf("%s: %d calls, %d writes", c.name, calls, writes)
		if calls != c.calls || writes != c.writes {
			t.Errorf("%s: %d calls, %d writes; want %d, %d", c.name, calls, writes, c.calls, c.writes)
		}
	}
}
