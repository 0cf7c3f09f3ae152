package liondesktest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

func TestAuthFailures(t *testing.T) {
	s := newTestServer(t, Options{})
	cases := []struct {
		name, method, path, header, body, msg string
	}{
		{"no header", "GET", "/contacts", "", "", "Not authenticated"},
		{"no header on create", "POST", "/contacts", "", `{"first_name":"A"}`, "Not authenticated"},
		{"unknown token", "GET", "/contacts", "Bearer 0000000000000000000000000000000000000000", "", "Invalid access token"},
		{"unknown token on create", "POST", "/leads", "Bearer nope", `{"contact_id":1}`, "Invalid access token"},
		{"basic scheme", "GET", "/me", "Basic " + TestToken, "", "Invalid access token"},
		{"v1 style id header only", "GET", "/me", "", "", "Not authenticated"},
		{"bearer without token", "GET", "/me", "Bearer ", "", "Invalid access token"},
		{"token without scheme", "GET", "/me", TestToken, "", "Invalid access token"},
		{"token in query", "GET", "/contacts?access_token=" + TestToken, "", "", "Not authenticated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			if tc.name == "v1 style id header only" {
				req.Header.Set("X-LionDesk-Id", "1001")
			}
			req.Header.Set("Content-Type", "application/json")
			wantError(t, roundTrip(t, req), 401, "NotAuthenticated", tc.msg)
		})
	}
	if n := len(s.Contacts()) + len(s.Leads()); n != 0 {
		t.Errorf("%d records stored by refused requests", n)
	}
	if w := s.Core().Stats().TotalWrites(); w != 0 {
		t.Errorf("writes counted: %d", w)
	}

	t.Run("scheme is case-insensitive", func(t *testing.T) {
		req, _ := http.NewRequest("GET", s.URL+"/me", nil)
		req.Header.Set("Authorization", "bearer "+TestToken)
		if r := roundTrip(t, req); r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("me", func(t *testing.T) {
		r := send(t, s.URL, "GET", "/me", TestTeammateToken, "")
		m := r.obj(t)
		if r.status != 200 || m["id"] != float64(TestTeammateID) || m["email"] != "dora@example.com" || m["timezone"] == nil {
			t.Fatalf("GET /me = %d %s", r.status, r.body)
		}
		if _, ok := m["token"]; ok {
			t.Error("GET /me shows the token")
		}
	})
}

func TestRouting(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, path := range []string{"//lead-sources?name=Zillow", "/lead-sources/", "///lead-sources//101", "//contact-sources?name=Email"} {
		if r := s.as(t, "GET", path, ""); r.status != 200 {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if r := s.as(t, "GET", "//lead-sources?name=Zillow", ""); r.data(t)[0]["id"] != float64(LeadSourceZillow) {
		t.Errorf("double-slash find: %s", r.body)
	}
	if ct := s.as(t, "GET", "/lead-sources", "").header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}

	notFound := []string{"/nope", "/v2/contacts", "/contacts/1/nope", "/lead-sources/101/extra"}
	for _, p := range notFound {
		wantError(t, send(t, s.URL, "GET", p, "", ""), 404, "NotFound", "Page not found")
	}

	notAllowed := []struct{ method, path, feathers string }{
		{"PUT", "/contacts/100001", "update"},
		{"DELETE", "/contacts/100001", "remove"},
		{"PATCH", "/contacts", "patch"},
		{"GET", "/leads", "find"},
		{"PATCH", "/leads/200001", "patch"},
		{"GET", "/leads/200001/offers", "find"},
		{"POST", "/lead-sources", "create"},
		{"PATCH", "/lead-sources/101", "patch"},
		{"DELETE", "/campaigns/20001", "remove"},
		{"GET", "/campaigns/20001/contacts", "find"},
		{"DELETE", "/teams/601", "remove"},
		{"GET", "/tasks/24001", "get"},
		{"PATCH", "/tasks/24001", "patch"},
	}
	for _, tc := range notAllowed {
		// 405 comes before authentication, as Feathers checks the method first.
		wantError(t, send(t, s.URL, tc.method, tc.path, "", `{}`), 405, "MethodNotAllowed", "Method `"+tc.feathers+"` is not supported")
	}
	if calls := s.Core().Calls(); calls[len(calls)-1].Op != "task.patch" || calls[len(calls)-1].Status != 405 {
		t.Errorf("last call %+v", calls[len(calls)-1])
	}
}

func TestBodyAndArgumentValidation(t *testing.T) {
	s := newTestServer(t, Options{})
	camp := s.mustCreate(t, TestToken, "/campaigns", `{"name":"Buyer Drip"}`)
	contact := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"Paula"}`)
	other := s.mustCreate(t, TestOtherToken, "/contacts", `{"first_name":"Stranger"}`)
	s.mustCreate(t, TestToken, "/team-member-distribution-options", `{"team_id":601,"user_id":1002,"assign_automatically":true}`)
	actions := "/campaigns/" + id(camp) + "/actions"

	cases := []struct {
		name, method, path, body string
		field, msg               string // errors[field] must exist; message must contain msg
	}{
		// bodies in general
		{"invalid JSON", "POST", "/contacts", `{"first_name":`, "", "Invalid JSON"},
		{"trailing data", "POST", "/contacts", `{} {}`, "", "Invalid JSON"},
		{"array body", "POST", "/contacts", `[{"first_name":"A"}]`, "", "must be a JSON object"},
		{"string body", "POST", "/contacts", `"x"`, "", "must be a JSON object"},
		{"unknown field", "POST", "/contacts", `{"phone":"555"}`, "phone", "phone is not allowed"},
		{"internal field", "POST", "/campaigns", `{"name":"N","owner_user_id":5}`, "owner_user_id", "is not allowed"},
		// contacts
		{"contact string type", "POST", "/contacts", `{"first_name":5}`, "first_name", "must be a string"},
		{"contact tags array", "POST", "/contacts", `{"tags":["Pending","VIP"]}`, "tags", "must be a string"},
		{"contact int as string", "POST", "/contacts", `{"hotness_id":"12"}`, "hotness_id", "must be an integer"},
		{"contact fractional int", "POST", "/contacts", `{"source_id":3.5}`, "source_id", "must be an integer"},
		{"contact home phone too long", "POST", "/contacts", `{"home_phone":"` + strings.Repeat("5", 46) + `"}`, "home_phone", "at most 45"},
		{"contact email too long", "POST", "/contacts", `{"email":"` + strings.Repeat("a", 250) + `@x.com"}`, "email", "at most 255"},
		{"contact tags too long", "POST", "/contacts", `{"tags":"` + strings.Repeat("t", 509) + `"}`, "tags", "at most 508"},
		{"contact bad created_at", "POST", "/contacts", `{"created_at":"yesterday"}`, "created_at", "ISO-8601"},
		{"contact other user's source", "POST", "/contacts", `{"source_id":304}`, "source_id", "No record found for id '304'"},
		{"contact unknown source", "POST", "/contacts", `{"source_id":999}`, "source_id", "No record found"},
		{"contact assignee outside teams", "POST", "/contacts", `{"assigned_user_id":1004}`, "assigned_user_id", "member of one of your teams"},
		{"contact patch bad type", "PATCH", "/contacts/" + id(contact), `{"email":false}`, "email", "must be a string"},
		{"contact patch null source ok, bad assignee", "PATCH", "/contacts/" + id(contact), `{"source_id":null,"assigned_user_id":-1}`, "assigned_user_id", "must not be negative"},
		// contact sources
		{"contact source without name", "POST", "/contact-sources", `{}`, "name", "name is required"},
		{"contact source empty name", "POST", "/contact-sources", `{"name":""}`, "name", "must not be empty"},
		{"contact source name too long", "POST", "/contact-sources", `{"name":"` + strings.Repeat("n", 201) + `"}`, "name", "at most 200"},
		{"contact source null name", "PATCH", "/contact-sources/301", `{"name":null}`, "name", "must not be null"},
		// campaigns
		{"campaign without name", "POST", "/campaigns", `{"is_broker_sharing_on":true}`, "name", "name is required"},
		{"campaign bool type", "POST", "/campaigns", `{"name":"X","is_broker_sharing_on":"yes"}`, "is_broker_sharing_on", "must be a boolean"},
		{"campaign duplicate", "POST", "/campaigns", `{"name":"Buyer Drip"}`, "name", "already exists"},
		{"campaign duplicate other case", "POST", "/campaigns", `{"name":"BUYER DRIP"}`, "name", "already exists"},
		// campaign actions
		{"action missing type and timing", "POST", actions, `{"notes":"x"}`, "timing_type", "Invalid data: timing_type is required; type is required"},
		{"action bad type", "POST", actions, `{"type":"Fax Contact","timing_type":"Delay by Minutes","delay_by_seconds":60}`, "type", "must be one of"},
		{"action day and time without time", "POST", actions, `{"type":"Email Contact","timing_type":"Delay by Day and Time","delay_by_days":1}`, "dispatch_time", "required when timing_type is Delay by Day and Time"},
		{"action bad dispatch_time", "POST", actions, `{"type":"Email Contact","timing_type":"Delay by Day and Time","delay_by_days":1,"dispatch_time":"8pm"}`, "dispatch_time", "HH:MM:SS"},
		{"action minutes without seconds", "POST", actions, `{"type":"Call Contact","timing_type":"Delay by Minutes"}`, "delay_by_seconds", "required"},
		{"action exact without datetime", "POST", actions, `{"type":"Text Contact","timing_type":"Exact Date and Time"}`, "dispatch_datetime", "required"},
		{"action recurring on communication", "POST", actions, `{"type":"Email Contact","timing_type":"Recurring","recurrence":"FREQ=DAILY"}`, "timing_type", "only allowed for agent task"},
		{"action recurring without rule", "POST", actions, `{"type":"Agent Task - No Reminder","timing_type":"Recurring"}`, "recurrence", "required"},
		{"action task with template", "POST", actions, `{"type":"Agent Task - Call Reminder","timing_type":"Delay by Minutes","delay_by_seconds":60,"template_metadata_id":7}`, "template_metadata_id", "only allowed for contact communication"},
		{"action template ids disagree", "POST", actions, `{"type":"Email Contact","timing_type":"Delay by Minutes","delay_by_seconds":60,"template_id":7,"template_metadata_id":8}`, "template_id", "must equal"},
		{"action unknown assignee", "POST", actions, `{"type":"Email Contact","timing_type":"Delay by Minutes","delay_by_seconds":60,"assigned_user_id":4242}`, "assigned_user_id", "No record found"},
		// campaign contacts
		{"campaign contact without contact", "POST", "/campaigns/" + id(camp) + "/contacts", `{}`, "contact_id", "contact_id is required"},
		{"campaign contact unknown contact", "POST", "/campaigns/" + id(camp) + "/contacts", `{"contact_id":99}`, "contact_id", "No record found for id '99'"},
		{"campaign contact invisible contact", "POST", "/campaigns/" + id(camp) + "/contacts", `{"contact_id":` + id(other) + `}`, "contact_id", "No record found"},
		// leads
		{"lead without contact", "POST", "/leads", `{"source_id":101}`, "contact_id", "contact_id is required"},
		{"lead contact as string", "POST", "/leads", `{"contact_id":"` + id(contact) + `"}`, "contact_id", "must be an integer"},
		{"lead unknown contact", "POST", "/leads", `{"contact_id":123}`, "contact_id", "No record found for id '123'"},
		{"lead other user's contact", "POST", "/leads", `{"contact_id":` + id(other) + `}`, "contact_id", "No record found"},
		{"lead unknown lead source", "POST", "/leads", `{"contact_id":` + id(contact) + `,"source_id":301}`, "source_id", "No record found for id '301'"},
		{"lead bad claimed_via", "POST", "/leads", `{"contact_id":` + id(contact) + `,"claimed_via":"Fax"}`, "claimed_via", "must be one of"},
		{"lead zipcode bool", "POST", "/leads", `{"contact_id":` + id(contact) + `,"zipcode":true}`, "zipcode", "string or a number"},
		{"lead read-only and unknown", "POST", "/leads", `{"contact_id":` + id(contact) + `,"zip":"92618"}`, "zip", "is not allowed"},
		// lead routes
		{"route missing fields", "POST", "/lead-routes", `{"filter":"Buyer"}`, "campaign_id", "Invalid data"},
		{"route bad target", "POST", "/lead-routes", `{"campaign_id":` + id(camp) + `,"lead_source_id":101,"contact_source_id":301,"distribution_target":"Everyone"}`, "distribution_target", "must be one of"},
		{"route specific team without team", "POST", "/lead-routes", `{"campaign_id":` + id(camp) + `,"lead_source_id":101,"contact_source_id":301,"distribution_target":"Team Rollout","team_selection_method":"Specific Team"}`, "team_id", "required when team_selection_method is Specific Team"},
		{"route invisible team", "POST", "/lead-routes", `{"team_id":603,"campaign_id":` + id(camp) + `,"lead_source_id":101,"contact_source_id":301,"distribution_target":"Team Rollout","team_selection_method":"Specific Team"}`, "team_id", "No record found for id '603'"},
		{"route unknown campaign", "POST", "/lead-routes", `{"campaign_id":5,"lead_source_id":101,"contact_source_id":301,"distribution_target":"Myself"}`, "campaign_id", "No record found for id '5'"},
		{"route unknown lead source", "POST", "/lead-routes", `{"campaign_id":` + id(camp) + `,"lead_source_id":999,"contact_source_id":301,"distribution_target":"Myself"}`, "lead_source_id", "No record found"},
		{"route other user's contact source", "POST", "/lead-routes", `{"campaign_id":` + id(camp) + `,"lead_source_id":101,"contact_source_id":304,"distribution_target":"Myself"}`, "contact_source_id", "No record found"},
		// teams
		{"team without name", "POST", "/teams", `{"order_method":"Rank"}`, "name", "name is required"},
		{"team bad order method", "POST", "/teams", `{"name":"T","order_method":"Speed"}`, "order_method", "must be one of: Rank, Time"},
		{"team zip overlap", "POST", "/teams", `{"name":"T","distribution_zipcodes":"10001, 92618"}`, "distribution_zipcodes", "overlap with team 601"},
		{"team patch zip overlap", "PATCH", "/teams/601", `{"distribution_zipcodes":"90210"}`, "distribution_zipcodes", "overlap with team 602"},
		// distribution options
		{"option missing fields", "POST", "/team-member-distribution-options", `{"team_id":601}`, "assign_automatically", "Invalid data"},
		{"option non-member", "POST", "/team-member-distribution-options", `{"team_id":601,"user_id":1004,"assign_automatically":true}`, "user_id", "not a member of team 601"},
		{"option invisible team", "POST", "/team-member-distribution-options", `{"team_id":603,"user_id":1004,"assign_automatically":true}`, "team_id", "No record found"},
		{"option duplicate", "POST", "/team-member-distribution-options", `{"team_id":601,"user_id":1002,"assign_automatically":false}`, "user_id", "already has distribution options"},
		{"option bool as string", "POST", "/team-member-distribution-options", `{"team_id":601,"user_id":1003,"assign_automatically":"true"}`, "assign_automatically", "must be a boolean"},
		// tasks
		{"task missing required", "POST", "/tasks", `{"notes":"n"}`, "description", "Invalid data: action_type is required; description is required; status is required"},
		{"task bad status", "POST", "/tasks", `{"action_type":"None","description":"d","status":"done"}`, "status", "must be one of"},
		{"task description too long", "POST", "/tasks", `{"action_type":"None","description":"` + strings.Repeat("d", 2001) + `","status":"incomplete"}`, "description", "at most 2000"},
		{"task alias disagrees", "POST", "/tasks", `{"action_type":"None","reminder_type":"Call Contact","description":"d","status":"incomplete"}`, "reminder_type", "must equal action_type"},
		{"task unknown contact", "POST", "/tasks", `{"action_type":"None","description":"d","status":"incomplete","contact_id":5}`, "contact_id", "No record found"},
		{"task bad due_at", "POST", "/tasks", `{"action_type":"None","description":"d","status":"incomplete","due_at":"2025-13-01"}`, "due_at", "ISO-8601"},
		// communications
		{"communication unknown field", "PATCH", "/contacts/" + id(contact) + "/campaign-communications/1", `{"send_at":"2025-01-01T00:00:00Z","color":"red"}`, "color", "is not allowed"},
		// lead offers
		{"offer with body", "POST", "/leads/1/offers", `{"team_id":601}`, "team_id", "empty body"},
	}
	before := len(s.Core().Calls())
	writes := s.Core().Stats().TotalWrites()
	dump := dumpJSON(t, s.Emulator)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := wantError(t, s.as(t, tc.method, tc.path, tc.body), 400, "BadRequest", tc.msg)
			if tc.field != "" {
				if _, ok := m["errors"].(map[string]any)[tc.field]; !ok {
					t.Errorf("errors lacks %q: %v", tc.field, m["errors"])
				}
			}
		})
	}
	if got := dumpJSON(t, s.Emulator); got != dump {
		t.Errorf("refused requests changed the store")
	}
	if w := s.Core().Stats().TotalWrites(); w != writes {
		t.Errorf("refused requests counted %d writes", w-writes)
	}
	if n := len(s.Core().Calls()) - before; n != len(cases) {
		t.Errorf("%d calls logged, want %d", n, len(cases))
	}

	t.Run("content type", func(t *testing.T) {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
			req, _ := http.NewRequest("POST", s.URL+"/contacts", strings.NewReader(`{"first_name":"A"}`))
			req.Header.Set("Authorization", "Bearer "+TestToken)
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			wantError(t, roundTrip(t, req), 400, "BadRequest", "Content-Type must be application/json")
		}
		req, _ := http.NewRequest("POST", s.URL+"/contacts", strings.NewReader(`{"first_name":"A"}`))
		req.Header.Set("Authorization", "Bearer "+TestToken)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if r := roundTrip(t, req); r.status != 201 {
			t.Errorf("charset parameter refused: %d %s", r.status, r.body)
		}
	})
}

func dumpJSON(t *testing.T, e *Emulator) string {
	t.Helper()
	b, err := json.Marshal(e.Dump())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQueryValidation(t *testing.T) {
	s := newTestServer(t, Options{})
	cases := []struct{ path, msg string }{
		{"/contacts?phone=555", "Invalid query field 'phone'"},
		{"/contacts?owner=1001", "Invalid query field 'owner'"},
		{"/contacts?email=a@x.com&email=b@x.com", "given more than once"},
		{"/contacts?$limit=abc", "$limit must be a non-negative integer"},
		{"/contacts?$limit=-1", "$limit must be a non-negative integer"},
		{"/contacts?$skip=1.5", "$skip must be a non-negative integer"},
		{"/contacts?$sort[nope]=1", "Invalid sort field 'nope'"},
		{"/contacts?$sort[email]=asc", "$sort[email] must be 1 or -1"},
		{"/contacts?$sort=email", "$sort must be given as"},
		{"/contacts?email[$regex]=x", "Invalid query operator '$regex'"},
		{"/contacts?$select=email", "Invalid query parameter $select"},
		{"/contacts?$or[0][email]=x", "Invalid query parameter $or"},
		{"/contacts?$load=template", "Invalid $load relation"},
		{"/campaigns/20001/actions?$load=contacts", "Invalid $load relation"},
		{"/lead-routes?team=601", "Invalid query field 'team'"},
		{"/lead-routes?owner_user_id=1001", "Invalid query field 'owner_user_id'"},
		{"/tasks?description[$like][x]=y", "Invalid query parameter"},
	}
	s.mustCreate(t, TestToken, "/campaigns", `{"name":"C"}`)
	for _, tc := range cases {
		wantError(t, s.as(t, "GET", tc.path, ""), 400, "BadRequest", tc.msg)
	}
}

func TestUnknownIDs(t *testing.T) {
	s := newTestServer(t, Options{})
	contact := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"Paula"}`)
	otherCamp := s.mustCreate(t, TestOtherToken, "/campaigns", `{"name":"Theirs"}`)
	cases := []struct{ method, path, body, id string }{
		{"GET", "/lead-sources/999", "", "999"},
		{"GET", "/lead-sources/zillow", "", "zillow"},
		{"GET", "/contact-sources/304", "", "304"}, // another user's
		{"PATCH", "/contact-sources/999", `{"name":"X"}`, "999"},
		{"DELETE", "/contact-sources/999", "", "999"},
		{"GET", "/campaigns/999", "", "999"},
		{"GET", "/campaigns/" + id(otherCamp), "", id(otherCamp)},
		{"PATCH", "/campaigns/999", `{"name":"X"}`, "999"},
		{"GET", "/campaigns/999/actions", "", "999"},
		{"POST", "/campaigns/999/actions", `{"type":"Email Contact","timing_type":"Delay by Minutes","delay_by_seconds":1}`, "999"},
		{"POST", "/campaigns/999/contacts", `{"contact_id":` + id(contact) + `}`, "999"},
		{"GET", "/contacts/999", "", "999"},
		{"GET", "/contacts/abc", "", "abc"},
		{"GET", "/contacts/-5", "", "-5"},
		{"PATCH", "/contacts/999", `{"first_name":"X"}`, "999"},
		{"GET", "/contacts/999/addresses", "", "999"},
		{"POST", "/contacts/999/addresses", `{"city":"Irvine"}`, "999"},
		{"GET", "/contacts/" + id(contact) + "/addresses/999", "", "999"},
		{"GET", "/contacts/999/campaign-communications", "", "999"},
		{"PATCH", "/contacts/" + id(contact) + "/campaign-communications/999", `{"is_active":false}`, "999"},
		{"GET", "/leads/999", "", "999"},
		{"POST", "/leads/999/offers", "", "999"},
		{"GET", "/lead-routes/999", "", "999"},
		{"PATCH", "/lead-routes/999", `{"filter":"x"}`, "999"},
		{"GET", "/teams/603", "", "603"}, // not a member
		{"PATCH", "/teams/999", `{"name":"X"}`, "999"},
		{"GET", "/team-member-distribution-options/999", "", "999"},
		{"PATCH", "/team-member-distribution-options/999", `{"rank":1}`, "999"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			wantError(t, s.as(t, tc.method, tc.path, tc.body), 404, "NotFound", "No record found for id '"+tc.id+"'")
		})
	}
	// Another user's contact is as unknown as a missing one.
	wantError(t, send(t, s.URL, "GET", "/contacts/"+id(contact), TestOtherToken, ""), 404, "NotFound", "No record found for id '"+id(contact)+"'")
}

