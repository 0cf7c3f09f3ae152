package leadsquared

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

func TestFindLeadFields(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectLead))
	ctx := context.Background()

	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{engineKey(t, "EmailAddress", keys.Email, "Asha.Rao@Example.com")}})
	if err != nil {
		t.Fatal(err)
	}
	want := []sinks.Record{{ID: leadsquaredtest.TestLeadID, Fields: sinks.Fields{
		"FirstName": "Asha", "LastName": "Rao", "EmailAddress": "asha.rao@example.com",
		"Phone": "+919876543210", "Company": "Example Traders", "Source": "Website", "Origin": "API",
		"ProspectStage": "Prospect", "OwnerId": leadsquaredtest.TestUserID,
		"DoNotEmail": "0", "DoNotCall": "0", "mx_City": "Bengaluru",
	}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("find by email (-want +got):\n%s", d)
	}

	// Every vendor phone comes back as the engine's E.164 key: one stored
	// without a country code is the account's default country's.
	got, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{engineKey(t, "Phone", keys.Phone, "+91 99887 76655")}})
	if err != nil || len(got) != 1 || got[0].ID != leadsquaredtest.TestLeadID3 {
		t.Fatalf("find by phone: %+v %v", got, err)
	}
	for field, v := range map[string]string{"Phone": "+919988776655", "Mobile": "+919000000001"} {
		if got[0].Fields[field] != v {
			t.Errorf("%s = %q, want %q", field, got[0].Fields[field], v)
		}
		if k, _ := keys.Key(keys.Phone, got[0].Fields[field], "IN"); k != "phone:"+v {
			t.Errorf("%s does not normalize to itself: %s", field, k)
		}
	}
	if _, ok := got[0].Fields["EmailAddress"]; ok {
		t.Errorf("null EmailAddress returned as %q", got[0].Fields["EmailAddress"])
	}
}

func TestFindLeadDedupesAcrossKeys(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectLead))
	got, err := s.Find(context.Background(), sinks.Query{Keys: []sinks.Key{
		engineKey(t, "EmailAddress", keys.Email, "ben.ortiz@example.com"),
		engineKey(t, "Phone", keys.Phone, "+14155550123"),
		engineKey(t, "Mobile", keys.Phone, "+919000000001"), // TestLeadID3: more recent activity
		{Field: "Phone", Kind: "phone", Value: ""},          // empty keys cost nothing
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if d := cmp.Diff([]string{leadsquaredtest.TestLeadID2, leadsquaredtest.TestLeadID3}, ids); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	st := srv.Core().Stats()
	if st.Requests[leadsquaredtest.OpLeadByEmail] != 1 || st.Requests[leadsquaredtest.OpLeadByPhone] != 2 {
		t.Errorf("requests %v", st.Requests)
	}
	if _, err := s.Find(context.Background(), sinks.Query{Keys: []sinks.Key{{Field: "ProspectID", Kind: "id", Value: "x"}}}); sinks.ClassOf(err) != sinks.Rejected {
		t.Errorf("find by an id key: %v", err)
	}
}

// createLead creates lead 1's fields, edited, through a new sink and
// returns what the emulator stored.
func createLead(t *testing.T, edit func(sinks.Fields)) (*leadsquaredtest.Server, sinks.Sink, leadsquaredtest.Lead) {
	t.Helper()
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectLead))
	f := leadFields(1)
	edit(f)
	rec, err := s.Create(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := srv.Lead(rec.ID)
	if !ok {
		t.Fatalf("no lead %s", rec.ID)
	}
	return srv, s, l
}

func TestCreateLead(t *testing.T) {
	srv, s, l := createLead(t, func(f sinks.Fields) {
		f["Mobile"] = "+6591234567"
		f["DoNotCall"] = "1"
		f["OwnerId"] = leadsquaredtest.TestUserID2
	})
	ctx := context.Background()
	if l.Phone != "+91-9810000001" || l.Mobile != "+65-91234567" || l.EmailAddress != "lead1@example.com" ||
		l.OwnerID != leadsquaredtest.TestUserID2 || l.Attributes["mx_City"] != "Pune" || l.Attributes["DoNotCall"] != "1" {
		t.Errorf("stored %+v", l)
	}

	// Phone and EmailAddress are unique: a second lead with either is
	// refused, once, with LeadSquared's code.
	for _, edit := range []func(sinks.Fields){
		func(f sinks.Fields) { f["EmailAddress"] = "other@example.com" },                   // same Phone
		func(f sinks.Fields) { f["Phone"] = "9810000001" },                                 // same Phone, national
		func(f sinks.Fields) { f["Phone"] = samplePhone(2); f["Mobile"] = samplePhone(1) }, // same EmailAddress
	} {
		before := srv.Core().Stats().Requests[leadsquaredtest.OpLeadCreate]
		g := leadFields(1)
		edit(g)
		_, err := s.Create(ctx, g)
		e := classOf(t, err)
		if e.Class != sinks.Rejected || e.Code != leadsquaredtest.ExDuplicateEntry || !strings.Contains(e.Msg, "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		if n := srv.Core().Stats().Requests[leadsquaredtest.OpLeadCreate] - before; n != 1 {
			t.Errorf("duplicate create sent %d times", n)
		}
	}
	if n := len(srv.Leads()); n != 4 {
		t.Errorf("%d leads, want 4", n)
	}
}

func TestCreateLeadCheckedBeforeAnyCall(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	s := newSink(t, testConfig(srv, ObjectLead))
	for _, f := range []sinks.Fields{
		{"Company": "No Name Ltd", "Mobile": "+919811122233"},
		{"FirstName": "A", "CallSessionId": "x"},
	} {
		if _, err := s.Create(context.Background(), f); sinks.ClassOf(err) != sinks.Rejected {
			t.Errorf("%v: %v", f, err)
		}
	}
	if n := srv.Core().Stats().TotalRequests(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// Text is sent and read back as the file has it: a lead's Notes keep
// their spaces and inner line breaks (only typed values, phones, e-mails,
// ids and numbers, are trimmed, and a value of spaces alone is no value).
func TestCreateLeadKeepsTextAsGiven(t *testing.T) {
	const notes = "  spaced  \n second line "
	_, s, l := createLead(t, func(f sinks.Fields) {
		f["Notes"] = notes
		f["EmailAddress"] = "  Lead1@Example.com "
		f["mx_City"] = "   "
	})
	ctx := context.Background()
	f := sinks.Fields{"Notes": notes}
	if l.Attributes["Notes"] != f["Notes"] || l.EmailAddress != "Lead1@Example.com" {
		t.Errorf("stored Notes %q, EmailAddress %q", l.Attributes["Notes"], l.EmailAddress)
	}
	if v, ok := l.Attributes["mx_City"]; ok {
		t.Errorf("a value of spaces was sent: %q", v)
	}
	found, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{engineKey(t, "EmailAddress", keys.Email, "lead1@example.com")}})
	if err != nil || len(found) != 1 {
		t.Fatalf("find: %v, %v", found, err)
	}
	if got := found[0].Fields["Notes"]; got != f["Notes"] {
		t.Errorf("read back Notes %q, want %q", got, f["Notes"])
	}
}
