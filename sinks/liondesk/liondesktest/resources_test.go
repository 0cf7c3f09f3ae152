package liondesktest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestLeadAndContactSources(t *testing.T) {
	s := newTestServer(t, Options{})
	r := s.as(t, "GET", "/lead-sources?name=Zillow", "")
	if d := r.data(t); len(d) != 1 || compactJSON(t, string(r.body)) != `{"total":1,"limit":10,"skip":0,"data":[{"id":101,"name":"Zillow"}]}` {
		t.Errorf("find lead source: %s", r.body)
	}
	if r := s.as(t, "GET", "/lead-sources?name[$ne]=Zillow", ""); len(r.data(t)) != 6 {
		t.Errorf("$ne: %s", r.body)
	}
	if r := s.as(t, "GET", "/lead-sources/102", ""); r.obj(t)["name"] != "Realtor.com" {
		t.Errorf("get lead source: %s", r.body)
	}
	// Lead sources are the same for every user.
	if r := send(t, s.URL, "GET", "/lead-sources", TestOtherToken, ""); r.obj(t)["total"] != float64(7) {
		t.Errorf("other user's lead sources: %s", r.body)
	}

	// Contact sources: only the caller's own.
	if r := s.as(t, "GET", "/contact-sources?name=Email", ""); compactJSON(t, string(r.body)) != `{"total":1,"limit":10,"skip":0,"data":[{"id":301,"name":"Email","user_id":1001}]}` {
		t.Errorf("find contact source: %s", r.body)
	}
	created := s.mustCreate(t, TestToken, "/contact-sources", `{"name":"Open House"}`)
	if created["user_id"] != float64(TestUserID) || created["name"] != "Open House" {
		t.Errorf("created %v", created)
	}
	cid := id(created)
	if r := s.as(t, "PATCH", "/contact-sources/"+cid, `{"name":"Open House 2","user_id":5}`); r.status != 200 || r.obj(t)["name"] != "Open House 2" || r.obj(t)["user_id"] != float64(TestUserID) {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	if r := send(t, s.URL, "GET", "/contact-sources", TestOtherToken, ""); r.obj(t)["total"] != float64(1) {
		t.Errorf("other user sees: %s", r.body)
	}
	r = s.as(t, "DELETE", "/contact-sources/"+cid, "")
	if r.status != 200 || compactJSON(t, string(r.body)) != `{"id":`+cid+`,"name":"Open House 2","user_id":1001}` {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	for _, cs := range s.ContactSources() {
		if fmt.Sprint(cs.ID) == cid {
			t.Error("deleted source still stored")
		}
	}
	wantError(t, s.as(t, "GET", "/contact-sources/"+cid, ""), 404, "NotFound", "No record found for id '"+cid+"'")
}

func TestContacts(t *testing.T) {
	s := newTestServer(t, Options{})
	body := `{ "source_id": 301, "first_name": "Paul", "last_name": "Allen", "email": "paul@example.com", "mobile_phone": "1(604)555-4572",
		"home_phone": "604-555-0100", "office_phone": "+1 604 555 0199", "company": "Example Corp", "tags": "Pending, VIP", "hotness_id": 12,
		"assigned_user_id": 1002, "birthday": "1955-10-28" }`
	c := s.mustCreate(t, TestToken, "/contacts", body)
	if c["id"] != float64(100001) || c["owner_user_id"] != float64(TestUserID) || c["tags"] != "Pending, VIP" || c["created_at"] != "2025-10-16T09:09:09.000Z" || c["fax"] != nil {
		t.Errorf("created %v", c)
	}
	stored := s.Contacts()
	if len(stored) != 1 || stored[0].MobilePhone != "1(604)555-4572" || stored[0].SourceID != 301 || stored[0].AssignedUserID != 1002 || stored[0].HotnessID != 12 {
		t.Fatalf("stored %+v", stored)
	}

	finds := []struct {
		query string
		want  int
	}{
		{"email=paul@example.com", 1},
		{"email=paul@example.com&mobile_phone=1(604)555-4572", 1},
		{"email=paul%40example.com&mobile_phone=1%28604%29555-4572", 1},
		{"mobile_phone=16045554572", 0},      // exact string only
		{"mobile_phone=1 (604) 555-4572", 0}, // (sent encoded below)
		{"home_phone=604-555-0100", 1},
		{"office_phone=%2B1%20604%20555%200199", 1},
		{"office_phone=+1 604 555 0199", 0}, // '+' is a space in a query string
		{"email=Paul@Example.com", 0},       // exact, case-sensitive
		{"email=other@example.com&mobile_phone=1(604)555-4572", 0},
		{"email[$like]=PAUL%25", 1},
		{"source_id=301&hotness_id=12", 1},
	}
	for _, f := range finds {
		q := strings.ReplaceAll(f.query, " ", "%20")
		if f.query == "office_phone=+1 604 555 0199" {
			q = "office_phone=+1+604+555+0199"
		}
		if got := len(s.as(t, "GET", "/contacts?"+q, "").data(t)); got != f.want {
			t.Errorf("find %s: %d, want %d", f.query, got, f.want)
		}
	}
	// url.Values encodes brackets and percent signs; both forms work.
	v := url.Values{"email[$like]": {"%@example.com"}}
	if got := len(s.as(t, "GET", "/contacts?"+v.Encode(), "").data(t)); got != 1 {
		t.Errorf("url.Values-encoded $like: %d", got)
	}

	cid := id(c)
	r := s.as(t, "GET", "/contacts/"+cid, "")
	if r.status != 200 || r.obj(t)["email"] != "paul@example.com" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	r = s.as(t, "PATCH", "/contacts/"+cid, `{"first_name":"Paula","source_id":0,"id":5,"owner_user_id":1004,"tags":"Closed"}`)
	if m := r.obj(t); r.status != 200 || m["first_name"] != "Paula" || m["source_id"] != nil || m["id"] != float64(100001) || m["owner_user_id"] != float64(TestUserID) || m["last_name"] != "Allen" || m["tags"] != "Closed" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	if got := s.Contacts()[0]; got.FirstName != "Paula" || got.SourceID != 0 || got.Email != "paul@example.com" {
		t.Errorf("stored after patch %+v", got)
	}
	if r := s.as(t, "PATCH", "/contacts/"+cid, `{"source_id":302}`); r.obj(t)["source_id"] != float64(302) {
		t.Errorf("set source: %s", r.body)
	}
	// Finds follow changed dedup keys (they are served from an index).
	s.as(t, "PATCH", "/contacts/"+cid, `{"email":"paula@example.com","mobile_phone":null}`)
	if err := s.Seed([]byte(`{"contacts":[{"email":"paul@example.com","owner_user_id":1001}]}`)); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"email=paul@example.com":                               "100002",
		"email=paula@example.com":                              cid,
		"email=paula@example.com&home_phone=604-555-0100":      cid,
		"mobile_phone=1(604)555-4572":                          "",
		"email[$in]=paula@example.com&email=paula@example.com": cid,
	} {
		got := ""
		for _, d := range s.as(t, "GET", "/contacts?"+q, "").data(t) {
			got += id(d)
		}
		if got != want {
			t.Errorf("after patch, find %s = %q, want %q", q, got, want)
		}
	}

	// Visibility: the North team shares contacts, so teammates see them;
	// the other account does not.
	if got := len(send(t, s.URL, "GET", "/contacts?email=paul@example.com", TestTeammateToken, "").data(t)); got != 1 {
		t.Errorf("teammate sees %d", got)
	}
	if got := len(send(t, s.URL, "GET", "/contacts?email=paul@example.com", TestOtherToken, "").data(t)); got != 0 {
		t.Errorf("stranger sees %d", got)
	}
	wantError(t, send(t, s.URL, "PATCH", "/contacts/"+cid, TestOtherToken, `{"first_name":"X"}`), 404, "NotFound", "")
	// An empty body creates an empty contact: no field is required.
	if e := s.mustCreate(t, TestOtherToken, "/contacts", ""); e["first_name"] != nil || e["owner_user_id"] != float64(TestOtherUserID) {
		t.Errorf("empty contact %v", e)
	}
}

func TestAddresses(t *testing.T) {
	s := newTestServer(t, Options{})
	c := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"A"}`)
	base := "/contacts/" + id(c) + "/addresses"
	a := s.mustCreate(t, TestToken, base, `{"type":"Home","street_address_1":"16215 Alton Pkwy","zip":"92618","city":"Irvine","state":"CA"}`)
	s.mustCreate(t, TestToken, base, `{"type":"Work","zip":90210}`)
	if r := s.as(t, "GET", base+"?type=Home", ""); len(r.data(t)) != 1 {
		t.Errorf("find: %s", r.body)
	}
	if r := s.as(t, "PATCH", base+"/"+id(a), `{"street_address_2":"Suite 5"}`); r.status != 200 || r.obj(t)["street_address_2"] != "Suite 5" || r.obj(t)["city"] != "Irvine" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	other := s.mustCreate(t, TestToken, "/contacts", `{}`)
	wantError(t, s.as(t, "GET", "/contacts/"+id(other)+"/addresses/"+id(a), ""), 404, "NotFound", "No record found for id '"+id(a)+"'")
	if r := s.as(t, "DELETE", base+"/"+id(a), ""); r.status != 200 || r.obj(t)["street_address_2"] != "Suite 5" {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if got := s.Addresses(); len(got) != 1 || got[0].Zip != "90210" || got[0].ContactID != int64(c["id"].(float64)) {
		t.Errorf("addresses %+v", got)
	}
}

func TestPaginationAndSorting(t *testing.T) {
	s := newTestServer(t, Options{})
	for i := 0; i < 25; i++ {
		s.mustCreate(t, TestToken, "/contacts", fmt.Sprintf(`{"first_name":"C%02d","last_name":"%s","hotness_id":%d}`, i, []string{"b", "a", "C"}[i%3], i%4))
	}
	page := func(q string) (map[string]any, []map[string]any) {
		r := s.as(t, "GET", "/contacts?"+q, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		return r.obj(t), r.data(t)
	}
	env, d := page("")
	if env["total"] != float64(25) || env["limit"] != float64(10) || env["skip"] != float64(0) || len(d) != 10 || d[0]["first_name"] != "C00" || d[9]["first_name"] != "C09" {
		t.Errorf("default page: %v", env)
	}
	env, d = page("$limit=5&$skip=20")
	if env["limit"] != float64(5) || env["skip"] != float64(20) || len(d) != 5 || d[0]["first_name"] != "C20" {
		t.Errorf("last page: %v", env)
	}
	env, d = page("$limit=500")
	if env["limit"] != float64(100) || len(d) != 25 {
		t.Errorf("capped: %v", env["limit"])
	}
	env, d = page("$skip=30")
	if env["total"] != float64(25) || len(d) != 0 {
		t.Errorf("past the end: %v", env)
	}
	env, d = page("$limit=0")
	if env["total"] != float64(25) || len(d) != 0 {
		t.Errorf("$limit=0: %v", env)
	}
	// Walking every page sees every record once.
	seen := map[string]bool{}
	for skip := 0; skip < 25; skip += 7 {
		_, d := page(fmt.Sprintf("$limit=7&$skip=%d", skip))
		for _, c := range d {
			seen[id(c)] = true
		}
	}
	if len(seen) != 25 {
		t.Errorf("walked %d records", len(seen))
	}
	_, d = page("$sort[first_name]=-1&$limit=3")
	if d[0]["first_name"] != "C24" || d[2]["first_name"] != "C22" {
		t.Errorf("sort desc: %v", d)
	}
	// Sort keys apply in order; ties fall back to id; strings compare case-insensitively.
	_, d = page("$sort[last_name]=1&$sort[hotness_id]=-1&$limit=100")
	order := ""
	for _, c := range d[:9] {
		order += c["first_name"].(string) + " "
	}
	if order != "C07 C19 C10 C22 C01 C13 C04 C16 C03 " || d[24]["last_name"] != "C" {
		t.Errorf("multi sort: %s… last %v", order, d[24]["last_name"])
	}
	_, d = page("hotness_id[$in][]=1&hotness_id[$in][]=2&$limit=100")
	if len(d) != 12 {
		t.Errorf("$in: %d", len(d))
	}
	_, d = page("hotness_id[$nin]=0&hotness_id[$nin]=1&$limit=100")
	if len(d) != 12 {
		t.Errorf("$nin: %d", len(d))
	}
	_, d = page("id[$gte]=100020&id[$lt]=100023")
	if len(d) != 3 || d[0]["id"] != float64(100020) {
		t.Errorf("range: %v", d)
	}
	_, d = page("first_name[$like]=c_5")
	if len(d) != 2 || d[0]["first_name"] != "C05" || d[1]["first_name"] != "C15" {
		t.Errorf("$like with _: %v", d)
	}
	// Times compare as times, whatever the precision of the query value.
	s.mustCreate(t, TestToken, "/contacts", `{"first_name":"Late","modified_at":"2025-10-17T00:00:00.5Z"}`)
	for q, want := range map[string]int{
		"modified_at[$gt]=2025-10-16T09:09:09Z":       1,
		"modified_at[$gte]=2025-10-16T09:09:09Z":      26,
		"modified_at[$lt]=2025-10-17":                 25,
		"modified_at=2025-10-17T00:00:00.500%2B00:00": 1,
		"created_at[$gt]=2025-10-16T10:09:09%2B02:00": 26,
	} {
		if _, d := page(q + "&$limit=100"); len(d) != want {
			t.Errorf("%s: %d, want %d", q, len(d), want)
		}
	}
	// Paging works the same on the other find endpoints.
	for i := 0; i < 12; i++ {
		s.mustCreate(t, TestToken, "/campaigns", fmt.Sprintf(`{"name":"Drip %d"}`, i))
	}
	if r := s.as(t, "GET", "/campaigns?$skip=10", ""); r.obj(t)["total"] != float64(12) || len(r.data(t)) != 2 {
		t.Errorf("campaign page 2: %s", r.body)
	}
}

func TestCampaignsAndActions(t *testing.T) {
	s := newTestServer(t, Options{})
	raw := s.mustCreateRaw(t, TestToken, "/campaigns", `{ "name": "LionDesk: General Buyer Drip", "is_broker_sharing_on": true }`)
	want := `{"id":20001,"name":"LionDesk: General Buyer Drip","created_at":"2025-10-16T09:09:09.000Z","modified_at":"2025-10-16T09:09:09.000Z","is_broker_sharing_on":true,"is_default":false,"is_shared_by_broker":false}`
	if got := raw.compact(t); got != want {
		t.Errorf("created\n got %s\nwant %s", got, want)
	}
	c := raw.obj(t)
	for _, q := range []string{"name[$like]=%25Buyer%20Drip%25", "name[$like]=%Buyer%", "name%5B%24like%5D=%25general%25", "name[$like]=%25Campaign Name%25"} {
		want := 1
		if strings.Contains(q, "Campaign") {
			want = 0
		}
		if got := len(s.as(t, "GET", "/campaigns?"+strings.ReplaceAll(q, " ", "%20"), "").data(t)); got != want {
			t.Errorf("search %s: %d, want %d", q, got, want)
		}
	}
	// Another user may reuse the name: uniqueness is per user.
	s.mustCreate(t, TestOtherToken, "/campaigns", `{"name":"LionDesk: General Buyer Drip"}`)
	if got := len(s.as(t, "GET", "/campaigns", "").data(t)); got != 1 {
		t.Errorf("sees %d campaigns", got)
	}
	cid := id(c)
	if r := s.as(t, "PATCH", "/campaigns/"+cid, `{"name":"LionDesk: General Buyer Drip","is_broker_sharing_on":false}`); r.status != 200 || r.obj(t)["is_broker_sharing_on"] != false {
		t.Errorf("patch keeping own name: %d %s", r.status, r.body)
	}
	s.mustCreate(t, TestToken, "/campaigns", `{"name":"Seller Drip"}`)
	wantError(t, s.as(t, "PATCH", "/campaigns/"+cid, `{"name":"seller drip"}`), 400, "BadRequest", "already exists")
	if r := s.as(t, "GET", "/campaigns/"+cid, ""); r.obj(t)["name"] != "LionDesk: General Buyer Drip" {
		t.Errorf("get: %s", r.body)
	}

	// Actions, with the seed walkthrough's bodies.
	a1 := s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{ "type": "Email Contact", "assigned_user_id": 1002, "template_metadata_id": 2, "timing_type": "Delay by Day and Time", "delay_by_seconds": null, "delay_by_days": 1, "dispatch_time": "20:30:00", "dispatch_datetime": null, "notes": "", "is_stopped_on_text_reply": false }`)
	if a1["template"] != nil || a1["template_metadata_id"] != float64(2) || a1["dispatch_time"] != "20:30:00" {
		t.Errorf("action %v", a1)
	}
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Agent Task - Text Reminder","timing_type":"Delay by Minutes","delay_by_seconds":600,"notes":"Follow up with the client at 18:30.","assigned_user_id":1003,"is_stopped_on_text_reply":true,"template_metadata_id":0}`)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Text Contact","timing_type":"Exact Date and Time","dispatch_datetime":"2028-09-12T18:31:35Z","template_id":9}`)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Agent Task - No Reminder","timing_type":"Recurring","recurrence":"FREQ=WEEKLY;BYDAY=MO"}`)
	r := s.as(t, "GET", "/campaigns/"+cid+"/actions?$load=template", "")
	d := r.data(t)
	if len(d) != 4 || d[0]["template"] == nil || d[1]["template"] != nil || d[2]["template_metadata_id"] != float64(9) {
		t.Fatalf("actions with template: %s", r.body)
	}
	if tmpl := d[0]["template"].(map[string]any); tmpl["template_metadata_id"] != float64(2) {
		t.Errorf("template %v", tmpl)
	}
	if d := s.as(t, "GET", "/campaigns/"+cid+"/actions?type=Text%20Contact", "").data(t); len(d) != 1 || d[0]["template"] != nil {
		t.Errorf("filtered actions without $load: %v", d)
	}
	if got := s.CampaignActions(); len(got) != 4 || got[2].TemplateMetadataID != 9 || got[0].CampaignID != 20001 {
		t.Errorf("stored actions %+v", got)
	}
	// Actions of another user's campaign are invisible.
	wantError(t, send(t, s.URL, "GET", "/campaigns/"+cid+"/actions", TestOtherToken, ""), 404, "NotFound", "No record found for id '"+cid+"'")
}

