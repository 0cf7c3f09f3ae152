package leadsquaredtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLeadByEmail(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByEmail+"?emailaddress="+url.QueryEscape("ASHA.Rao@example.com"), keyHeaders(), ""))
	if len(leads) != 1 {
		t.Fatalf("%d leads, want 1", len(leads))
	}
	got := leads[0]
	want := map[string]any{
		"ProspectID":     TestLeadID,
		"ProspectAutoId": "1000",
		"FirstName":      "Asha",
		"LastName":       "Rao",
		"EmailAddress":   "asha.rao@example.com",
		"Phone":          "+91-9876543210",
		"Mobile":         nil,
		"Company":        "Example Traders",
		"Source":         "Website",
		"OwnerId":        TestUserID,
		"CreatedOn":      "2024-03-01 09:00:00.000",
		"DoNotCall":      "0",
		"Score":          "0",
		"Notes":          nil,
		"mx_City":        "Bengaluru",
		"mx_State":       nil,
	}
	for k, v := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("key %s missing", k)
			continue
		}
		if gv != v {
			t.Errorf("%s = %#v, want %#v", k, gv, v)
		}
	}

	r := send(t, http.MethodGet, s.URL+pathByEmail+"?EmailAddress=nobody@example.com", keyHeaders(), "")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("unknown address: %d %s, want 200 []", r.status, r.body)
	}
	r = send(t, http.MethodGet, s.URL+pathByEmail, keyHeaders(), "")
	if e := r.errorBody(t); r.status != 500 || e.ExceptionType != ExMandatoryAttributeMissing {
		t.Errorf("no address: %d %+v", r.status, e)
	}
}

func TestLeadByPhone(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	tests := []struct {
		phone string // raw query value
		want  string // ProspectID, "" = []
	}{
		{"919876543210", TestLeadID},
		{"9876543210", TestLeadID},
		{"919988776655", TestLeadID3}, // stored without country code
		{"9988776655", TestLeadID3},
		{"14155550123", TestLeadID2},  // foreign number with its country code
		{"4155550123", ""},            // without it, read with the default +91
		{"919000000001", TestLeadID3}, // shared Mobile: latest activity wins
		{"9000000001", TestLeadID3},
		{"6581112222", ""},
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByPhone+"?phone="+tt.phone, keyHeaders(), ""))
			if tt.want == "" {
				if len(leads) != 0 {
					t.Errorf("found %v, want []", leads[0]["ProspectID"])
				}
				return
			}
			if len(leads) != 1 || leads[0]["ProspectID"] != tt.want {
				t.Errorf("got %v, want [%s]", leads, tt.want)
			}
		})
	}

	bad := []struct {
		name, query string
		exType      string
	}{
		{"escaped plus", "phone=%2B919876543210", ExInvalidInput},
		{"unescaped plus arrives as a space", "phone=+919876543210", ExInvalidInput},
		{"hyphen", "phone=91-9876543210", ExInvalidInput},
		{"missing", "", ExMandatoryAttributeMissing},
		{"empty", "phone=", ExMandatoryAttributeMissing},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, http.MethodGet, s.URL+pathByPhone+"?"+tt.query, keyHeaders(), "")
			if r.status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500; body %s", r.status, r.body)
			}
			if e := r.errorBody(t); e.ExceptionType != tt.exType {
				t.Errorf("body %+v, want %s", e, tt.exType)
			}
		})
	}
}

func TestLeadByID(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	for _, id := range []string{TestLeadID2, strings.ToUpper(TestLeadID2)} {
		leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByID+"?ID="+id, keyHeaders(), ""))
		if len(leads) != 1 || leads[0]["ProspectID"] != TestLeadID2 || leads[0]["Mobile"] != "+91-9000000001" {
			t.Errorf("id %s: %v", id, leads)
		}
	}
	if leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByID+"?id=00000000-0000-4000-8000-000000000001", keyHeaders(), "")); len(leads) != 0 {
		t.Errorf("unknown id found %v", leads)
	}
	r := send(t, http.MethodGet, s.URL+pathByID, keyHeaders(), "")
	if e := r.errorBody(t); r.status != 500 || e.ExceptionType != ExMandatoryAttributeMissing {
		t.Errorf("no id: %d %+v", r.status, e)
	}
}