func TestForbidden(t *testing.T) {
	s := newTestServer(t, Options{})
	if err := s.Seed([]byte(`{"campaigns":[{"id":6,"name":"LionDesk: General Buyer Drip","is_default":true,"is_shared_by_broker":true,"is_broker_sharing_on":true}]}`)); err != nil {
		t.Fatal(err)
	}
	// A LionDesk default campaign is visible to everyone…
	for _, tok := range []string{TestToken, TestOtherToken} {
		if r := send(t, s.URL, "GET", "/campaigns?name[$like]=%25General%25", tok, ""); len(r.data(t)) != 1 {
			t.Fatalf("default campaign not found: %s", r.body)
		}
	}
	// …and nobody may change it or add actions.
	wantError(t, s.as(t, "PATCH", "/campaigns/6", `{"name":"Mine now"}`), 403, "Forbidden", "your own campaigns")
	wantError(t, s.as(t, "POST", "/campaigns/6/actions", `{"type":"Email Contact","timing_type":"Delay by Minutes","delay_by_seconds":60}`), 403, "Forbidden", "your own campaigns")
	// Team settings belong to the team's creator (602 was created by 1002).
	wantError(t, s.as(t, "PATCH", "/teams/602", `{"name":"Renamed"}`), 403, "Forbidden", "creator")
	wantError(t, s.as(t, "POST", "/team-member-distribution-options", `{"team_id":602,"user_id":1001,"assign_automatically":true}`), 403, "Forbidden", "creator of team 602")
	// Offers are sent by the lead's creator only, even to its claimant.
	s.mustCreate(t, TestToken, "/lead-routes", `{"campaign_id":6,"lead_source_id":0,"contact_source_id":0,"distribution_target":"Myself"}`)
	ct := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"A"}`)
	lead := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(ct)+`}`)
	if err := s.Seed([]byte(`{"leads":[{"id":77,"contact_id":` + id(ct) + `,"owner_user_id":1002,"claimed_by_user_id":1001,"distribution_target":"Team Rollout"}]}`)); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.as(t, "POST", "/leads/77/offers", ""), 403, "Forbidden", "creator")
	if r := s.as(t, "GET", "/leads/77", ""); r.status != 200 {
		t.Errorf("claimant cannot read the lead: %d", r.status)
	}
	wantError(t, send(t, s.URL, "GET", "/leads/"+id(lead), TestOtherToken, ""), 404, "NotFound", "No record found")
	if s.Campaigns()[0].Name != "LionDesk: General Buyer Drip" || len(s.DistributionOptions()) != 0 {
		t.Error("a forbidden request changed the store")
	}
}

func TestRateLimit(t *testing.T) {
	limit := emulator.Limit{Calls: 5, Per: time.Second}
	s := newTestServer(t, Options{Limit: &limit, TimeScale: 0.1}) // window 100 ms
	window := s.Core().Window()
	if window != 100*time.Millisecond {
		t.Fatalf("window %v", window)
	}
	start := time.Now()
	for i := 0; i < 5; i++ {
		if r := s.as(t, "GET", "/lead-sources", ""); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := s.as(t, "POST", "/contacts", `{"first_name":"Over"}`)
	if time.Since(start) < window {
		if r.status != 429 {
			t.Fatalf("6th request: %d %s", r.status, r.body)
		}
		want := `{"name":"TooManyRequests","message":"Too many requests","code":429,"className":"too-many-requests","errors":{}}`
		if got := strings.TrimSpace(string(r.body)); got != want {
			t.Errorf("429 body\n got %s\nwant %s", got, want)
		}
		ra := r.header.Get("Retry-After")
		if ra == "" || ra == "0.000" || !strings.Contains(ra, ".") {
			t.Errorf("Retry-After %q, want the scaled wait in fractional seconds", ra)
		}
		if len(s.Contacts()) != 0 {
			t.Error("a rate-limited create was stored")
		}
		// Another token has its own window.
		if r := send(t, s.URL, "GET", "/me", TestTeammateToken, ""); r.status != 200 {
			t.Errorf("other token limited: %d", r.status)
		}
	} else {
		t.Log("machine too slow to check the 6th request inside the window")
	}
	time.Sleep(window + 20*time.Millisecond)
	if r := s.as(t, "GET", "/lead-sources", ""); r.status != 200 {
		t.Fatalf("after the window: %d %s", r.status, r.body)
	}
	if st := s.Core().Stats(); st.RateLimited < 1 && time.Since(start) < 2*window {
		t.Errorf("stats: %+v", st)
	}

	t.Run("a client that waits never exceeds the limit", func(t *testing.T) {
		s := newTestServer(t, Options{Limit: &limit, TimeScale: 0.1})
		for round := 0; round < 3; round++ {
			for i := 0; i < 5; i++ {
				if r := s.as(t, "GET", "/lead-sources", ""); r.status != 200 {
					t.Fatalf("round %d request %d: %d", round, i, r.status)
				}
			}
			time.Sleep(window + 15*time.Millisecond)
		}
		if got := s.Core().MaxInWindow(TestToken); got > 5 || got < 5 {
			t.Errorf("MaxInWindow %d, want 5", got)
		}
		if s.Core().Stats().RateLimited != 0 {
			t.Error("a waiting client was limited")
		}
	})
	t.Run("no limit by default", func(t *testing.T) {
		s := newTestServer(t, Options{})
		for i := 0; i < 150; i++ {
			if r := s.as(t, "GET", "/me", ""); r.status != 200 {
				t.Fatalf("request %d: %d", i, r.status)
			}
		}
	})
}

func TestFaults(t *testing.T) {
	t.Run("error500 stores nothing", func(t *testing.T) {
		s := newTestServer(t, Options{Faults: emulator.Faults{Error500: 1}})
		r := s.as(t, "POST", "/contacts", `{"first_name":"A"}`)
		want := `{"name":"GeneralError","message":"Internal Server Error","code":500,"className":"general-error","errors":{}}`
		if r.status != 500 || strings.TrimSpace(string(r.body)) != want {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		if len(s.Contacts()) != 0 || s.Core().Stats().TotalWrites() != 0 {
			t.Error("stored despite the 500")
		}
		if s.Core().Stats().Faults[emulator.FaultError500] != 1 {
			t.Errorf("faults %v", s.Core().Stats().Faults)
		}
	})
	t.Run("extra429", func(t *testing.T) {
		s := newTestServer(t, Options{Faults: emulator.Faults{Extra429: 1}, TimeScale: 0.01})
		r := s.as(t, "GET", "/contacts", "")
		wantError(t, r, 429, "TooManyRequests", "Too many requests")
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("latency", func(t *testing.T) {
		s := newTestServer(t, Options{Faults: emulator.Faults{Latency: 1, LatencyDelay: 60 * time.Millisecond}})
		start := time.Now()
		if r := s.as(t, "GET", "/me", ""); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Errorf("answered in %v", d)
		}
	})
	t.Run("drop after write stores the record", func(t *testing.T) {
		s := newTestServer(t, Options{})
		s.Core().InjectNext("contact.create", emulator.FaultDropAfterWrite)
		req, _ := http.NewRequest("POST", s.URL+"/contacts", strings.NewReader(`{"email":"dropped@example.com"}`))
		req.Header.Set("Authorization", "Bearer "+TestToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got a response (%d), want a connection error", resp.StatusCode)
		}
		if c := s.Contacts(); len(c) != 1 || c[0].Email != "dropped@example.com" {
			t.Fatalf("contacts %+v", c)
		}
		if st := s.Core().Stats(); st.Writes["contact.create"] != 1 || st.Faults[emulator.FaultDropAfterWrite] != 1 {
			t.Errorf("stats %+v", st)
		}
		// A find rediscovers it, and the next create is answered normally.
		if r := s.as(t, "GET", "/contacts?email=dropped@example.com", ""); len(r.data(t)) != 1 {
			t.Errorf("find after drop: %s", r.body)
		}
		if r := s.as(t, "POST", "/contacts", `{"email":"b@example.com"}`); r.status != 201 {
			t.Errorf("next create: %d", r.status)
		}
	})
	t.Run("drop never hits reads or refused writes", func(t *testing.T) {
		s := newTestServer(t, Options{Faults: emulator.Faults{DropAfterWrite: 1}})
		if r := s.as(t, "GET", "/contacts", ""); r.status != 200 {
			t.Errorf("read: %d", r.status)
		}
		wantError(t, s.as(t, "POST", "/leads", `{}`), 400, "BadRequest", "contact_id is required")
	})
	t.Run("inject next targets one operation once", func(t *testing.T) {
		s := newTestServer(t, Options{})
		s.Core().InjectNext("lead.create", emulator.FaultError500)
		if r := s.as(t, "GET", "/contacts", ""); r.status != 200 {
			t.Errorf("other op hit: %d", r.status)
		}
		ct := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"A"}`)
		body := `{"contact_id":` + id(ct) + `}`
		wantError(t, s.as(t, "POST", "/leads", body), 500, "GeneralError", "Internal Server Error")
		if len(s.Leads()) != 0 {
			t.Error("lead stored despite the 500")
		}
		if r := s.as(t, "POST", "/leads", body); r.status != 201 {
			t.Errorf("second create: %d", r.status)
		}
		s.Core().InjectNext("", emulator.FaultExtra429)
		wantError(t, s.as(t, "GET", "/teams", ""), 429, "TooManyRequests", "")
	})
}