// TestLeadSubmissionToMyself follows the walkthrough's "Current User" path.
func TestLeadSubmissionToMyself(t *testing.T) {
	s := newTestServer(t, Options{})
	ls := s.as(t, "GET", "//lead-sources?name=Zillow", "").data(t)[0]
	cs := s.as(t, "GET", "//contact-sources?name=Email", "").data(t)[0]
	camp := s.mustCreate(t, TestToken, "/campaigns", `{"name":"LionDesk: General Buyer Drip","is_broker_sharing_on":true}`)
	cid := id(camp)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Email Contact","assigned_user_id":1002,"template_metadata_id":2,"timing_type":"Delay by Day and Time","delay_by_days":1,"dispatch_time":"20:30:00"}`)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Text Contact","timing_type":"Delay by Minutes","delay_by_seconds":600,"is_stopped_on_text_reply":true}`)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Agent Task - Call Reminder","timing_type":"Exact Date and Time","dispatch_datetime":"2025-12-01T17:00:00.000Z","notes":"Call about the listing"}`)
	s.mustCreate(t, TestToken, "/campaigns/"+cid+"/actions", `{"type":"Agent Task - No Reminder","timing_type":"Delay by Minutes","delay_by_seconds":0,"assigned_user_id":1003}`)

	routes := "//lead-routes?lead_source_id=" + id(ls) + "&contact_source_id=" + id(cs)
	if d := s.as(t, "GET", routes, "").data(t); len(d) != 0 {
		t.Fatalf("routes before setup: %v", d)
	}
	route := s.mustCreateRaw(t, TestToken, "/lead-routes", `{ "campaign_id": `+cid+`, "lead_source_id": `+id(ls)+`, "contact_source_id": `+id(cs)+`, "distribution_target": "Myself", "filter": "Buyer", "team_id": 601, "team_selection_method": "Specific Team" }`)
	wantRoute := `{"id":25001,"distribution_target":"Myself","filter":"Buyer","team_selection_method":null,"team":null,"campaign":{"id":20001,"name":"LionDesk: General Buyer Drip"},"lead_source":{"id":101,"name":"Zillow"},"contact_source":{"id":301,"name":"Email"}}`
	if got := route.compact(t); got != wantRoute {
		t.Errorf("route (Myself forces team null)\n got %s\nwant %s", got, wantRoute)
	}
	if d := s.as(t, "GET", routes, "").data(t); len(d) != 1 || id(d[0]) != "25001" {
		t.Errorf("route find: %v", d)
	}

	find := "//contacts?email=paul@example.com&mobile_phone=1(604)555-4572"
	if d := s.as(t, "GET", find, "").data(t); len(d) != 0 {
		t.Fatal("contact exists before creation")
	}
	contact := s.mustCreate(t, TestToken, "//contacts", `{ "source_id": 301, "first_name": "Paul", "last_name": "Allen", "email": "paul@example.com", "mobile_phone": "1(604)555-4572", "company": "Example Corp", "tags": "Pending", "hotness_id": 12, "assigned_user_id": 1002 }`)
	if d := s.as(t, "GET", find, "").data(t); len(d) != 1 || id(d[0]) != id(contact) {
		t.Fatal("created contact not found")
	}

	leadRaw := s.mustCreateRaw(t, TestToken, "/leads", `{ "contact_id": `+id(contact)+`, "source_id": 101, "text_body": "Lead from Zillow", "mls_id": 2000, "listing_status": "For Sale", "listing_price": "10000000", "street_address": "16215 Alton Pkwy", "city": "Irvine", "state": "CA", "type": "Buyer" }`)
	lead := leadRaw.obj(t)
	wantLead := `{"id":200001,"contact_id":100001,"source_id":101,"claimed_via":"Auto","text_body":"Lead from Zillow","html_body":null,"mls_id":2000,"listing_status":"For Sale","listing_price":"10000000","street_address":"16215 Alton Pkwy","address_1":"16215 Alton Pkwy","city":"Irvine","state":"CA","zipcode":null,"type":"Buyer","distribution_target":"Myself","claimed_by_user_id":1001,"claimed_at":"2025-10-16T09:09:09.000Z","time_to_claim":0}`
	if got := leadRaw.compact(t); got != wantLead {
		t.Errorf("lead\n got %s\nwant %s", got, wantLead)
	}
	if r := s.as(t, "GET", "/leads/"+id(lead), ""); r.status != 200 || compactJSON(t, string(r.body)) != wantLead {
		t.Errorf("get lead: %d %s", r.status, r.body)
	}
	if l := s.Leads(); len(l) != 1 || l[0].LeadRouteID != 25001 || l[0].MLSID != "2000" || l[0].ListingPrice != "10000000" || l[0].OwnerUserID != TestUserID {
		t.Errorf("stored lead %+v", l)
	}
	wantError(t, s.as(t, "POST", "/leads/"+id(lead)+"/offers", "{}"), 400, "BadRequest", "not distributed by Team Rollout")

	ccRaw := s.mustCreateRaw(t, TestToken, "/campaigns/"+cid+"/contacts", `{ "contact_id": `+id(contact)+` }`)
	cc := ccRaw.obj(t)
	if got := ccRaw.compact(t); got != `{"id":22001,"campaign_id":20001,"contact_id":100001}` {
		t.Errorf("campaign contact %s", got)
	}
	wantError(t, s.as(t, "POST", "/campaigns/"+cid+"/contacts", `{"contact_id":`+id(contact)+`}`), 400, "BadRequest", "already in campaign")

	r := s.as(t, "GET", "/contacts/"+id(contact)+"/campaign-communications?campaign_name[$like]=%25Buyer%20Drip%25", "")
	comms := r.data(t)
	if len(comms) != 2 {
		t.Fatalf("communications: %s", r.body)
	}
	wantComm := `{"id":23001,"campaign_name":"LionDesk: General Buyer Drip","type":"Email Contact","is_stopped_on_text_reply":false,"template_subject":"Template 2","template_name":"Template 2","template_folder_name":"Campaign Templates","is_active":true,"send_at":"2025-10-17T20:30:00.000Z","completed_at":null,"send_from_user_id":1002,"completing_user_id":null}`
	if got := r.compact(t); !strings.Contains(got, `"data":[`+wantComm+`,`) {
		t.Errorf("communication\n got %s\nwant %s", got, wantComm)
	}
	if comms[1]["type"] != "Text Contact" || comms[1]["send_at"] != "2025-10-16T09:19:09.000Z" || comms[1]["send_from_user_id"] != float64(TestUserID) || comms[1]["template_name"] != nil || comms[1]["is_stopped_on_text_reply"] != true {
		t.Errorf("second communication %v", comms[1])
	}
	if d := s.as(t, "GET", "/contacts/"+id(contact)+"/campaign-communications?campaign_name[$like]=%25Seller%25", "").data(t); len(d) != 0 {
		t.Errorf("filter by campaign name: %v", d)
	}

	tasks := s.as(t, "GET", "/tasks?campaign_contact_id="+id(cc), "").data(t)
	if len(tasks) != 2 {
		t.Fatalf("tasks %v", tasks)
	}
	if tasks[0]["action_type"] != "Agent Task - Call Reminder" || tasks[0]["reminder_type"] != "Agent Task - Call Reminder" || tasks[0]["due_at"] != "2025-12-01T17:00:00.000Z" ||
		tasks[0]["description"] != "Call about the listing" || tasks[0]["status"] != "incomplete" || tasks[0]["contact_id"] != float64(100001) || tasks[0]["owner_user_id"] != float64(TestUserID) {
		t.Errorf("task 1 %v", tasks[0])
	}
	if tasks[1]["description"] != "LionDesk: General Buyer Drip: Agent Task - No Reminder" || tasks[1]["assigned_user_id"] != float64(TestSecondTeammateID) || tasks[1]["due_at"] != "2025-10-16T09:09:09.000Z" {
		t.Errorf("task 2 %v", tasks[1])
	}
	// The assignee sees the task assigned to them by someone else.
	if d := send(t, s.URL, "GET", "/tasks?owner_user_id[$ne]=1003&assigned_user_id=1003", "", "").status; d != 401 {
		t.Errorf("unauthenticated tasks: %d", d)
	}
	if got := len(s.Tasks()); got != 2 {
		t.Errorf("stored tasks %d", got)
	}
	if got := len(s.Communications()); got != 2 || s.Communications()[0].CampaignContactID != 22001 {
		t.Errorf("stored communications %+v", s.Communications())
	}

	// Communications can be deactivated; nothing else of them is writeable.
	path := "/contacts/" + id(contact) + "/campaign-communications/" + id(comms[1])
	r = s.as(t, "PATCH", path, `{"is_active":false,"campaign_name":"ignored"}`)
	if m := r.obj(t); r.status != 200 || m["is_active"] != false || m["campaign_name"] != "LionDesk: General Buyer Drip" {
		t.Errorf("patch communication: %d %s", r.status, r.body)
	}
	if r := s.as(t, "GET", path, ""); r.obj(t)["is_active"] != false {
		t.Errorf("get communication: %s", r.body)
	}
	if d := s.as(t, "GET", "/contacts/"+id(contact)+"/campaign-communications?is_active=true", "").data(t); len(d) != 1 {
		t.Errorf("is_active filter: %v", d)
	}
	wantError(t, s.as(t, "PATCH", path, `{"is_active":"no"}`), 400, "BadRequest", "must be a boolean")
}

