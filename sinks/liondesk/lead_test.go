package liondesk

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

// setUp runs Setup with spec against srv.
func setUp(t *testing.T, srv *liondesktest.Server, spec SetupSpec) {
	t.Helper()
	if _, err := Setup(ctx, newClient(t, srv), spec); err != nil {
		t.Fatal(err)
	}
}

// paul is the walkthrough's lead, from Zillow, whose contact came by the
// given contact source.
func paul(contactSource string) sinks.Fields {
	return sinks.Fields{
		"first_name":     "Paul",
		"last_name":      "Allen",
		"email":          "paul@example.com",
		"mobile_phone":   "1(604)555-4572",
		"company":        "Example Corp",
		"tags":           "Pending",
		"contact_source": contactSource,
		"lead_source":    "Zillow",
		"type":           "Buyer",
		"text_body":      "Lead from Zillow",
		"mls_id":         "2000",
		"listing_status": "For Sale",
		"listing_price":  "10000000",
		"street_address": "16215 Alton Pkwy",
		"city":           "Irvine",
		"state":          "CA",
		"zipcode":        "92618",
	}
}

func TestLeadToMyself(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	before := srv.Core().Stats().Writes
	rec, err := newSink(t, srv, ObjectLead).Create(withTimeout(t), paul("Zillow"))
	if err != nil {
		t.Fatal(err)
	}
	contacts := srv.Contacts()
	if len(contacts) != 1 {
		t.Fatalf("contacts %+v", contacts)
	}
	c := contacts[0]
	if c.SourceID != liondesktest.ContactSourceZillow || c.MobilePhone != "+16045554572" || c.Email != "paul@example.com" || c.Company != "Example Corp" {
		t.Fatalf("contact %+v", c)
	}
	leads := srv.Leads()
	if len(leads) != 1 {
		t.Fatalf("leads %+v", leads)
	}
	l := leads[0]
	if rec.ID != strconv.FormatInt(l.ID, 10) || l.ContactID != c.ID || l.SourceID != liondesktest.LeadSourceZillow ||
		l.DistributionTarget != "Myself" || l.Type != "Buyer" || l.Zipcode != "92618" || l.MLSID != "2000" || l.ListingPrice != "10000000" {
		t.Fatalf("lead %+v (record %+v)", l, rec)
	}
	cc := srv.CampaignContacts()
	if len(cc) != 1 || cc[0].ContactID != c.ID || cc[0].CampaignID != srv.Campaigns()[0].ID {
		t.Fatalf("campaign contacts %+v", cc)
	}
	if len(srv.Communications()) != 1 || len(srv.Tasks()) != 1 {
		t.Fatalf("campaign scheduled %d communications, %d tasks", len(srv.Communications()), len(srv.Tasks()))
	}
	if len(srv.LeadOffers()) != 0 {
		t.Fatal("offers for a Myself lead")
	}
	after := srv.Core().Stats().Writes
	for _, op := range []string{"contact.create", "lead.create", "campaigncontact.create"} {
		if after[op]-before[op] != 1 {
			t.Errorf("%s: %d writes, want 1", op, after[op]-before[op])
		}
	}
	if after["leadoffer.create"] != 0 {
		t.Error("lead offers requested")
	}
}

func TestLeadToTeamRollout(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	if _, err := newSink(t, srv, ObjectLead).Create(ctx, paul("Email")); err != nil {
		t.Fatal(err)
	}
	l := srv.Leads()[0]
	if l.DistributionTarget != "Team Rollout" || l.ClaimedByUserID != 0 {
		t.Fatalf("lead %+v", l)
	}
	offers := srv.LeadOffers()
	// 1003 has every alert off: no offer.
	if len(offers) != 2 || offers[0].UserID != liondesktest.TestTeammateID || offers[1].UserID != liondesktest.TestUserID || offers[0].TeamID != liondesktest.TeamNorth {
		t.Fatalf("offers %+v", offers)
	}
	if len(srv.CampaignContacts()) != 1 {
		t.Fatal("campaign not started")
	}
}

