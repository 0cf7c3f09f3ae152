package leadsquaredtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLogCallStoresTheCallOnTheLead(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now})

	r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type %q", got)
	}
	want := `{"Status":"Success","Message":{"Id":"ca110000-0000-4000-8000-000000001000","Message":"Phone call logged successfully"}}`
	if got := strings.TrimSpace(string(r.body)); got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}

	logs := s.CallLogs()
	wantLog := CallLog{
		ActivityID: "ca110000-0000-4000-8000-000000001000", LeadID: TestLeadID, UserID: TestUserID,
		SourceNumber: "+91-9876543210", CallerSource: "Newspaper Advertisement", DestinationNumber: "+91-8011112222",
		DisplayNumber: "+91-8611795989", StartTime: "2024-06-01 11:58:00", EndTime: "2024-06-01 11:58:34",
		CallDuration: 34, Status: "Answered", ResourceURL: "https://recordings.example.com/12345.mp3",
		Direction: "Inbound", CallSessionID: "12345", Tag: "Tag - Lead", LeadIDSent: TestLeadID, LoggedAt: clock.Now(),
	}
	if diff := cmp.Diff([]CallLog{wantLog}, logs); diff != "" {
		t.Errorf("CallLogs (-want +got):\n%s", diff)
	}
	lead, _ := s.Lead(TestLeadID)
	if lead.LastActivityID != wantLog.ActivityID || lead.LastActivityName != "Inbound Phone Call Activity" {
		t.Errorf("lead activity = %q %q, want the call", lead.LastActivityID, lead.LastActivityName)
	}
	if n := len(s.Leads()); n != 3 {
		t.Errorf("%d leads, want the 3 fixtures (no lead made when LeadId is given)", n)
	}

	// No dedup on CallSessionId: the same call logged again is a second
	// activity with a fresh id.
	r = send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "ca110000-0000-4000-8000-000000001001") {
		t.Fatalf("second log: %d %s", r.status, r.body)
	}
	if n := len(s.CallLogs()); n != 2 {
		t.Errorf("%d call logs after logging the same session twice, want 2", n)
	}
}

func TestLogCallWithoutLeadIDMatchesOrMakesTheLead(t *testing.T) {
	tests := []struct {
		name        string
		direction   string
		source      string
		destination string
		wantLead    string // "" = a new lead
		wantPhone   string // of the new lead
	}{
		{"inbound from a stored Phone", "Inbound", "+91-9876543210", "+91-8011112222", TestLeadID, ""},
		{"inbound, number without separators", "inbound", "+919876543210", "+91-8011112222", TestLeadID, ""},
		{"outbound to a Phone stored without country code", "Outbound", "+91-8011112222", "+91-9988776655", TestLeadID3, ""},
		{"outbound, national number", "OUTBOUND", "+91-8011112222", "9876543210", TestLeadID, ""},
		{"shared Mobile goes to the lead with the latest activity", "Inbound", "+91-9000000001", "+91-8011112222", TestLeadID3, ""},
		{"foreign Phone with its country code", "Inbound", "+1-4155550123", "+91-8011112222", TestLeadID2, ""},
		{"unknown inbound number makes a lead", "Inbound", "+65-81112222", "+91-8011112222", "", "+65-81112222"},
		{"unknown outbound number makes a lead", "Outbound", "+91-8011112222", "+91-7000000009", "", "+91-7000000009"},
		{"agent number of an inbound call is not a lead number", "Inbound", "+91-7000000008", "+91-9876543210", "", "+91-7000000008"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{})
			body := logCallBody()
			delete(body, "LeadId")
			body["Direction"] = tt.direction
			body["SourceNumber"] = tt.source
			body["DestinationNumber"] = tt.destination
			r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body))
			if r.status != http.StatusOK {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			logs := s.CallLogs()
			if len(logs) != 1 {
				t.Fatalf("%d call logs", len(logs))
			}
			got := logs[0]
			if tt.wantLead != "" {
				if got.LeadID != tt.wantLead || got.LeadCreated {
					t.Errorf("logged on %s (created %v), want %s", got.LeadID, got.LeadCreated, tt.wantLead)
				}
				if n := len(s.Leads()); n != 3 {
					t.Errorf("%d leads, want no new one", n)
				}
				return
			}
			if !got.LeadCreated {
				t.Fatalf("logged on %s, want a new lead", got.LeadID)
			}
			lead, ok := s.Lead(got.LeadID)
			if !ok {
				t.Fatalf("new lead %s not stored", got.LeadID)
			}
			want := Lead{Phone: tt.wantPhone, Source: "Newspaper Advertisement", Origin: "Tag - Lead", OwnerID: TestUserID, ProspectStage: "Prospect"}
			gotLead := Lead{Phone: lead.Phone, Source: lead.Source, Origin: lead.Origin, OwnerID: lead.OwnerID, ProspectStage: lead.ProspectStage}
			if diff := cmp.Diff(want, gotLead); diff != "" {
				t.Errorf("new lead (-want +got):\n%s", diff)
			}
			if lead.ProspectID != "1ead0000-0000-4000-8000-000000001000" || lead.ProspectAutoID != 1003 {
				t.Errorf("new lead ids %s / %d", lead.ProspectID, lead.ProspectAutoID)
			}
		})
	}
}