// TestLeadSubmissionToTeams follows the walkthrough's "Members of a Team"
// path, by specific team and by zipcode.
func TestLeadSubmissionToTeams(t *testing.T) {
	s := newTestServer(t, Options{})
	camp := s.mustCreate(t, TestToken, "/campaigns", `{"name":"Team Drip"}`)
	contact := s.mustCreate(t, TestToken, "/contacts", `{"source_id":301,"first_name":"Mary","last_name":"Jackson","email":"mary@example.com"}`)
	route := s.mustCreate(t, TestToken, "/lead-routes", `{ "team_id": 601, "campaign_id": `+id(camp)+`, "lead_source_id": 101, "contact_source_id": 301, "distribution_target": "Team Rollout", "team_selection_method": "Specific Team", "filter": "Buyer" }`)
	team := route["team"].(map[string]any)
	if team["id"] != float64(601) || team["is_sharing_contacts"] != float64(1) || team["order_method"] != float64(1) || team["mins_until_next_alert"] != float64(5) {
		t.Errorf("route team %v", team)
	}
	leadBody := `{ "contact_id": ` + id(contact) + `, "source_id": 101, "zipcode": 92618, "type": "Buyer" }`

	// Without distribution options there is nobody to offer to.
	lead := s.mustCreate(t, TestToken, "/leads", leadBody)
	if lead["distribution_target"] != "Team Rollout" || lead["claimed_by_user_id"] != nil || lead["claimed_via"] != "None" {
		t.Errorf("team lead %v", lead)
	}
	wantError(t, s.as(t, "POST", "/leads/"+id(lead)+"/offers", ""), 400, "BadRequest", "no team member distribution options")

	if d := s.as(t, "GET", "//team-member-distribution-options?team_id=601", "").data(t); len(d) != 0 {
		t.Fatalf("options before setup: %v", d)
	}
	s.mustCreate(t, TestToken, "//team-member-distribution-options", `{ "team_id": 601, "user_id": 1003, "rank": 2, "mins_until_lead_offer": 5, "assign_automatically": false, "has_call_alert": false, "has_text_alert": true, "has_email_alert": true }`)
	s.mustCreate(t, TestToken, "//team-member-distribution-options", `{ "team_id": 601, "user_id": 1002, "rank": 1, "mins_until_lead_offer": 5, "assign_automatically": true, "has_call_alert": true, "has_text_alert": false, "has_email_alert": true }`)
	paused := s.mustCreate(t, TestToken, "//team-member-distribution-options", `{ "team_id": 601, "user_id": 1001, "rank": 3, "assign_automatically": true }`)
	if d := s.as(t, "GET", "//team-member-distribution-options?team_id=601", "").data(t); len(d) != 3 {
		t.Errorf("options: %v", d)
	}
	// Options of a team the caller did not create are not visible.
	if d := send(t, s.URL, "GET", "/team-member-distribution-options", TestTeammateToken, "").data(t); len(d) != 0 {
		t.Errorf("teammate sees options: %v", d)
	}

	r := s.as(t, "POST", "//leads/"+id(lead)+"/offers", "")
	if r.status != 201 {
		t.Fatalf("offers: %d %s", r.status, r.body)
	}
	offers := r.list(t)
	wantFirst := `{"id":250001,"rank":"1","notify_at":"2025-10-16T09:09:09.000Z","status":"Pending","assign_automatically":"true","has_call_alert":"true","has_text_alert":"false","has_email_alert":"true",` +
		`"team":{"id":601,"name":"North Team"},"lead":{"id":200001,"distribution_target":"Team Rollout","contact":{"id":100001,"first_name":"Mary","last_name":"Jackson"}},` +
		`"user":{"id":1002,"first_name":"Dora","last_name":"Vaughan","email":"dora@example.com"}}`
	if len(offers) != 2 {
		t.Fatalf("want 2 offers (paused member skipped): %s", r.body)
	}
	if got := r.compact(t); !strings.HasPrefix(got, "["+wantFirst+",") {
		t.Errorf("offer 1\n got %s\nwant %s", got, wantFirst)
	}
	if offers[1]["rank"] != "2" || offers[1]["notify_at"] != "2025-10-16T09:14:09.000Z" || offers[1]["assign_automatically"] != "false" {
		t.Errorf("offer 2 %v", offers[1])
	}
	if got := s.LeadOffers(); len(got) != 2 || got[0].UserID != 1002 || got[0].LeadID != 200001 || !got[0].HasCallAlert {
		t.Errorf("stored offers %+v", got)
	}
	wantError(t, s.as(t, "POST", "/leads/"+id(lead)+"/offers", "{}"), 400, "BadRequest", "already been sent")

	// Changing a distribution option, then the team's order method.
	if r := s.as(t, "PATCH", "/team-member-distribution-options/"+id(paused), `{"has_email_alert":true,"rank":0}`); r.status != 200 || r.obj(t)["has_email_alert"] != true {
		t.Errorf("patch option: %d %s", r.status, r.body)
	}
	wantError(t, s.as(t, "PATCH", "/team-member-distribution-options/"+id(paused), `{"user_id":1002}`), 400, "BadRequest", "already has distribution options")
	if r := s.as(t, "PATCH", "/teams/601", `{"order_method":"Time","mins_until_next_alert":9}`); r.obj(t)["mins_until_next_alert"] != float64(0) || r.obj(t)["order_method"] != "Time" {
		t.Errorf("Time zeroes mins_until_next_alert: %s", r.body)
	}
	lead2 := s.mustCreate(t, TestToken, "/leads", leadBody)
	offers = s.as(t, "POST", "/leads/"+id(lead2)+"/offers", "").list(t)
	if len(offers) != 3 || offers[0]["user"].(map[string]any)["id"] != float64(1001) || offers[0]["notify_at"] != "2025-10-16T09:09:09.000Z" || offers[1]["notify_at"] != "2025-10-16T09:14:09.000Z" {
		t.Errorf("Time-ordered offers %v", offers)
	}
	if r := s.as(t, "PATCH", "/teams/601", `{"order_method":"Rank","mins_until_next_alert":5}`); r.status != 200 {
		t.Fatalf("back to Rank: %d", r.status)
	}
	for _, o := range s.DistributionOptions() {
		if o.MinsUntilLeadOffer != 0 {
			t.Errorf("Rank did not zero option %d: %+v", o.ID, o)
		}
	}

	// By zipcode: 90210 belongs to the South team (created by 1002, 1001 a member).
	zipRoute := s.mustCreate(t, TestToken, "/lead-routes", `{ "team_id": 601, "campaign_id": `+id(camp)+`, "lead_source_id": 102, "contact_source_id": 0, "distribution_target": "Team Rollout", "team_selection_method": "Zipcode" }`)
	if zipRoute["team"] != nil || zipRoute["contact_source"] != nil || zipRoute["team_selection_method"] != "Zipcode" {
		t.Errorf("zipcode route %v", zipRoute)
	}
	zipLead := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(contact)+`,"source_id":102,"zipcode":"90210"}`)
	if zipLead["distribution_target"] != "Team Rollout" {
		t.Fatalf("zip lead %v", zipLead)
	}
	wantError(t, s.as(t, "POST", "/leads/"+id(zipLead)+"/offers", ""), 400, "BadRequest", "Team 602 has no team member distribution options")
	s.mustCreate(t, TestTeammateToken, "/team-member-distribution-options", `{"team_id":602,"user_id":1001,"mins_until_lead_offer":15,"assign_automatically":true,"has_text_alert":true}`)
	offers = s.as(t, "POST", "/leads/"+id(zipLead)+"/offers", "").list(t)
	if len(offers) != 1 || offers[0]["team"].(map[string]any)["id"] != float64(602) || offers[0]["notify_at"] != "2025-10-16T09:24:09.000Z" || offers[0]["rank"] != nil {
		t.Errorf("zip offers %v", offers)
	}
	noZip := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(contact)+`,"source_id":102,"zipcode":"10001"}`)
	wantError(t, s.as(t, "POST", "/leads/"+id(noZip)+"/offers", ""), 400, "BadRequest", "No team has distribution zipcode 10001")

	// A lead that matches no route is not distributed.
	plain := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(contact)+`,"source_id":103}`)
	if plain["distribution_target"] != nil || plain["claimed_by_user_id"] != nil {
		t.Errorf("unrouted lead %v", plain)
	}
	wantError(t, s.as(t, "POST", "/leads/"+id(plain)+"/offers", ""), 400, "BadRequest", "not distributed by Team Rollout")
	// The route filter must match the lead's type.
	seller := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(contact)+`,"source_id":101,"type":"Seller"}`)
	if seller["distribution_target"] != nil {
		t.Errorf("filtered-out lead routed: %v", seller)
	}
}