func TestLeadToTeamByZipcode(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, SetupSpec{
		Campaigns: []CampaignSpec{{Name: "Open House Follow-up"}},
		Teams:     []TeamSpec{teamSpec()},
		Routes: []RouteSpec{{LeadSource: "Open House", ContactSource: "Website", Campaign: "Open House Follow-up",
			DistributionTarget: "Team Rollout", TeamSelectionMethod: "Zipcode"}},
	})
	s := newSink(t, srv, ObjectLead)
	f := sinks.Fields{"email": "visitor@example.com", "contact_source": "Website", "lead_source": "Open House", "zipcode": "91109"}
	if _, err := s.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	if offers := srv.LeadOffers(); len(offers) != 2 || offers[0].TeamID != liondesktest.TeamNorth {
		t.Fatalf("offers %+v", offers)
	}
	// A zipcode no team covers: the lead exists, its offers fail, and the
	// error says what to do.
	f["email"], f["zipcode"] = "far@example.com", "10001"
	rec, err := s.Create(ctx, f)
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepCreateOffers || se.LeadID == 0 || rec.ID != strconv.FormatInt(se.LeadID, 10) || !se.ContactCreated {
		t.Fatalf("record %+v, error %#v", rec, err)
	}
	mustClass(t, err, sinks.Rejected)
	if !strings.Contains(err.Error(), "No team has distribution zipcode 10001") || !strings.Contains(err.Error(), "do not resubmit") {
		t.Fatalf("error %v", err)
	}
}

func TestLeadUsesTheExistingContact(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	seed(t, srv, map[string]any{"contacts": []map[string]any{
		{"id": 700, "first_name": "Paula", "email": "paula@example.com", "home_phone": "+16045554572", "source_id": liondesktest.ContactSourceZillow},
		{"id": 701, "first_name": "Paul", "mobile_phone": "+16045554572", "source_id": liondesktest.ContactSourceZillow},
	}})
	s := newSink(t, srv, ObjectLead)
	f := paul("Email") // the contact's own source (Zillow) routes the lead, not this one
	if _, err := s.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	if w := writes(srv)["contact.create"]; w != 0 {
		t.Fatalf("%d contacts created", w)
	}
	l := srv.Leads()[0]
	if l.ContactID != 701 || l.DistributionTarget != "Myself" {
		t.Fatalf("lead %+v: want contact 701 found by mobile_phone, routed by its Zillow source", l)
	}
	if c := srv.Contacts(); c[1].FirstName != "Paul" || c[1].Email != "" {
		t.Fatalf("the found contact was changed: %+v", c[1])
	}
	if n := requests(srv)["contact.find"]; n != 2 {
		t.Fatalf("%d contact finds, want 2 (email, then mobile_phone)", n)
	}

	// A second lead of the same person: the campaign is already running.
	f["text_body"], f["mls_id"] = "Second inquiry", "2001"
	if _, err := s.Create(ctx, f); err != nil {
		t.Fatalf("second lead: %v", err)
	}
	if len(srv.Leads()) != 2 || len(srv.CampaignContacts()) != 1 {
		t.Fatalf("leads %d, campaign contacts %d", len(srv.Leads()), len(srv.CampaignContacts()))
	}
}