func TestLogCallRefusesBadAttributes(t *testing.T) {
	type change func(map[string]any)
	set := func(k string, v any) change { return func(b map[string]any) { b[k] = v } }
	del := func(k string) change { return func(b map[string]any) { delete(b, k) } }
	const (
		status500 = http.StatusInternalServerError
		status400 = http.StatusBadRequest
	)
	tests := []struct {
		name    string
		change  change
		status  int
		exType  string
		message string // substring of ExceptionMessage
	}{
		{"missing UserId", del("UserId"), status500, ExMandatoryAttributeMissing, "'UserId' is mandatory"},
		{"null SourceNumber", set("SourceNumber", nil), status500, ExMandatoryAttributeMissing, "'SourceNumber' is mandatory"},
		{"blank Status", set("Status", "  "), status500, ExMandatoryAttributeMissing, "'Status' is mandatory"},
		{"CallDuration as a string", set("CallDuration", "34"), status500, ExInvalidInput, "CallDuration"},
		{"CallDuration fractional", set("CallDuration", 34.5), status500, ExInvalidInput, "CallDuration"},
		{"CallDuration negative", set("CallDuration", -1), status500, ExInvalidInput, "CallDuration"},
		{"CallDuration as a bool", set("CallDuration", true), status500, ExInvalidInput, "CallDuration"},
		{"StartTime in ISO 8601", set("StartTime", "2024-06-01T11:58:00Z"), status500, ExInvalidInput, "StartTime"},
		{"StartTime without zero padding", set("StartTime", "2024-6-01 11:58:00"), status500, ExInvalidInput, "StartTime"},
		{"EndTime not a real date", set("EndTime", "2024-02-30 10:00:00"), status500, ExInvalidInput, "EndTime"},
		{"EndTime with milliseconds", set("EndTime", "2024-06-01 11:58:34.000"), status500, ExInvalidInput, "EndTime"},
		{"EndTime before StartTime", set("EndTime", "2024-06-01 11:57:59"), status500, ExInvalidInput, "before StartTime"},
		{"CallerSource of 51 characters", set("CallerSource", strings.Repeat("x", 51)), status500, ExInvalidInput, "CallerSource can not be more than 50 characters"},
		{"bad Direction", set("Direction", "Sideways"), status500, ExInvalidInput, "Direction"},
		{"SourceNumber as a number", set("SourceNumber", 919876543210), status500, ExInvalidInput, "SourceNumber"},
		{"SourceNumber not a phone", set("SourceNumber", "call me"), status500, ExInvalidInput, "SourceNumber"},
		{"LeadId not a GUID", set("LeadId", "12345"), status500, ExInvalidInput, "LeadId"},
		{"unknown LeadId", set("LeadId", "00000000-0000-4000-8000-000000000001"), status500, ExInvalidInput, "does not exist"},
		{"unknown UserId", set("UserId", "00000000-0000-4000-8000-000000000002"), status500, ExInvalidInput, "does not exist"},
		{"deactivated UserId", set("UserId", DeactivatedUserID), status500, ExInvalidInput, "not active"},
		{"attribute in the wrong case", func(b map[string]any) { b["leadId"] = b["LeadId"]; delete(b, "LeadId") }, status400, ExInvalidInput, "'leadId'"},
		{"unknown attribute", set("Notes", "x"), status400, ExInvalidInput, "'Notes'"},
	}
	for _, name := range []string{"SourceNumber", "DestinationNumber", "StartTime", "EndTime", "CallDuration", "Status", "Direction", "CallSessionId", "UserId"} {
		tests = append(tests, struct {
			name    string
			change  change
			status  int
			exType  string
			message string
		}{"missing " + name, del(name), status500, ExMandatoryAttributeMissing, "'" + name + "' is mandatory"})
	}
	s := startServer(t, Options{Limit: noLimit()})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := logCallBody()
			tt.change(body)
			r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			e := r.errorBody(t)
			if e.Status != "Error" || e.ExceptionType != tt.exType || !strings.Contains(e.ExceptionMessage, tt.message) {
				t.Errorf("body %+v, want %s containing %q", e, tt.exType, tt.message)
			}
		})
	}
	if n := len(s.CallLogs()); n != 0 {
		t.Errorf("%d call logs stored by refused requests", n)
	}
	if n := len(s.Leads()); n != 3 {
		t.Errorf("%d leads after refused requests, want 3", n)
	}
}

