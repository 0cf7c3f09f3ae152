package leaddesktest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
)

var findAgentOK = fmt.Sprintf(`{"id":%d,"name":%q}`, TestAgentID, TestAgentName)

func TestPathsAreIgnoredAmongTheNine(t *testing.T) {
	s := newServer(t, Options{})
	for _, p := range []string{"/", "/agent_campaign_access", "/create_callback", "/create_contact",
		"/create_agent", "/find_contact", "/find_agent", "/modify_contact", "/modify_agent"} {
		wantOK(t, get(t, s, p, cmdQ("agent", "find", "username", TestAgentUsername)), findAgentOK)
	}
	// The command comes from mod+cmd, whatever the path says.
	id := mkContact(t, s, "phone", "+358401111111", "list", TestListName)
	if _, ok := s.Contact(id); !ok {
		t.Fatal("contact created through /create_contact not stored")
	}
	r := get(t, s, "/find_agent", cmdQ("contact", "add", "phone", "+358402222222", "list", TestListName))
	if r.status != http.StatusOK || len(s.Contacts()) != 2 {
		t.Fatalf("contact.add on /find_agent: %d %s, %d contacts", r.status, r.body, len(s.Contacts()))
	}

	for _, p := range []string{"/nope", "/find_agent/", "/v1/find_agent"} {
		r := get(t, s, p, cmdQ("agent", "find", "username", TestAgentUsername))
		if r.status != http.StatusNotFound || r.body != "404 page not found" {
			t.Errorf("%s: got %d %q, want 404", p, r.status, r.body)
		}
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		r := send(t, s.Client(), m, s.URL+"/?"+cmdQ("agent", "find", "username", TestAgentUsername), "", "")
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: got %d, want 405", m, r.status)
		}
	}
	big := postForm(t, s, "/", cmdQ("contact", "add"), "phone=1&fname="+strings.Repeat("x", maxBody))
	if big.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: got %d, want 413", big.status)
	}
}

