package tiledesktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"sync"
	"testing"
)

var uuidV4Re = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestLeadLifecycle(t *testing.T) {
	clock := newStepClock()
	s := newServer(t, Options{Now: clock.Now})

	// Create keeps only lead_id, fullname, email and attributes.
	created := create(t, s, `{"lead_id":"crm-000123","fullname":"Giulia Romano","email":"Giulia.Romano@example.it",
		"attributes":{"source":"webform"},"phone":"+393331234567","company":"Romano Srl","tags":["vip"],"status":1000,"id_project":"x","createdBy":"y"}`)
	id, _ := created["_id"].(string)
	if !isObjectID(id) {
		t.Fatalf("_id = %v, want a 24-hex ObjectId", created["_id"])
	}
	want := map[string]any{
		"_id": id, "lead_id": "crm-000123", "fullname": "Giulia Romano", "email": "Giulia.Romano@example.it",
		"attributes": map[string]any{"source": "webform"}, "phone": nil, "tags": []any{}, "status": float64(100),
		"id_project": TestProjectID, "createdBy": TestUserID, "createdAt": created["createdAt"],
		"updatedAt": created["createdAt"], "__v": float64(0),
	}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created =\n%v\nwant\n%v", created, want)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(created["createdAt"].(string)) {
		t.Fatalf("createdAt = %v, want ISO-8601 with milliseconds", created["createdAt"])
	}
	stored, ok := s.Lead(id)
	if !ok || stored.Email != "Giulia.Romano@example.it" || stored.Company != "" || stored.Status != StatusNormal || stored.IDProject != TestProjectID {
		t.Fatalf("stored lead = %+v", stored)
	}

	// Get one, by JWT this time.
	r := send(t, s, request{method: "GET", path: leadsPath + "/" + id, auth: agentJWT})
	if r.status != 200 || !reflect.DeepEqual(r.json(t), created) {
		t.Fatalf("get: %d %s", r.status, r)
	}

	// PUT is partial: null and absent keys are left alone, lead_id is
	// ignored, attributes and tags are replaced, phone is kept as sent.
	r = send(t, s, request{method: "PUT", path: leadsPath + "/" + id, auth: agentBasic,
		body: `{"lead_id":"other","fullname":null,"phone":"333 123","company":"Romano Srl","note":"n","streetAddress":"Via Roma 1",
		"city":"Milano","region":"MI","zipcode":"20100","country":"IT","tags":["vip","b2b"],"attributes":{"score":7}}`})
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r)
	}
	updated := r.json(t)
	for k, v := range map[string]any{"lead_id": "crm-000123", "fullname": "Giulia Romano", "phone": "333 123", "company": "Romano Srl",
		"note": "n", "streetAddress": "Via Roma 1", "city": "Milano", "region": "MI", "zipcode": "20100", "country": "IT",
		"tags": []any{"vip", "b2b"}, "attributes": map[string]any{"score": float64(7)}, "createdAt": created["createdAt"]} {
		if !reflect.DeepEqual(updated[k], v) {
			t.Errorf("after PUT %s = %#v, want %#v", k, updated[k], v)
		}
	}
	if updated["updatedAt"] == created["updatedAt"] {
		t.Errorf("updatedAt did not move")
	}
	if l, _ := s.Lead(id); l.City != "Milano" || !reflect.DeepEqual(l.Tags, []string{"vip", "b2b"}) {
		t.Errorf("stored after PUT = %+v", l)
	}

	// DELETE is soft: status 1000, out of the default list, still gettable.
	r = send(t, s, request{method: "DELETE", path: leadsPath + "/" + id, auth: agentBasic})
	if r.status != 200 || r.json(t)["status"] != float64(StatusDeleted) {
		t.Fatalf("delete: %d %s", r.status, r)
	}
	if l, _ := s.Lead(id); !l.Deleted() {
		t.Fatalf("stored lead not soft-deleted: %+v", l)
	}
	r = send(t, s, request{method: "DELETE", path: leadsPath + "/" + id, auth: agentBasic})
	if r.status != 200 {
		t.Fatalf("second delete: %d %s", r.status, r)
	}
	r = send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic})
	if got := r.json(t); got["count"] != float64(0) || len(got["leads"].([]any)) != 0 {
		t.Fatalf("list after delete = %s", r)
	}
	r = send(t, s, request{method: "GET", path: leadsPath + "?status=1000", auth: agentBasic})
	if got := r.json(t); got["count"] != float64(1) {
		t.Fatalf("list of deleted = %s", r)
	}
	if r = send(t, s, request{method: "GET", path: leadsPath + "/" + id, auth: agentBasic}); r.status != 200 {
		t.Fatalf("get deleted: %d", r.status)
	}

	// PUT with status 100 restores it.
	send(t, s, request{method: "PUT", path: leadsPath + "/" + id, auth: agentBasic, body: `{"status":"100"}`})
	r = send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic})
	if got := r.json(t); got["count"] != float64(1) {
		t.Fatalf("list after restore = %s", r)
	}
	if n := len(s.Leads()); n != 1 {
		t.Fatalf("stored %d leads, want 1", n)
	}
}