func TestLogCallMandatoryMessageIsExact(t *testing.T) {
	s := startServer(t, Options{})
	body := logCallBody()
	delete(body, "UserId")
	r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body))
	want := `{"Status":"Error","ExceptionType":"MXMandatoryAttributeMissingException","ExceptionMessage":"'UserId' is mandatory"}`
	if r.status != http.StatusInternalServerError || strings.TrimSpace(string(r.body)) != want {
		t.Errorf("got %d %s\nwant 500 %s", r.status, r.body, want)
	}
}

func TestLogCallAcceptsOptionalAttributesAbsentAndLimits(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	body := logCallBody()
	for _, k := range []string{"CallerSource", "DisplayNumber", "ResourceURL", "Tag"} {
		delete(body, k)
	}
	body["Direction"] = "outbound"
	body["CallDuration"] = 0
	body["EndTime"] = body["StartTime"]
	if r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body)); r.status != http.StatusOK {
		t.Fatalf("minimal body: %d %s", r.status, r.body)
	}
	body = logCallBody()
	body["CallerSource"] = strings.Repeat("é", 50) // characters, not bytes
	if r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body)); r.status != http.StatusOK {
		t.Fatalf("CallerSource of 50 characters: %d %s", r.status, r.body)
	}
	if n := len(s.CallLogs()); n != 2 {
		t.Errorf("%d call logs, want 2", n)
	}
}

func TestShowAgentPopup(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now, Limit: noLimit()})
	r := send(t, http.MethodPost, s.URL+pathPopup, jsonHeaders(), mustJSON(t, popupBody()))
	want := `{"Status":"Success","Message":{"Id":"9a9e0000-0000-4000-8000-000000001000","Message":"Message broadcasted successfully"}}`
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != want {
		t.Fatalf("got %d %s\nwant 200 %s", r.status, r.body, want)
	}
	wantPopup := Popup{
		ID: "9a9e0000-0000-4000-8000-000000001000", LeadID: TestLeadID, UserID: TestUserID,
		SourceNumber: "+91-9876543210", DestinationNumber: "+91-8011112222", DisplayNumber: "+91-8611795989",
		Direction: "Inbound", CallSessionID: "12345", Tag: "Tag - Lead", ShownAt: clock.Now(),
	}
	if diff := cmp.Diff([]Popup{wantPopup}, s.Popups()); diff != "" {
		t.Errorf("Popups (-want +got):\n%s", diff)
	}
	if n := len(s.CallLogs()); n != 0 {
		t.Errorf("a popup stored %d call logs", n)
	}

	type change func(map[string]any)
	set := func(k string, v any) change { return func(b map[string]any) { b[k] = v } }
	del := func(k string) change { return func(b map[string]any) { delete(b, k) } }
	tests := []struct {
		name    string
		change  change
		status  int
		exType  string
		message string
	}{
		{"missing LeadId", del("LeadId"), 500, ExMandatoryAttributeMissing, "'LeadId' is mandatory"},
		{"missing UserId", del("UserId"), 500, ExMandatoryAttributeMissing, "'UserId' is mandatory"},
		{"missing SourceNumber", del("SourceNumber"), 500, ExMandatoryAttributeMissing, "'SourceNumber' is mandatory"},
		{"missing DestinationNumber", del("DestinationNumber"), 500, ExMandatoryAttributeMissing, "'DestinationNumber' is mandatory"},
		{"missing Direction", del("Direction"), 500, ExMandatoryAttributeMissing, "'Direction' is mandatory"},
		{"missing CallSessionId", del("CallSessionId"), 500, ExMandatoryAttributeMissing, "'CallSessionId' is mandatory"},
		{"unknown lead", set("LeadId", "00000000-0000-4000-8000-000000000001"), 500, ExInvalidInput, "does not exist"},
		{"unknown user", set("UserId", "00000000-0000-4000-8000-000000000002"), 500, ExInvalidInput, "does not exist"},
		{"bad Direction", set("Direction", "In"), 500, ExInvalidInput, "Direction"},
		{"LogCall-only attribute", set("CallDuration", 3), 400, ExInvalidInput, "'CallDuration'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := popupBody()
			tt.change(body)
			r := send(t, http.MethodPost, s.URL+pathPopup, jsonHeaders(), mustJSON(t, body))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			e := r.errorBody(t)
			if e.ExceptionType != tt.exType || !strings.Contains(e.ExceptionMessage, tt.message) {
				t.Errorf("body %+v, want %s containing %q", e, tt.exType, tt.message)
			}
		})
	}
	if n := len(s.Popups()); n != 1 {
		t.Errorf("%d popups after refused requests, want 1", n)
	}
}