func TestLeadCreate(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now, Limit: noLimit()})
	body := `[
		{"Attribute":"EmailAddress","Value":"john.smith@example.com"},
		{"Attribute":"FirstName","Value":"John"},
		{"Attribute":"LastName","Value":"Smith"},
		{"Attribute":"Phone","Value":"+91-8888888888"},
		{"Attribute":"Source","Value":"Nightly import"},
		{"Attribute":"DoNotCall","Value":"1"},
		{"Attribute":"mx_City","Value":"Bangalore"},
		{"Attribute":"mx_Street1","Value":"","Fields":[{"Attribute":"Status","Value":"Pending"}]}
	]`
	r := send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), body)
	want := `{"Status":"Success","Message":{"Id":"1ead0000-0000-4000-8000-000000001000"}}`
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != want {
		t.Fatalf("got %d %s\nwant 200 %s", r.status, r.body, want)
	}
	got, ok := s.Lead("1ead0000-0000-4000-8000-000000001000")
	if !ok {
		t.Fatal("created lead not stored")
	}
	wantLead := Lead{
		ProspectID: "1ead0000-0000-4000-8000-000000001000", ProspectAutoID: 1003,
		FirstName: "John", LastName: "Smith", EmailAddress: "john.smith@example.com", Phone: "+91-8888888888",
		Source: "Nightly import", ProspectStage: "Prospect", OwnerID: TestUserID, CreatedBy: TestUserID,
		Attributes: map[string]string{"DoNotCall": "1", "mx_City": "Bangalore", "mx_Street1": ""},
		CreatedOn:  clock.Now(),
	}
	if diff := cmp.Diff(wantLead, got); diff != "" {
		t.Errorf("stored lead (-want +got):\n%s", diff)
	}
	// The lookups find it.
	for _, q := range []string{pathByEmail + "?emailaddress=john.smith@example.com", pathByPhone + "?phone=8888888888", pathByPhone + "?phone=918888888888"} {
		leads := decodeLeads(t, send(t, http.MethodGet, s.URL+q, keyHeaders(), ""))
		if len(leads) != 1 || leads[0]["ProspectID"] != wantLead.ProspectID || leads[0]["DoNotCall"] != "1" || leads[0]["ProspectAutoId"] != "1003" {
			t.Errorf("%s: %v", q, leads)
		}
	}

	// OwnerId may name another active user; the second key pair is another caller.
	h := map[string]string{"x-LSQ-AccessKey": TestAccessKey2, "x-LSQ-SecretKey": TestSecretKey2, "Content-Type": "application/json"}
	r = send(t, http.MethodPost, s.URL+pathCreate, h, `[{"Attribute":"LastName","Value":"Only"}]`)
	if r.status != http.StatusOK {
		t.Fatalf("second create: %d %s", r.status, r.body)
	}
	r = send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), `[{"Attribute":"LastName","Value":"Owned"},{"Attribute":"OwnerId","Value":"`+strings.ToUpper(TestUserID2)+`"}]`)
	if r.status != http.StatusOK {
		t.Fatalf("create with OwnerId: %d %s", r.status, r.body)
	}
	leads := s.Leads()
	if n := len(leads); n != 6 {
		t.Fatalf("%d leads, want 6", n)
	}
	if leads[4].OwnerID != TestUserID2 || leads[4].CreatedBy != TestUserID2 || leads[5].OwnerID != TestUserID2 || leads[5].CreatedBy != TestUserID {
		t.Errorf("owners: %+v / %+v", leads[4], leads[5])
	}
}

