package leaddesk_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/sinktest"
)

// badKey is 32 characters, like a real key, but unknown to the emulator.
const badKey = "00000000000000000000000000000000"

// newServer starts an emulator whose 60 s window lasts 60 ms.
func newServer(t *testing.T) *leaddesktest.Server {
	t.Helper()
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	t.Cleanup(srv.Close)
	return srv
}

func newSink(t *testing.T, srv *leaddesktest.Server, object, key string, b *budget.Budget) sinks.Sink {
	t.Helper()
	s, err := leaddesk.New(leaddesk.Config{URL: srv.URL, Object: object, APIKey: key, Region: "FI", Budget: b, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func harness(object string, h sinktest.Harness) sinktest.Harness {
	h.New = func(t *testing.T) (sinks.Sink, *emulator.Core) {
		srv := newServer(t)
		return newSink(t, srv, object, leaddesktest.TestAPIKey, nil), srv.Core()
	}
	h.NewUnauthorized = func(t *testing.T) sinks.Sink {
		return newSink(t, newServer(t), object, badKey, nil)
	}
	return h
}

func samplePhone(i int) string { return fmt.Sprintf("+3584010%05d", i) }

func contactSample(i int) sinks.Fields {
	return sinks.Fields{
		"list":            leaddesktest.TestListName,
		"phone":           samplePhone(i),
		"fname":           "Mikko",
		"lname":           fmt.Sprintf("Laine%d", i),
		"email":           fmt.Sprintf("lead%d@example.fi", i),
		"other1":          "VIP",
		"other35":         "last free field",
		"assign_to_agent": leaddesktest.TestAgentUsername,
	}
}

func phoneKey(i int) []sinks.Key {
	return []sinks.Key{{Field: "phone", Kind: "phone", Value: samplePhone(i)}}
}

func TestContactConformance(t *testing.T) {
	sinktest.Run(t, harness("contact", sinktest.Harness{
		Sample: contactSample,
		Change: func(i int) sinks.Fields {
			return sinks.Fields{"fname": "Matti", "other2": "gold"}
		},
		// Email is not searchable at LeadDesk, so the phone is the only
		// key that finds on its own.
		Keys:            phoneKey,
		CreateOp:        leaddesktest.OpCreateContact,
		Error500NotDone: true,
		FindOp:          leaddesktest.OpFindContact,
	}))
}

func agentSample(i int) sinks.Fields {
	return sinks.Fields{
		"username":       fmt.Sprintf("agent.%d", i),
		"password":       "s3cret-pass",
		"name":           fmt.Sprintf("Agent Number %d", i),
		"email":          fmt.Sprintf("agent%d@example.fi", i),
		"lang":           "4",
		"agent_group_id": fmt.Sprint(leaddesktest.TestAgentGroupID),
		"employment":     "active",
	}
}

func agentKey(i int) []sinks.Key {
	return []sinks.Key{{Field: "username", Kind: "id", Value: fmt.Sprintf("agent.%d", i)}}
}

func TestAgentConformance(t *testing.T) {
	sinktest.Run(t, harness("agent", sinktest.Harness{
		Sample: agentSample,
		Change: func(i int) sinks.Fields {
			return sinks.Fields{"name": fmt.Sprintf("Renamed %d", i), "office": "Tampere"}
		},
		Keys:            agentKey,
		CreateOp:        leaddesktest.OpCreateAgent,
		Error500NotDone: true,
		FindOp:          leaddesktest.OpFindAgent,
	}))
}

func callbackSample(i int) sinks.Fields {
	return sinks.Fields{
		"agent":        leaddesktest.TestAgentUsername,
		"campaign":     leaddesktest.TestCampaignName,
		"phone":        samplePhone(i),
		"timestamp":    "2025-10-14 09:30:00",
		"type":         "public",
		"comment":      "Asked to be called after 9",
		"fname":        "Mikko",
		"contact_list": leaddesktest.TestList2Name,
		"other3":       "gold",
	}
}

func TestCallbackConformance(t *testing.T) {
	sinktest.Run(t, harness("callback", sinktest.Harness{
		Sample:          callbackSample,
		Keys:            phoneKey,
		CreateOp:        leaddesktest.OpCreateCallback,
		Error500NotDone: true,
		FindOp:          leaddesktest.OpCreateCallback,
	}))
}

func TestNew(t *testing.T) {
	srv := newServer(t)
	for _, obj := range []string{"contact", "callback", "agent"} {
		s := newSink(t, srv, obj, leaddesktest.TestAPIKey, nil)
		if s.Object().Name != obj {
			t.Errorf("New(%s) built %s", obj, s.Object().Name)
		}
		if _, ok := s.(sinks.Checker); !ok {
			t.Errorf("%s sink is not a Checker", obj)
		}
		if strings.Contains(s.Scope(), leaddesktest.TestAPIKey) || !strings.HasPrefix(s.Scope(), "leaddesk/"+obj+"@127.0.0.1:") {
			t.Errorf("scope %q", s.Scope())
		}
	}
	// Two keys on one host are two scopes.
	if a, b := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil), newSink(t, srv, "contact", leaddesktest.TestAPIKey2, nil); a.Scope() == b.Scope() {
		t.Error("two api keys share a scope")
	}

	_, err := leaddesk.New(leaddesk.Config{Object: "lead", APIKey: "k"})
	if err == nil || !strings.Contains(err.Error(), "agent, callback, contact") {
		t.Errorf("unknown object: %v", err)
	}
	if _, err := leaddesk.New(leaddesk.Config{Object: "contact"}); err == nil {
		t.Error("no api key accepted")
	}
	secret := "0123456789abcdef0123456789abcdef"
	_, err = leaddesk.New(leaddesk.Config{Object: "contact", APIKey: secret, URL: "ftp://x?auth=" + secret})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("bad url: %v", err)
	}
	s, err := leaddesk.New(leaddesk.Config{Object: "contact", APIKey: secret})
	if err != nil || !strings.Contains(s.Scope(), "api.leaddesk.com") {
		t.Errorf("default url: %v %v", s, err)
	}
	if calls, per := leaddesk.DefaultBudget(); calls != 100 || per.Seconds() != 60 {
		t.Errorf("default budget %d/%v", calls, per)
	}
}

func TestSchema(t *testing.T) {
	s := leaddesk.Schema()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	contact, _ := s.Object("contact")
	if f, _ := contact.Field("list"); !f.Required {
		t.Error("list is not required")
	}
	for i := 1; i <= 35; i++ {
		if _, ok := contact.Field(fmt.Sprintf("other%d", i)); !ok {
			t.Errorf("contact lacks other%d", i)
		}
	}
	cb, _ := s.Object("callback")
	if cb.CanFind || cb.CanUpdate {
		t.Error("callbacks declared findable or updatable")
	}
	agent, _ := s.Object("agent")
	if !agent.CanFind || !agent.CanUpdate || agent.Keys[0] != "username" {
		t.Errorf("agent: %+v", agent.Keys)
	}
	// A callback is an event: one per phone and time, so two callbacks of
	// one number at different times are two writes.
	if !cb.Event || !slices.Equal(cb.EventKey, []string{"phone", "timestamp"}) {
		t.Errorf("callback: event %v, key %v; want an event keyed by phone and timestamp", cb.Event, cb.EventKey)
	}
	if contact.Event || agent.Event {
		t.Error("contacts and agents are people, not events")
	}
}

// Every field is declared as the vendor means its value, so the engine
// compares "VIP, 3001" with "3001,VIP" and "+358 40..." with "040..." as
// LeadDesk would.
func TestSchemaFieldTypes(t *testing.T) {
	s := leaddesk.Schema()
	want := map[string]map[string]sinks.FieldType{
		"contact": {"phone": sinks.Phone, "email": sinks.Email, "list": sinks.String, "assign_to_agent": sinks.ID,
			"companyid": sinks.Int, "birthyear": sinks.Int, "order": sinks.Enum},
		"callback": {"phone": sinks.Phone, "timestamp": sinks.DateTime, "agent": sinks.ID, "contactid": sinks.ID,
			"companyid": sinks.Int, "type": sinks.Enum},
		"agent": {"username": sinks.ID, "email": sinks.Email, "phone": sinks.Phone, "workphone": sinks.Phone,
			"inbound_number": sinks.Phone, "lang": sinks.Int, "agent_group_id": sinks.Int,
			"employment_start": sinks.Date, "campaigns_add": sinks.Tags, "campaigns_remove": sinks.Tags},
	}
	for obj, fields := range want {
		o, err := s.Object(obj)
		if err != nil {
			t.Fatal(err)
		}
		for name, typ := range fields {
			if f, ok := o.Field(name); !ok || f.Type != typ {
				t.Errorf("%s.%s: type %q, want %q", obj, name, f.Type, typ)
			}
		}
		if obj == "agent" {
			continue
		}
		for i := 1; i <= 35; i++ {
			if f, ok := o.Field(fmt.Sprintf("other%d", i)); !ok || f.Type != sinks.String {
				t.Errorf("%s.other%d: %+v", obj, i, f)
			}
		}
	}
	agent, _ := s.Object("agent")
	f, _ := agent.Field("campaigns_add")
	if !f.Equal("3002, 3001", "3001,3002") {
		t.Error("campaign id sets compare by order")
	}
}

func TestCheck(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil).(sinks.Checker)
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("check: %v", err)
	}
	bad := newSink(t, srv, "agent", badKey, nil).(sinks.Checker)
	err := bad.Check(t.Context())
	if sinks.ClassOf(err) != sinks.Unauthorized || strings.Contains(err.Error(), badKey) {
		t.Fatalf("check with a bad key: %v", err)
	}
	if n := srv.Core().Stats().TotalRequests(); n != 2 {
		t.Errorf("check cost %d calls, want 1 each", n)
	}
}
