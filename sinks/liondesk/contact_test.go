package liondesk

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

func TestContactStoresCanonicalPhonesAndEmails(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectContact)
	rec, err := s.Create(ctx, sinks.Fields{
		"first_name":   "Paul",
		"email":        " Paul@Example.COM ",
		"mobile_phone": "(201) 555-0147",
		"home_phone":   "201-555-0148",
		"office_phone": "+1 201 555 0149",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Contacts()
	if len(got) != 1 {
		t.Fatalf("contacts %+v", got)
	}
	c := got[0]
	if c.Email != "paul@example.com" || c.MobilePhone != "+12015550147" || c.HomePhone != "+12015550148" || c.OfficePhone != "+12015550149" {
		t.Fatalf("stored %+v, want lower-case email and E.164 phones", c)
	}
	if rec.ID != strconv.FormatInt(c.ID, 10) || rec.Fields != nil {
		t.Fatalf("record %+v", rec)
	}
	// Each phone key finds it: the find uses the stored form.
	for _, k := range []sinks.Key{
		{Field: "home_phone", Kind: "phone", Value: "+12015550148"},
		{Field: "office_phone", Kind: "phone", Value: "+12015550149"},
		{Field: "email", Kind: "email", Value: "paul@example.com"},
	} {
		recs, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{k}})
		if err != nil || len(recs) != 1 || recs[0].ID != rec.ID {
			t.Fatalf("find by %s: %+v %v", k.Field, recs, err)
		}
	}
	q := srv.Core().Calls()
	if last := q[len(q)-1]; last.Op != "contact.find" || !strings.Contains(last.Query, "email=paul%40example.com") {
		t.Fatalf("last call %+v", last)
	}
}

func TestContactFindIsAUnionOverKeys(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	seed(t, srv, map[string]any{"contacts": []map[string]any{
		{"id": 500, "email": "a@example.com", "mobile_phone": phone(1)},
		{"id": 501, "email": "b@example.com", "mobile_phone": phone(2)},
		{"id": 502, "email": "c@example.com", "home_phone": phone(2)},
	}})
	s := newSink(t, srv, ObjectContact)
	recs, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{
		{Field: "email", Kind: "email", Value: "a@example.com"},
		{Field: "mobile_phone", Kind: "phone", Value: phone(1)}, // a again
		{Field: "mobile_phone", Kind: "phone", Value: phone(2)}, // b
		{Field: "home_phone", Kind: "phone", Value: phone(2)},   // c: same number, other field
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "500,501,502" {
		t.Fatalf("ids %v, want 500,501,502 once each", ids)
	}
	if n := requests(srv)["contact.find"]; n != 4 {
		t.Fatalf("%d finds, want one per key", n)
	}
	if _, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "first_name", Kind: "id", Value: "x"}}}); err == nil {
		t.Fatal("find by a field that is not a key: no error")
	}
}

func TestContactFindNormalizesVendorValues(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	// A contact someone typed into LionDesk by hand.
	seed(t, srv, map[string]any{"contacts": []map[string]any{
		{"id": 600, "first_name": "Bob", "email": "Bob@Example.com", "mobile_phone": phone(10), "home_phone": "(201) 555-0011", "hotness_id": 3, "source_id": liondesktest.ContactSourceZillow},
	}})
	s := newSink(t, srv, ObjectContact)
	recs, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "mobile_phone", Kind: "phone", Value: phone(10)}}})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%+v %v", recs, err)
	}
	f := recs[0].Fields
	if f["email"] != "bob@example.com" || f["home_phone"] != phone(11) || f["hotness_id"] != "3" || f["first_name"] != "Bob" {
		t.Fatalf("fields %v", f)
	}
	if _, ok := f["contact_source"]; ok {
		t.Fatalf("contact_source resolved though the query does not map it: %v", f)
	}
	if n := requests(srv)["contactsource.get"]; n != 0 {
		t.Fatalf("%d source lookups", n)
	}
	// Mapped: the name is looked up once.
	for range 2 {
		recs, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "mobile_phone", Kind: "phone", Value: phone(10)}}, Fields: sinks.Fields{"contact_source": "Zillow"}})
		if err != nil || recs[0].Fields["contact_source"] != "Zillow" {
			t.Fatalf("%+v %v", recs, err)
		}
	}
	if n := requests(srv)["contactsource.get"]; n != 1 {
		t.Fatalf("%d source lookups, want 1 (cached)", n)
	}
}

