package leadsquaredtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
)

func TestAdminStatsAndDump(t *testing.T) {
	s := startServer(t, Options{})
	send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	send(t, http.MethodPost, s.URL+pathPopup, jsonHeaders(), mustJSON(t, popupBody()))
	lookupByID(t, s, keyHeaders())
	body := logCallBody()
	delete(body, "Status")
	send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body))

	var st emulator.Stats
	r := send(t, http.MethodGet, s.URL+emulator.AdminPrefix+"stats", nil, "")
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatalf("stats %s: %v", r.body, err)
	}
	if st.Requests[OpLogCall] != 2 || st.Writes[OpLogCall] != 1 || st.Requests[OpShowAgentPopup] != 1 ||
		st.Writes[OpShowAgentPopup] != 1 || st.Requests[OpLeadByID] != 1 || st.Writes[OpLeadByID] != 0 || st.Window != "5s" {
		t.Errorf("stats %+v", st)
	}

	var dump struct {
		DefaultCountryCode string
		Users              []User
		Leads              []Lead
		CallLogs           []CallLog
		Popups             []Popup
	}
	r = send(t, http.MethodGet, s.URL+emulator.AdminPrefix+"dump", nil, "")
	if err := json.Unmarshal(r.body, &dump); err != nil {
		t.Fatalf("dump %s: %v", r.body, err)
	}
	if dump.DefaultCountryCode != "+91" || len(dump.Users) != 3 || len(dump.Leads) != 3 || len(dump.CallLogs) != 1 || len(dump.Popups) != 1 {
		t.Errorf("dump %s", r.body)
	}
	if dump.Leads[0].ProspectID != TestLeadID || dump.Leads[2].ProspectID != TestLeadID3 {
		t.Errorf("dump leads out of order: %s, %s", dump.Leads[0].ProspectID, dump.Leads[2].ProspectID)
	}
	if strings.Contains(string(r.body), TestSecretKey) {
		t.Error("dump shows a secret key")
	}
	// Dump is deterministic.
	if again := send(t, http.MethodGet, s.URL+emulator.AdminPrefix+"dump", nil, ""); string(again.body) != string(r.body) {
		t.Error("two dumps differ")
	}
}

func TestAdminSeedAndReset(t *testing.T) {
	s := startServer(t, Options{})
	const (
		userID = "5b6c7d8e-0000-4000-8000-00000000aa01"
		leadID = "5b6c7d8e-0000-4000-8000-00000000bb01"
		access = "u$rseeded"
		secret = "seeded-secret"
	)
	seed := fmt.Sprintf(`{
		"Users": [{"ID": %q, "FirstName": "Seeded", "LastName": "Agent"}],
		"AccessKeys": [{"AccessKey": %q, "SecretKey": %q, "UserId": %q}],
		"Leads": [{"ProspectID": %q, "FirstName": "Dana", "Phone": "+44-7700900123", "Attributes": {"mx_Course": "MBA"}}],
		"CustomFields": ["mx_Course"]
	}`, userID, access, secret, userID, leadID)
	if r := send(t, http.MethodPost, s.URL+emulator.AdminPrefix+"seed", nil, seed); r.status != http.StatusOK {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	seededKey := map[string]string{"x-LSQ-AccessKey": access, "x-LSQ-SecretKey": secret, "Content-Type": "application/json"}
	body := logCallBody()
	body["LeadId"] = leadID
	body["UserId"] = userID
	if r := send(t, http.MethodPost, s.URL+pathLogCall, seededKey, mustJSON(t, body)); r.status != http.StatusOK {
		t.Fatalf("log with seeded key, lead and user: %d %s", r.status, r.body)
	}
	leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByPhone+"?phone=447700900123", keyHeaders(), ""))
	if len(leads) != 1 || leads[0]["ProspectID"] != leadID || leads[0]["mx_Course"] != "MBA" || leads[0]["ProspectAutoId"] != "1003" {
		t.Errorf("seeded lead lookup: %v", leads)
	}
	if r := send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), `[{"Attribute":"FirstName","Value":"E"},{"Attribute":"mx_Course","Value":"BSc"}]`); r.status != http.StatusOK {
		t.Errorf("create with a seeded custom field: %d %s", r.status, r.body)
	}

	// Bad seeds are refused whole.
	bad := []string{
		`{"Users": [{"ID": "5b6c7d8e-0000-4000-8000-00000000aa02"}], "Leads": [{"ProspectID": "` + TestLeadID + `"}]}`,
		`{"Users": [{"ID": "5b6c7d8e-0000-4000-8000-00000000aa03"}], "Leads": [{"Phone": "9876543210"}]}`,
		`{"AccessKeys": [{"AccessKey": "k", "SecretKey": "s", "UserId": "5b6c7d8e-0000-4000-8000-0000000000ff"}]}`,
		`{"Userz": []}`,
		`{"DefaultCountryCode": "+9a"}`,
		`not json`,
	}
	for _, b := range bad {
		if r := send(t, http.MethodPost, s.URL+emulator.AdminPrefix+"seed", nil, b); r.status != http.StatusBadRequest {
			t.Errorf("seed %s: %d, want 400", b, r.status)
		}
	}
	if n := len(s.Users()); n != 4 {
		t.Errorf("%d users after refused seeds, want 4", n)
	}

	if r := send(t, http.MethodPost, s.URL+emulator.AdminPrefix+"reset", nil, ""); r.status != http.StatusOK {
		t.Fatalf("reset: %d", r.status)
	}
	if len(s.Leads()) != 3 || len(s.CallLogs()) != 0 || len(s.Users()) != 3 || s.Core().Stats().TotalRequests() != 0 {
		t.Errorf("after reset: %d leads, %d logs, %d users, stats %+v", len(s.Leads()), len(s.CallLogs()), len(s.Users()), s.Core().Stats())
	}
	if r := send(t, http.MethodPost, s.URL+pathLogCall, seededKey, mustJSON(t, logCallBody())); r.status != http.StatusUnauthorized {
		t.Errorf("seeded key after reset: %d, want 401", r.status)
	}
	r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	if !strings.Contains(string(r.body), "ca110000-0000-4000-8000-000000001000") {
		t.Errorf("ids do not start again after reset: %s", r.body)
	}
}