func TestLeadLooksNamesAndRoutesUpOnce(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	base := requests(srv)
	s := newSink(t, srv, ObjectLead)
	for i := range 3 {
		f := paul("Zillow")
		f["email"], f["mobile_phone"] = "p"+strconv.Itoa(i)+"@example.com", phone(900+i)
		if _, err := s.Create(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	got := requests(srv)
	for _, op := range []string{"leadsource.find", "contactsource.find", "leadroute.find"} {
		if got[op]-base[op] != 1 {
			t.Errorf("%s: %d calls for 3 leads, want 1", op, got[op]-base[op])
		}
	}
}

func TestLeadRefusedBeforeAnyWrite(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectLead)
	cases := []struct {
		f    sinks.Fields
		step string
		msg  string
	}{
		{sinks.Fields{"email": "a@example.com", "lead_source": "Craigslist"}, StepResolveLeadSource, `lead source "Craigslist" does not exist`},
		{sinks.Fields{"email": "a@example.com", "contact_source": "Billboard"}, StepResolveContactSource, `contact source "Billboard" does not exist`},
		{sinks.Fields{"first_name": "Nobody", "lead_source": "Zillow"}, StepCheckFields, "needs an email or a phone"},
		{sinks.Fields{"email": "a@example.com", "mobile_phone": "12"}, StepCheckFields, "mobile_phone"},
		{sinks.Fields{"email": "a@example.com", "claimed_via": "Fax"}, StepCheckFields, "claimed_via"},
	}
	for _, c := range cases {
		_, err := s.Create(ctx, c.f)
		var se *StepError
		if !errors.As(err, &se) || se.Step != c.step || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%v: %v, want step %s and %q", c.f, err, c.step, c.msg)
		}
		mustClass(t, err, sinks.Rejected)
	}
	if w := srv.Core().Stats().TotalWrites(); w != 0 {
		t.Fatalf("%d writes", w)
	}
}

func TestLeadFailsAfterTheContactWasCreated(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectLead)
	f := sinks.Fields{"email": "long@example.com", "listing_status": strings.Repeat("x", 300)}
	_, err := s.Create(ctx, f)
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepCreateLead || !se.ContactCreated || se.ContactID == 0 || se.LeadID != 0 {
		t.Fatalf("%#v", err)
	}
	mustClass(t, err, sinks.Rejected)
	want := "contact " + strconv.FormatInt(se.ContactID, 10) + " was created; the lead was not created"
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "listing_status must be at most 255 characters") {
		t.Fatalf("error %v", err)
	}
	// The retry finds the contact instead of creating another.
	delete(f, "listing_status")
	srv.Core().InjectNext("lead.create", "error500")
	_, err = s.Create(ctx, f)
	if !errors.As(err, &se) || se.ContactCreated || se.ContactID == 0 || !se.Uncertain || !sinks.IsUnknownOutcome(err) {
		t.Fatalf("500 on the lead: %v", err)
	}
	if !strings.Contains(err.Error(), "existing contact") || !strings.Contains(err.Error(), "the lead may have been created") {
		t.Fatalf("error %v", err)
	}
	if len(srv.Contacts()) != 1 || requests(srv)["lead.create"] != 2 {
		t.Fatalf("contacts %d, lead creates %d", len(srv.Contacts()), requests(srv)["lead.create"])
	}
}

func TestLeadFailsAfterTheLeadWasCreated(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	setUp(t, srv, fullSpec())
	s := newSink(t, srv, ObjectLead)
	srv.Core().InjectNext("campaigncontact.create", "error500")
	rec, err := s.Create(ctx, paul("Zillow"))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepStartCampaign || se.LeadID == 0 || rec.ID != strconv.FormatInt(se.LeadID, 10) {
		t.Fatalf("record %+v, error %v", rec, err)
	}
	// The lead exists: this is no unknown outcome to retry.
	if sinks.IsUnknownOutcome(err) {
		t.Fatalf("unknown outcome after the lead was created: %v", err)
	}
	mustClass(t, err, sinks.Rejected)
	if !se.Uncertain || !strings.Contains(err.Error(), "campaign may have started") || !strings.Contains(err.Error(), "GeneralError") {
		t.Fatalf("error %v", err)
	}
	if len(srv.Leads()) != 1 || requests(srv)["campaigncontact.create"] != 1 {
		t.Fatal("retried")
	}
}