func TestAdminEndpoints(t *testing.T) {
	s := newTestServer(t, Options{})
	s.mustCreate(t, TestToken, "/contacts", `{"email":"a@example.com"}`)
	s.as(t, "GET", "/contacts", "")
	wantError(t, s.as(t, "GET", "/contacts/1", ""), 404, "NotFound", "")

	var stats emulator.Stats
	getJSON(t, s.URL+"/_emulator/stats", &stats)
	if stats.Requests["contact.create"] != 1 || stats.Requests["contact.find"] != 1 || stats.Requests["contact.get"] != 1 || stats.Writes["contact.create"] != 1 {
		t.Errorf("stats %+v", stats)
	}
	var calls []map[string]any
	getJSON(t, s.URL+"/_emulator/calls", &calls)
	if len(calls) != 3 || calls[2]["status"] != float64(404) {
		t.Errorf("calls %v", calls)
	}
	raw := getRaw(t, s.URL+"/_emulator/calls")
	if strings.Contains(raw, TestToken) {
		t.Error("call log shows a token")
	}

	var dump map[string][]map[string]any
	getJSON(t, s.URL+"/_emulator/dump", &dump)
	if len(dump["contacts"]) != 1 || len(dump["users"]) != 4 || len(dump["lead_sources"]) != 7 || len(dump["teams"]) != 3 {
		t.Errorf("dump %v", dump)
	}
	if strings.Contains(getRaw(t, s.URL+"/_emulator/dump"), TestToken) {
		t.Error("dump shows a whole token")
	}
	if dump["contacts"][0]["owner_user_id"] != float64(TestUserID) {
		t.Errorf("dump lacks internal fields: %v", dump["contacts"][0])
	}

	seed := `{"users":[{"id":2001,"token":"ffffffffffffffffffffffffffffffffffffffff","first_name":"New","last_name":"User","email":"new@example.com"}],
		"contacts":[{"email":"seeded@example.com","mobile_phone":"+1 604 555 0134","owner_user_id":2001},{"id":424242,"email":"x@example.com"}]}`
	if r := postRaw(t, s.URL+"/_emulator/seed", seed); r.status != 200 {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	r := send(t, s.URL, "GET", "/contacts?mobile_phone=%2B1%20604%20555%200134", "ffffffffffffffffffffffffffffffffffffffff", "")
	if d := r.data(t); len(d) != 1 || d[0]["email"] != "seeded@example.com" {
		t.Errorf("seeded contact not found by its user: %s", r.body)
	}
	if got := s.Contacts(); len(got) != 3 || got[2].ID != 424242 || got[2].OwnerUserID != TestUserID {
		t.Errorf("contacts after seed %+v", got)
	}
	// The counter continues after a seeded id.
	if c := s.mustCreate(t, TestToken, "/contacts", `{}`); c["id"] != float64(424243) {
		t.Errorf("next id %v", c["id"])
	}

	bad := []string{
		`{"contacts":[{"email":"ok@example.com"},{"nickname":"x"}]}`,
		`{"widgets":[{}]}`,
		`{"contacts":[{"id":424242}]}`,
		`{"users":[{"id":3001,"token":"` + TestToken + `"}]}`,
		`{"contacts":[{"hotness_id":"hot"}]}`,
		`not json`,
	}
	before := dumpJSON(t, s.Emulator)
	for _, b := range bad {
		if r := postRaw(t, s.URL+"/_emulator/seed", b); r.status != 400 {
			t.Errorf("seed %s: %d %s", b, r.status, r.body)
		}
	}
	if dumpJSON(t, s.Emulator) != before {
		t.Error("a failed seed changed the store")
	}

	if r := postRaw(t, s.URL+"/_emulator/reset", ""); r.status != 200 {
		t.Fatalf("reset: %d", r.status)
	}
	if len(s.Contacts()) != 0 || len(s.Users()) != 4 || s.Core().Stats().TotalRequests() != 0 {
		t.Errorf("after reset: %d contacts, %d users, %d requests", len(s.Contacts()), len(s.Users()), s.Core().Stats().TotalRequests())
	}
	if c := s.mustCreate(t, TestToken, "/contacts", `{}`); c["id"] != float64(100001) {
		t.Errorf("id after reset %v", c["id"])
	}
	// Admin calls are neither rate limited nor recorded.
	if n := len(s.Core().Calls()); n != 1 {
		t.Errorf("%d calls recorded", n)
	}
}

func getRaw(t *testing.T, url string) string {
	t.Helper()
	return string(roundTrip(t, mustRequest(t, "GET", url, "")).body)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	r := roundTrip(t, mustRequest(t, "GET", url, ""))
	if r.status != 200 {
		t.Fatalf("GET %s: %d", url, r.status)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func postRaw(t *testing.T, url, body string) response {
	t.Helper()
	return roundTrip(t, mustRequest(t, "POST", url, body))
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestFixturesAndCredentials(t *testing.T) {
	if err := DefaultFixtures().Validate(); err != nil {
		t.Fatalf("default fixtures: %v", err)
	}
	dup := DefaultFixtures()
	dup.Users = append(dup.Users, User{ID: 1001, Token: "x"})
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate id: %v", err)
	}
	tok := DefaultFixtures()
	tok.Users = append(tok.Users, User{ID: 1999, Token: TestToken})
	if err := tok.Validate(); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("duplicate token: %v", err)
	}

	custom := Fixtures{
		Users:       []User{{ID: 7, Token: "custom-token", FirstName: "Solo", LastName: "Agent", Email: "solo@example.com"}},
		LeadSources: []LeadSource{{ID: 1, Name: "Zillow"}},
		Teams:       []Team{{ID: 3, Name: "Blizzard", OwnerUserID: 7, DistributionZipcodes: "91109,92618,32899"}},
	}
	s := newTestServer(t, Options{Fixtures: &custom})
	r := send(t, s.URL, "GET", "/teams", "custom-token", "")
	if d := r.data(t); len(d) != 1 || d[0]["order_method"] != "Rank" || d[0]["name"] != "Blizzard" {
		t.Errorf("custom team: %s", r.body)
	}
	wantError(t, s.as(t, "GET", "/me", ""), 401, "NotAuthenticated", "Invalid access token")
	if got := s.Teams()[0].MemberIDs; len(got) != 1 || got[0] != 7 {
		t.Errorf("creator not a member: %v", got)
	}

	lines := newTestServer(t, Options{}).Credentials()
	if len(lines) != 3 || !strings.Contains(lines[0], TestToken) || !strings.Contains(lines[0], "1001") {
		t.Errorf("credentials %q", lines)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newTestServer(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.URL+"/contacts", strings.NewReader(`{"first_name":"C"}`))
			req.Header.Set("Authorization", "Bearer "+TestToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				errs <- errors.New(resp.Status)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for _, c := range s.Contacts() {
		if seen[c.ID] {
			t.Errorf("duplicate id %d", c.ID)
		}
		seen[c.ID] = true
	}
	if len(seen) != 40 || s.Core().Stats().Writes["contact.create"] != 40 {
		t.Errorf("%d contacts, stats %+v", len(seen), s.Core().Stats())
	}
}
