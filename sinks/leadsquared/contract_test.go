package leadsquared

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

// VENDORS.md 4.6 [C]: a LogCall without LeadId creates the lead, with
// CallerSource as its source. The sink sends it so when no lead has the
// caller's number, instead of refusing the call.
func TestLogCallOfANewCallerCreatesTheLead(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	f := callFields("new-1")
	delete(f, "LeadId")
	f["SourceNumber"] = "+919811122233"
	f["CallerSource"] = "Radio Spot"
	rec, err := s.Create(context.Background(), f)
	if err != nil {
		t.Fatalf("call of a new caller: %v", err)
	}
	logs := srv.CallLogs()
	if len(logs) != 1 || logs[0].ActivityID != rec.ID || logs[0].LeadIDSent != "" || !logs[0].LeadCreated {
		t.Fatalf("call logs %+v, want one sent without LeadId that made a lead", logs)
	}
	l, ok := srv.Lead(logs[0].LeadID)
	if !ok || l.Source != "Radio Spot" || l.Phone != "+91-9811122233" || l.Origin != "Tag - Lead" {
		t.Fatalf("new lead %+v", l)
	}
	st := srv.Core().Stats()
	if st.Requests[leadsquaredtest.OpLeadByPhone] != 1 || st.Requests[leadsquaredtest.OpLogCall] != 1 || st.TotalRequests() != 2 {
		t.Errorf("requests %v, want one phone lookup and one LogCall", st.Requests)
	}

	// The caller's next call goes to that lead, by its LeadId.
	g := callFields("new-2")
	delete(g, "LeadId")
	g["SourceNumber"] = "+91 98111 22233"
	if _, err := s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	logs = srv.CallLogs()
	if len(logs) != 2 || logs[1].LeadIDSent != logs[0].LeadID || logs[1].LeadCreated {
		t.Fatalf("second call %+v, want it sent on lead %s", logs[1], logs[0].LeadID)
	}
	if n := len(srv.Leads()); n != 4 {
		t.Errorf("%d leads, want the 3 fixtures and the new caller", n)
	}
}

