package liondesk

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

// buyerConsts are the constants of a buyer-lead job routed by the
// Myself route of fullSpec.
func buyerConsts() sinks.Fields {
	return sinks.Fields{"lead_source": "Zillow", "contact_source": "Zillow", "type": "Buyer"}
}

// checkOnline runs the lead sink's online check and asserts it only read.
func checkOnline(t *testing.T, srv *liondesktest.Server, object string, refs sinks.Refs) []sinks.Problem {
	t.Helper()
	before := len(srv.Core().Calls())
	s := newSink(t, srv, object)
	probs, err := s.(sinks.OnlineChecker).CheckOnline(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range srv.Core().Calls()[before:] {
		if c.Write || c.Method != "GET" {
			t.Errorf("online check made a write call: %s %s", c.Method, c.Path)
		}
	}
	return probs
}

func specDecoder(spec SetupSpec) func(any) error {
	return func(v any) error { *v.(*SetupSpec) = spec; return nil }
}

func problemText(ps []sinks.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Path + ": " + p.Msg + "\n")
	}
	return b.String()
}

func TestCheckOnlinePasses(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	if _, err := Setup(ctx, newClient(t, srv), fullSpec()); err != nil {
		t.Fatal(err)
	}
	probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: buyerConsts(), Columns: []string{"email", "zipcode"}, Setup: specDecoder(fullSpec())})
	if len(probs) != 0 {
		t.Fatalf("problems:\n%s", problemText(probs))
	}
	probs = checkOnline(t, srv, ObjectContact, sinks.Refs{Constants: sinks.Fields{"contact_source": "Open House"}})
	if len(probs) != 0 {
		t.Fatalf("contact problems:\n%s", problemText(probs))
	}
}

func TestCheckOnlineMissingContactSource(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	probs := checkOnline(t, srv, ObjectContact, sinks.Refs{Constants: sinks.Fields{"contact_source": "Open House"}})
	if len(probs) != 1 || probs[0].Path != "$.mapping.contact_source.value" || !strings.Contains(probs[0].Msg, `contact source "Open House" does not exist`) {
		t.Fatalf("problems:\n%s", problemText(probs))
	}
}

func TestCheckOnlineMissingLeadSource(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	if _, err := Setup(ctx, newClient(t, srv), fullSpec()); err != nil {
		t.Fatal(err)
	}
	c := buyerConsts()
	c["lead_source"] = "Craigslist"
	probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: c})
	if len(probs) != 1 || probs[0].Field != "lead_source" || !strings.Contains(probs[0].Msg, `lead source "Craigslist" does not exist`) {
		t.Fatalf("problems:\n%s", problemText(probs))
	}
}

func TestCheckOnlineMissingRoute(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	spec := fullSpec()
	spec.Routes = nil
	if _, err := Setup(ctx, newClient(t, srv), spec); err != nil {
		t.Fatal(err)
	}
	probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: buyerConsts()})
	if len(probs) != 1 || probs[0].Field != "lead route" || !strings.Contains(probs[0].Msg, "no lead route takes this lead") {
		t.Fatalf("problems:\n%s", problemText(probs))
	}
	// A type read per row: the route is not checked.
	if probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: sinks.Fields{"lead_source": "Zillow", "contact_source": "Zillow"}, Columns: []string{"type"}}); len(probs) != 0 {
		t.Fatalf("problems with a per-row type:\n%s", problemText(probs))
	}
}

func TestCheckOnlineMissingCampaign(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	spec := fullSpec()
	if _, err := Setup(ctx, newClient(t, srv), spec); err != nil {
		t.Fatal(err)
	}
	spec.Campaigns = append(spec.Campaigns, CampaignSpec{Name: "Seller Drip"})
	probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: buyerConsts(), Setup: specDecoder(spec)})
	if len(probs) != 1 || probs[0].Path != "$.setup.campaigns" || !strings.Contains(probs[0].Msg, `campaign "Seller Drip" of setup: does not exist`) {
		t.Fatalf("problems:\n%s", problemText(probs))
	}
}

// Nothing set up: every declared item is missing, and so is the route.
func TestCheckOnlineNothingSetUp(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	probs := checkOnline(t, srv, ObjectLead, sinks.Refs{Constants: buyerConsts(), Setup: specDecoder(fullSpec())})
	text := problemText(probs)
	for _, want := range []string{"$.setup.contact_sources", "$.setup.campaigns", "$.setup.routes", "no lead route takes this lead", "run leadsync setup JOB"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestCheckOnlineBadToken(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSinkToken(t, srv, ObjectLead, "not-a-token")
	if _, err := s.(sinks.OnlineChecker).CheckOnline(ctx, sinks.Refs{}); sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("err %v, want Unauthorized", err)
	}
}
