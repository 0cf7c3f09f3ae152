package leadsquaredtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Lead.Update (VENDORS.md 4.7): POST ?leadId=<id> with an attribute array;
// only the attributes sent change; the answer is {"Status":"Success",
// "Message":{"AffectedRows":1}}.
func TestLeadUpdate(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now, Limit: noLimit()})
	before, _ := s.Lead(TestLeadID)
	clock.Add(time.Hour)
	body := `[
		{"Attribute":"Company","Value":"New Traders"},
		{"Attribute":"mx_City","Value":"Mysuru"},
		{"Attribute":"Phone","Value":"+91-9876543219"},
		{"Attribute":"DoNotCall","Value":"1"}
	]`
	r := send(t, http.MethodPost, s.URL+pathUpdate+"?leadId="+TestLeadID, jsonHeaders(), body)
	want := `{"Status":"Success","Message":{"AffectedRows":1}}`
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != want {
		t.Fatalf("got %d %s\nwant 200 %s", r.status, r.body, want)
	}
	got, _ := s.Lead(TestLeadID)
	wantLead := before.clone()
	wantLead.Company = "New Traders"
	wantLead.Phone = "+91-9876543219"
	wantLead.Attributes["mx_City"] = "Mysuru"
	wantLead.Attributes["DoNotCall"] = "1"
	wantLead.ModifiedOn = clock.Now()
	wantLead.ModifiedBy = TestUserID
	if diff := cmp.Diff(wantLead, got); diff != "" {
		t.Errorf("updated lead (-want +got):\n%s", diff)
	}
	if n := len(s.Leads()); n != 3 {
		t.Errorf("%d leads: an update made one", n)
	}
	// The lookups see the change (the old phone no longer finds it).
	leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByPhone+"?phone=9876543219", keyHeaders(), ""))
	if len(leads) != 1 || leads[0]["ProspectID"] != TestLeadID || leads[0]["Company"] != "New Traders" ||
		leads[0]["ModifiedOn"] != clock.Now().Format(leadTimeLayout) || leads[0]["CreatedOn"] == leads[0]["ModifiedOn"] {
		t.Errorf("lookup after update: %v", leads)
	}
	if leads := decodeLeads(t, send(t, http.MethodGet, s.URL+pathByPhone+"?phone=9876543210", keyHeaders(), "")); len(leads) != 0 {
		t.Errorf("old phone still finds %v", leads)
	}
	// The same update again is the same answer: it is idempotent.
	r = send(t, http.MethodPost, s.URL+pathUpdate+"?LEADID="+strings.ToUpper(TestLeadID), jsonHeaders(), body)
	if r.status != http.StatusOK {
		t.Fatalf("second update: %d %s", r.status, r.body)
	}
	if again, _ := s.Lead(TestLeadID); again.Company != "New Traders" || again.Phone != "+91-9876543219" {
		t.Errorf("after the same update: %+v", again)
	}
	// An empty Value clears the attribute; an empty OwnerId keeps the owner.
	r = send(t, http.MethodPost, s.URL+pathUpdate+"?leadId="+TestLeadID, jsonHeaders(),
		`[{"Attribute":"Company","Value":""},{"Attribute":"mx_City","Value":null},{"Attribute":"OwnerId","Value":""}]`)
	if r.status != http.StatusOK {
		t.Fatalf("clearing update: %d %s", r.status, r.body)
	}
	if l, _ := s.Lead(TestLeadID); l.Company != "" || l.Attributes["mx_City"] != "" || l.OwnerID != TestUserID {
		t.Errorf("after clearing: %+v", l)
	}
	if st := s.Core().Stats(); st.Writes[OpLeadUpdate] != 3 {
		t.Errorf("%d Lead.Update writes counted, want 3", st.Writes[OpLeadUpdate])
	}
}

func TestLeadUpdateRefuses(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	before := s.Leads()
	tests := []struct {
		name    string
		query   string
		body    string
		status  int
		exType  string
		message string
	}{
		{"no leadId", "", `[{"Attribute":"Company","Value":"X"}]`, 500, ExMandatoryAttributeMissing, "'leadId' is mandatory"},
		{"leadId not a GUID", "?leadId=42", `[{"Attribute":"Company","Value":"X"}]`, 500, ExInvalidInput, "leadId"},
		{"unknown lead", "?leadId=3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5eff", `[{"Attribute":"Company","Value":"X"}]`, 500, ExInvalidInput, "does not exist"},
		{"Phone of another lead", "?leadId=" + TestLeadID, `[{"Attribute":"Phone","Value":"+1-4155550123"}]`, 500, ExDuplicateEntry, "A Lead with same Phone Number already exists."},
		{"email of another lead", "?leadId=" + TestLeadID2, `[{"Attribute":"EmailAddress","Value":"ASHA.RAO@example.com"}]`, 500, ExDuplicateEntry, "A Lead with same Email Address already exists."},
		{"unknown attribute", "?leadId=" + TestLeadID, `[{"Attribute":"Company","Value":"X"},{"Attribute":"mx_Course","Value":"Y"}]`, 500, ExUnknownAttribute, "mx_Course"},
		{"ProspectID is not writable", "?leadId=" + TestLeadID, `[{"Attribute":"ProspectID","Value":"` + TestLeadID2 + `"}]`, 500, ExUnknownAttribute, "ProspectID"},
		{"invalid email", "?leadId=" + TestLeadID, `[{"Attribute":"EmailAddress","Value":"nope"}]`, 500, ExInvalidInput, "Email"},
		{"invalid phone", "?leadId=" + TestLeadID, `[{"Attribute":"Phone","Value":"call me"}]`, 500, ExInvalidInput, "Phone"},
		{"bad DoNotCall", "?leadId=" + TestLeadID, `[{"Attribute":"DoNotCall","Value":"yes"}]`, 500, ExInvalidInput, "DoNotCall"},
		{"deactivated owner", "?leadId=" + TestLeadID, `[{"Attribute":"OwnerId","Value":"` + DeactivatedUserID + `"}]`, 500, ExInvalidInput, "not active"},
		{"nothing identifying left", "?leadId=" + TestLeadID, `[{"Attribute":"FirstName","Value":""},{"Attribute":"LastName","Value":""},{"Attribute":"EmailAddress","Value":""},{"Attribute":"Phone","Value":""}]`, 500, ExMandatoryAttributeMissing, "FirstName"},
		{"object instead of array", "?leadId=" + TestLeadID, `{"Company":"X"}`, 400, ExInvalidInput, "array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, http.MethodPost, s.URL+pathUpdate+tt.query, jsonHeaders(), tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			e := r.errorBody(t)
			if e.Status != "Error" || e.ExceptionType != tt.exType || !strings.Contains(e.ExceptionMessage, tt.message) {
				t.Errorf("body %+v, want %s containing %q", e, tt.exType, tt.message)
			}
		})
	}
	if diff := cmp.Diff(before, s.Leads()); diff != "" {
		t.Errorf("refused updates changed leads (-before +after):\n%s", diff)
	}
	if w := s.Core().Stats().Writes[OpLeadUpdate]; w != 0 {
		t.Errorf("%d writes counted for refused updates", w)
	}
}
