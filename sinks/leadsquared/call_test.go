package leadsquared

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

func TestLogCallStoresWhatTheSeedDescribes(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	f := callFields("s-1")
	f["Direction"] = "inbound" // any case in, LeadSquared's case out
	rec, err := s.Create(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	logs := srv.CallLogs()
	if len(logs) != 1 {
		t.Fatalf("%d call logs", len(logs))
	}
	c := logs[0]
	want := leadsquaredtest.CallLog{
		ActivityID: rec.ID, LeadID: leadsquaredtest.TestLeadID, UserID: leadsquaredtest.TestUserID,
		SourceNumber: "+91-9876543210", CallerSource: "Newspaper Advertisement",
		DestinationNumber: "+91-8011112222", DisplayNumber: "+91-8611795989",
		StartTime: "2024-06-01 11:58:00", EndTime: "2024-06-01 11:58:34", CallDuration: 34,
		Status: "Answered", ResourceURL: "https://recordings.example.com/s-1.mp3", Direction: "Inbound",
		CallSessionID: "s-1", Tag: "Tag - Lead", LeadIDSent: leadsquaredtest.TestLeadID, LoggedAt: c.LoggedAt,
	}
	if c != want {
		t.Errorf("stored\n%+v\nwant\n%+v", c, want)
	}
	if st := srv.Core().Stats(); st.TotalRequests() != 1 {
		t.Errorf("%d requests: a call with a LeadId needs no lookup", st.TotalRequests())
	}
}

func TestLogCallResolvesTheLead(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		edit     func(sinks.Fields)
		wantLead string
		lookups  map[string]int // per operation
		query    string         // the phone lookup's query
	}{
		{
			name:     "inbound: the source number",
			edit:     func(f sinks.Fields) {},
			wantLead: leadsquaredtest.TestLeadID,
			lookups:  map[string]int{leadsquaredtest.OpLeadByPhone: 1},
			query:    "phone=9876543210", // the account's country code is left out
		},
		{
			name: "outbound: the destination number, another country",
			edit: func(f sinks.Fields) {
				f["Direction"] = "Outbound"
				f["SourceNumber"], f["DestinationNumber"] = "+918011112222", "+14155550123"
			},
			wantLead: leadsquaredtest.TestLeadID2,
			lookups:  map[string]int{leadsquaredtest.OpLeadByPhone: 1},
			query:    "phone=14155550123",
		},
		{
			name:     "a lead stored without country code",
			edit:     func(f sinks.Fields) { f["SourceNumber"] = "+919988776655" },
			wantLead: leadsquaredtest.TestLeadID3,
			lookups:  map[string]int{leadsquaredtest.OpLeadByPhone: 1},
			query:    "phone=9988776655",
		},
		{
			name:     "LeadPhone first",
			edit:     func(f sinks.Fields) { f["LeadPhone"] = "+14155550123" },
			wantLead: leadsquaredtest.TestLeadID2,
			lookups:  map[string]int{leadsquaredtest.OpLeadByPhone: 1},
			query:    "phone=14155550123",
		},
		{
			name: "email when no number matches",
			edit: func(f sinks.Fields) {
				f["SourceNumber"] = "+919811122233"
				f["LeadEmailAddress"] = "ben.ortiz@example.com"
			},
			wantLead: leadsquaredtest.TestLeadID2,
			lookups:  map[string]int{leadsquaredtest.OpLeadByPhone: 1, leadsquaredtest.OpLeadByEmail: 1},
			query:    "phone=9811122233",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startEmulator(t, leadsquaredtest.Options{})
			s := newSink(t, testConfig(srv, ObjectCallLog))
			f := callFields("s-2")
			delete(f, "LeadId")
			tt.edit(f)
			if _, err := s.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			logs := srv.CallLogs()
			if len(logs) != 1 || logs[0].LeadIDSent != tt.wantLead || logs[0].LeadCreated {
				t.Fatalf("call logs %+v, want one sent with LeadId %s", logs, tt.wantLead)
			}
			st := srv.Core().Stats()
			for op, n := range tt.lookups {
				if st.Requests[op] != n {
					t.Errorf("%s: %d requests, want %d", op, st.Requests[op], n)
				}
			}
			if st.Requests[leadsquaredtest.OpLogCall] != 1 {
				t.Errorf("%d LogCall requests", st.Requests[leadsquaredtest.OpLogCall])
			}
			var found bool
			for _, c := range srv.Core().Calls() {
				if c.Op == leadsquaredtest.OpLeadByPhone && c.Query == tt.query {
					found = true
				}
			}
			if !found {
				t.Errorf("no phone lookup with %q in %+v", tt.query, srv.Core().Calls())
			}
			if n := len(srv.Leads()); n != 3 {
				t.Errorf("%d leads: LogCall made one", n)
			}
		})
	}
}