// LeadPhone and LeadEmailAddress only find; when neither finds a lead, the
// call is still logged, and LeadSquared makes the lead from the call's
// lead-side number. A call with no usable lead-side number is refused
// before any call.
func TestLogCallNotFoundByLeadPhoneOrEmail(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	f := callFields("new-3")
	delete(f, "LeadId")
	f["Direction"] = "Outbound"
	f["SourceNumber"], f["DestinationNumber"] = "+918011112222", "+919811155566"
	f["LeadPhone"] = "+919811155577"
	f["LeadEmailAddress"] = "nobody@example.com"
	if _, err := s.Create(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	logs := srv.CallLogs()
	if len(logs) != 1 || !logs[0].LeadCreated {
		t.Fatalf("logs %+v", logs)
	}
	if l, _ := srv.Lead(logs[0].LeadID); l.Phone != "+91-9811155566" {
		t.Errorf("new lead phone %q, want the destination of the outbound call", l.Phone)
	}

	g := callFields("new-4")
	delete(g, "LeadId")
	g["SourceNumber"] = "anonymous"
	g["LeadEmailAddress"] = "nobody@example.com"
	_, err := s.Create(context.Background(), g)
	e := classOf(t, err)
	if e.Class != sinks.Rejected || !e.NotSent || !strings.Contains(e.Msg, `"anonymous"`) || !strings.Contains(e.Msg, "email nobody@example.com") {
		t.Fatalf("got %v, want a refusal naming the number and what was searched", err)
	}
	if n := srv.Core().Stats().Requests[leadsquaredtest.OpLogCall]; n != 1 {
		t.Errorf("%d LogCalls sent", n)
	}
}

// Several calls of one caller cost one lookup: a lead found stays found
// for the run. A call with a LeadId costs none.
func TestRepeatCallerIsLookedUpOnce(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	for i := range 5 {
		f := callFields(fmt.Sprintf("rep-%d", i))
		delete(f, "LeadId")
		if _, err := s.Create(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	st := srv.Core().Stats()
	if st.Requests[leadsquaredtest.OpLeadByPhone] != 1 || st.Requests[leadsquaredtest.OpLogCall] != 5 {
		t.Errorf("requests %v, want 1 lookup and 5 LogCalls", st.Requests)
	}
	for _, c := range srv.CallLogs() {
		if c.LeadIDSent != leadsquaredtest.TestLeadID {
			t.Errorf("call %s sent with LeadId %q", c.CallSessionID, c.LeadIDSent)
		}
	}
}

// Calls of one new caller in flight together: only one goes without a
// LeadId (the one that makes the lead); the others wait for it and go to
// that lead. So the lead is made once even by a LeadSquared that would
// not match an unknown caller's later calls by number.
func TestConcurrentCallsOfANewCallerMakeOneLead(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{Limit: &emulator.Limit{}})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := callFields(fmt.Sprintf("burst-%d", i))
			delete(f, "LeadId")
			f["SourceNumber"] = "+919811100011"
			_, errs[i] = s.Create(context.Background(), f)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	without := 0
	for _, c := range srv.CallLogs() {
		if c.LeadIDSent == "" {
			without++
		}
	}
	if without != 1 || len(srv.CallLogs()) != n || len(srv.Leads()) != 4 {
		t.Errorf("%d of %d calls sent without LeadId, %d leads; want 1, %d, 4", without, len(srv.CallLogs()), len(srv.Leads()), n)
	}
}

// A 500 that is not an MX…Exception is "the API call failed": nothing was
// logged, so the call is sent again (by httpc, bounded) and logged once.
// One that names an MX…Exception is a refusal, with the vendor's message.
func TestLogCall500(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	srv.Core().InjectNext(leadsquaredtest.OpLogCall, emulator.FaultError500)
	if _, err := s.Create(context.Background(), callFields("f-1")); err != nil {
		t.Fatalf("after a failed call: %v", err)
	}
	if n, logs := srv.Core().Stats().Requests[leadsquaredtest.OpLogCall], len(srv.CallLogs()); n != 2 || logs != 1 {
		t.Errorf("%d LogCalls sent, %d stored; want 2 and 1", n, logs)
	}

	f := callFields("f-2")
	f["LeadId"] = "3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5eff" // no such lead
	_, err := s.Create(context.Background(), f)
	e := classOf(t, err)
	if e.Class != sinks.Rejected || !e.NotSent || e.Code != leadsquaredtest.ExInvalidInput ||
		e.Msg != "Lead with Id '3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5eff' does not exist" {
		t.Fatalf("got %+v", e)
	}
	// Every 500 of the faulty server: the call is given up after httpc's
	// attempts, as a failed call, never an unknown outcome.
	bad := startEmulator(t, leadsquaredtest.Options{Faults: emulator.Faults{Error500: 1}})
	_, err = newSink(t, testConfig(bad, ObjectCallLog)).Create(context.Background(), callFields("f-3"))
	if e := classOf(t, err); e.Class != sinks.Transient || !e.NotSent || sinks.IsUnknownOutcome(err) {
		t.Fatalf("got %+v", e)
	}
	if len(bad.CallLogs()) != 0 {
		t.Error("logged")
	}
}

func TestEventsAndFieldTypes(t *testing.T) {
	s := Schema()
	call, _ := s.Object(ObjectCallLog)
	if !call.Event || strings.Join(call.EventKey, ",") != "CallSessionId" {
		t.Errorf("call_log: Event %v EventKey %v, want an event keyed by CallSessionId", call.Event, call.EventKey)
	}
	popup, _ := s.Object(ObjectAgentPopup)
	if !popup.Event || strings.Join(popup.EventKey, ",") != "CallSessionId,UserId" {
		t.Errorf("agent_popup: Event %v EventKey %v, want an event keyed by CallSessionId and UserId", popup.Event, popup.EventKey)
	}
	lead, _ := s.Object(ObjectLead)
	if lead.Event || !lead.CanUpdate || !lead.CanFind {
		t.Errorf("lead: Event %v CanUpdate %v CanFind %v", lead.Event, lead.CanUpdate, lead.CanFind)
	}
	same := []struct {
		obj         sinks.Object
		field, a, b string
	}{
		{call, "SourceNumber", "+91-9876543210", "+919876543210"},
		{call, "CallDuration", "34", "34.0"},
		{call, "CallSessionId", " 12345 ", "12345"},
		{call, "UserId", leadsquaredtest.TestUserID, " " + leadsquaredtest.TestUserID},
		{lead, "EmailAddress", "Asha.Rao@Example.com", "asha.rao@example.com"},
		{lead, "Phone", "+91-9988776655", "+919988776655"},
		{lead, "Mobile", "+65-91234567", "+6591234567"},
		{lead, "OwnerId", leadsquaredtest.TestUserID + " ", leadsquaredtest.TestUserID},
	}
	for _, c := range same {
		f, ok := c.obj.Field(c.field)
		if !ok {
			t.Fatalf("%s.%s missing", c.obj.Name, c.field)
		}
		if !f.Equal(c.a, c.b) {
			t.Errorf("%s.%s: %q and %q differ (type %s)", c.obj.Name, c.field, c.a, c.b, f.Type)
		}
	}
	// mx_Zip keeps its leading zero: a string, not a number.
	if f, _ := lead.Field("mx_Zip"); f.Equal("01234", "1234") {
		t.Error("mx_Zip compared as a number")
	}
}

// Lead.Update (VENDORS.md 4.7) sends only the fields given, by ProspectID.
func TestUpdateLead(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectLead))
	ctx := context.Background()
	before, _ := srv.Lead(leadsquaredtest.TestLeadID)
	if err := s.Update(ctx, leadsquaredtest.TestLeadID, sinks.Fields{"Company": "New Traders", "Mobile": "+919811122299", "mx_City": " "}); err != nil {
		t.Fatal(err)
	}
	after, _ := srv.Lead(leadsquaredtest.TestLeadID)
	if after.Company != "New Traders" || after.Mobile != "+91-9811122299" || after.Attributes["mx_City"] != before.Attributes["mx_City"] ||
		after.FirstName != before.FirstName || after.Phone != before.Phone {
		t.Errorf("after update %+v (before %+v)", after, before)
	}
	var body string
	for _, c := range srv.Core().Calls() {
		if c.Op == leadsquaredtest.OpLeadUpdate {
			body = c.Query
		}
	}
	if body != "leadId="+leadsquaredtest.TestLeadID {
		t.Errorf("update query %q", body)
	}
	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{engineKey(t, "EmailAddress", keys.Email, "asha.rao@example.com")}})
	if err != nil || len(got) != 1 || got[0].Fields["Company"] != "New Traders" || got[0].Fields["Mobile"] != "+919811122299" {
		t.Fatalf("find after update: %+v %v", got, err)
	}

	// Nothing to change costs no call; a refusal carries the vendor's reason.
	n := srv.Core().Stats().TotalRequests()
	if err := s.Update(ctx, leadsquaredtest.TestLeadID, sinks.Fields{"Company": ""}); err != nil {
		t.Fatal(err)
	}
	if srv.Core().Stats().TotalRequests() != n {
		t.Error("an empty update made a call")
	}
	err = s.Update(ctx, leadsquaredtest.TestLeadID2, sinks.Fields{"EmailAddress": "asha.rao@example.com"})
	if e := classOf(t, err); e.Class != sinks.Rejected || e.Code != leadsquaredtest.ExDuplicateEntry || e.Msg != "A Lead with same Email Address already exists." {
		t.Fatalf("duplicate update: %+v", e)
	}
	if err := s.Update(ctx, "", sinks.Fields{"Company": "X"}); sinks.ClassOf(err) != sinks.Rejected {
		t.Errorf("update without an id: %v", err)
	}
	// A lost answer of an update is an unknown outcome the engine may
	// resend: Update is idempotent.
	srv.Core().InjectNext(leadsquaredtest.OpLeadUpdate, emulator.FaultDropAfterWrite)
	err = s.Update(ctx, leadsquaredtest.TestLeadID, sinks.Fields{"Company": "Newer Traders"})
	if !sinks.IsUnknownOutcome(err) {
		t.Fatalf("dropped update: %v", err)
	}
	if err := s.Update(ctx, leadsquaredtest.TestLeadID, sinks.Fields{"Company": "Newer Traders"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := srv.Lead(leadsquaredtest.TestLeadID); l.Company != "Newer Traders" {
		t.Errorf("company %q", l.Company)
	}
}