func TestCreateBody(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		wantStatus        int
		check             func(t *testing.T, doc map[string]any)
	}{
		{name: "no lead_id gets a UUID v4", body: `{"fullname":"A"}`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if s, _ := d["lead_id"].(string); !uuidV4Re.MatchString(s) {
				t.Errorf("lead_id = %v", d["lead_id"])
			}
			if _, has := d["email"]; has {
				t.Errorf("email present: %v", d)
			}
		}},
		{name: "falsy lead_id gets a UUID", body: `{"lead_id":0}`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if s, _ := d["lead_id"].(string); !uuidV4Re.MatchString(s) {
				t.Errorf("lead_id = %v", d["lead_id"])
			}
		}},
		{name: "numbers are cast to strings", body: `{"lead_id":123,"fullname":42.5,"email":true}`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if d["lead_id"] != "123" || d["fullname"] != "42.5" || d["email"] != "true" {
				t.Errorf("doc = %v", d)
			}
		}},
		{name: "null is stored as null", body: `{"fullname":null,"attributes":null}`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if v, has := d["fullname"]; !has || v != nil {
				t.Errorf("fullname = %v (present %v)", v, has)
			}
			if v, has := d["attributes"]; !has || v != nil {
				t.Errorf("attributes = %v (present %v)", v, has)
			}
		}},
		{name: "array body has no fields", body: `[{"fullname":"A"}]`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if _, has := d["fullname"]; has {
				t.Errorf("doc = %v", d)
			}
		}},
		{name: "form body", ctype: "application/x-www-form-urlencoded", body: "fullname=Form+Lead&email=f%40example.com", wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if d["fullname"] != "Form Lead" || d["email"] != "f@example.com" {
				t.Errorf("doc = %v", d)
			}
		}},
		{name: "other content type is ignored", ctype: "text/plain", body: `{"fullname":"A"}`, wantStatus: 200, check: func(t *testing.T, d map[string]any) {
			if _, has := d["fullname"]; has {
				t.Errorf("doc = %v", d)
			}
		}},
		{name: "malformed JSON", body: `{"fullname":`, wantStatus: 500},
		{name: "non-object JSON", body: `"text"`, wantStatus: 500},
		{name: "object fullname", body: `{"fullname":{"first":"A"}}`, wantStatus: 500},
		{name: "array email", body: `{"email":["a@example.com"]}`, wantStatus: 500},
		{name: "object lead_id", body: `{"lead_id":{"x":1}}`, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, Options{})
			r := send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, ctype: tt.ctype, body: tt.body})
			if tt.wantStatus != 200 {
				wantMsg(t, r, tt.wantStatus, "Error saving object.")
				if n := len(s.Leads()); n != 0 {
					t.Fatalf("stored %d leads after a refused create", n)
				}
				if w := s.Core().Stats().TotalWrites(); w != 0 {
					t.Fatalf("writes = %d after a refused create", w)
				}
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r)
			}
			doc := r.json(t)
			tt.check(t, doc)
			if l, ok := s.Lead(doc["_id"].(string)); !ok || !reflect.DeepEqual(mustRoundTrip(t, l.Doc), doc) {
				t.Fatalf("stored %v, answered %v", l.Doc, doc)
			}
		})
	}
}

func mustRoundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCreateTwiceMakesTwoLeads(t *testing.T) {
	s := newServer(t, Options{})
	a := create(t, s, `{"lead_id":"same","email":"same@example.com"}`)
	b := create(t, s, `{"lead_id":"same","email":"same@example.com"}`)
	if a["_id"] == b["_id"] || len(s.Leads()) != 2 {
		t.Fatalf("ids %v %v, stored %d", a["_id"], b["_id"], len(s.Leads()))
	}
}

func TestGeneratedIDsCountFromBase(t *testing.T) {
	s := newServer(t, Options{})
	a := create(t, s, `{}`)
	b := create(t, s, `{}`)
	if a["_id"] != fmt.Sprintf("66d1e4c0%016x", leadIDBase) || b["_id"] != fmt.Sprintf("66d1e4c0%016x", leadIDBase+1) {
		t.Fatalf("ids %v, %v", a["_id"], b["_id"])
	}
}

func TestUpdateCasts(t *testing.T) {
	s := newServer(t, Options{})
	id := create(t, s, `{"fullname":"Cast Me"}`)["_id"].(string)
	path := leadsPath + "/" + id
	tests := []struct {
		name, body string
		want       map[string]any // keys expected after the update
		fail       bool
	}{
		{name: "single tag becomes an array", body: `{"tags":"vip"}`, want: map[string]any{"tags": []any{"vip"}}},
		{name: "empty tags string is skipped", body: `{"tags":""}`, want: map[string]any{"tags": []any{"vip"}}},
		{name: "empty tags array replaces", body: `{"tags":[]}`, want: map[string]any{"tags": []any{}}},
		{name: "numeric phone becomes text", body: `{"phone":3331234}`, want: map[string]any{"phone": "3331234"}},
		{name: "empty string is written", body: `{"company":""}`, want: map[string]any{"company": ""}},
		{name: "status as text", body: `{"status":"50"}`, want: map[string]any{"status": float64(50)}},
		{name: "object fullname", body: `{"fullname":{"a":1}}`, fail: true},
		{name: "non-numeric status", body: `{"status":"gone"}`, fail: true},
		{name: "tag object", body: `{"tags":[{"a":1}]}`, fail: true},
		{name: "malformed JSON", body: `{`, fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.Lead(id)
			r := send(t, s, request{method: "PUT", path: path, auth: agentBasic, body: tt.body})
			if tt.fail {
				wantMsg(t, r, 500, "Error updating object.")
				if after, _ := s.Lead(id); !reflect.DeepEqual(after, before) {
					t.Fatalf("refused update changed the lead: %+v", after)
				}
				return
			}
			got := r.json(t)
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestByIDErrors(t *testing.T) {
	s := newServer(t, Options{})
	unknown := "66d1e4c0ffffffffffffffff"
	tests := []struct {
		method, id, body string
		status           int
		msg              string
	}{
		{"GET", "not-an-id", "", 500, "Error getting object."},
		{"PUT", "not-an-id", `{"fullname":"x"}`, 500, "Error updating object."},
		{"DELETE", "not-an-id", "", 500, "Error updating object."},
		{"GET", "0123456789abcdef0123456", "", 500, "Error getting object."}, // 23 digits
		{"GET", unknown, "", 404, "Object not found."},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.id, func(t *testing.T) {
			r := send(t, s, request{method: tt.method, path: leadsPath + "/" + tt.id, auth: agentBasic, body: tt.body})
			wantMsg(t, r, tt.status, tt.msg)
		})
	}
	if n := len(s.Leads()); n != 0 {
		t.Fatalf("stored %d leads", n)
	}
}

func TestMissingIDUpsert(t *testing.T) {
	missing := "66d1e4c0aaaaaaaaaaaaaaaa"
	t.Run("default upserts a bare lead", func(t *testing.T) {
		s := newServer(t, Options{})
		r := send(t, s, request{method: "PUT", path: leadsPath + "/" + missing, auth: agentBasic, body: `{"email":"ghost@example.com"}`})
		if r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r)
		}
		got := r.json(t)
		want := map[string]any{"_id": missing, "email": "ghost@example.com", "createdAt": got["createdAt"], "updatedAt": got["updatedAt"], "__v": float64(0)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("upserted = %v, want %v", got, want)
		}
		if _, ok := s.Lead(missing); !ok {
			t.Fatalf("upserted lead not stored")
		}
		if r := send(t, s, request{method: "GET", path: leadsPath + "?email=ghost@example.com", auth: agentBasic}); r.json(t)["count"] != float64(0) {
			t.Fatalf("bare lead is listed: %s", r)
		}
		if r := send(t, s, request{method: "GET", path: leadsPath + "/" + missing, auth: agentBasic}); r.status != 200 {
			t.Fatalf("get upserted: %d", r.status)
		}
		other := "66d1e4c0bbbbbbbbbbbbbbbb"
		r = send(t, s, request{method: "DELETE", path: leadsPath + "/" + other, auth: agentBasic})
		if got := r.json(t); r.status != 200 || got["status"] != float64(StatusDeleted) || got["_id"] != other {
			t.Fatalf("delete of a missing id: %d %s", r.status, r)
		}
	})
	t.Run("NotFoundOnMissing answers 404", func(t *testing.T) {
		s := newServer(t, Options{Vendor: Quirks{NotFoundOnMissing: true}})
		wantMsg(t, send(t, s, request{method: "PUT", path: leadsPath + "/" + missing, auth: agentBasic, body: `{"email":"x@example.com"}`}), 404, "Object not found.")
		wantMsg(t, send(t, s, request{method: "DELETE", path: leadsPath + "/" + missing, auth: agentBasic}), 404, "Object not found.")
		if n := len(s.Leads()); n != 0 || s.Core().Stats().TotalWrites() != 0 {
			t.Fatalf("stored %d leads", n)
		}
	})
}