// ShowAgentPopup needs the LeadId of an existing lead: a popup whose lead
// none of the lookups finds is refused before the write, naming what was
// searched. (A call log is logged on a new lead instead: see
// TestLogCallOfANewCallerCreatesTheLead.)
func TestAgentPopupWithAnUnknownLeadIsRejected(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectAgentPopup))
	f := popupFields("p-3")
	delete(f, "LeadId")
	f["SourceNumber"] = "+919811122233"
	f["LeadPhone"] = "+919811122244"
	f["LeadEmailAddress"] = "nobody@example.com"
	_, err := s.Create(context.Background(), f)
	e := classOf(t, err)
	if e.Class != sinks.Rejected || sinks.IsUnknownOutcome(err) {
		t.Fatalf("got %v, want rejected", err)
	}
	for _, part := range []string{"phone +919811122244", "phone +919811122233", "email nobody@example.com", "existing lead"} {
		if !strings.Contains(e.Msg, part) {
			t.Errorf("message %q does not name %q", e.Msg, part)
		}
	}
	st := srv.Core().Stats()
	if st.Requests[leadsquaredtest.OpShowAgentPopup] != 0 || len(srv.Leads()) != 3 {
		t.Errorf("popup sent (%d) or a lead made (%d leads)", st.Requests[leadsquaredtest.OpShowAgentPopup], len(srv.Leads()))
	}
	if st.Requests[leadsquaredtest.OpLeadByPhone] != 2 || st.Requests[leadsquaredtest.OpLeadByEmail] != 1 {
		t.Errorf("lookups %v", st.Requests)
	}
}

func TestLookupErrorBeforeTheWriteIsNotAnUnknownOutcome(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	cfg := testConfig(srv, ObjectCallLog)
	cfg.AccessKey = leadsquaredtest.TestAccessKey2 // wrong pair
	s := newSink(t, cfg)
	f := callFields("s-4")
	delete(f, "LeadId")
	_, err := s.Create(context.Background(), f)
	e := classOf(t, err)
	if e.Class != sinks.Unauthorized || !e.NotSent || e.Op != "leadsquared: log call: find lead by phone" {
		t.Fatalf("got %+v", e)
	}

	// A transient read failure keeps its class but says the write was
	// never sent, so the engine may try again without a Find.
	wrapped := notSent(&sinks.Error{Class: sinks.Transient, Op: "leadsquared: find lead by email", Status: 503}, "leadsquared: show agent popup")
	if sinks.IsUnknownOutcome(wrapped) || sinks.ClassOf(wrapped) != sinks.Transient {
		t.Errorf("wrapped read error %v", wrapped)
	}
}