func TestLeadRouteRules(t *testing.T) {
	s := newTestServer(t, Options{})
	camp := s.mustCreate(t, TestToken, "/campaigns", `{"name":"Drip"}`)
	contact := s.mustCreate(t, TestToken, "/contacts", `{"source_id":302}`)
	general := s.mustCreate(t, TestToken, "/lead-routes", `{"campaign_id":`+id(camp)+`,"lead_source_id":101,"contact_source_id":0,"distribution_target":"Team Rollout","team_selection_method":"Specific Team","team_id":602}`)
	specific := s.mustCreate(t, TestToken, "/lead-routes", `{"campaign_id":`+id(camp)+`,"lead_source_id":101,"contact_source_id":302,"distribution_target":"Myself"}`)
	lead := s.mustCreate(t, TestToken, "/leads", `{"contact_id":`+id(contact)+`,"source_id":101}`)
	if lead["distribution_target"] != "Myself" || s.Leads()[0].LeadRouteID != int64(specific["id"].(float64)) {
		t.Errorf("most specific route not chosen: %v", lead)
	}
	// Zipcode clears the team; Myself clears team and method.
	r := s.as(t, "PATCH", "/lead-routes/"+id(general), `{"team_selection_method":"Zipcode"}`)
	if m := r.obj(t); r.status != 200 || m["team"] != nil || m["team_selection_method"] != "Zipcode" {
		t.Errorf("patch to Zipcode: %d %s", r.status, r.body)
	}
	if got := s.LeadRoutes()[0]; got.TeamID != 0 {
		t.Errorf("stored team %d", got.TeamID)
	}
	r = s.as(t, "PATCH", "/lead-routes/"+id(general), `{"distribution_target":"Myself"}`)
	if m := r.obj(t); m["team_selection_method"] != nil || m["distribution_target"] != "Myself" {
		t.Errorf("patch to Myself: %s", r.body)
	}
	wantError(t, s.as(t, "PATCH", "/lead-routes/"+id(general), `{"distribution_target":"Team Rollout","team_selection_method":"Specific Team"}`), 400, "BadRequest", "team_id is required")
	if r := s.as(t, "GET", "/lead-routes/"+id(general), ""); r.obj(t)["distribution_target"] != "Myself" {
		t.Errorf("refused patch changed the route: %s", r.body)
	}
	// Routes belong to their creator.
	wantError(t, send(t, s.URL, "GET", "/lead-routes/"+id(general), TestTeammateToken, ""), 404, "NotFound", "")
	if d := send(t, s.URL, "GET", "/lead-routes", TestTeammateToken, "").data(t); len(d) != 0 {
		t.Errorf("teammate sees routes %v", d)
	}
	if d := s.as(t, "GET", "/lead-routes?distribution_target=Myself&$sort[id]=-1", "").data(t); len(d) != 2 || id(d[0]) != id(specific) {
		t.Errorf("route find %v", d)
	}
}

