package leaddesktest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
)

func admin(t *testing.T, s *Server, method, name, body string) result {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	return send(t, s.Client(), method, s.URL+emulator.AdminPrefix+name, ctype, body)
}

func TestAdminEndpoints(t *testing.T) {
	s := newServer(t, Options{Limit: &emulator.Limit{Calls: 2, Per: 60e9}})
	id := mkContact(t, s, "phone", "+358401234567", "list", TestListName, "fname", "Mikko")
	wantErr(t, get(t, s, "/", cmdQ("contact", "add")), "ERR_ARGUMENT_MISSING:phone")

	// Admin calls are neither limited nor recorded.
	for range 5 {
		if r := admin(t, s, http.MethodGet, "stats", ""); r.status != http.StatusOK {
			t.Fatalf("stats: %d", r.status)
		}
	}
	var stats emulator.Stats
	admin(t, s, http.MethodGet, "stats", "").decode(t, &stats)
	if stats.Requests[OpCreateContact] != 2 || stats.Writes[OpCreateContact] != 1 || stats.TotalRequests() != 2 {
		t.Fatalf("stats %+v", stats)
	}
	if n := stats.MaxInWindow[emulator.CredentialLabel(TestAPIKey)]; n != 2 {
		t.Fatalf("max in window %d", n)
	}
	calls := admin(t, s, http.MethodGet, "calls", "")
	if strings.Contains(calls.body, TestAPIKey) || !strings.Contains(calls.body, `"op":"contact.add"`) {
		t.Fatalf("calls: %s", calls.body)
	}

	var dump Fixtures
	r := admin(t, s, http.MethodGet, "dump", "")
	r.decode(t, &dump)
	if strings.Contains(r.body, TestAPIKey) {
		t.Fatal("dump shows an API key")
	}
	if len(dump.Contacts) != 1 || dump.Contacts[0].ID != id || dump.Contacts[0].Fields["fname"] != "Mikko" ||
		len(dump.Agents) != 2 || len(dump.CallingLists) != 2 || len(dump.Campaigns) != 2 {
		t.Fatalf("dump %s", r.body)
	}

	// Seed: a new key, a new list, a contact in it with a chosen ID and one with the next ID.
	const newKey = "feedfacefeedfacefeedfacefeedface"
	seed := `{"api_keys":["` + newKey + `"],"calling_lists":[{"id":2099,"name":"Seeded list"}],
	  "contacts":[{"id":60000,"list_id":2099,"phone":"+3581"},{"list_id":2099,"phone":"+3582","fields":{"other7":"x"}}]}`
	if r := admin(t, s, http.MethodPost, "seed", seed); r.status != http.StatusOK {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	if _, ok := s.Contact(60001); !ok {
		t.Fatal("seeded contact without ID did not get 60001")
	}
	r = get(t, s, "/", qs("auth", newKey, "mod", "contact", "cmd", "add", "return_value", "1", "phone", "+3583", "list", "Seeded list"))
	wantOK(t, r, `{"success":true,"contact_id":60002}`)

	before := mustJSON(t, s.Dump())
	for name, bad := range map[string]string{
		"unknown field": `{"contacts":[{"list_id":2001,"phone":"1","first_name":"x"}]}`,
		"unknown list":  `{"contacts":[{"list_id":1,"phone":"1"}]}`,
		"short key":     `{"api_keys":["abc"]}`,
		"taken id":      `{"agents":[{"id":1001,"username":"other","name":"Other"}]}`,
		"taken name":    `{"calling_lists":[{"id":2500,"name":"Nightly leads"}]}`,
		"bad field":     `{"contacts":[{"list_id":2001,"phone":"1","fields":{"nickname":"x"}}]}`,
		"bad callback":  `{"callbacks":[{"agent_id":1001,"campaign_id":3001,"type":"private","timestamp":"soon","phone":"1"}]}`,
		"half valid":    `{"calling_lists":[{"id":2600,"name":"Fine"}],"agents":[{"username":"","name":""}]}`,
		"not JSON":      `nope`,
	} {
		if r := admin(t, s, http.MethodPost, "seed", bad); r.status != http.StatusBadRequest {
			t.Errorf("seed %s: %d %s", name, r.status, r.body)
		}
	}
	if after := mustJSON(t, s.Dump()); after != before {
		t.Fatal("a refused seed changed the state")
	}

	// Reset: records and seeded objects gone, fixtures back, counters zero.
	if r := admin(t, s, http.MethodPost, "reset", ""); r.status != http.StatusOK {
		t.Fatalf("reset: %d", r.status)
	}
	if n := len(s.Contacts()); n != 0 {
		t.Fatalf("%d contacts after reset", n)
	}
	if st := s.Core().Stats(); st.TotalRequests() != 0 {
		t.Fatalf("requests after reset: %+v", st)
	}
	wantErr(t, get(t, s, "/", qs("auth", newKey, "mod", "agent", "cmd", "find", "username", TestAgentUsername)), "ERR_AUTHENTICATION")
	wantErr(t, get(t, s, "/", cmdQ("contact", "add", "phone", "1", "list", "Seeded list")), "ERR_NOT_FOUND:list")
	if id := mkContact(t, s, "phone", "1", "list", TestListName); id != contactIDBase+1 {
		t.Fatalf("first ID after reset %d", id)
	}
}

// A dump seeds an empty emulator into the same state.
func TestDumpSeedRoundTrip(t *testing.T) {
	s := newServer(t, Options{})
	mkContact(t, s, "phone", "+358401", "list", TestListName, "other35", "x", "assign_to_agent", TestAgentUsername, "companyid", "5001")
	mkContact(t, s, "phone", "+358402", "list", TestList2Name, "order", "first")
	wantOK(t, postJSON(t, s, cmdQ("agent", "create"), agentBody), `{"success":true,"id":1003}`)
	wantOK(t, postJSON(t, s, cmdQ("call", "create_callback"), `{"return_callback_id":true,"properties":{"agent":"liisa.koski",
		"campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00","type":"public"},"contact":{"contactid":"48001"}}`),
		`{"success":true,"callback_id":90001}`)
	dump := mustJSON(t, s.Dump())

	fresh := New(Options{Fixtures: &Fixtures{APIKeys: []string{TestAPIKey}}})
	if err := fresh.Seed([]byte(dump)); err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, fresh.Dump()); got != dump {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, dump)
	}
}