func TestContactSourceByName(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectContact)
	if _, err := s.Create(ctx, sinks.Fields{"email": "z@example.com", "contact_source": "zillow"}); err != nil {
		t.Fatal(err)
	}
	if c := srv.Contacts(); c[0].SourceID != liondesktest.ContactSourceZillow {
		t.Fatalf("source_id %d", c[0].SourceID)
	}
	_, err := s.Create(ctx, sinks.Fields{"email": "y@example.com", "contact_source": "Billboard"})
	mustClass(t, err, sinks.Rejected)
	if !strings.Contains(err.Error(), `contact source "Billboard" does not exist`) {
		t.Fatalf("error %v", err)
	}
	_, err = s.Create(ctx, sinks.Fields{"email": "y@example.com", "contact_source": "Zillow", "source_id": "303"})
	mustClass(t, err, sinks.Rejected)
	// Another user's source is not ours: LionDesk refuses it.
	_, err = s.Create(ctx, sinks.Fields{"email": "y@example.com", "source_id": strconv.Itoa(liondesktest.ContactSourceOther)})
	mustClass(t, err, sinks.Rejected)
	if !strings.Contains(err.Error(), "source_id") {
		t.Fatalf("error %v does not name the field", err)
	}
	if w := writes(srv)["contact.create"]; w != 1 {
		t.Fatalf("%d contacts created, want 1", w)
	}
}

func TestContactUpdateSetsOnlyGivenFields(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectContact)
	rec, err := s.Create(ctx, sinks.Fields{"first_name": "Ann", "company": "Acme", "email": "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, rec.ID, sinks.Fields{"company": "", "mobile_phone": "201 555 0190", "contact_source": "Email"}); err != nil {
		t.Fatal(err)
	}
	c := srv.Contacts()[0]
	if c.FirstName != "Ann" || c.Company != "" || c.MobilePhone != phone(190) || c.SourceID != liondesktest.ContactSourceEmail {
		t.Fatalf("after update %+v", c)
	}
	if err := s.Update(ctx, rec.ID, sinks.Fields{}); err != nil || writes(srv)["contact.patch"] != 1 {
		t.Fatalf("empty update: %v, patches %d", err, writes(srv)["contact.patch"])
	}
	err = s.Update(ctx, "999999", sinks.Fields{"company": "X"})
	mustClass(t, err, sinks.Rejected)
	err = s.Update(ctx, "abc", sinks.Fields{"company": "X"})
	mustClass(t, err, sinks.Rejected)
}

func TestContactAddress(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectContact)
	in := sinks.Fields{"email": "home@example.com", "address_type": "Home", "street_address_1": "16215 Alton Pkwy", "city": "Irvine", "state": "CA", "zip": "02134"}
	rec, err := s.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// The create is one call; the record says the address is not set, so
	// the engine sends it with Update.
	if n := srv.Core().Stats().TotalWrites(); n != 1 || len(srv.Addresses()) != 0 {
		t.Fatalf("create made %d writes, %d addresses", n, len(srv.Addresses()))
	}
	if rec.Fields == nil || rec.Fields["email"] != "home@example.com" || rec.Fields["city"] != "" || rec.Fields["address_type"] != "" {
		t.Fatalf("created record %v: want the sent fields without the address", rec.Fields)
	}
	addr := sinks.Fields{}
	for k, v := range in {
		if rec.Fields[k] != v {
			addr[k] = v
		}
	}
	if err := s.Update(ctx, rec.ID, addr); err != nil {
		t.Fatal(err)
	}
	addrs := srv.Addresses()
	if len(addrs) != 1 || strconv.FormatInt(addrs[0].ContactID, 10) != rec.ID || addrs[0].Zip != "02134" || addrs[0].Type != "Home" {
		t.Fatalf("addresses %+v", addrs)
	}
	keys := []sinks.Key{{Field: "email", Kind: "email", Value: "home@example.com"}}
	recs, err := s.Find(ctx, sinks.Query{Keys: keys, Fields: in})
	if err != nil || recs[0].Fields["street_address_1"] != "16215 Alton Pkwy" || recs[0].Fields["zip"] != "02134" {
		t.Fatalf("find %+v %v", recs, err)
	}
	// Without address fields in the query, no address call.
	before := requests(srv)["address.find"]
	if _, err := s.Find(ctx, sinks.Query{Keys: keys}); err != nil || requests(srv)["address.find"] != before {
		t.Fatalf("address fetched for a query that maps none: %v", err)
	}
	if err := s.Update(ctx, rec.ID, sinks.Fields{"address_type": "Home", "city": "Tustin"}); err != nil {
		t.Fatal(err)
	}
	addrs = srv.Addresses()
	if len(addrs) != 1 || addrs[0].City != "Tustin" || addrs[0].StreetAddress1 != "16215 Alton Pkwy" {
		t.Fatalf("after update %+v", addrs)
	}
	// Another type is another address.
	if err := s.Update(ctx, rec.ID, sinks.Fields{"address_type": "Work", "city": "Irvine"}); err != nil {
		t.Fatal(err)
	}
	if addrs = srv.Addresses(); len(addrs) != 2 || addrs[1].Type != "Work" {
		t.Fatalf("addresses %+v", addrs)
	}
	if w := writes(srv)["contact.patch"]; w != 0 {
		t.Fatalf("address-only updates patched the contact %d times", w)
	}
}