func TestTeams(t *testing.T) {
	s := newTestServer(t, Options{})
	r := s.as(t, "GET", "/teams", "")
	if d := r.data(t); len(d) != 2 || d[0]["name"] != "North Team" || d[1]["name"] != "South Team" {
		t.Errorf("teams: %s", r.body)
	}
	if _, ok := r.data(t)[0]["owner_user_id"]; ok {
		t.Error("undocumented owner shown")
	}
	team := s.mustCreate(t, TestToken, "/teams", `{"name":"Rockstar","order_method":"Time","mins_until_next_alert":7,"distribution_zipcodes":"","is_contact_resource_sharing_enabled":true}`)
	if team["mins_until_next_alert"] != float64(0) || team["order_method"] != "Time" || team["distribution_zipcodes"] != "" {
		t.Errorf("created %v", team)
	}
	blizzard := s.mustCreate(t, TestToken, "/teams", `{"name":"Blizzard"}`)
	if blizzard["order_method"] != "Rank" || blizzard["is_contact_resource_sharing_enabled"] != false {
		t.Errorf("defaults %v", blizzard)
	}
	if r := s.as(t, "PATCH", "/teams/"+id(blizzard), `{"distribution_zipcodes":"32899","mins_until_next_alert":5}`); r.status != 200 || r.obj(t)["distribution_zipcodes"] != "32899" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	if got := s.Teams(); len(got) != 5 || got[4].OwnerUserID != TestUserID || len(got[4].MemberIDs) != 1 {
		t.Errorf("stored teams %+v", got)
	}
	if d := send(t, s.URL, "GET", "/teams?name[$like]=%25o%25", TestTeammateToken, "").data(t); len(d) != 2 {
		t.Errorf("teammate sees %d teams", len(d))
	}
	if r := s.as(t, "GET", "/teams/602", ""); r.status != 200 {
		t.Errorf("member cannot read team: %d", r.status)
	}
}

