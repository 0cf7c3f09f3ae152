package tiledesktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

func wantRateLimited(t *testing.T, r response) {
	t.Helper()
	if r.status != 429 || strings.TrimSpace(string(r.body)) != `{"message":"Rate limit exceeded"}` {
		t.Fatalf("got %d %s, want 429 {\"message\":\"Rate limit exceeded\"}", r.status, r)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Fatalf("Retry-After = %q, want none", ra)
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	s := newServer(t, Options{})
	for i := range 30 {
		if r := send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	if st := s.Core().Stats(); st.RateLimited != 0 {
		t.Fatalf("rate limited %d", st.RateLimited)
	}
}

func TestOptInRateLimit(t *testing.T) {
	s := newServer(t, Options{Limit: &emulator.Limit{Calls: 3, Per: time.Second}, TimeScale: 0.3})
	window := s.Core().Window()
	if window != 300*time.Millisecond {
		t.Fatalf("window = %v", window)
	}
	list := func(auth string) response { return send(t, s, request{method: "GET", path: leadsPath, auth: auth}) }
	for i := range 3 {
		if r := list(agentBasic); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	wantRateLimited(t, list(agentBasic))
	// The limit is per credential: the JWT has its own window, and a
	// refused create stores nothing.
	if r := list(agentJWT); r.status != 200 {
		t.Fatalf("other credential: %d", r.status)
	}
	wantRateLimited(t, send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, body: `{}`}))
	if len(s.Leads()) != 0 {
		t.Fatalf("a rate-limited create stored a lead")
	}
	time.Sleep(window + 20*time.Millisecond)
	if r := list(agentBasic); r.status != 200 {
		t.Fatalf("after the window: %d", r.status)
	}
	if st := s.Core().Stats(); st.RateLimited != 2 {
		t.Fatalf("RateLimited = %d", st.RateLimited)
	}

	// A client that spaces its calls never has more than 3 in a window.
	s.Core().Reset()
	for i := range 7 {
		if r := list(agentBasic); r.status != 200 {
			t.Fatalf("paced request %d: %d", i, r.status)
		}
		time.Sleep(window/3 + 10*time.Millisecond)
	}
	if got := s.Core().MaxInWindow(agentBasic); got > 3 || got < 1 {
		t.Fatalf("MaxInWindow = %d, want 1..3", got)
	}
}

func TestFaultError500(t *testing.T) {
	s := newServer(t, Options{Faults: emulator.Faults{Error500: 1}})
	if err := s.Seed([]byte(`{"leads":[{"_id":"66d1e4c0aaaaaaaaaaaaaaaa","fullname":"Seeded","id_project":"` + TestProjectID + `"}]}`)); err != nil {
		t.Fatal(err)
	}
	wantMsg(t, send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, body: `{"fullname":"x"}`}), 500, "Error saving object.")
	wantMsg(t, send(t, s, request{method: "PUT", path: leadsPath + "/66d1e4c0aaaaaaaaaaaaaaaa", auth: agentBasic, body: `{"fullname":"y"}`}), 500, "Error updating object.")
	wantMsg(t, send(t, s, request{method: "DELETE", path: leadsPath + "/66d1e4c0aaaaaaaaaaaaaaaa", auth: agentBasic}), 500, "Error updating object.")
	wantMsg(t, send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}), 500, "Error getting object.")
	leads := s.Leads()
	if len(leads) != 1 || leads[0].Fullname != "Seeded" || leads[0].Deleted() {
		t.Fatalf("stored after 500s: %+v", leads)
	}
	if st := s.Core().Stats(); st.Faults[emulator.FaultError500] != 4 || st.TotalWrites() != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultExtra429(t *testing.T) {
	s := newServer(t, Options{Faults: emulator.Faults{Extra429: 1}})
	wantRateLimited(t, send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, body: `{"fullname":"x"}`}))
	if len(s.Leads()) != 0 {
		t.Fatalf("an injected 429 stored a lead")
	}
}