func TestCallFieldsCheckedBeforeAnyCall(t *testing.T) {
	tests := []struct {
		name string
		edit func(sinks.Fields)
		want string
	}{
		{"missing required", func(f sinks.Fields) { delete(f, "Status"); f["UserId"] = " " }, "required fields Status, UserId are empty"},
		{"bad direction", func(f sinks.Fields) { f["Direction"] = "Sideways" }, `Direction "Sideways" is neither Inbound nor Outbound`},
		{"bad time", func(f sinks.Fields) { f["StartTime"] = "07/07/2017 18:26" }, `StartTime "07/07/2017 18:26" is not a UTC time`},
		{"bad duration", func(f sinks.Fields) { f["CallDuration"] = "34.5" }, `CallDuration "34.5" is not a whole number`},
		{"caller source too long", func(f sinks.Fields) { f["CallerSource"] = strings.Repeat("é", 51) }, "CallerSource has 51 characters, at most 50"},
		{"unknown field", func(f sinks.Fields) { f["Notes"] = "x" }, "call_log has no field Notes"},
		{"no way to find the lead", func(f sinks.Fields) {
			delete(f, "LeadId")
			f["SourceNumber"] = "anonymous"
		}, "no LeadId, and no phone or email to find the lead by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startEmulator(t, leadsquaredtest.Options{})
			s := newSink(t, testConfig(srv, ObjectCallLog))
			f := callFields("s-5")
			tt.edit(f)
			_, err := s.Create(context.Background(), f)
			e := classOf(t, err)
			if e.Class != sinks.Rejected || !strings.Contains(e.Msg, tt.want) {
				t.Fatalf("got %v, want rejected: %s", err, tt.want)
			}
			if n := srv.Core().Stats().TotalRequests(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestCallDurationAndTimes(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	f := callFields("s-6")
	delete(f, "CallDuration")
	f["StartTime"] = "2024-06-01T17:28:00+05:30" // RFC 3339 is converted to UTC
	f["EndTime"] = "2024-06-01 12:00:15"
	if _, err := s.Create(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	c := srv.CallLogs()[0]
	if c.StartTime != "2024-06-01 11:58:00" || c.EndTime != "2024-06-01 12:00:15" || c.CallDuration != 135 {
		t.Errorf("stored %s .. %s, %d s", c.StartTime, c.EndTime, c.CallDuration)
	}
}

func TestVendorRefusalIsRejectedWithItsCode(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectCallLog))
	f := callFields("s-7")
	f["UserId"] = leadsquaredtest.DeactivatedUserID
	_, err := s.Create(context.Background(), f)
	e := classOf(t, err)
	if e.Class != sinks.Rejected || e.Code != leadsquaredtest.ExInvalidInput || e.Status != http.StatusInternalServerError ||
		!strings.Contains(e.Msg, "is not active") {
		t.Fatalf("got %+v", e)
	}
	if n := srv.Core().Stats().Requests[leadsquaredtest.OpLogCall]; n != 1 {
		t.Errorf("LogCall sent %d times: a logic error must not be retried", n)
	}
}

func TestAgentPopupResolvesTheLead(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectAgentPopup))
	f := popupFields("p-1")
	delete(f, "LeadId")
	f["Direction"] = "Outbound"
	f["SourceNumber"], f["DestinationNumber"] = "+918011112222", "+919000000001" // the Mobile of two leads
	rec, err := s.Create(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	p := srv.Popups()
	if len(p) != 1 || p[0].ID != rec.ID || p[0].LeadID != leadsquaredtest.TestLeadID3 ||
		p[0].DestinationNumber != "+91-9000000001" || p[0].Direction != "Outbound" {
		t.Fatalf("popups %+v (id %s)", p, rec.ID)
	}
}

// TestRateLimitVariants: LeadSquared has been seen answering its rate-limit
// body with 403 and with 200; both pause and retry like a 429, and a write
// refused that way is sent again, exactly once more, and stored once.
func TestRateLimitVariants(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusForbidden, http.StatusOK} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := startEmulator(t, leadsquaredtest.Options{
				TimeScale: 0.01, // a 50 ms window
				Limit:     &emulator.Limit{Calls: 2, Per: 5 * time.Second},
				Vendor:    leadsquaredtest.Quirks{RateLimitStatus: status},
			})
			s := newSink(t, testConfig(srv, ObjectCallLog)) // no budget: the vendor paces us
			var ids []string
			for _, session := range []string{"r1", "r2", "r3", "r4", "r5"} {
				rec, err := s.Create(context.Background(), callFields(session))
				if err != nil {
					t.Fatalf("%s: %v", session, err)
				}
				ids = append(ids, rec.ID)
			}
			st := srv.Core().Stats()
			logs := srv.CallLogs()
			if st.RateLimited == 0 {
				t.Fatal("the limit of 2 was never hit")
			}
			if len(logs) != 5 || st.Requests[leadsquaredtest.OpLogCall] != 5+st.RateLimited {
				t.Fatalf("%d call logs, %d requests, %d rate limited", len(logs), st.Requests[leadsquaredtest.OpLogCall], st.RateLimited)
			}
			for i, c := range logs {
				if c.ActivityID != ids[i] {
					t.Errorf("log %d: id %s, Create returned %s", i, c.ActivityID, ids[i])
				}
			}
		})
	}
}

// TestRateLimitWaitsTheWindow: without a Retry-After, the connection
// pauses a whole window, so the retry is admitted.
func TestRateLimitWaitsTheWindow(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{TimeScale: 0.02, Limit: &emulator.Limit{Calls: 1, Per: 5 * time.Second}})
	s := newSink(t, testConfig(srv, ObjectLead))
	q := sinks.Query{Keys: []sinks.Key{{Field: "EmailAddress", Kind: "email", Value: "asha.rao@example.com"}}}
	start := time.Now()
	for range 2 {
		if got, err := s.Find(context.Background(), q); err != nil || len(got) != 1 {
			t.Fatalf("find: %v %v", got, err)
		}
	}
	if st := srv.Core().Stats(); st.RateLimited != 1 {
		t.Errorf("%d rate limited, want exactly 1 (the pause must cover the window)", st.RateLimited)
	}
	if el := time.Since(start); el < srv.Core().Window() {
		t.Errorf("two calls in %v with a limit of 1 per %v", el, srv.Core().Window())
	}
}
