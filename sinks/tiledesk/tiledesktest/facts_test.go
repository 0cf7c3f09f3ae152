package tiledesktest

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedLeadFacts holds the emulator to every fact VENDORS.md
// section 2 marks [C] about leads, one subtest per fact, with raw HTTP.
func TestDocumentedLeadFacts(t *testing.T) {
	fresh := func(t *testing.T) *Server { return newServer(t, Options{Now: newStepClock().Now}) }
	get := func(t *testing.T, s *Server, path string) response {
		t.Helper()
		return send(t, s, request{method: "GET", path: path, auth: agentBasic})
	}
	put := func(t *testing.T, s *Server, id, body string) map[string]any {
		t.Helper()
		r := send(t, s, request{method: "PUT", path: leadsPath + "/" + id, auth: agentBasic, body: body})
		if r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r)
		}
		return r.json(t)
	}

	// 2.4 POST: only lead_id, fullname, email and attributes are used;
	// every other field is ignored on create.
	ignored := map[string]string{
		"phone": `"+393331234567"`, "company": `"Romano Srl"`, "note": `"n"`, "streetAddress": `"Via Roma 1"`,
		"city": `"Milano"`, "region": `"MI"`, "zipcode": `"20100"`, "country": `"IT"`, "tags": `["vip"]`,
		"status": `1000`, "properties": `{"a":1}`,
	}
	for field, value := range ignored {
		t.Run("create ignores "+field, func(t *testing.T) {
			s := fresh(t)
			doc := create(t, s, `{"email":"a@example.com",`+fmt.Sprintf("%q", field)+`:`+value+`}`)
			stored, _ := s.Lead(doc["_id"].(string))
			switch field {
			case "phone":
				if v, has := stored.Doc["phone"]; !has || v != nil {
					t.Fatalf("phone = %#v, want null", v)
				}
			case "tags":
				if !reflect.DeepEqual(stored.Doc["tags"], []any{}) {
					t.Fatalf("tags = %#v, want []", stored.Doc["tags"])
				}
			case "status":
				if stored.Status != StatusNormal {
					t.Fatalf("status = %d, want 100", stored.Status)
				}
			default:
				if v, has := stored.Doc[field]; has {
					t.Fatalf("%s stored as %#v", field, v)
				}
			}
		})
	}
	t.Run("create keeps lead_id fullname email attributes", func(t *testing.T) {
		s := fresh(t)
		doc := create(t, s, `{"lead_id":"crm-1","fullname":"Giulia Romano","email":"Giulia@Example.IT","attributes":{"source":"webform","n":7}}`)
		want := map[string]any{"lead_id": "crm-1", "fullname": "Giulia Romano", "email": "Giulia@Example.IT",
			"attributes": map[string]any{"source": "webform", "n": float64(7)}}
		for k, v := range want {
			if !reflect.DeepEqual(doc[k], v) {
				t.Errorf("%s = %#v, want %#v (email is stored as sent)", k, doc[k], v)
			}
		}
	})
	t.Run("create without lead_id generates a UUID v4", func(t *testing.T) {
		doc := create(t, fresh(t), `{"email":"a@example.com"}`)
		if !uuidV4Re.MatchString(fmt.Sprint(doc["lead_id"])) {
			t.Fatalf("lead_id = %v", doc["lead_id"])
		}
	})
	t.Run("create sets createdBy status id_project timestamps", func(t *testing.T) {
		doc := create(t, fresh(t), `{"createdBy":"x","id_project":"y"}`)
		if doc["createdBy"] != TestUserID || doc["id_project"] != TestProjectID || doc["status"] != float64(100) || doc["__v"] != float64(0) {
			t.Fatalf("doc = %v", doc)
		}
		iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
		if !iso.MatchString(fmt.Sprint(doc["createdAt"])) || doc["createdAt"] != doc["updatedAt"] {
			t.Fatalf("createdAt %v updatedAt %v", doc["createdAt"], doc["updatedAt"])
		}
		if !isObjectID(fmt.Sprint(doc["_id"])) {
			t.Fatalf("_id = %v, want 24 hex digits", doc["_id"])
		}
	})
	t.Run("create refuses no duplicate lead_id or email", func(t *testing.T) {
		s := fresh(t)
		create(t, s, `{"lead_id":"same","email":"same@example.com"}`)
		create(t, s, `{"lead_id":"same","email":"same@example.com"}`)
		if r := get(t, s, leadsPath+"?email=same@example.com"); r.json(t)["count"] != float64(2) {
			t.Fatalf("list = %s", r)
		}
	})

	// 2.4 PUT: partial update of the documented fields.
	t.Run("put sets every updatable field and leaves the others", func(t *testing.T) {
		s := fresh(t)
		id := create(t, s, `{"lead_id":"crm-1","fullname":"Giulia","email":"g@example.com","attributes":{"a":"1","b":"2"}}`)["_id"].(string)
		doc := put(t, s, id, `{"lead_id":"changed","phone":"040 123","company":"C","note":"N","streetAddress":"S","city":"Ci",
			"region":"R","zipcode":"Z","country":"Co","tags":["x","y"],"attributes":{"b":"3"},"email":"G@Example.com"}`)
		want := map[string]any{"lead_id": "crm-1", "fullname": "Giulia", "phone": "040 123", "company": "C", "note": "N",
			"streetAddress": "S", "city": "Ci", "region": "R", "zipcode": "Z", "country": "Co", "tags": []any{"x", "y"},
			"attributes": map[string]any{"b": "3"}, "email": "G@Example.com"}
		for k, v := range want {
			if !reflect.DeepEqual(doc[k], v) {
				t.Errorf("after PUT %s = %#v, want %#v", k, doc[k], v)
			}
		}
		if stored, _ := s.Lead(id); !reflect.DeepEqual(mustRoundTrip(t, stored.Doc), doc) {
			t.Fatalf("the answer is not the updated lead:\n%v\n%v", stored.Doc, doc)
		}
	})
	t.Run("put replaces the whole attributes object", func(t *testing.T) {
		s := fresh(t)
		id := create(t, s, `{"attributes":{"source":"webform","score":7}}`)["_id"].(string)
		if doc := put(t, s, id, `{"attributes":{"score":8}}`); !reflect.DeepEqual(doc["attributes"], map[string]any{"score": float64(8)}) {
			t.Fatalf("attributes = %v", doc["attributes"])
		}
	})
	t.Run("put stores phone as sent and status as a number", func(t *testing.T) {
		s := fresh(t)
		id := create(t, s, `{}`)["_id"].(string)
		if doc := put(t, s, id, `{"phone":"333 123 4567","status":"50"}`); doc["phone"] != "333 123 4567" || doc["status"] != float64(50) {
			t.Fatalf("doc = %v", doc)
		}
	})
	t.Run("put of tags only when truthy", func(t *testing.T) {
		s := fresh(t)
		id := create(t, s, `{}`)["_id"].(string)
		put(t, s, id, `{"tags":["a"]}`)
		if doc := put(t, s, id, `{"tags":""}`); !reflect.DeepEqual(doc["tags"], []any{"a"}) {
			t.Fatalf("tags = %v", doc["tags"])
		}
	})

	// 2.4 GET list: parameters and answer.
	listed := func(t *testing.T, n int) *Server {
		s := fresh(t)
		for i := range n {
			create(t, s, fmt.Sprintf(`{"lead_id":"ext-%d","fullname":"L%02d","email":"l%d@example.com"}`, i, i, i))
		}
		return s
	}
	t.Run("list answers perPage count leads with a default limit of 40", func(t *testing.T) {
		r := get(t, listed(t, 45), leadsPath)
		got := r.json(t)
		if got["perPage"] != float64(40) || got["count"] != float64(45) || len(got["leads"].([]any)) != 40 {
			t.Fatalf("perPage %v count %v leads %d", got["perPage"], got["count"], len(got["leads"].([]any)))
		}
	})
	t.Run("list limit has no maximum", func(t *testing.T) {
		if names := leadNames(t, get(t, listed(t, 45), leadsPath+"?limit=5000")); len(names) != 45 {
			t.Fatalf("%d leads", len(names))
		}
	})
	t.Run("list page is zero-based", func(t *testing.T) {
		s := listed(t, 5)
		if names := leadNames(t, get(t, s, leadsPath+"?limit=2&page=0")); !reflect.DeepEqual(names, []string{"L04", "L03"}) {
			t.Fatalf("page 0 = %v", names)
		}
		if names := leadNames(t, get(t, s, leadsPath+"?limit=2&page=2")); !reflect.DeepEqual(names, []string{"L00"}) {
			t.Fatalf("page 2 = %v", names)
		}
	})
	t.Run("list sorts by createdAt descending by default", func(t *testing.T) {
		s := listed(t, 4)
		want := []string{"L03", "L02", "L01", "L00"}
		for _, q := range []string{"", "?sort=createdAt&direction=-1", "?sort=createdAt"} {
			if names := leadNames(t, get(t, s, leadsPath+q)); !reflect.DeepEqual(names, want) {
				t.Errorf("%q: %v, want newest first", q, names)
			}
		}
		if names := leadNames(t, get(t, s, leadsPath+"?sort=createdAt&direction=1")); !reflect.DeepEqual(names, []string{"L00", "L01", "L02", "L03"}) {
			t.Errorf("direction=1: %v", names)
		}
		if names := leadNames(t, get(t, s, leadsPath+"?sort=_id&direction=-1&limit=1")); !reflect.DeepEqual(names, []string{"L03"}) {
			t.Errorf("sort=_id&direction=-1: %v", names)
		}
	})
	t.Run("list email filter is exact and case-sensitive", func(t *testing.T) {
		s := fresh(t)
		create(t, s, `{"fullname":"Mixed","email":"Marco@Example.com"}`)
		create(t, s, `{"fullname":"Spaced","email":" marco@example.com"}`)
		for q, want := range map[string][]string{
			"Marco@Example.com":  {"Mixed"},
			"marco@example.com":  {},
			"marco@example":      {},
			"Marco@Example.com ": {},
		} {
			if names := leadNames(t, get(t, s, leadsPath+"?email="+strings.ReplaceAll(q, " ", "%20"))); !reflect.DeepEqual(names, want) {
				t.Errorf("email=%q: %v, want %v", q, names, want)
			}
		}
	})
	t.Run("list full_text searches email case-insensitively", func(t *testing.T) {
		s := fresh(t)
		create(t, s, `{"fullname":"Mixed","email":"Marco.Rossi@Example.com"}`)
		create(t, s, `{"fullname":"Other","email":"marco.bianchi@example.com"}`)
		for q, want := range map[string][]string{
			`"marco.rossi@example.com"`: {"Mixed"},
			`"MARCO.ROSSI@EXAMPLE.COM"`: {"Mixed"},
			`"example.com"`:             {"Other", "Mixed"},
			`marco`:                     {"Other", "Mixed"},
		} {
			if names := leadNames(t, get(t, s, leadsPath+"?full_text="+url.QueryEscape(q))); !reflect.DeepEqual(names, want) {
				t.Errorf("full_text=%s: %v, want %v", q, names, want)
			}
		}
	})
	t.Run("list has no lead_id or phone filter", func(t *testing.T) {
		s := listed(t, 3)
		id := create(t, s, `{"fullname":"Phoned"}`)["_id"].(string)
		put(t, s, id, `{"phone":"+393331234567"}`)
		for _, q := range []string{"?lead_id=ext-1", "?phone=%2B393331234567", "?lead_id=nobody"} {
			if r := get(t, s, leadsPath+q); r.json(t)["count"] != float64(4) {
				t.Errorf("%s filtered: %s", q, r)
			}
		}
	})
	t.Run("list with_email with_fullname tags full_text", func(t *testing.T) {
		s := fresh(t)
		create(t, s, `{"fullname":"Named Only"}`)
		create(t, s, `{"email":"mail.only@example.com"}`)
		id := create(t, s, `{"fullname":"Tagged Person","email":"tagged@example.com"}`)["_id"].(string)
		put(t, s, id, `{"tags":["vip"]}`)
		for q, want := range map[string][]string{
			"with_email=1":     {"Tagged Person", ""},
			"with_fullname=1":  {"Tagged Person", "Named Only"},
			"tags=vip":         {"Tagged Person"},
			"full_text=named":  {"Named Only"},
			"full_text=tagged": {"Tagged Person"},
		} {
			if names := leadNames(t, get(t, s, leadsPath+"?"+q)); !reflect.DeepEqual(names, want) {
				t.Errorf("%s: %v, want %v", q, names, want)
			}
		}
	})
	t.Run("list hides soft-deleted leads unless status says otherwise", func(t *testing.T) {
		s := listed(t, 2)
		id := create(t, s, `{"fullname":"Gone"}`)["_id"].(string)
		if r := send(t, s, request{method: "DELETE", path: leadsPath + "/" + id, auth: agentBasic}); r.status != 200 || r.json(t)["status"] != float64(StatusDeleted) {
			t.Fatalf("delete: %d %s", r.status, r)
		}
		if names := leadNames(t, get(t, s, leadsPath)); !reflect.DeepEqual(names, []string{"L01", "L00"}) {
			t.Fatalf("default list %v", names)
		}
		if names := leadNames(t, get(t, s, leadsPath+"?status=1000")); !reflect.DeepEqual(names, []string{"Gone"}) {
			t.Fatalf("status=1000 %v", names)
		}
		if r := get(t, s, leadsPath+"/"+id); r.status != 200 || r.json(t)["status"] != float64(StatusDeleted) {
			t.Fatalf("get of a deleted lead: %d %s", r.status, r)
		}
		if r := send(t, s, request{method: "DELETE", path: leadsPath + "/" + id, auth: agentBasic}); r.status != 200 {
			t.Fatalf("second delete: %d", r.status)
		}
	})

	// 2.4 GET one.
	t.Run("get one by id", func(t *testing.T) {
		s := fresh(t)
		doc := create(t, s, `{"fullname":"One"}`)
		if r := get(t, s, leadsPath+"/"+doc["_id"].(string)); r.status != 200 || !reflect.DeepEqual(r.json(t), doc) {
			t.Fatalf("get: %d %s", r.status, r)
		}
		wantMsg(t, get(t, s, leadsPath+"/66d1e4c0ffffffffffffffff"), 404, "Object not found.")
		wantMsg(t, get(t, s, leadsPath+"/not-an-id"), 500, "Error getting object.")
	})
}