func TestProjectScope(t *testing.T) {
	for _, faithful := range []bool{false, true} {
		t.Run(fmt.Sprintf("FaithfulScope=%v", faithful), func(t *testing.T) {
			s := newServer(t, Options{Vendor: Quirks{FaithfulScope: faithful}})
			r := send(t, s, request{method: "POST", path: otherPath, auth: agentBasic, body: `{"fullname":"Other"}`})
			id := r.json(t)["_id"].(string)
			cross := leadsPath + "/" + id
			calls := []request{
				{method: "GET", path: cross, auth: agentBasic},
				{method: "PUT", path: cross, auth: agentBasic, body: `{"company":"Changed"}`},
				{method: "DELETE", path: cross, auth: agentBasic},
			}
			for _, c := range calls {
				r := send(t, s, c)
				if faithful {
					if r.status != 200 {
						t.Errorf("%s: %d %s", c.method, r.status, r)
					}
					continue
				}
				wantMsg(t, r, 404, "Object not found.")
			}
			l, _ := s.Lead(id)
			if changed := l.Company == "Changed" && l.Deleted(); changed != faithful {
				t.Fatalf("lead after cross-project calls: %+v", l)
			}
			// The list never crosses projects.
			if r := send(t, s, request{method: "GET", path: leadsPath + "?status=100&status=1000", auth: agentBasic}); r.json(t)["count"] != float64(0) {
				t.Fatalf("list shows another project's lead: %s", r)
			}
		})
	}
}