func TestTelephonyBodyMustBeAJSONObject(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	good := mustJSON(t, logCallBody())
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{"no Content-Type", "", good},
		{"text/plain", "text/plain", good},
		{"form", "application/x-www-form-urlencoded", good},
		{"malformed JSON", "application/json", `{"SourceNumber": "+91-1",`},
		{"trailing data", "application/json", good + ` {}`},
		{"empty body", "application/json", ""},
		{"array", "application/json", "[" + good + "]"},
		{"null", "application/json", "null"},
		{"string", "application/json", `"hello"`},
	}
	for _, path := range []string{pathLogCall, pathPopup} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				h := keyHeaders()
				if tt.contentType != "" {
					h["Content-Type"] = tt.contentType
				}
				r := send(t, http.MethodPost, s.URL+path, h, tt.body)
				if r.status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400; body %s", r.status, r.body)
				}
				if e := r.errorBody(t); e.Status != "Error" || e.ExceptionType != ExInvalidInput {
					t.Errorf("body %+v", e)
				}
			})
		}
	}
	// A charset parameter is fine.
	h := keyHeaders()
	h["Content-Type"] = "Application/JSON; charset=utf-8"
	if r := send(t, http.MethodPost, s.URL+pathLogCall, h, good); r.status != http.StatusOK {
		t.Errorf("application/json with charset: %d %s", r.status, r.body)
	}
	if n := len(s.CallLogs()); n != 1 {
		t.Errorf("%d call logs, want only the good one", n)
	}
}

func TestLoggedCallMovesPhoneLookupToTheLead(t *testing.T) {
	s := startServer(t, Options{})
	// TestLeadID2 and TestLeadID3 share Mobile 9000000001; TestLeadID3 has
	// the later activity until a call is logged on TestLeadID2.
	lookup := func() string {
		leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByPhone+"?phone=919000000001", keyHeaders(), ""))
		if len(leads) != 1 {
			t.Fatalf("%d leads", len(leads))
		}
		return leads[0]["ProspectID"].(string)
	}
	if got := lookup(); got != TestLeadID3 {
		t.Fatalf("before the call: %s, want %s", got, TestLeadID3)
	}
	body := logCallBody()
	body["LeadId"] = TestLeadID2
	if r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body)); r.status != http.StatusOK {
		t.Fatalf("log: %d %s", r.status, r.body)
	}
	if got := lookup(); got != TestLeadID2 {
		t.Errorf("after the call: %s, want %s", got, TestLeadID2)
	}
	leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByID+"?id="+TestLeadID2, keyHeaders(), ""))
	want := map[string]any{
		"ProspectActivityId_Max":   "ca110000-0000-4000-8000-000000001000",
		"ProspectActivityName_Max": "Inbound Phone Call Activity",
		"ProspectActivityDate_Max": "2024-06-01 11:58:00.000",
	}
	got := map[string]any{}
	for k := range want {
		got[k] = leads[0][k]
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("activity fields (-want +got):\n%s", diff)
	}
}