func TestAuthModuleCommand(t *testing.T) {
	s := newServer(t, Options{})
	tests := []struct {
		name, query, want string
	}{
		{"no auth", qs("mod", "agent", "cmd", "find", "username", TestAgentUsername), "ERR_AUTHENTICATION"},
		{"empty auth", qs("auth", "", "mod", "agent", "cmd", "find", "username", TestAgentUsername), "ERR_AUTHENTICATION"},
		{"wrong key", qs("auth", strings.Repeat("0", 32), "mod", "agent", "cmd", "find"), "ERR_AUTHENTICATION"},
		{"key in upper case", qs("auth", strings.ToUpper(TestAPIKey), "mod", "agent", "cmd", "find"), "ERR_AUTHENTICATION"},
		{"key truncated", qs("auth", TestAPIKey[:31], "mod", "agent", "cmd", "find"), "ERR_AUTHENTICATION"},
		{"auth before module", qs("auth", "nope", "mod", "bogus"), "ERR_AUTHENTICATION"},
		{"no mod", qs("auth", TestAPIKey, "cmd", "find"), "ERR_INVALID_MODULE"},
		{"unknown mod", qs("auth", TestAPIKey, "mod", "contacts", "cmd", "find"), "ERR_INVALID_MODULE"},
		{"mod case", qs("auth", TestAPIKey, "mod", "Contact", "cmd", "find"), "ERR_INVALID_MODULE"},
		{"no cmd", qs("auth", TestAPIKey, "mod", "contact"), "ERR_INVALID_COMMAND"},
		{"unknown cmd", qs("auth", TestAPIKey, "mod", "contact", "cmd", "delete"), "ERR_INVALID_COMMAND"},
		{"cmd of another module", qs("auth", TestAPIKey, "mod", "call", "cmd", "add"), "ERR_INVALID_COMMAND"},
		{"module before arguments", qs("auth", TestAPIKey, "mod", "x", "cmd", "find", "bogus", "1"), "ERR_INVALID_MODULE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, get(t, s, "/", tt.query), tt.want) })
	}
	t.Run("second key works", func(t *testing.T) {
		wantOK(t, get(t, s, "/", qs("auth", TestAPIKey2, "mod", "agent", "cmd", "find", "username", TestAgentUsername)), findAgentOK)
	})
	t.Run("everything in a form body", func(t *testing.T) {
		r := postForm(t, s, "/", "", qs("auth", TestAPIKey, "mod", "agent", "cmd", "find", "username", TestAgentUsername))
		wantOK(t, r, findAgentOK)
		r = postForm(t, s, "/", "", qs("auth", "wrong", "mod", "agent", "cmd", "find", "username", TestAgentUsername))
		wantErr(t, r, "ERR_AUTHENTICATION")
	})
	t.Run("form fields need the form content type", func(t *testing.T) {
		r := send(t, s.Client(), http.MethodPost, s.URL+"/", "text/plain", qs("auth", TestAPIKey, "mod", "agent", "cmd", "find"))
		wantErr(t, r, "ERR_AUTHENTICATION")
	})
	if len(s.Contacts()) != 0 || len(s.Agents()) != 2 {
		t.Fatal("a refused request changed the store")
	}
}

func TestCreateContact(t *testing.T) {
	s := newServer(t, Options{})
	pairs := []string{"return_value", "1", "phone", "+358 40 123 4567", "list", TestListName,
		"fname", "Mikko", "lname", "Laine", "email", "mikko@example.fi", "www", "example.fi",
		"address", "Katu 1", "postcode", "00100", "city", "Helsinki", "country", "FI",
		"ssc", "010101-123A", "birthyear", "1980", "gender", "male", "companyid", strconv.Itoa(TestCompanyID),
		"company", "Example Oy", "vatin", "FI1234567", "title", "CEO", "comment", "VIP lead",
		"assign_to_agent", TestAgent2Username}
	wantFields := map[string]string{"fname": "Mikko", "lname": "Laine", "email": "mikko@example.fi",
		"www": "example.fi", "address": "Katu 1", "postcode": "00100", "city": "Helsinki", "country": "FI",
		"ssc": "010101-123A", "birthyear": "1980", "gender": "male", "company": "Example Oy",
		"vatin": "FI1234567", "title": "CEO", "comment": "VIP lead"}
	for i := 1; i <= 35; i++ {
		k, v := "other"+strconv.Itoa(i), "value "+strconv.Itoa(i)
		pairs = append(pairs, k, v)
		wantFields[k] = v
	}
	r := get(t, s, "/create_contact", cmdQ("contact", "add", pairs...))
	wantOK(t, r, `{"success":true,"contact_id":48001}`)
	c, ok := s.Contact(48001)
	if !ok {
		t.Fatal("contact 48001 not stored")
	}
	want := Contact{ID: 48001, ListID: TestListID, Position: c.Position, Phone: "+358 40 123 4567",
		Fields: wantFields, CompanyID: TestCompanyID, AssignedAgentID: TestAgent2ID}
	if got, w := mustJSON(t, c), mustJSON(t, want); got != w {
		t.Fatalf("stored contact:\n%s\nwant\n%s", got, w)
	}
	if c.Field("phone") != "+358 40 123 4567" || c.Field("other35") != "value 35" || c.Field("other36") != "" {
		t.Fatalf("Field: %q %q", c.Field("phone"), c.Field("other35"))
	}

	// POST form (what leadsync sends), list by ID, agent by ID, no return_value.
	r = postForm(t, s, "/create_contact", cmdQ("contact", "add"),
		qs("phone", "+358405555555", "list", strconv.Itoa(TestList2ID), "assign_to_agent", strconv.Itoa(TestAgentID), "fname", ""))
	wantOK(t, r, `{"success":true}`)
	c, _ = s.Contact(48002)
	if c.ListID != TestList2ID || c.AssignedAgentID != TestAgentID || c.Fields != nil || c.Phone != "+358405555555" {
		t.Fatalf("second contact: %+v", c)
	}
	// Duplicates are allowed.
	if id := mkContact(t, s, "phone", "+358405555555", "list", TestList2Name); id != 48003 {
		t.Fatalf("duplicate got id %d", id)
	}
	// The body wins over the query, and a repeated key takes its last value.
	r = postForm(t, s, "/", cmdQ("contact", "add", "return_value", "1", "list", TestListName, "fname", "Query"),
		qs("phone", "111", "phone", "222", "fname", "Body"))
	wantOK(t, r, `{"success":true,"contact_id":48004}`)
	if c, _ := s.Contact(48004); c.Phone != "222" || c.Fields["fname"] != "Body" {
		t.Fatalf("precedence: %+v", c)
	}
	// An unencoded '+' arrives as a space and is stored as received.
	r = get(t, s, "/", "auth="+TestAPIKey+"&mod=contact&cmd=add&return_value=1&list=2001&phone=+358407777777")
	wantOK(t, r, `{"success":true,"contact_id":48005}`)
	if c, _ := s.Contact(48005); c.Phone != " 358407777777" {
		t.Fatalf("phone %q, want the space the client really sent", c.Phone)
	}
}

func TestCreateContactErrors(t *testing.T) {
	s := newServer(t, Options{})
	base := []string{"return_value", "1", "phone", "+358401234567", "list", TestListName}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	tests := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"no phone", []string{"list", TestListName}, "ERR_ARGUMENT_MISSING:phone"},
		{"empty phone", []string{"phone", "", "list", TestListName}, "ERR_ARGUMENT_MISSING:phone"},
		{"no list", []string{"phone", "+358401234567"}, "ERR_ARGUMENT_MISSING:list"},
		{"unknown parameter", with("first_name", "Mikko"), "ERR_ARGUMENT_INVALID:first_name"},
		{"other36", with("other36", "x"), "ERR_ARGUMENT_INVALID:other36"},
		{"return_value 2", with("return_value", "2"), "ERR_ARGUMENT_INVALID:return_value"},
		{"letters in phone", []string{"phone", "call me", "list", TestListName}, "ERR_ARGUMENT_INVALID:phone"},
		{"plus in the middle", []string{"phone", "358+40", "list", TestListName}, "ERR_ARGUMENT_INVALID:phone"},
		{"companyid not numeric", with("companyid", "acme"), "ERR_ARGUMENT_INVALID:companyid"},
		{"order", with("order", "middle"), "ERR_ARGUMENT_INVALID:order"},
		{"unknown list name", []string{"phone", "1", "list", "No such list"}, "ERR_NOT_FOUND:list"},
		{"unknown list id", []string{"phone", "1", "list", "9999"}, "ERR_NOT_FOUND:list"},
		{"list name in another case", []string{"phone", "1", "list", strings.ToLower(TestListName)}, "ERR_NOT_FOUND:list"},
		{"unknown agent", with("assign_to_agent", "nobody"), "ERR_NOT_FOUND:agent"},
		{"unknown agent id", with("assign_to_agent", "9999"), "ERR_NOT_FOUND:agent"},
		{"unknown company", with("companyid", "9999"), "ERR_NOT_FOUND:company"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, get(t, s, "/create_contact", cmdQ("contact", "add", tt.pairs...)), tt.want)
		})
	}
	if n := len(s.Contacts()); n != 0 {
		t.Fatalf("%d contacts stored by refused requests", n)
	}
	if w := s.Core().Stats().TotalWrites(); w != 0 {
		t.Fatalf("%d writes counted for refused requests", w)
	}
}

