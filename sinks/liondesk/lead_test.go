package liondesk

import (
	"errors"
	"strconv"
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