func TestListPagination(t *testing.T) {
	s := newServer(t, Options{Now: newStepClock().Now})
	for _, name := range []string{"Carla", "Aldo", "Elena", "Bruno", "Dario"} {
		create(t, s, `{"fullname":"`+name+`"}`)
	}
	list := func(query string) response {
		return send(t, s, request{method: "GET", path: leadsPath + query, auth: agentBasic})
	}
	tests := []struct {
		query   string
		perPage float64
		names   []string
	}{
		{"", 40, []string{"Dario", "Bruno", "Elena", "Aldo", "Carla"}},
		{"?limit=2", 2, []string{"Dario", "Bruno"}},
		{"?limit=2&page=1", 2, []string{"Elena", "Aldo"}},
		{"?limit=2&page=2", 2, []string{"Carla"}},
		{"?limit=2&page=3", 2, []string{}},
		{"?direction=1", 40, []string{"Carla", "Aldo", "Elena", "Bruno", "Dario"}},
		{"?sort=fullname&direction=1", 40, []string{"Aldo", "Bruno", "Carla", "Dario", "Elena"}},
		{"?sort=fullname", 40, []string{"Elena", "Dario", "Carla", "Bruno", "Aldo"}},
		{"?sortField=fullname&direction=asc", 40, []string{"Aldo", "Bruno", "Carla", "Dario", "Elena"}},
		{"?sort=createdAt&sortField=fullname&direction=ASC", 40, []string{"Carla", "Aldo", "Elena", "Bruno", "Dario"}},
		{"?limit=0", 0, []string{"Dario", "Bruno", "Elena", "Aldo", "Carla"}},
		{"?limit=3abc", 3, []string{"Dario", "Bruno", "Elena"}},
		{"?limit=-2", -2, []string{"Dario", "Bruno"}},
		{"?page=", 40, []string{"Dario", "Bruno", "Elena", "Aldo", "Carla"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := list(tt.query)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r)
			}
			got := r.json(t)
			if got["perPage"] != tt.perPage || got["count"] != float64(5) {
				t.Errorf("perPage %v count %v", got["perPage"], got["count"])
			}
			if names := leadNames(t, r); !reflect.DeepEqual(names, tt.names) {
				t.Errorf("names %v, want %v", names, tt.names)
			}
		})
	}
	for _, q := range []string{"?direction=up", "?page=abc", "?limit=abc", "?page=-1", "?status=deleted", "?page=0.01"} {
		t.Run(q, func(t *testing.T) { wantMsg(t, list(q), 500, "Error getting object.") })
	}
	t.Run("segment", func(t *testing.T) {
		wantMsg(t, list("?segment=66d1e4c0aaaaaaaaaaaaaaaa"), 404, "Error segment not found")
	})
}

func TestListSortsByStoredCreatedAt(t *testing.T) {
	s := newServer(t, Options{})
	seed := `{"leads":[
		{"fullname":"Middle","id_project":"` + TestProjectID + `","createdAt":"2025-02-01T00:00:00.000Z"},
		{"fullname":"Newest","id_project":"` + TestProjectID + `","createdAt":"2025-03-01T00:00:00.000Z"},
		{"fullname":"Oldest","id_project":"` + TestProjectID + `","createdAt":"2025-01-01T00:00:00.000Z"},
		{"fullname":"NoScore","id_project":"` + TestProjectID + `","attributes":{}},
		{"fullname":"High","id_project":"` + TestProjectID + `","attributes":{"score":9}},
		{"fullname":"Low","id_project":"` + TestProjectID + `","attributes":{"score":2}}]}`
	if err := s.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	r := send(t, s, request{method: "GET", path: leadsPath + "?limit=3&page=1", auth: agentBasic})
	if names := leadNames(t, r); !reflect.DeepEqual(names, []string{"Newest", "Middle", "Oldest"}) {
		t.Fatalf("page 1 by createdAt desc = %v", names)
	}
	r = send(t, s, request{method: "GET", path: leadsPath + "?sort=attributes.score&direction=1&limit=3&page=1", auth: agentBasic})
	if names := leadNames(t, r); !reflect.DeepEqual(names, []string{"NoScore", "Low", "High"}) {
		t.Fatalf("by attributes.score = %v", names)
	}
}