func TestFaultLatency(t *testing.T) {
	delay := 80 * time.Millisecond
	s := newServer(t, Options{Faults: emulator.Faults{Latency: 1, LatencyDelay: delay}})
	start := time.Now()
	r := send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic})
	if elapsed := time.Since(start); r.status != 200 || elapsed < delay {
		t.Fatalf("status %d after %v, want 200 after at least %v", r.status, elapsed, delay)
	}
}

func TestFaultDropAfterWrite(t *testing.T) {
	s := newServer(t, Options{Faults: emulator.Faults{DropAfterWrite: 1}})
	_, err := trySend(s, request{method: "POST", path: leadsPath, auth: agentBasic, body: `{"fullname":"Dropped"}`})
	if err == nil {
		t.Fatalf("create answered; want a dropped connection")
	}
	leads := s.Leads()
	if len(leads) != 1 || leads[0].Fullname != "Dropped" {
		t.Fatalf("stored %+v, want the dropped create", leads)
	}
	// Reads are never dropped, and a refused write is not either.
	if r := send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}); r.status != 200 || r.json(t)["count"] != float64(1) {
		t.Fatalf("list: %d %s", r.status, r)
	}
	wantMsg(t, send(t, s, request{method: "PUT", path: leadsPath + "/bad-id", auth: agentBasic, body: `{}`}), 500, "Error updating object.")
	st := s.Core().Stats()
	if st.Writes[OpCreate] != 1 || st.Faults[emulator.FaultDropAfterWrite] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestInjectNext(t *testing.T) {
	s := newServer(t, Options{})
	s.Core().InjectNext(OpCreate, emulator.FaultError500)
	wantMsg(t, send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, body: `{"fullname":"First"}`}), 500, "Error saving object.")
	id := create(t, s, `{"fullname":"Second"}`)["_id"].(string)
	if n := len(s.Leads()); n != 1 {
		t.Fatalf("stored %d leads", n)
	}

	s.Core().InjectNext(OpUpdate, emulator.FaultDropAfterWrite)
	if _, err := trySend(s, request{method: "PUT", path: leadsPath + "/" + id, auth: agentBasic, body: `{"company":"Dropped Srl"}`}); err == nil {
		t.Fatalf("update answered; want a dropped connection")
	}
	if l, _ := s.Lead(id); l.Company != "Dropped Srl" {
		t.Fatalf("dropped update not stored: %+v", l)
	}

	s.Core().InjectNext("", emulator.FaultExtra429)
	wantRateLimited(t, send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}))
	if r := send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}); r.status != 200 {
		t.Fatalf("after the injected fault: %d", r.status)
	}
}

