package leaddesk_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

func TestCallbackCreate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "callback", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()

	f := callbackSample(1)
	delete(f, "type") // LeadDesk requires it; the schema's default applies
	f["phone"] = "040 123 4567"
	f["companyid"] = "5001"
	f["other35"] = "z"
	f["lname"] = "" // empty: left out
	rec, err := s.Create(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	cbs := srv.Callbacks()
	if len(cbs) != 1 || rec.ID == "" || cbs[0].ID != mustID(t, rec.ID) {
		t.Fatalf("callbacks %+v, record %+v", cbs, rec)
	}
	cb := cbs[0]
	wantContact := map[string]string{"fname": "Mikko", "other3": "gold", "other35": "z"}
	if cb.AgentID != leaddesktest.TestAgentID || cb.CampaignID != leaddesktest.TestCampaignID || cb.Type != "private" ||
		cb.Phone != "+358401234567" || cb.Timestamp != "2025-10-14 09:30:00" || cb.Comment != "Asked to be called after 9" ||
		cb.ContactListID != leaddesktest.TestList2ID || cb.CompanyID != leaddesktest.TestCompanyID || !equalMaps(cb.Contact, wantContact) {
		t.Fatalf("stored %+v", cb)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || call.Op != leaddesktest.OpCreateCallback {
		t.Fatalf("create sent as %s %s", call.Method, call.Op)
	}

	// A callback for an existing contact.
	c, err := newSink(t, srv, "contact", leaddesktest.TestAPIKey, nil).Create(ctx, contactSample(2))
	if err != nil {
		t.Fatal(err)
	}
	f = callbackSample(2)
	f["contactid"] = c.ID
	if _, err := s.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	if cbs := srv.Callbacks(); cbs[1].ContactID != mustID(t, c.ID) || cbs[1].Type != "public" {
		t.Fatalf("stored %+v", cbs[1])
	}
}

func TestCallbackRefusals(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "callback", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	with := func(k, v string) sinks.Fields {
		f := callbackSample(1)
		f[k] = v
		return f
	}
	_, err := s.Create(ctx, with("timestamp", "2025-10-14T09:30"))
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "timestamp")
	_, err = s.Create(ctx, with("campaign", "No such campaign"))
	wantRejected(t, err, leaddesk.CodeNotFound, "campaign")
	_, err = s.Create(ctx, with("agent", "nobody"))
	wantRejected(t, err, leaddesk.CodeNotFound, "agent")
	_, err = s.Create(ctx, with("contactid", "77777"))
	wantRejected(t, err, leaddesk.CodeNotFound, "contact")
	sent := srv.Core().Stats().TotalRequests()
	_, err = s.Create(ctx, with("agent", ""))
	wantRejected(t, err, leaddesk.CodeArgumentMissing, "agent")
	_, err = s.Create(ctx, with("phone", "abc"))
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "phone: not a valid phone number in region FI")
	if n := srv.Core().Stats().TotalRequests(); n != sent {
		t.Fatalf("local refusals made %d calls", n-sent)
	}
	if w := srv.Core().Stats().TotalWrites(); w != 0 {
		t.Fatalf("%d writes", w)
	}

	if _, err := s.Find(ctx, sinks.Query{Keys: phoneKey(1)}); !errors.Is(err, sinks.ErrCannotFind) {
		t.Fatalf("find: %v", err)
	}
	if err := s.Update(ctx, "90001", sinks.Fields{"comment": "x"}); !errors.Is(err, leaddesk.ErrCannotUpdate) {
		t.Fatalf("update: %v", err)
	}
}