// A contact without address fields is created by one call, and the record
// says everything sent is set (nil Fields).
func TestContactCreateIsOneCall(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	s := newSink(t, srv, ObjectContact)
	rec, err := s.Create(ctx, sinks.Fields{"email": "one@example.com", "tags": "VIP, Buyer", "hotness_id": "12"})
	if err != nil || rec.ID == "" || rec.Fields != nil {
		t.Fatalf("record %+v, error %v", rec, err)
	}
	if st := srv.Core().Stats(); st.TotalRequests() != 1 || st.TotalWrites() != 1 {
		t.Fatalf("%d requests, %d writes, want 1", st.TotalRequests(), st.TotalWrites())
	}
}

// LionDesk keeps tags as one comma-separated string: the schema declares
// them as a set, so "VIP,Buyer" and "VIP, Buyer" are the same value for
// the engine's diff and reconcile; phones, e-mails and numbers likewise
// compare as the vendor means them.
func TestContactFieldKinds(t *testing.T) {
	obj := Schema().Objects[0]
	cases := []struct {
		field, a, b string
		equal       bool
	}{
		{"tags", "VIP,Buyer", "VIP, Buyer", true},
		{"tags", "Buyer, VIP, VIP", "VIP,Buyer", true},
		{"tags", "VIP", "VIP, Buyer", false},
		{"email", "Ann@Example.com", "ann@example.com", true},
		{"mobile_phone", "+1 (604) 555-4572", "+16045554572", true},
		{"hotness_id", "12", "12.0", true},
		{"source_id", "3", "4", false},
		{"first_name", "Ann", "ann", false},
	}
	for _, c := range cases {
		f, ok := obj.Field(c.field)
		if !ok {
			t.Fatalf("no field %s", c.field)
		}
		if got := f.Equal(c.a, c.b); got != c.equal {
			t.Errorf("%s: %q = %q is %v, want %v (type %s)", c.field, c.a, c.b, got, c.equal, f.Type)
		}
	}
}

func TestCheckAndSecrets(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	good := newSink(t, srv, ObjectContact).(sinks.Checker)
	if err := good.Check(ctx); err != nil {
		t.Fatal(err)
	}
	bad := newSinkToken(t, srv, ObjectLead, badToken)
	err := bad.(sinks.Checker).Check(ctx)
	mustClass(t, err, sinks.Unauthorized)
	_, cerr := bad.Create(ctx, sinks.Fields{"email": "x@example.com", "lead_source": "Zillow"})
	mustClass(t, cerr, sinks.Unauthorized)
	for _, e := range []error{err, cerr} {
		if strings.Contains(e.Error(), badToken) || strings.Contains(e.Error(), badToken[:12]) {
			t.Fatalf("error echoes the token: %v", e)
		}
	}
	for _, sc := range []string{bad.Scope(), newSink(t, srv, ObjectContact).Scope()} {
		if strings.Contains(sc, badToken[:8]) || strings.Contains(sc, liondesktest.TestToken[:8]) || !strings.HasPrefix(sc, "liondesk/") {
			t.Fatalf("scope %q", sc)
		}
	}
	if bad.Scope() == newSinkToken(t, srv, ObjectLead, liondesktest.TestToken).Scope() {
		t.Fatal("two tokens share a scope")
	}
}

func TestNewChecksConfig(t *testing.T) {
	_, err := New(Config{Object: "deal", Token: "t"})
	if err == nil || !strings.Contains(err.Error(), "contact, lead") {
		t.Fatalf("unknown object: %v", err)
	}
	if _, err := New(Config{Object: "contact"}); err == nil {
		t.Fatal("no token: no error")
	}
	if _, err := New(Config{Object: "contact", Token: "t", URL: "ftp://x"}); err == nil {
		t.Fatal("bad url: no error")
	}
	s, err := New(Config{Object: "Lead", Token: "t"})
	if err != nil || s.Object().Name != "lead" || !strings.Contains(s.Scope(), "api-v2.liondesk.com") {
		t.Fatalf("%v %v", s, err)
	}
	if c, p := DefaultBudget(); c != 0 || p != 0 {
		t.Fatalf("default budget %d/%v", c, p)
	}
	if err := Schema().Check(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(func() error { _, err := s.Find(ctx, sinks.Query{}); return err }(), sinks.ErrCannotFind) {
		t.Fatal("lead find")
	}
}
