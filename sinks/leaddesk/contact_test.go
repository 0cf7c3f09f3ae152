package leaddesk_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// wantRejected checks a refusal's class, code and message.
func wantRejected(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *sinks.Error
	if !errors.As(err, &e) || e.Class != sinks.Rejected || e.Code != code || e.Msg != msg {
		t.Fatalf("got %v, want rejected %s:%s", err, code, msg)
	}
}

func lastCall(t *testing.T, core *emulator.Core) emulator.Call {
	t.Helper()
	calls := core.Calls()
	if len(calls) == 0 {
		t.Fatal("no calls")
	}
	return calls[len(calls)-1]
}

// A contact is created with a POST form, every mapped field, and its phone
// in E.164 whatever form the mapping gave it, so a later find by the
// engine's key matches.
func TestContactCreate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()

	rec, err := s.Create(ctx, sinks.Fields{
		"list":            leaddesktest.TestListName,
		"phone":           "040 123 4567", // national, region FI
		"fname":           "Mikko",
		"email":           "", // empty: left out
		"other1":          "VIP",
		"other35":         "thirty-five",
		"companyid":       "5001",
		"assign_to_agent": leaddesktest.TestAgentUsername,
		"order":           "first",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.Fields != nil {
		t.Fatalf("record %+v", rec)
	}
	c, ok := srv.Contact(mustID(t, rec.ID))
	if !ok {
		t.Fatalf("contact %s not stored", rec.ID)
	}
	want := map[string]string{"fname": "Mikko", "other1": "VIP", "other35": "thirty-five"}
	if c.Phone != "+358401234567" || c.ListID != leaddesktest.TestListID || c.CompanyID != leaddesktest.TestCompanyID ||
		c.AssignedAgentID != leaddesktest.TestAgentID || !equalMaps(c.Fields, want) {
		t.Fatalf("stored %+v", c)
	}

	call := lastCall(t, srv.Core())
	if call.Method != http.MethodPost || call.Op != leaddesktest.OpCreateContact {
		t.Fatalf("create sent as %s %s", call.Method, call.Op)
	}
	// The record's values travel in the body, not in the URL.
	if strings.Contains(call.Query, "358") || strings.Contains(call.Query, "Mikko") || !strings.Contains(call.Query, "auth=REDACTED") {
		t.Fatalf("query %q", call.Query)
	}

	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "phone", Kind: "phone", Value: "+358401234567"}}})
	if err != nil || len(got) != 1 || got[0].ID != rec.ID || got[0].Fields != nil {
		t.Fatalf("find by the E.164 key: %+v %v", got, err)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || strings.Contains(call.Query, "358") {
		t.Fatalf("find sent as %s with query %q", call.Method, call.Query)
	}
}

// A numeric list narrows find to that list; a list name cannot.
func TestContactFindByList(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	phone := "+358401112233"
	a, err := s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": phone})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, sinks.Fields{"list": "2002", "phone": phone})
	if err != nil {
		t.Fatal(err)
	}
	keys := []sinks.Key{{Field: "phone", Kind: "phone", Value: phone}}
	for _, c := range []struct {
		list string
		want []string
	}{
		{"2001", []string{a.ID}},
		{"2002", []string{b.ID}},
		{leaddesktest.TestListName, []string{a.ID, b.ID}},
		{"", []string{a.ID, b.ID}},
	} {
		got, err := s.Find(ctx, sinks.Query{Keys: keys, Fields: sinks.Fields{"list": c.list, "phone": phone}})
		if err != nil || !equalIDs(got, c.want) {
			t.Errorf("list %q: %+v %v, want %v", c.list, got, err, c.want)
		}
	}
	_, err = s.Find(ctx, sinks.Query{Keys: keys, Fields: sinks.Fields{"list": "2999"}})
	wantRejected(t, err, leaddesk.CodeNotFound, "list")
}

// Email is not searchable at LeadDesk; phones are deduplicated before the
// call and ids across keys.
func TestContactFindKeys(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	a, _ := s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "+358401000001", "email": "a@example.fi"})
	b, _ := s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "+358401000002"})
	before := srv.Core().Stats().TotalRequests()

	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "email", Kind: "email", Value: "a@example.fi"}}})
	if err != nil || len(got) != 0 {
		t.Fatalf("find by email: %+v %v", got, err)
	}
	if n := srv.Core().Stats().TotalRequests() - before; n != 0 {
		t.Fatalf("find by email made %d calls", n)
	}

	got, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{
		{Field: "phone", Kind: "phone", Value: "+358401000001"},
		{Field: "email", Kind: "email", Value: "a@example.fi"},
		{Field: "phone", Kind: "phone", Value: "+358 40 100 0001"}, // the same phone, another form
		{Field: "phone", Kind: "phone", Value: "+358401000002"},
	}})
	if err != nil || !equalIDs(got, []string{a.ID, b.ID}) {
		t.Fatalf("find by keys: %+v %v", got, err)
	}
	if n := srv.Core().Stats().TotalRequests() - before; n != 2 {
		t.Fatalf("find made %d calls, want 2", n)
	}
}

