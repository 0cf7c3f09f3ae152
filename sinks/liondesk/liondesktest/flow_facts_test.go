package liondesktest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// postLost sends a write whose answer the emulator drops after acting and
// checks that no answer came.
func postLost(t *testing.T, s *Server, op, path, body string) {
	t.Helper()
	s.Core().InjectNext(op, emulator.FaultDropAfterWrite)
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+TestToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("POST %s: answered %d, want a dropped connection", path, resp.StatusCode)
	}
}

// The facts leadsync's lead flow relies on to resume after a lost answer,
// each against the emulator with raw HTTP:
//
//   - a lead cannot be looked up but by its id (GET /leads answers 405), so
//     a lost POST /leads cannot be checked [C: LI-LEADS, only POST /leads
//     and GET /leads/:id];
//   - a lead carries its distribution_target (null without a route) [C: LI-SEED];
//   - a campaign start whose answer was lost shows in the contact's
//     campaign communications, filtered by campaign_name [C: LI-COMM], and
//     in its tasks (GET /tasks?contact_id=, a task field [C: LI-TASKS];
//     filtering on it is Feathers [I]), which carry campaign_contact_id;
//   - lead offers whose answer was lost are refused when sent again, as
//     the precondition "offers not already sent" says [C: LI-LOFF; 400 A].
func TestFlowFactsAfterLostAnswers(t *testing.T) {
	s := newTestServer(t, Options{})
	camp := s.mustCreate(t, TestToken, "/campaigns", `{"name":"Buyer Drip"}`)
	s.mustCreate(t, TestToken, "/campaigns/"+id(camp)+"/actions", `{"type":"Email Contact","timing_type":"Delay by Minutes","delay_by_seconds":60}`)
	s.mustCreate(t, TestToken, "/campaigns/"+id(camp)+"/actions", `{"type":"Agent Task - Call Reminder","timing_type":"Delay by Minutes","delay_by_seconds":600,"notes":"Call"}`)
	s.mustCreate(t, TestToken, "/team-member-distribution-options", `{"team_id":601,"user_id":1002,"rank":1,"assign_automatically":true,"has_text_alert":true}`)
	s.mustCreate(t, TestToken, "/lead-routes", `{"team_id":601,"campaign_id":`+id(camp)+`,"lead_source_id":101,"contact_source_id":301,"distribution_target":"Team Rollout","team_selection_method":"Specific Team"}`)
	contact := s.mustCreate(t, TestToken, "/contacts", `{"source_id":301,"email":"mary@example.com"}`)

	// Leads: no find; a lost create leaves a lead nobody can point at.
	wantError(t, s.as(t, "GET", "/leads?contact_id="+id(contact), ""), 405, "MethodNotAllowed", "find")
	postLost(t, s, "lead.create", "/leads", `{"contact_id":`+id(contact)+`,"source_id":101,"type":"Buyer"}`)
	leads := s.Leads()
	if len(leads) != 1 || leads[0].DistributionTarget != "Team Rollout" {
		t.Fatalf("leads %+v", leads)
	}
	lead := s.as(t, "GET", "/leads/200001", "").obj(t)
	if lead["distribution_target"] != "Team Rollout" {
		t.Fatalf("lead %v", lead)
	}
	stray := s.mustCreate(t, TestToken, "/contacts", `{"email":"stray@example.com"}`)
	unrouted := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(stray)+`}`)
	if v, ok := unrouted["distribution_target"]; !ok || v != nil {
		t.Fatalf("a lead no route took: %v", unrouted)
	}

	// Campaign start, answer lost: communications and tasks show it.
	comms := "/contacts/" + id(contact) + "/campaign-communications?campaign_name[$like]=Buyer%20Drip"
	if d := s.as(t, "GET", comms, "").data(t); len(d) != 0 {
		t.Fatalf("communications before the start: %v", d)
	}
	if d := s.as(t, "GET", "/tasks?contact_id="+id(contact), "").data(t); len(d) != 0 {
		t.Fatalf("tasks before the start: %v", d)
	}
	postLost(t, s, "campaigncontact.create", "/campaigns/"+id(camp)+"/contacts", `{"contact_id":`+id(contact)+`}`)
	if d := s.as(t, "GET", comms, "").data(t); len(d) != 1 || d[0]["campaign_name"] != "Buyer Drip" {
		t.Fatalf("communications after the lost start: %v", d)
	}
	tasks := s.as(t, "GET", "/tasks?contact_id="+id(contact), "").data(t)
	if len(tasks) != 1 || tasks[0]["action_type"] != "Agent Task - Call Reminder" || id(map[string]any{"id": tasks[0]["campaign_contact_id"]}) != "22001" {
		t.Fatalf("tasks after the lost start: %v", tasks)
	}
	wantError(t, s.as(t, "POST", "/campaigns/"+id(camp)+"/contacts", `{"contact_id":`+id(contact)+`}`), 400, "BadRequest", "already in campaign")

	// Offers, answer lost: sending again is refused, the offers stand.
	postLost(t, s, "leadoffer.create", "/leads/200001/offers", `{}`)
	if n := len(s.LeadOffers()); n != 1 {
		t.Fatalf("%d offers after the lost answer", n)
	}
	wantError(t, s.as(t, "POST", "/leads/200001/offers", `{}`), 400, "BadRequest", "already been sent")
	if n := len(s.LeadOffers()); n != 1 {
		t.Fatalf("%d offers after the resend", n)
	}
}
