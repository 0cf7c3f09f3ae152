package leadsquaredtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// newFakeClock is a settable clock for Options.Now.
func newFakeClock() *emulator.Clock {
	return emulator.NewClock(time.Date(2024, time.June, 1, 12, 0, 0, 0, time.UTC))
}

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// noLimit is an Options.Limit that turns the rate limit off, for tests
// that send many requests about something else.
func noLimit() *emulator.Limit { return &emulator.Limit{} }

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorBody(t *testing.T) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return b
}

// keyHeaders authenticates with the headers of the first test key pair.
func keyHeaders() map[string]string {
	return map[string]string{"x-LSQ-AccessKey": TestAccessKey, "x-LSQ-SecretKey": TestSecretKey}
}

func jsonHeaders() map[string]string {
	h := keyHeaders()
	h["Content-Type"] = "application/json"
	return h
}

// send makes one raw request. body "" sends none.
func send(t *testing.T, method, url string, headers map[string]string, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// logCallBody is the documented example body, with fixture ids.
func logCallBody() map[string]any {
	return map[string]any{
		"SourceNumber":      "+91-9876543210",
		"CallerSource":      "Newspaper Advertisement",
		"DestinationNumber": "+91-8011112222",
		"DisplayNumber":     "+91-8611795989",
		"StartTime":         "2024-06-01 11:58:00",
		"EndTime":           "2024-06-01 11:58:34",
		"CallDuration":      34,
		"Status":            "Answered",
		"ResourceURL":       "https://recordings.example.com/12345.mp3",
		"Direction":         "Inbound",
		"CallSessionId":     "12345",
		"LeadId":            TestLeadID,
		"Tag":               "Tag - Lead",
		"UserId":            TestUserID,
	}
}

func popupBody() map[string]any {
	return map[string]any{
		"SourceNumber":      "+91-9876543210",
		"DestinationNumber": "+91-8011112222",
		"DisplayNumber":     "+91-8611795989",
		"Direction":         "Inbound",
		"CallSessionId":     "12345",
		"LeadId":            TestLeadID,
		"Tag":               "Tag - Lead",
		"UserId":            TestUserID,
	}
}

const (
	pathLogCall = "/v2/Telephony.svc/LogCall"
	pathPopup   = "/v2/Telephony.svc/ShowAgentPopup"
	pathByEmail = "/v2/LeadManagement.svc/Leads.GetByEmailaddress"
	pathByPhone = "/v2/LeadManagement.svc/RetrieveLeadByPhoneNumber"
	pathByID    = "/v2/LeadManagement.svc/Leads.GetById"
	pathCreate  = "/v2/LeadManagement.svc/Lead.Create"
	pathUpdate  = "/v2/LeadManagement.svc/Lead.Update"
)

// decodeLeads reads a lookup answer.
func decodeLeads(t *testing.T, r response) []map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("lookup body %q: %v", r.body, err)
	}
	if out == nil {
		t.Fatalf("lookup body %q is not an array", r.body)
	}
	return out
}