func TestLeadCannotBeFoundOrUpdated(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectLead)
	if _, err := s.Find(ctx, sinks.Query{Keys: keysOf("a@example.com", phone(1))}); !errors.Is(err, sinks.ErrCannotFind) {
		t.Fatalf("find: %v", err)
	}
	mustClass(t, s.Update(ctx, "1", sinks.Fields{"type": "Seller"}), sinks.Rejected)
	if o := s.Object(); o.CanFind || o.CanUpdate || len(o.Keys) != 4 {
		t.Fatalf("object %+v", o)
	}
	if srv.Core().Stats().TotalRequests() != 0 {
		t.Fatal("calls made")
	}
}

func TestMatchRoute(t *testing.T) {
	routes := []route{
		{ID: 1, Target: "Myself", LeadSourceID: 101}, // any contact source
		{ID: 2, Target: "Myself", LeadSourceID: 101, ContactSourceID: 301, Filter: "Buyer"},
		{ID: 3, Target: "Team Rollout", LeadSourceID: 101, ContactSourceID: 301}, // as specific, younger
		{ID: 4, Target: "Myself", LeadSourceID: 101, ContactSourceID: 301},       // younger twin of 3
		{ID: 5, Target: "Myself", LeadSourceID: 102, ContactSourceID: 302},
	}
	cases := []struct {
		lead, contact int64
		typ           string
		want          int64
	}{
		{101, 301, "", 3},
		{101, 301, "buyer", 2},
		{101, 301, "Seller", 3},
		{101, 999, "", 1},
		{102, 302, "", 5},
		{103, 301, "", 0},
	}
	for _, c := range cases {
		got := matchRoute(routes, c.lead, c.contact, c.typ)
		var id int64
		if got != nil {
			id = got.ID
		}
		if id != c.want {
			t.Errorf("lead %d contact %d type %q: route %d, want %d", c.lead, c.contact, c.typ, id, c.want)
		}
	}
}

func TestLeadOfferDecodesLionDeskDrift(t *testing.T) {
	var offers []leadOffer
	body := `[{"id":1,"rank":"2","status":"Pending","assign_automatically":"true","has_call_alert":true,"has_text_alert":"false","has_email_alert":1,"user":{"id":"3"}},
	          {"id":"2","rank":null,"assign_automatically":false,"has_call_alert":"0","has_text_alert":"1","has_email_alert":null,"user":{"id":5}}]`
	if err := jsonUnmarshal(body, &offers); err != nil {
		t.Fatal(err)
	}
	if offers[0].Rank != 2 || !offers[0].AssignAutomatically || !offers[0].HasCallAlert || offers[0].HasTextAlert || !offers[0].HasEmailAlert || offers[0].User.ID != 3 {
		t.Fatalf("%+v", offers[0])
	}
	if offers[1].ID != 2 || offers[1].Rank != 0 || offers[1].HasCallAlert || !offers[1].HasTextAlert || offers[1].User.ID != 5 {
		t.Fatalf("%+v", offers[1])
	}
	if err := jsonUnmarshal(`[{"rank":"high"}]`, &offers); err == nil {
		t.Fatal("a word decoded as a rank")
	}
}

// Routes are read once per sink; a route added during the run makes
// LionDesk's routing differ from leadsync's, which the submission reports
// instead of starting the wrong campaign (or none).
func TestLeadReportsARouteAddedDuringTheRun(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectLead)
	if _, err := s.Create(ctx, paul("Zillow")); err != nil {
		t.Fatal(err)
	}
	setUp(t, srv, fullSpec())
	f := paul("Zillow")
	f["email"], f["mobile_phone"] = "other@example.com", phone(77)
	rec, err := s.Create(ctx, f)
	mustClass(t, err, sinks.Rejected)
	if rec.ID == "" || !strings.Contains(err.Error(), "LionDesk routed the lead to Myself, but leadsync matched no route") {
		t.Fatalf("record %+v, error %v", rec, err)
	}
	if len(srv.CampaignContacts()) != 0 {
		t.Fatal("a campaign was started")
	}
}