func TestLeadCreateRefuses(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		exType      string
		message     string
	}{
		{"duplicate Phone, other notation", "", `[{"Attribute":"Phone","Value":"9876543210"}]`, 500, ExDuplicateEntry, "A Lead with same Phone Number already exists."},
		{"duplicate Phone, same notation", "", `[{"Attribute":"Phone","Value":"+91-9876543210"}]`, 500, ExDuplicateEntry, "A Lead with same Phone Number already exists."},
		{"duplicate email in other case", "", `[{"Attribute":"EmailAddress","Value":"Asha.Rao@Example.com"}]`, 500, ExDuplicateEntry, "A Lead with same Email Address already exists."},
		{"unknown custom field", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"mx_Course","Value":"Y"}]`, 500, ExUnknownAttribute, "mx_Course"},
		{"field name in the wrong case", "", `[{"Attribute":"emailaddress","Value":"x@example.com"}]`, 500, ExUnknownAttribute, "emailaddress"},
		{"ProspectID is not writable", "", `[{"Attribute":"ProspectID","Value":"` + TestLeadID + `"}]`, 500, ExUnknownAttribute, "ProspectID"},
		{"no identifying field", "", `[{"Attribute":"Company","Value":"Acme"}]`, 500, ExMandatoryAttributeMissing, "FirstName"},
		{"only empty values", "", `[{"Attribute":"FirstName","Value":""},{"Attribute":"Phone","Value":null}]`, 500, ExMandatoryAttributeMissing, "FirstName"},
		{"empty array", "", `[]`, 500, ExMandatoryAttributeMissing, "FirstName"},
		{"invalid email", "", `[{"Attribute":"EmailAddress","Value":"not-an-email"}]`, 500, ExInvalidInput, "Email"},
		{"email with a display name", "", `[{"Attribute":"EmailAddress","Value":"John <john@example.com>"}]`, 500, ExInvalidInput, "Email"},
		{"invalid phone", "", `[{"Attribute":"Phone","Value":"call me"}]`, 500, ExInvalidInput, "Phone"},
		{"invalid mobile", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"Mobile","Value":"12"}]`, 500, ExInvalidInput, "Mobile"},
		{"number as Value", "", `[{"Attribute":"Phone","Value":9876543219}]`, 500, ExInvalidInput, "Phone"},
		{"bad DoNotCall", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"DoNotCall","Value":"yes"}]`, 500, ExInvalidInput, "DoNotCall"},
		{"unknown owner", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"OwnerId","Value":"00000000-0000-4000-8000-000000000002"}]`, 500, ExInvalidInput, "does not exist"},
		{"deactivated owner", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"OwnerId","Value":"` + DeactivatedUserID + `"}]`, 500, ExInvalidInput, "not active"},
		{"owner not a GUID", "", `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"OwnerId","Value":"priya"}]`, 500, ExInvalidInput, "OwnerId"},
		{"object instead of array", "", `{"FirstName":"X"}`, 400, ExInvalidInput, "array"},
		{"element not an object", "", `["FirstName"]`, 400, ExInvalidInput, "Element 0"},
		{"element without Attribute", "", `[{"Value":"X"}]`, 400, ExInvalidInput, "Attribute"},
		{"element with another member", "", `[{"Attribute":"FirstName","Value":"X","SchemaName":"y"}]`, 400, ExInvalidInput, "SchemaName"},
		{"malformed JSON", "", `[{"Attribute":`, 400, ExInvalidInput, "JSON"},
		{"wrong Content-Type", "text/plain", `[{"Attribute":"FirstName","Value":"X"}]`, 400, ExInvalidInput, "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := jsonHeaders()
			if tt.contentType != "" {
				h["Content-Type"] = tt.contentType
			}
			r := send(t, http.MethodPost, s.URL+pathCreate, h, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			e := r.errorBody(t)
			if e.Status != "Error" || e.ExceptionType != tt.exType || !strings.Contains(e.ExceptionMessage, tt.message) {
				t.Errorf("body %+v, want %s containing %q", e, tt.exType, tt.message)
			}
		})
	}
	if n := len(s.Leads()); n != 3 {
		t.Errorf("%d leads after refused creates, want 3", n)
	}
	// The exact duplicate body of the field reports.
	r := send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), `[{"Attribute":"Phone","Value":"+91-9876543210"}]`)
	want := `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"A Lead with same Phone Number already exists."}`
	if strings.TrimSpace(string(r.body)) != want {
		t.Errorf("duplicate body %s\nwant %s", r.body, want)
	}
}

func TestPhoneMatching(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"+91-9876543210", "919876543210", true},
		{"+91-9876543210", "9876543210", true},
		{"+91-9876543210", "+919876543210", true},
		{"+91 98765 43210", "(91) 98765-43210", true},
		{"9876543210", "919876543210", true},
		{"9876543210", "+91-9876543210", true},
		{"+1-4155550123", "14155550123", true},
		{"+1-4155550123", "4155550123", false},
		{"+1-4155550123", "+91-4155550123", false},
		{"+6512345678", "12345678", false}, // default is +91 here
		{"", "", false},
		{"9876543210", "9876543211", false},
	}
	for _, tt := range tests {
		if got := samePhone(tt.a, tt.b, "91"); got != tt.want {
			t.Errorf("samePhone(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := samePhone(tt.b, tt.a, "91"); got != tt.want {
			t.Errorf("samePhone(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
	// The documented example: default +65, +6512345678 is 12345678.
	if !samePhone("+6512345678", "12345678", "65") {
		t.Error("+6512345678 and 12345678 differ with default +65")
	}
}