func TestAdminEndpoints(t *testing.T) {
	s := newServer(t, Options{})
	create(t, s, `{"fullname":"One"}`)
	create(t, s, `{"fullname":"Two"}`)
	send(t, s, request{method: "GET", path: leadsPath + "?secret_token=" + TestToken, auth: agentBasic})

	var stats emulator.Stats
	decodeAdmin(t, send(t, s, request{method: "GET", path: "/_emulator/stats"}), &stats)
	if stats.Requests[OpCreate] != 2 || stats.Requests[OpList] != 1 || stats.Writes[OpCreate] != 2 {
		t.Fatalf("stats %+v", stats)
	}

	r := send(t, s, request{method: "GET", path: "/_emulator/calls"})
	if strings.Contains(string(r.body), TestToken) || !strings.Contains(string(r.body), "REDACTED") {
		t.Fatalf("call log leaks the query token: %s", r)
	}

	r = send(t, s, request{method: "GET", path: "/_emulator/dump"})
	var dump struct {
		Projects    []Project        `json:"projects"`
		Memberships []Membership     `json:"memberships"`
		Leads       []map[string]any `json:"leads"`
	}
	decodeAdmin(t, r, &dump)
	if len(dump.Leads) != 2 || dump.Leads[0]["fullname"] != "One" || len(dump.Projects) != 2 || len(dump.Memberships) != 3 {
		t.Fatalf("dump %s", r)
	}
	if strings.Contains(string(r.body), TestPassword) || strings.Contains(string(r.body), TestToken) {
		t.Fatalf("dump leaks a credential: %s", r)
	}

	newProject, newUser := "65aa001122334455667788bb", "64bb001122334455667788bb"
	seed := fmt.Sprintf(`{"projects":[{"_id":%q,"name":"Seeded"}],
		"users":[{"_id":%q,"email":"Seeded@Example.com","password":"seeded"}],
		"memberships":[{"id_project":%q,"id_user":%q,"role":"admin"}],
		"leads":[{"fullname":"Seeded lead","email":"s@example.com","id_project":%q}]}`, newProject, newUser, newProject, newUser, newProject)
	if r := send(t, s, request{method: "POST", path: "/_emulator/seed", body: seed}); r.status != 200 {
		t.Fatalf("seed: %d %s", r.status, r)
	}
	seededAuth := BasicAuthorization("seeded@example.com", "seeded")
	r = send(t, s, request{method: "GET", path: "/v3/" + newProject + "/leads", auth: seededAuth})
	if names := leadNames(t, r); r.status != 200 || len(names) != 1 || names[0] != "Seeded lead" {
		t.Fatalf("seeded list: %d %s", r.status, r)
	}
	if l := s.Leads()[2]; l.Status != StatusNormal || !uuidV4Re.MatchString(l.LeadID) || l.Tags == nil || l.CreatedAt.IsZero() {
		t.Fatalf("seeded lead defaults: %+v", l)
	}

	for _, bad := range []string{
		`{"projects":[{"_id":"65aa001122334455667788cc"}],"leads":[{"_id":"not-an-id"}]}`,
		`{"leads":[{"_id":"66d1e4c0aaaaaaaaaaaaaaaa"},{"_id":"66d1e4c0aaaaaaaaaaaaaaaa"}]}`,
		`{"memberships":[{"id_project":"65aa001122334455667788cc","id_user":"` + TestUserID + `","role":"agent"}]}`,
		`{"memberships":[{"id_project":"` + TestProjectID + `","id_user":"` + TestOutsiderUserID + `","role":"boss"}]}`,
		`{"tokens":[{"token":"t","user_id":"64bb00112233445566779999"}]}`,
		`{"prjects":[]}`,
		`not json`,
	} {
		if r := send(t, s, request{method: "POST", path: "/_emulator/seed", body: bad}); r.status != 400 {
			t.Fatalf("bad seed %s: %d %s", bad, r.status, r)
		}
	}
	if n := len(s.Leads()); n != 3 {
		t.Fatalf("bad seeds changed the leads: %d", n)
	}
	if r := send(t, s, request{method: "GET", path: "/v3/65aa001122334455667788cc/leads"}); r.status != 400 {
		t.Fatalf("project of a refused seed exists: %d", r.status)
	}

	if r := send(t, s, request{method: "POST", path: "/_emulator/reset"}); r.status != 200 {
		t.Fatalf("reset: %d", r.status)
	}
	if n := len(s.Leads()); n != 0 {
		t.Fatalf("leads after reset: %d", n)
	}
	if st := s.Core().Stats(); st.TotalRequests() != 0 {
		t.Fatalf("stats after reset: %+v", st)
	}
	if r := send(t, s, request{method: "GET", path: "/v3/" + newProject + "/leads", auth: seededAuth}); r.status != 400 {
		t.Fatalf("seeded project survived the reset: %d", r.status)
	}
	if id := create(t, s, `{}`)["_id"]; id != fmt.Sprintf("66d1e4c0%016x", leadIDBase) {
		t.Fatalf("first id after reset = %v", id)
	}
}

func decodeAdmin(t *testing.T, r response, v any) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("admin: %d %s", r.status, r)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("admin body: %v\n%s", err, r)
	}
}

func TestCredentials(t *testing.T) {
	lines := strings.Join(New(Options{}).Credentials(), "\n")
	for _, want := range []string{TestProjectID, TestEmail, TestPassword, TestToken, "agent in " + TestProjectID} {
		if !strings.Contains(lines, want) {
			t.Errorf("credentials lack %q:\n%s", want, lines)
		}
	}
}
