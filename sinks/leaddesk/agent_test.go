package leaddesk_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

func TestAgentCreate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	f := agentSample(1)
	f["phone"] = "+358401234567"
	f["office"] = "Tampere"
	f["employment_start"] = "2025-09-01"
	f["time_zone"] = "Europe/Stockholm"
	f["postal"] = "33100"
	f["external_id"] = "HR-77"
	f["description"] = "" // empty: left out
	rec, err := s.Create(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := srv.Agent(mustID(t, rec.ID))
	if !ok {
		t.Fatalf("agent %s not stored", rec.ID)
	}
	if a.Username != "agent.1" || a.Password != "s3cret-pass" || a.Level != "agent" || a.Name != "Agent Number 1" ||
		a.Email != "agent1@example.fi" || a.Phone != "+358401234567" || a.Lang != 4 || a.TimeZone != "Europe/Stockholm" ||
		a.AgentGroupID != leaddesktest.TestAgentGroupID || a.Employment != "active" || a.EmploymentStart != "2025-09-01" ||
		a.Office != "Tampere" || a.Postal != "33100" || a.ExternalID != "HR-77" || a.Description != "" {
		t.Fatalf("stored %+v", a)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || call.Op != leaddesktest.OpCreateAgent {
		t.Fatalf("create sent as %s %s", call.Method, call.Op)
	}

	// The username is taken now.
	_, err = s.Create(t.Context(), agentSample(1))
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "username")
	_, err = s.Create(t.Context(), sinks.Fields{"username": "x.y", "password": "s3cret-pass", "name": "X", "agent_group_id": "4999"})
	wantRejected(t, err, leaddesk.CodeNotFound, "agent_group")
}

// A password is required to create; the sink says so without a call.
func TestAgentCreateLocalRefusals(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	f := agentSample(2)
	delete(f, "password")
	_, err := s.Create(t.Context(), f)
	wantRejected(t, err, leaddesk.CodeArgumentMissing, "password")
	f = agentSample(2)
	f["lang"] = "Finnish"
	_, err = s.Create(t.Context(), f)
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "lang")
	f = agentSample(2)
	f["nickname"] = "x"
	_, err = s.Create(t.Context(), f)
	wantRejected(t, err, leaddesk.CodeArgumentInvalid, "unknown agent field nickname")
	if n := srv.Core().Stats().TotalRequests(); n != 0 {
		t.Fatalf("%d calls", n)
	}
}

func TestAgentFind(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	key := func(u string) sinks.Key { return sinks.Key{Field: "username", Kind: "id", Value: u} }

	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{key(leaddesktest.TestAgentUsername)}})
	if err != nil || !equalIDs(got, []string{fmt.Sprint(leaddesktest.TestAgentID)}) {
		t.Fatalf("find fixture agent: %+v %v", got, err)
	}
	// The find answers the id and the name, and nothing else: Fields hold
	// exactly what the vendor said (no campaign access: the API cannot
	// read it back).
	if want := (sinks.Fields{"username": leaddesktest.TestAgentUsername, "name": leaddesktest.TestAgentName}); !maps.Equal(got[0].Fields, want) {
		t.Fatalf("find fields %v, want %v", got[0].Fields, want)
	}
	// ERR_NOT_FOUND:agent is no match, not an error.
	got, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{key("nobody.here")}})
	if err != nil || len(got) != 0 {
		t.Fatalf("find unknown agent: %+v %v", got, err)
	}
	got, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{key("nobody.here"), key(leaddesktest.TestAgent2Username), key(leaddesktest.TestAgent2Username)}})
	if err != nil || !equalIDs(got, []string{fmt.Sprint(leaddesktest.TestAgent2ID)}) {
		t.Fatalf("find by several keys: %+v %v", got, err)
	}
	if n := srv.Core().Stats().Requests[leaddesktest.OpFindAgent]; n != 4 {
		t.Fatalf("%d finds, want 4 (one per distinct username)", n)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodGet {
		t.Fatalf("find sent as %s", call.Method)
	}
}