func TestFindContact(t *testing.T) {
	s := newServer(t, Options{})
	a := mkContact(t, s, "phone", "+358 40-123 4567", "list", TestListName, "fname", "Mikko", "lname", "Laine")
	b := mkContact(t, s, "phone", "+358401234567", "list", TestList2Name, "fname", "Aino", "lname", "Laine")
	c := mkContact(t, s, "phone", "358401234567", "list", TestListName, "fname", "mikko")
	ids := func(ids ...int64) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10)
		}
		return fmt.Sprintf(`{"success":true,"total_count":%d,"contact_ids":[%s]}`, len(ids), strings.Join(parts, ","))
	}
	tests := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"phone, separators ignored", []string{"phone", "+358401234567"}, ids(a, b)},
		{"phone with separators", []string{"phone", "+358-40 1234567"}, ids(a, b)},
		{"phone without plus is another number", []string{"phone", "358401234567"}, ids(c)},
		{"phone and list", []string{"phone", "+358401234567", "contact_list_id", strconv.Itoa(TestListID)}, ids(a)},
		{"fname, case-insensitive", []string{"fname", "MIKKO"}, ids(a, c)},
		{"fname and lname", []string{"fname", "mikko", "lname", "laine"}, ids(a)},
		{"lname", []string{"lname", "Laine"}, ids(a, b)},
		{"fname is exact, not a prefix", []string{"fname", "Mik"}, ids()},
		{"list only", []string{"contact_list_id", strconv.Itoa(TestList2ID)}, ids(b)},
		{"empty filters are ignored", []string{"fname", "", "phone", "+358401234567"}, ids(a, b)},
		{"no match", []string{"phone", "+4470000000"}, `{"success":true,"total_count":0,"contact_ids":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantOK(t, get(t, s, "/find_contact", cmdQ("contact", "find", tt.pairs...)), tt.want)
		})
	}
	t.Run("connector style: POST, empty body", func(t *testing.T) {
		r := send(t, s.Client(), http.MethodPost, s.URL+"/find_contact?"+cmdQ("contact", "find", "phone", "+358401234567"), "", "")
		wantOK(t, r, ids(a, b))
	})
	t.Run("leadsync style: POST form", func(t *testing.T) {
		wantOK(t, postForm(t, s, "/", cmdQ("contact", "find"), qs("phone", "+358401234567")), ids(a, b))
	})
	t.Run("exists", func(t *testing.T) {
		wantOK(t, get(t, s, "/", cmdQ("contact", "exists", "phone", "+358401234567")), `{"success":true,"match":true}`)
		wantOK(t, get(t, s, "/", cmdQ("contact", "exists", "phone", "+1")), `{"success":true,"match":false}`)
	})
	errs := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"no filter", nil, "ERR_ARGUMENT_MISSING"},
		{"only empty filters", []string{"phone", "", "fname", ""}, "ERR_ARGUMENT_MISSING"},
		{"list by name", []string{"contact_list_id", TestListName}, "ERR_ARGUMENT_INVALID:contact_list_id"},
		{"unknown list", []string{"contact_list_id", "9999"}, "ERR_NOT_FOUND:list"},
		{"unknown parameter", []string{"email", "x@example.fi"}, "ERR_ARGUMENT_INVALID:email"},
		{"pagination does not exist", []string{"phone", "1", "limit", "10"}, "ERR_ARGUMENT_INVALID:limit"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, get(t, s, "/find_contact", cmdQ("contact", "find", tt.pairs...)), tt.want)
		})
	}
	if w := s.Core().Stats().Writes[OpFindContact]; w != 0 {
		t.Fatalf("find counted %d writes", w)
	}
}

func TestFindAgent(t *testing.T) {
	s := newServer(t, Options{})
	wantOK(t, get(t, s, "/find_agent", cmdQ("agent", "find", "username", TestAgent2Username)),
		fmt.Sprintf(`{"id":%d,"name":%q}`, TestAgent2ID, TestAgent2Name))
	wantOK(t, postForm(t, s, "/find_agent", cmdQ("agent", "find"), qs("username", TestAgentUsername)), findAgentOK)
	for _, tt := range []struct{ name, query, want string }{
		{"unknown", cmdQ("agent", "find", "username", "nobody"), "ERR_NOT_FOUND:agent"},
		{"no wildcards", cmdQ("agent", "find", "username", "*"), "ERR_NOT_FOUND:agent"},
		{"case matters", cmdQ("agent", "find", "username", strings.ToUpper(TestAgentUsername)), "ERR_NOT_FOUND:agent"},
		{"missing", cmdQ("agent", "find"), "ERR_ARGUMENT_MISSING:username"},
		{"empty", cmdQ("agent", "find", "username", ""), "ERR_ARGUMENT_MISSING:username"},
		{"by id is not a thing", cmdQ("agent", "find", "id", "1001"), "ERR_ARGUMENT_INVALID:id"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, get(t, s, "/find_agent", tt.query), tt.want) })
	}
}

func TestModifyContact(t *testing.T) {
	s := newServer(t, Options{})
	id := mkContact(t, s, "phone", "+358401234567", "list", TestListName, "fname", "Mikko", "other1", "a", "other2", "b")
	other := mkContact(t, s, "phone", "+358409999999", "list", TestList2Name)
	q := func(pairs ...string) string {
		return cmdQ("contact", "modify", append([]string{"contact_id", strconv.FormatInt(id, 10)}, pairs...)...)
	}
	const modified = `{"success":true,"message":"Contact modified"}`
	wantOK(t, get(t, s, "/modify_contact", q("fname", "Mika", "other1", "", "other35", "z", "companyid", strconv.Itoa(TestCompanyID),
		"assign_to_agent", TestAgentUsername)), modified)
	c, _ := s.Contact(id)
	if got, want := mustJSON(t, c.Fields), mustJSON(t, map[string]string{"fname": "Mika", "other2": "b", "other35": "z"}); got != want {
		t.Fatalf("fields %s, want %s", got, want)
	}
	if c.CompanyID != TestCompanyID || c.AssignedAgentID != TestAgentID || c.Phone != "+358401234567" || c.ListID != TestListID {
		t.Fatalf("after modify: %+v", c)
	}
	// Move to the other list: it goes last there; order=first puts it first.
	wantOK(t, postForm(t, s, "/", q(), qs("list", TestList2Name, "phone", "+358 40 000")), modified)
	if l := s.ListContacts(TestList2ID); len(l) != 2 || l[0].ID != other || l[1].ID != id || l[1].Phone != "+358 40 000" {
		t.Fatalf("after move: %+v", l)
	}
	wantOK(t, get(t, s, "/", q("order", "first")), modified)
	if l := s.ListContacts(TestList2ID); l[0].ID != id {
		t.Fatalf("order=first: %+v", l)
	}
	wantOK(t, get(t, s, "/", q("list", strconv.Itoa(TestListID), "assign_to_agent", "", "companyid", "")), modified)
	if c, _ := s.Contact(id); c.ListID != TestListID || c.AssignedAgentID != 0 || c.CompanyID != 0 {
		t.Fatalf("after clearing: %+v", c)
	}
	// Only contact_id: a valid no-op.
	wantOK(t, get(t, s, "/", q()), modified)

	before := mustJSON(t, s.Contacts())
	for _, tt := range []struct {
		name, query, want string
	}{
		{"no contact_id", cmdQ("contact", "modify", "fname", "x"), "ERR_ARGUMENT_MISSING:contact_id"},
		{"contact_id not a number", cmdQ("contact", "modify", "contact_id", "A"), "ERR_ARGUMENT_INVALID:contact_id"},
		{"negative contact_id", cmdQ("contact", "modify", "contact_id", "-5"), "ERR_ARGUMENT_INVALID:contact_id"},
		{"unknown contact", cmdQ("contact", "modify", "contact_id", "1001"), "ERR_NOT_FOUND:contact"},
		{"argument errors before lookups", cmdQ("contact", "modify", "contact_id", "1001", "order", "x"), "ERR_ARGUMENT_INVALID:order"},
		{"empty phone", q("phone", ""), "ERR_ARGUMENT_INVALID:phone"},
		{"bad phone", q("phone", "n/a"), "ERR_ARGUMENT_INVALID:phone"},
		{"empty list", q("list", ""), "ERR_ARGUMENT_INVALID:list"},
		{"unknown list", q("list", "Nope"), "ERR_NOT_FOUND:list"},
		{"unknown agent", q("assign_to_agent", "nobody", "fname", "changed?"), "ERR_NOT_FOUND:agent"},
		{"companyid", q("companyid", "x"), "ERR_ARGUMENT_INVALID:companyid"},
		{"unknown company", q("companyid", "42"), "ERR_NOT_FOUND:company"},
		{"return_value is create-only", q("return_value", "1"), "ERR_ARGUMENT_INVALID:return_value"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, get(t, s, "/modify_contact", tt.query), tt.want) })
	}
	if after := mustJSON(t, s.Contacts()); after != before {
		t.Fatalf("refused modifies changed contacts:\n%s\nwas\n%s", after, before)
	}
}

func TestCampaignAccess(t *testing.T) {
	s := newServer(t, Options{})
	q := func(agent, campaign int, typ string) string {
		return cmdQ("agent", "modify_campaign_access", "agent_id", strconv.Itoa(agent), "campaign_id", strconv.Itoa(campaign), "type", typ)
	}
	access := func() []int64 { a, _ := s.Agent(TestAgent2ID); return a.Campaigns }
	wantOK(t, get(t, s, "/agent_campaign_access", q(TestAgent2ID, TestCampaign2ID, "add")), `{"success":true}`)
	wantOK(t, get(t, s, "/agent_campaign_access", q(TestAgent2ID, TestCampaignID, "add")), `{"success":true}`)
	wantOK(t, get(t, s, "/agent_campaign_access", q(TestAgent2ID, TestCampaignID, "add")), `{"success":true}`)
	if got := fmt.Sprint(access()); got != fmt.Sprint([]int64{TestCampaignID, TestCampaign2ID}) {
		t.Fatalf("campaigns %s", got)
	}
	wantOK(t, postForm(t, s, "/", cmdQ("agent", "modify_campaign_access"),
		qs("agent_id", strconv.Itoa(TestAgent2ID), "campaign_id", strconv.Itoa(TestCampaignID), "type", "remove")), `{"success":true}`)
	wantOK(t, get(t, s, "/", q(TestAgent2ID, TestCampaignID, "remove")), `{"success":true}`)
	if got := fmt.Sprint(access()); got != fmt.Sprint([]int64{TestCampaign2ID}) {
		t.Fatalf("campaigns after remove %s", got)
	}
	if w := s.Core().Stats().Writes[OpCampaignAccess]; w != 5 {
		t.Fatalf("writes %d, want 5", w)
	}
	for _, tt := range []struct{ name, query, want string }{
		{"no agent_id", cmdQ("agent", "modify_campaign_access", "campaign_id", "3001", "type", "add"), "ERR_ARGUMENT_MISSING:agent_id"},
		{"no campaign_id", cmdQ("agent", "modify_campaign_access", "agent_id", "1001", "type", "add"), "ERR_ARGUMENT_MISSING:campaign_id"},
		{"no type", cmdQ("agent", "modify_campaign_access", "agent_id", "1001", "campaign_id", "3001"), "ERR_ARGUMENT_MISSING:type"},
		{"agent_id A", cmdQ("agent", "modify_campaign_access", "agent_id", "A", "campaign_id", "3001", "type", "add"), "ERR_ARGUMENT_INVALID:agent_id"},
		{"campaign by name", cmdQ("agent", "modify_campaign_access", "agent_id", "1001", "campaign_id", TestCampaignName, "type", "add"), "ERR_ARGUMENT_INVALID:campaign_id"},
		{"type", q(TestAgentID, TestCampaignID, "grant"), "ERR_ARGUMENT_INVALID:type"},
		{"unknown agent", q(999, TestCampaignID, "add"), "ERR_NOT_FOUND:agent"},
		{"unknown campaign", q(TestAgentID, 999, "add"), "ERR_NOT_FOUND:campaign"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, get(t, s, "/", tt.query), tt.want) })
	}
}

const agentBody = `{
  "account": {"username": "liisa.koski", "password": "s3cret-pass", "level": "agent", "lang": "5",
              "time_zone": "Europe/Stockholm", "inbound_number": "+35891234", "external_id": "ext-7",
              "voip_username": "liisa", "force_ipaddr": false},
  "contact_information": {"name": "Liisa Koski", "email": "liisa@example.fi", "phone": "+358401",
                          "workphone": "+358402", "address": "Katu 2", "city": "Turku", "country": "FI",
                          "postal": "20100", "e_contacts": "Mother"},
  "employment": {"agent_group_id": 4001, "employment": "inactive", "employment_start": "2025-09-01",
                 "office": "Turku", "bank_acc": "FI00", "description": "d", "ssn": "s", "workshift": "w"},
  "custom_fields": {"team": "north"}
}`

func TestCreateAgent(t *testing.T) {
	s := newServer(t, Options{})
	wantOK(t, postJSON(t, s, cmdQ("agent", "create"), agentBody), `{"success":true,"id":1003}`)
	a, ok := s.Agent(1003)
	want := Agent{ID: 1003, Username: "liisa.koski", Password: "s3cret-pass", Level: "agent", InboundNumber: "+35891234",
		Lang: 5, TimeZone: "Europe/Stockholm", VoipUsername: "liisa", ExternalID: "ext-7", Name: "Liisa Koski",
		Email: "liisa@example.fi", Phone: "+358401", Workphone: "+358402", Address: "Katu 2", City: "Turku", Country: "FI",
		Postal: "20100", EContacts: "Mother", AgentGroupID: TestAgentGroupID, Employment: "inactive",
		EmploymentStart: "2025-09-01", Office: "Turku", BankAcc: "FI00", Description: "d", SSN: "s", Workshift: "w",
		CustomFields: map[string]string{"team": "north"}}
	if !ok || mustJSON(t, a) != mustJSON(t, want) {
		t.Fatalf("stored agent:\n%s\nwant\n%s", mustJSON(t, a), mustJSON(t, want))
	}
	wantOK(t, get(t, s, "/", cmdQ("agent", "find", "username", "liisa.koski")), `{"id":1003,"name":"Liisa Koski"}`)

	// Minimal body, lang as a JSON number; defaults filled in.
	wantOK(t, postJSON(t, s, cmdQ("agent", "create"),
		`{"account":{"username":"ab","password":"123456","level":"agent","lang":4},"contact_information":{"name":"A B"}}`),
		`{"success":true,"id":1004}`)
	if a, _ := s.Agent(1004); a.Lang != 4 || a.TimeZone != "Europe/Helsinki" || a.Employment != "active" || a.Disabled {
		t.Fatalf("defaults: %+v", a)
	}

	acc := func(account string) string {
		return `{"account":{` + account + `},"contact_information":{"name":"N"}}`
	}
	const good = `"username":"new.one","password":"123456","level":"agent"`
	for _, tt := range []struct{ name, body, want string }{
		{"empty body", ``, "ERR_ARGUMENT_MISSING:account"},
		{"no contact_information", `{"account":{` + good + `}}`, "ERR_ARGUMENT_MISSING:contact_information"},
		{"no name", `{"account":{` + good + `},"contact_information":{}}`, "ERR_ARGUMENT_MISSING:name"},
		{"no username", acc(`"password":"123456","level":"agent"`), "ERR_ARGUMENT_MISSING:username"},
		{"empty username", acc(`"username":"","password":"123456","level":"agent"`), "ERR_ARGUMENT_MISSING:username"},
		{"no password", acc(`"username":"new.one","level":"agent"`), "ERR_ARGUMENT_MISSING:password"},
		{"no level", acc(`"username":"new.one","password":"123456"`), "ERR_ARGUMENT_MISSING:level"},
		{"short username", acc(`"username":"x","password":"123456","level":"agent"`), "ERR_ARGUMENT_INVALID:username"},
		{"long username", acc(`"username":"` + strings.Repeat("u", 65) + `","password":"123456","level":"agent"`), "ERR_ARGUMENT_INVALID:username"},
		{"short password", acc(`"username":"new.one","password":"12345","level":"agent"`), "ERR_ARGUMENT_INVALID:password"},
		{"admin level", acc(`"username":"new.one","password":"123456","level":"admin"`), "ERR_ARGUMENT_INVALID:level"},
		{"lang letters", acc(good + `,"lang":"FI"`), "ERR_ARGUMENT_INVALID:lang"},
		{"lang unknown id", acc(good + `,"lang":2`), "ERR_ARGUMENT_INVALID:lang"},
		{"lang fraction", acc(good + `,"lang":4.5`), "ERR_ARGUMENT_INVALID:lang"},
		{"username number", acc(`"username":12345,"password":"123456","level":"agent"`), "ERR_ARGUMENT_INVALID:username"},
		{"force_ipaddr string", acc(good + `,"force_ipaddr":"yes"`), "ERR_ARGUMENT_INVALID:force_ipaddr"},
		{"empty time_zone", acc(good + `,"time_zone":""`), "ERR_ARGUMENT_INVALID:time_zone"},
		{"unknown account key", acc(good + `,"role":"agent"`), "ERR_ARGUMENT_INVALID:role"},
		{"long name", `{"account":{` + good + `},"contact_information":{"name":"` + strings.Repeat("n", 41) + `"}}`, "ERR_ARGUMENT_INVALID:name"},
		{"group id as string", `{"account":{` + good + `},"contact_information":{"name":"N"},"employment":{"agent_group_id":"4001"}}`, "ERR_ARGUMENT_INVALID:agent_group_id"},
		{"employment value", `{"account":{` + good + `},"contact_information":{"name":"N"},"employment":{"employment":"fired"}}`, "ERR_ARGUMENT_INVALID:employment"},
		{"employment empty", `{"account":{` + good + `},"contact_information":{"name":"N"},"employment":{"employment":""}}`, "ERR_ARGUMENT_INVALID:employment"},
		{"start date", `{"account":{` + good + `},"contact_information":{"name":"N"},"employment":{"employment_start":"31.12.2019"}}`, "ERR_ARGUMENT_INVALID:employment_start"},
		{"custom field not text", `{"account":{` + good + `},"contact_information":{"name":"N"},"custom_fields":{"n":1}}`, "ERR_ARGUMENT_INVALID:custom_fields"},
		{"account not an object", `{"account":"x","contact_information":{"name":"N"}}`, "ERR_ARGUMENT_INVALID:account"},
		{"unknown top-level key", `{"account":{` + good + `},"contact_information":{"name":"N"},"id":5}`, "ERR_ARGUMENT_INVALID:id"},
		{"not JSON", `account[username]=x`, "ERR_ARGUMENT_INVALID:json"},
		{"array", `[]`, "ERR_ARGUMENT_INVALID:json"},
		{"two documents", `{} {}`, "ERR_ARGUMENT_INVALID:json"},
		{"taken username", acc(`"username":"` + TestAgentUsername + `","password":"123456","level":"agent"`), "ERR_ARGUMENT_INVALID:username"},
		{"unknown group", `{"account":{` + good + `},"contact_information":{"name":"N"},"employment":{"agent_group_id":9}}`, "ERR_NOT_FOUND:agent_group"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, postJSON(t, s, cmdQ("agent", "create"), tt.body), tt.want) })
	}
	t.Run("query holds only auth, mod, cmd", func(t *testing.T) {
		wantErr(t, postJSON(t, s, cmdQ("agent", "create", "username", "x"), acc(good)), "ERR_ARGUMENT_INVALID:username")
	})
	t.Run("a form body is not JSON", func(t *testing.T) {
		wantErr(t, postForm(t, s, "/create_agent", cmdQ("agent", "create"), "x=1"), "ERR_ARGUMENT_INVALID:json")
	})
	if n := len(s.Agents()); n != 4 {
		t.Fatalf("%d agents, want 4", n)
	}
}

func TestModifyAgent(t *testing.T) {
	s := newServer(t, Options{})
	body := fmt.Sprintf(`{"id":%d,"disable":true,"account":{"lang":7,"username":"mikko.l"},
		"contact_information":{"email":"m@example.fi"},"employment":{"office":"Tampere","employment":""}}`, TestAgent2ID)
	wantOK(t, postJSON(t, s, cmdQ("agent", "modify"), body), `{"success":true}`)
	a, _ := s.Agent(TestAgent2ID)
	if !a.Disabled || a.Lang != 7 || a.Username != "mikko.l" || a.Email != "m@example.fi" || a.Office != "Tampere" ||
		a.Employment != "" || a.Name != TestAgent2Name || a.Password != "fixture-pass" {
		t.Fatalf("after modify: %+v", a)
	}
	// lang as a numeric string, disable back to false.
	wantOK(t, postJSON(t, s, cmdQ("agent", "modify"), fmt.Sprintf(`{"id":%d,"disable":false,"account":{"lang":"14"}}`, TestAgent2ID)), `{"success":true}`)
	if a, _ := s.Agent(TestAgent2ID); a.Disabled || a.Lang != 14 {
		t.Fatalf("after second modify: %+v", a)
	}
	// A seeded agent without a password can still be modified.
	if err := s.Seed([]byte(`{"agents":[{"id":1500,"username":"seeded","name":"Seeded"}]}`)); err != nil {
		t.Fatal(err)
	}
	wantOK(t, postJSON(t, s, cmdQ("agent", "modify"), `{"id":1500,"contact_information":{"city":"Oulu"}}`), `{"success":true}`)

	before := mustJSON(t, s.Agents())
	for _, tt := range []struct{ name, body, want string }{
		{"no id", `{"disable":true}`, "ERR_ARGUMENT_MISSING:id"},
		{"id as string", `{"id":"1001"}`, "ERR_ARGUMENT_INVALID:id"},
		{"unknown id", `{"id":4242}`, "ERR_NOT_FOUND:agent"},
		{"argument errors before lookup", `{"id":4242,"account":{"lang":99}}`, "ERR_ARGUMENT_INVALID:lang"},
		{"disable string", `{"id":1001,"disable":"true"}`, "ERR_ARGUMENT_INVALID:disable"},
		{"taken username", `{"id":1001,"account":{"username":"mikko.l"}}`, "ERR_ARGUMENT_INVALID:username"},
		{"empty name", `{"id":1001,"contact_information":{"name":""}}`, "ERR_ARGUMENT_INVALID:name"},
		{"short password", `{"id":1001,"account":{"password":"abc"}}`, "ERR_ARGUMENT_INVALID:password"},
		{"unknown group", `{"id":1001,"employment":{"agent_group_id":77}}`, "ERR_NOT_FOUND:agent_group"},
		{"custom_fields are create-only", `{"id":1001,"custom_fields":{}}`, "ERR_ARGUMENT_INVALID:custom_fields"},
		{"unknown key", `{"id":1001,"account":{"nickname":"x"}}`, "ERR_ARGUMENT_INVALID:nickname"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, postJSON(t, s, cmdQ("agent", "modify"), tt.body), tt.want) })
	}
	if after := mustJSON(t, s.Agents()); after != before {
		t.Fatalf("refused modifies changed agents:\n%s\nwas\n%s", after, before)
	}
}

func TestCreateCallback(t *testing.T) {
	s := newServer(t, Options{})
	contactID := mkContact(t, s, "phone", "+358401234567", "list", TestListName)
	body := `{
	  "return_callback_id": true,
	  "properties": {"agent": "aino.virtanen", "campaign": "Autumn renewals", "phone": "+358401234567",
	                 "timestamp": "2025-10-14 09:30:00", "type": "private", "comment": "after 9",
	                 "agent_group": "Helsinki team"},
	  "contact": {"fname": "Mikko", "lname": "Laine", "contact_list": "Renewals Q4", "other3": "gold",
	              "companyid": "5001", "city": ""}
	}`
	wantOK(t, postJSON(t, s, cmdQ("call", "create_callback"), body), `{"success":true,"callback_id":90001}`)
	want := Callback{ID: 90001, AgentID: TestAgentID, CampaignID: TestCampaignID, AgentGroupID: TestAgentGroupID,
		Type: "private", Timestamp: "2025-10-14 09:30:00", Phone: "+358401234567", Comment: "after 9",
		Contact: map[string]string{"fname": "Mikko", "lname": "Laine", "other3": "gold"}, ContactListID: TestList2ID,
		CompanyID: TestCompanyID}
	if got := s.Callbacks(); len(got) != 1 || mustJSON(t, got[0]) != mustJSON(t, want) {
		t.Fatalf("callbacks %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
	if n := len(s.Contacts()); n != 1 {
		t.Fatalf("a callback created a contact: %d contacts", n)
	}
	// contactid wins over the other contact values; companyid as a number; no ID wanted.
	body = fmt.Sprintf(`{"return_callback_id":false,"properties":{"agent":"mikko.laine","campaign":"Winback",
		"phone":"040 123","timestamp":"2025-01-02 03:04:05","type":"public"},
		"contact":{"contactid":"%d","contact_list":"No such list","companyid":5001}}`, contactID)
	wantOK(t, postJSON(t, s, cmdQ("call", "create_callback"), body), `{"success":true}`)
	if cb := s.Callbacks()[1]; cb.ContactID != contactID || cb.Contact != nil || cb.ContactListID != 0 || cb.Type != "public" {
		t.Fatalf("second callback %+v", cb)
	}

	props := func(p string) string {
		return `{"return_callback_id":true,"properties":{` + p + `}}`
	}
	const ok = `"agent":"aino.virtanen","campaign":"Autumn renewals","phone":"+358401","timestamp":"2025-10-14 09:30:00","type":"private"`
	for _, tt := range []struct{ name, body, want string }{
		{"empty body", ``, "ERR_ARGUMENT_MISSING:return_callback_id"},
		{"return_callback_id string", `{"return_callback_id":"true","properties":{` + ok + `}}`, "ERR_ARGUMENT_INVALID:return_callback_id"},
		{"no properties", `{"return_callback_id":true}`, "ERR_ARGUMENT_MISSING:properties"},
		{"no agent", props(`"campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_ARGUMENT_MISSING:agent"},
		{"no campaign", props(`"agent":"aino.virtanen","phone":"1","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_ARGUMENT_MISSING:campaign"},
		{"no phone", props(`"agent":"aino.virtanen","campaign":"Winback","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_ARGUMENT_MISSING:phone"},
		{"no timestamp", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","type":"private"`), "ERR_ARGUMENT_MISSING:timestamp"},
		{"no type", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00"`), "ERR_ARGUMENT_MISSING:type"},
		{"ISO timestamp", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","timestamp":"2025-10-14T09:30:00","type":"private"`), "ERR_ARGUMENT_INVALID:timestamp"},
		{"no seconds", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30","type":"private"`), "ERR_ARGUMENT_INVALID:timestamp"},
		{"month 13", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","timestamp":"2025-13-14 09:30:00","type":"private"`), "ERR_ARGUMENT_INVALID:timestamp"},
		{"type", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00","type":"shared"`), "ERR_ARGUMENT_INVALID:type"},
		{"phone number", props(`"agent":"aino.virtanen","campaign":"Winback","phone":358401,"timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_ARGUMENT_INVALID:phone"},
		{"phone text", props(`"agent":"aino.virtanen","campaign":"Winback","phone":"soon","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_ARGUMENT_INVALID:phone"},
		{"unknown property", props(ok + `,"priority":1`), "ERR_ARGUMENT_INVALID:priority"},
		{"contact flattened into properties", props(ok + `,"fname":"x"`), "ERR_ARGUMENT_INVALID:fname"},
		{"contactid number", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"contactid":48001}}`, "ERR_ARGUMENT_INVALID:contactid"},
		{"companyid letters", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"companyid":"acme"}}`, "ERR_ARGUMENT_INVALID:companyid"},
		{"unknown contact key", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"email":"x"}}`, "ERR_ARGUMENT_INVALID:email"},
		{"unknown agent", props(`"agent":"nobody","campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_NOT_FOUND:agent"},
		{"agent by id", props(`"agent":"1001","campaign":"Winback","phone":"1","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_NOT_FOUND:agent"},
		{"unknown campaign", props(`"agent":"aino.virtanen","campaign":"3001","phone":"1","timestamp":"2025-10-14 09:30:00","type":"private"`), "ERR_NOT_FOUND:campaign"},
		{"unknown group", props(ok + `,"agent_group":"Nope"`), "ERR_NOT_FOUND:agent_group"},
		{"unknown contact", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"contactid":"999"}}`, "ERR_NOT_FOUND:contact"},
		{"unknown list", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"contact_list":"Nope"}}`, "ERR_NOT_FOUND:list"},
		{"unknown company", `{"return_callback_id":true,"properties":{` + ok + `},"contact":{"companyid":77}}`, "ERR_NOT_FOUND:company"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, postJSON(t, s, cmdQ("call", "create_callback"), tt.body), tt.want)
		})
	}
	if n := len(s.Callbacks()); n != 2 {
		t.Fatalf("%d callbacks, want 2", n)
	}
}

func TestIDsAndConcurrency(t *testing.T) {
	s := newServer(t, Options{Limit: &emulator.Limit{}})
	const workers, each = 8, 10
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				r, err := s.Client().PostForm(s.URL+"/?"+cmdQ("contact", "add", "return_value", "1"),
					map[string][]string{"phone": {fmt.Sprintf("+35840%02d%02d", w, i)}, "list": {TestListName}})
				if err == nil {
					r.Body.Close()
					if r.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", r.StatusCode)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	cs := s.Contacts()
	if len(cs) != workers*each || cs[0].ID != contactIDBase+1 || cs[len(cs)-1].ID != contactIDBase+workers*each {
		t.Fatalf("%d contacts, ids %d..%d", len(cs), cs[0].ID, cs[len(cs)-1].ID)
	}
	if w := s.Core().Stats().Writes[OpCreateContact]; w != workers*each {
		t.Fatalf("writes %d", w)
	}
}

func TestCredentials(t *testing.T) {
	got := New(Options{}).Credentials()
	want := []string{"api key (auth): " + TestAPIKey, "api key (auth): " + TestAPIKey2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Credentials() = %q, want %q", got, want)
	}
}

func TestNewRefusesBadFixtures(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a 31-character API key")
		}
	}()
	New(Options{Fixtures: &Fixtures{APIKeys: []string{TestAPIKey[:31]}}})
}

// VENDORS.md 1.3 [C: LD-GS]: commands whose data is a JSON document need
// the common parameters (auth, mod, cmd) in the query string; in the JSON
// body they are not read.
func TestJSONCommandsTakeCommonParamsFromTheQuery(t *testing.T) {
	s := newServer(t, Options{})
	body := `{"auth":"` + TestAPIKey + `","mod":"call","cmd":"create_callback","return_callback_id":true,` +
		`"properties":{"agent":"aino.virtanen","campaign":"Autumn renewals","phone":"+358401","timestamp":"2025-10-14 09:30:00","type":"private"}}`
	wantErr(t, postJSON(t, s, "", body), "ERR_AUTHENTICATION")
	wantErr(t, postJSON(t, s, qs("auth", TestAPIKey), body), "ERR_INVALID_MODULE")
	wantErr(t, postJSON(t, s, qs("auth", TestAPIKey, "mod", "call", "cmd", "create_callback"), body), "ERR_ARGUMENT_INVALID:auth")
	if n := len(s.Callbacks()); n != 0 {
		t.Fatalf("%d callbacks stored from refused requests", n)
	}
	// The same document without them, with them in the query: stored.
	body = `{"return_callback_id":true,"properties":{"agent":"aino.virtanen","campaign":"Autumn renewals",` +
		`"phone":"+358401","timestamp":"2025-10-14 09:30:00","type":"private"}}`
	wantOK(t, postJSON(t, s, cmdQ("call", "create_callback"), body), `{"success":true,"callback_id":90001}`)
	// Two callbacks of the same phone and time are two callbacks: LeadDesk
	// does not deduplicate them (VENDORS.md 1.6.2 defines no uniqueness).
	wantOK(t, postJSON(t, s, cmdQ("call", "create_callback"), body), `{"success":true,"callback_id":90002}`)
}

// VENDORS.md 1.6.5 [C: LD-SW]: find answers contact ids and their count,
// never the contacts' fields; the filters narrow it (AND), the list by id.
func TestFindContactAnswersIDsOnly(t *testing.T) {
	s := newServer(t, Options{})
	a := mkContact(t, s, "phone", "+358401110000", "list", TestListName, "fname", "Anna", "email", "a@example.fi")
	b := mkContact(t, s, "phone", "+358401110000", "list", TestList2Name, "fname", "Anna")
	r := postForm(t, s, "/find_contact", cmdQ("contact", "find", "phone", "+358401110000"), "")
	wantOK(t, r, fmt.Sprintf(`{"success":true,"total_count":2,"contact_ids":[%d,%d]}`, a, b))
	r = postForm(t, s, "/find_contact", cmdQ("contact", "find", "phone", "+358401110000", "contact_list_id", strconv.Itoa(TestList2ID)), "")
	wantOK(t, r, fmt.Sprintf(`{"success":true,"total_count":1,"contact_ids":[%d]}`, b))
	// The list by name is not a filter find knows.
	wantErr(t, postForm(t, s, "/find_contact", cmdQ("contact", "find", "phone", "+358401110000", "list", TestListName), ""), "ERR_ARGUMENT_INVALID:list")
	// Not by e-mail either.
	wantErr(t, postForm(t, s, "/find_contact", cmdQ("contact", "find", "email", "a@example.fi"), ""), "ERR_ARGUMENT_INVALID:email")
}