// Update sends only the given fields; an empty value clears one.
func TestContactUpdate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	rec, err := s.Create(ctx, contactSample(1))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, rec.ID, sinks.Fields{"fname": "Matti", "email": "", "other2": "gold", "phone": "0401112222", "list": leaddesktest.TestList2Name})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.Contact(mustID(t, rec.ID))
	want := map[string]string{"fname": "Matti", "lname": "Laine1", "other1": "VIP", "other2": "gold", "other35": "last free field"}
	if c.Phone != "+358401112222" || c.ListID != leaddesktest.TestList2ID || c.AssignedAgentID != leaddesktest.TestAgentID || !equalMaps(c.Fields, want) {
		t.Fatalf("after update: %+v", c)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || call.Op != leaddesktest.OpModifyContact {
		t.Fatalf("modify sent as %s %s", call.Method, call.Op)
	}

	before := srv.Core().Stats().TotalRequests()
	if err := s.Update(ctx, rec.ID, sinks.Fields{}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Core().Stats().TotalRequests() - before; n != 0 {
		t.Fatalf("an empty update made %d calls", n)
	}
	wantRejected(t, s.Update(ctx, "99999", sinks.Fields{"fname": "X"}), leaddesk.CodeNotFound, "contact")
	wantRejected(t, s.Update(ctx, "abc", sinks.Fields{"fname": "X"}), leaddesk.CodeArgumentInvalid, "contact_id")
}

// Refusals carry LeadDesk's code and detail; the ones the sink can see
// coming cost no call.
func TestContactRejections(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()

	_, err := s.Create(ctx, sinks.Fields{"list": "No such list", "phone": "+358401234567"})
	wantRejected(t, err, leaddesk.CodeNotFound, "list")
	_, err = s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "+358401234567", "assign_to_agent": "nobody"})
	wantRejected(t, err, leaddesk.CodeNotFound, "agent")
	sent := srv.Core().Stats().TotalRequests()

	_, err = s.Create(ctx, sinks.Fields{"phone": "+358401234567"})
	wantRejected(t, err, leaddesk.CodeArgumentMissing, "list")
	_, err = s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "  "})
	wantRejected(t, err, leaddesk.CodeArgumentMissing, "phone")
	_, err = s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "12"})
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "phone: not a valid phone number in region FI")
	_, err = s.Create(ctx, sinks.Fields{"list": leaddesktest.TestListName, "phone": "+358401234567", "other36": "x"})
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "unknown contact field other36")
	if n := srv.Core().Stats().TotalRequests(); n != sent {
		t.Fatalf("local refusals made %d calls", n-sent)
	}
	if w := srv.Core().Stats().TotalWrites(); w != 0 {
		t.Fatalf("%d writes", w)
	}
}

// The API key never appears in an error: not in a transport failure, a
// dropped write, nor a refusal.
func TestKeyNeverInErrors(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		if strings.Contains(err.Error(), leaddesktest.TestAPIKey) || strings.Contains(err.Error(), "auth=") {
			t.Fatalf("%s: %v", what, err)
		}
	}
	srv.Core().InjectNext(leaddesktest.OpCreateContact, emulator.FaultDropAfterWrite)
	_, err := s.Create(ctx, contactSample(1))
	check("dropped create", err)
	if !sinks.IsUnknownOutcome(err) {
		t.Fatalf("dropped create: %v", err)
	}
	_, err = s.Create(ctx, sinks.Fields{"list": "No such list", "phone": "+358401234567"})
	check("refusal", err)

	srv.Close()
	leaddesk.SetBackoff(s, func(int) time.Duration { return time.Millisecond })
	_, err = s.Create(ctx, contactSample(2))
	check("closed server", err)
	var e *sinks.Error
	if !errors.As(err, &e) || e.Class != sinks.Transient || !e.NotSent {
		t.Fatalf("closed server: %#v, want a transient not-sent error", err)
	}
	_, err = s.Find(ctx, sinks.Query{Keys: phoneKey(1)})
	check("find on a closed server", err)
}

func mustID(t *testing.T, id string) int64 {
	t.Helper()
	var n int64
	for _, c := range id {
		if c < '0' || c > '9' {
			t.Fatalf("id %q is not numeric", id)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func equalIDs(recs []sinks.Record, ids []string) bool {
	if len(recs) != len(ids) {
		return false
	}
	for i := range recs {
		if recs[i].ID != ids[i] {
			return false
		}
	}
	return true
}