func TestSeedCountryCodeChangesMatching(t *testing.T) {
	e := New(Options{})
	if err := e.Seed([]byte(`{"DefaultCountryCode": "65", "Leads": [{"FirstName": "Sg", "Phone": "81234567"}]}`)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	r := send(t, http.MethodGet, srv.URL+pathByPhone+"?phone=6581234567", keyHeaders(), "")
	if leads := decodeLeads(t, r); len(leads) != 1 || leads[0]["FirstName"] != "Sg" {
		t.Errorf("lookup with +65: %v", leads)
	}
}

func TestCredentials(t *testing.T) {
	lines := strings.Join(New(Options{}).Credentials(), "\n")
	for _, want := range []string{TestAccessKey, TestSecretKey, TestAccessKey2, TestSecretKey2, TestUserID, "+91"} {
		if !strings.Contains(lines, want) {
			t.Errorf("credentials lack %q:\n%s", want, lines)
		}
	}
	if strings.Contains(lines, DeactivatedAccessKey) {
		t.Errorf("credentials list the deactivated key:\n%s", lines)
	}
}

func TestCustomFixtures(t *testing.T) {
	f := Fixtures{
		DefaultCountryCode: "+358",
		Users:              []User{{ID: "11111111-2222-4333-8444-555555555555"}},
		AccessKeys:         []AccessKey{{AccessKey: "a", SecretKey: "b", UserID: "11111111-2222-4333-8444-555555555555"}},
	}
	e := New(Options{Fixtures: &f})
	f.Users[0].Deactivated = true // the emulator keeps its own copy
	if len(e.Leads()) != 0 || len(e.Users()) != 1 || e.Users()[0].Deactivated {
		t.Errorf("custom fixtures: %+v %+v", e.Leads(), e.Users())
	}
	defer func() {
		if recover() == nil {
			t.Error("inconsistent fixtures did not panic")
		}
	}()
	New(Options{Fixtures: &Fixtures{DefaultCountryCode: "+1", AccessKeys: []AccessKey{{AccessKey: "a", SecretKey: "b", UserID: "nobody"}}}})
}

func TestConcurrentWritesGetDistinctIDs(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := logCallBody()
			body["CallSessionId"] = fmt.Sprint(i)
			req, _ := http.NewRequest(http.MethodPost, s.URL+pathLogCall, strings.NewReader(mustJSONNoT(body)))
			for k, v := range jsonHeaders() {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range s.CallLogs() {
		seen[c.ActivityID] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct ids for %d calls", len(seen), n)
	}
}

func mustJSONNoT(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