// Update sends only the given fields; password, lang and agent_group_id
// cannot be cleared, so their empty values are left out.
func TestAgentUpdate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	f := agentSample(3)
	f["office"] = "Tampere"
	rec, err := s.Create(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, rec.ID, sinks.Fields{"name": "Renamed", "lang": "1", "office": "", "password": "", "agent_group_id": "", "employment": "inactive"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := srv.Agent(mustID(t, rec.ID))
	if a.Name != "Renamed" || a.Lang != 1 || a.Office != "" || a.Password != "s3cret-pass" ||
		a.AgentGroupID != leaddesktest.TestAgentGroupID || a.Employment != "inactive" || a.Email != "agent3@example.fi" {
		t.Fatalf("after update %+v", a)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || call.Op != leaddesktest.OpModifyAgent {
		t.Fatalf("modify sent as %s %s", call.Method, call.Op)
	}
	before := srv.Core().Stats().TotalRequests()
	if err := s.Update(ctx, rec.ID, sinks.Fields{"password": ""}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Core().Stats().TotalRequests() - before; n != 0 {
		t.Fatalf("a no-op update made %d calls", n)
	}
	wantRejected(t, s.Update(ctx, "77777", sinks.Fields{"name": "X"}), leaddesk.CodeNotFound, "agent")
	wantRejected(t, s.Update(ctx, "x", sinks.Fields{"name": "X"}), leaddesk.CodeArgumentInvalid, "id")
}

func TestSetCampaignAccess(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil).(*leaddesk.AgentSink)
	ctx := t.Context()
	agent, c1, c2 := fmt.Sprint(leaddesktest.TestAgent2ID), fmt.Sprint(leaddesktest.TestCampaignID), fmt.Sprint(leaddesktest.TestCampaign2ID)
	campaigns := func() []int64 {
		a, _ := srv.Agent(leaddesktest.TestAgent2ID)
		return a.Campaigns
	}
	for _, id := range []string{c1, c2, c2} { // adding twice succeeds
		if err := s.SetCampaignAccess(ctx, agent, id, true); err != nil {
			t.Fatal(err)
		}
	}
	if got := campaigns(); !slices.Equal(got, []int64{leaddesktest.TestCampaignID, leaddesktest.TestCampaign2ID}) {
		t.Fatalf("after add: %v", got)
	}
	if err := s.SetCampaignAccess(ctx, agent, c1, false); err != nil {
		t.Fatal(err)
	}
	if got := campaigns(); !slices.Equal(got, []int64{leaddesktest.TestCampaign2ID}) {
		t.Fatalf("after remove: %v", got)
	}
	if call := lastCall(t, srv.Core()); call.Method != http.MethodPost || call.Op != leaddesktest.OpCampaignAccess {
		t.Fatalf("sent as %s %s", call.Method, call.Op)
	}
	if w := srv.Core().Stats().Writes[leaddesktest.OpCampaignAccess]; w != 4 {
		t.Fatalf("%d writes", w)
	}
	wantRejected(t, s.SetCampaignAccess(ctx, agent, "3999", true), leaddesk.CodeNotFound, "campaign")
	wantRejected(t, s.SetCampaignAccess(ctx, "1999", c1, true), leaddesk.CodeNotFound, "agent")
	wantRejected(t, s.SetCampaignAccess(ctx, agent, "Winback", true), leaddesk.CodeArgumentInvalid, "campaign_id")

	bad := newSink(t, srv, "agent", badKey, nil).(*leaddesk.AgentSink)
	if err := bad.SetCampaignAccess(ctx, agent, c1, true); sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("bad key: %v", err)
	}
}

// Create is one call: the agent is created and its campaign access is
// left to Update, which the engine sends because the returned Fields
// (what LeadDesk holds after the create) lack it.
func TestAgentCreateIsOneCall(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	f := agentSample(5)
	f["campaigns_add"] = fmt.Sprintf("%d, %d", leaddesktest.TestCampaignID, leaddesktest.TestCampaign2ID)
	f["campaigns_remove"] = ""
	rec, err := s.Create(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Core().Stats()
	if st.TotalRequests() != 1 || st.Writes[leaddesktest.OpCreateAgent] != 1 {
		t.Fatalf("create made %d calls (%v), want 1", st.TotalRequests(), st.Requests)
	}
	a, _ := srv.Agent(mustID(t, rec.ID))
	if len(a.Campaigns) != 0 {
		t.Fatalf("campaign access set by create: %v", a.Campaigns)
	}
	if rec.Fields == nil {
		t.Fatal("create returned nil Fields: the engine would take campaign access as set")
	}
	if _, ok := rec.Fields["campaigns_add"]; ok {
		t.Fatalf("create claims campaign access: %v", rec.Fields)
	}
	for k, v := range f {
		if k != "campaigns_add" && rec.Fields[k] != v {
			t.Errorf("returned %s = %q, want %q", k, rec.Fields[k], v)
		}
	}
	// The engine's completion: Update with what is missing, twice (a
	// lost answer resent): idempotent.
	for i := 0; i < 2; i++ {
		if err := s.Update(ctx, rec.ID, sinks.Fields{"campaigns_add": f["campaigns_add"]}); err != nil {
			t.Fatal(err)
		}
		a, _ = srv.Agent(mustID(t, rec.ID))
		if !slices.Equal(a.Campaigns, []int64{leaddesktest.TestCampaignID, leaddesktest.TestCampaign2ID}) {
			t.Fatalf("after update %d: campaigns %v", i+1, a.Campaigns)
		}
	}
}

// A create whose answer was lost: the agent exists without its access.
// Find finds it by username with the fields the API returns; the
// engine's Update with every wanted field it cannot compare completes it.
func TestAgentLostCreateCompletedByUpdate(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, "agent", leaddesktest.TestAPIKey, nil)
	ctx := t.Context()
	f := agentSample(6)
	f["campaigns_add"] = fmt.Sprint(leaddesktest.TestCampaignID)
	srv.Core().InjectNext(leaddesktest.OpCreateAgent, emulator.FaultDropAfterWrite)
	if _, err := s.Create(ctx, f); !sinks.IsUnknownOutcome(err) {
		t.Fatalf("dropped create: %v", err)
	}
	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "username", Kind: "id", Value: f["username"]}}})
	if err != nil || len(got) != 1 {
		t.Fatalf("find after a lost create: %+v %v", got, err)
	}
	missing := sinks.Fields{}
	for k, v := range f {
		if old, ok := got[0].Fields[k]; !ok || old != v {
			missing[k] = v
		}
	}
	if _, ok := missing["campaigns_add"]; !ok {
		t.Fatalf("found fields %v claim the campaign access", got[0].Fields)
	}
	if err := s.Update(ctx, got[0].ID, missing); err != nil {
		t.Fatal(err)
	}
	a, _ := srv.Agent(mustID(t, got[0].ID))
	if !slices.Equal(a.Campaigns, []int64{leaddesktest.TestCampaignID}) || a.Name != f["name"] || len(srv.Agents()) != 3 {
		t.Fatalf("after completion: %+v (%d agents)", a, len(srv.Agents()))
	}
}