func TestListFilters(t *testing.T) {
	s := newServer(t, Options{})
	create(t, s, `{"fullname":"Giulia Romano","email":"giulia.romano@example.it"}`)
	create(t, s, `{"fullname":"Marco Bianchi","email":"Marco@Example.com"}`)
	create(t, s, `{"fullname":"No Mail"}`)
	create(t, s, `{"email":"nameless@example.com"}`)
	tagged := create(t, s, `{"fullname":"Tagged Lead"}`)["_id"].(string)
	send(t, s, request{method: "PUT", path: leadsPath + "/" + tagged, auth: agentBasic, body: `{"tags":["vip","b2b"]}`})
	gone := create(t, s, `{"fullname":"Gone Romano","email":"gone@example.com"}`)["_id"].(string)
	send(t, s, request{method: "DELETE", path: leadsPath + "/" + gone, auth: agentBasic})
	send(t, s, request{method: "POST", path: otherPath, auth: agentBasic, body: `{"fullname":"Other Romano","email":"giulia.romano@example.it"}`})

	tests := []struct {
		query string
		names []string
	}{
		{"email=giulia.romano@example.it", []string{"Giulia Romano"}},
		{"email=marco@example.com", []string{}}, // exact, case-sensitive
		{"email=Marco@Example.com", []string{"Marco Bianchi"}},
		{"email=nobody@example.com&with_email=1", []string{"", "Marco Bianchi", "Giulia Romano"}},
		{"with_fullname=true", []string{"Tagged Lead", "No Mail", "Marco Bianchi", "Giulia Romano"}},
		{"full_text=romano", []string{"Giulia Romano"}},
		{"full_text=ROMANO+bianchi", []string{"Marco Bianchi", "Giulia Romano"}},
		{"full_text=example", []string{"", "Marco Bianchi", "Giulia Romano"}},
		{"full_text=example+-marco", []string{"", "Giulia Romano"}},
		{"full_text=" + url.QueryEscape(`"giulia.romano@"`), []string{"Giulia Romano"}},
		{"full_text=-marco", []string{}},
		{"tags=vip", []string{"Tagged Lead"}},
		{"tags=vip&tags=b2b", []string{"Tagged Lead"}},
		{"tags=b2b&tags=vip", []string{}},
		{"status=1000", []string{"Gone Romano"}},
		{"status=1000&full_text=romano", []string{"Gone Romano"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := send(t, s, request{method: "GET", path: leadsPath + "?" + tt.query, auth: agentBasic})
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r)
			}
			if names := leadNames(t, r); !reflect.DeepEqual(names, tt.names) {
				t.Errorf("names %v, want %v", names, tt.names)
			}
			if got := r.json(t)["count"]; got != float64(len(tt.names)) {
				t.Errorf("count %v, want %d", got, len(tt.names))
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	s := newServer(t, Options{})
	id := create(t, s, `{"fullname":"Routed"}`)["_id"].(string)
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"without /v3 prefix", request{method: "GET", path: "/" + TestProjectID + "/leads/" + id, auth: agentBasic}, 200},
		{"trailing slash", request{method: "GET", path: leadsPath + "/", auth: agentBasic}, 200},
		{"HEAD of the list", request{method: "HEAD", path: leadsPath, auth: agentBasic}, 200},
		{"unemulated PATCH after auth", request{method: "PATCH", path: leadsPath + "/" + id + "/attributes", auth: agentBasic, body: `{}`}, 404},
		{"unemulated route checks auth first", request{method: "PATCH", path: leadsPath + "/" + id}, 401},
		{"csv export not emulated", request{method: "GET", path: leadsPath + "/csv", auth: agentBasic}, 404},
		{"other resource", request{method: "GET", path: "/v3/" + TestProjectID + "/requests", auth: agentBasic}, 404},
		{"root", request{method: "GET", path: "/"}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, tt.req)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r)
			}
			if tt.status == 404 {
				want := "<pre>Cannot " + tt.req.method + " " + tt.req.path + "</pre>"
				if !regexp.MustCompile(regexp.QuoteMeta(want)).Match(r.body) || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
					t.Fatalf("404 page = %q (%s)", r, r.header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newServer(t, Options{})
	const n = 20
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := trySend(s, request{method: "POST", path: leadsPath, auth: agentJWT, body: fmt.Sprintf(`{"fullname":"L%d"}`, i)})
			if err != nil || r.status != 200 {
				t.Errorf("create %d: %v %d", i, err, r.status)
				return
			}
			var doc map[string]any
			_ = json.Unmarshal(r.body, &doc)
			ids <- doc["_id"].(string)
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if len(seen) != n || len(s.Leads()) != n || s.Core().Stats().Writes[OpCreate] != n {
		t.Fatalf("ids %d, stored %d, writes %v", len(seen), len(s.Leads()), s.Core().Stats().Writes)
	}
}