func TestTasks(t *testing.T) {
	s := newTestServer(t, Options{})
	c := s.mustCreate(t, TestToken, "/contacts", `{"first_name":"A"}`)
	task := s.mustCreate(t, TestToken, "/tasks", `{"contact_id":`+id(c)+`,"reminder_type":"Call Contact","description":"Call back","status":"incomplete","due_at":"2025-10-20T15:00:00Z","assigned_user_id":1002,"notes":"n","is_important":true}`)
	if task["action_type"] != "Call Contact" || task["reminder_type"] != "Call Contact" || task["due_at"] != "2025-10-20T15:00:00.000Z" || task["owner_user_id"] != float64(TestUserID) ||
		task["completed_at"] != nil || task["campaign_contact_id"] != nil || task["is_important"] != true || task["created_at"] != "2025-10-16T09:09:09.000Z" {
		t.Errorf("task %v", task)
	}
	done := s.mustCreate(t, TestToken, "/tasks", `{"action_type":"None","description":"Done already","status":"complete"}`)
	if done["completed_at"] != "2025-10-16T09:09:09.000Z" || done["completing_user_id"] != float64(TestUserID) || done["assigned_user_id"] != float64(0) {
		t.Errorf("complete task %v", done)
	}
	// The teammate sees the task assigned to them by someone else.
	r := send(t, s.URL, "GET", "/tasks?owner_user_id[$ne]=1002&assigned_user_id=1002", TestTeammateToken, "")
	if d := r.data(t); len(d) != 1 || id(d[0]) != id(task) {
		t.Errorf("assigned tasks: %s", r.body)
	}
	if d := send(t, s.URL, "GET", "/tasks", TestOtherToken, "").data(t); len(d) != 0 {
		t.Errorf("stranger sees tasks %v", d)
	}
	if d := s.as(t, "GET", "/tasks?status=complete", "").data(t); len(d) != 1 {
		t.Errorf("status filter %v", d)
	}
	if got := s.Tasks(); len(got) != 2 || got[0].AssignedUserID != 1002 || got[0].ContactID != int64(c["id"].(float64)) {
		t.Errorf("stored %+v", got)
	}
	wantError(t, s.as(t, "POST", "/tasks", `{"action_type":"None","description":"d","status":"incomplete","assigned_user_id":1004}`), 400, "BadRequest", "member of one of your teams")
}

func TestIDsAreDistinctPerType(t *testing.T) {
	s := newTestServer(t, Options{})
	ids := map[string]string{
		"/contacts":        "100001",
		"/campaigns":       "20001",
		"/teams":           "604",
		"/contact-sources": "305",
	}
	for path, want := range ids {
		body := `{"name":"N"}`
		if path == "/contacts" {
			body = `{}`
		}
		if got := id(s.mustCreate(t, TestToken, path, body)); got != want {
			t.Errorf("%s: first id %s, want %s", path, got, want)
		}
	}
}
