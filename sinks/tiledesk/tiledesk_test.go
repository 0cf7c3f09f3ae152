package tiledesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/sinktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

var ctx = context.Background()

// newServer starts a time-scaled emulator.
func newServer(t *testing.T, opts tiledesktest.Options) *tiledesktest.Server {
	return emulator.StartTest(t, tiledesktest.NewServer, opts)
}

// config is the test agent's Basic connection to s.
func config(s *tiledesktest.Server) Config {
	return Config{
		URL: s.URL + "/v3", Project: tiledesktest.TestProjectID,
		Email: tiledesktest.TestEmail, Password: tiledesktest.TestPassword,
		Region: "IT", HTTP: s.Client(), RateLimitWait: 5 * time.Millisecond,
	}
}

func newSink(t *testing.T, cfg Config) *LeadSink {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*LeadSink)
}

func sample(i int) sinks.Fields {
	return sinks.Fields{
		"lead_id":           fmt.Sprintf("crm-%04d", i),
		"fullname":          fmt.Sprintf("Lead %d", i),
		"email":             fmt.Sprintf("lead%d@example.com", i),
		"attributes.source": "webform",
	}
}

func sampleKeys(i int) []sinks.Key {
	return []sinks.Key{
		{Field: "email", Kind: "email", Value: fmt.Sprintf("lead%d@example.com", i)},
		{Field: "lead_id", Kind: "id", Value: fmt.Sprintf("crm-%04d", i)},
	}
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, *emulator.Core) {
			s := newServer(t, tiledesktest.Options{})
			return newSink(t, config(s)), s.Core()
		},
		NewUnauthorized: func(t *testing.T) sinks.Sink {
			s := newServer(t, tiledesktest.Options{})
			cfg := config(s)
			cfg.Password = "wrong"
			return newSink(t, cfg)
		},
		Sample: sample,
		Change: func(i int) sinks.Fields {
			return sinks.Fields{"fullname": "Changed Name", "phone": "+393331234567", "company": "Romano Srl",
				"tags": "vip,b2b", "city": "Milano", "attributes.score": "7", "attributes.source": "import"}
		},
		Keys:     sampleKeys,
		CreateOp: tiledesktest.OpCreate,
		FindOp:   tiledesktest.OpList,
	})
}

func TestNewValidatesConfig(t *testing.T) {
	base := Config{Project: tiledesktest.TestProjectID, Token: "tok"}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"unknown object", func(c *Config) { c.Object = "contact" }, `no object "contact" (it has: lead)`},
		{"bad url", func(c *Config) { c.URL = "api.tiledesk.com" }, "url"},
		{"project name instead of id", func(c *Config) { c.Project = "my-project" }, "24 hex digits"},
		{"no credentials", func(c *Config) { c.Token = "" }, "no credentials"},
		{"token and basic", func(c *Config) { c.Email, c.Password = "a@example.com", "pw" }, "not both"},
		{"email without password", func(c *Config) { c.Token, c.Email = "", "a@example.com" }, "both an email and a password"},
		{"password with a colon", func(c *Config) { c.Token, c.Email, c.Password = "", "a@example.com", "se:cret" }, "colon"},
		{"token of two words", func(c *Config) { c.Token = "Bearer abc.def" }, "one word"},
		{"negative page size", func(c *Config) { c.PageSize = -1 }, "page size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "se:cret") || strings.Contains(err.Error(), "abc.def") {
				t.Fatalf("error echoes a credential: %v", err)
			}
		})
	}
	s, err := New(base)
	if err != nil {
		t.Fatal(err)
	}
	if s.Object().Name != ObjectLead || !strings.HasPrefix(s.Scope(), "tiledesk/lead@api.tiledesk.com/v3#") {
		t.Fatalf("object %q scope %q", s.Object().Name, s.Scope())
	}
	if _, ok := s.(sinks.Lister); !ok {
		t.Fatal("not a Lister")
	}
	if _, ok := s.(sinks.Deleter); !ok {
		t.Fatal("not a Deleter")
	}
	if err := Schema().Check(); err != nil {
		t.Fatal(err)
	}
	if c, p := DefaultBudget(); c != 0 || p != 0 {
		t.Fatalf("default budget %d/%v", c, p)
	}
}

func TestScopeIsPerProjectNotPerUser(t *testing.T) {
	a, _ := New(Config{Project: tiledesktest.TestProjectID, Token: "t1"})
	b, _ := New(Config{Project: tiledesktest.TestProjectID, Email: "x@example.com", Password: "pw"})
	c, _ := New(Config{Project: tiledesktest.TestOtherProjectID, Token: "t1"})
	if a.Scope() != b.Scope() || a.Scope() == c.Scope() {
		t.Fatalf("scopes %q %q %q", a.Scope(), b.Scope(), c.Scope())
	}
	if strings.Contains(a.Scope(), "t1") || strings.Contains(a.Scope(), tiledesktest.TestProjectID) {
		t.Fatalf("scope %q holds the credential or project", a.Scope())
	}
}

func TestAuthentication(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
		msg  string
	}{
		{"basic", func(c *Config) {}, true, ""},
		{"jwt", func(c *Config) { c.Email, c.Password, c.Token = "", "", tiledesktest.TestToken }, true, ""},
		{"jwt as signin returns it", func(c *Config) { c.Email, c.Password, c.Token = "", "", "JWT "+tiledesktest.TestToken }, true, ""},
		{"wrong password", func(c *Config) { c.Password = "nope-secret" }, false, "Unauthorized"},
		{"unknown token", func(c *Config) { c.Email, c.Password, c.Token = "", "", "eyJ.unknown.token" }, false, "Unauthorized"},
		{"teammate role", func(c *Config) {
			c.Email, c.Password = tiledesktest.TestTeammateEmail, tiledesktest.TestTeammatePassword
		}, false, "you dont have the required role."},
		{"outsider", func(c *Config) {
			c.Email, c.Password = tiledesktest.TestOutsiderEmail, tiledesktest.TestOutsiderPassword
		}, false, "you dont belong to the project."},
		{"unknown project", func(c *Config) { c.Project = "65aa00112233445566770000" }, false, "Project not found with id: 65aa00112233445566770000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(s)
			tt.edit(&cfg)
			sink := newSink(t, cfg)
			err := sink.Check(ctx)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *sinks.Error
			if !errors.As(err, &e) || e.Class != sinks.Unauthorized || e.Msg != tt.msg {
				t.Fatalf("check: %v, want unauthorized %q", err, tt.msg)
			}
			for _, secret := range []string{cfg.Password, cfg.Token} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Fatalf("error echoes a credential: %v", err)
				}
			}
		})
	}
}

// Create is ONE call, the POST: it returns what Tiledesk holds after it
// (no phone, company, ...), and an Update sends the rest.
func TestCreateIsOnePostReturningWhatItHolds(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	f := sample(1)
	rest := sinks.Fields{"phone": "+393331234567", "company": "Romano Srl", "note": "called twice",
		"streetAddress": "Via Roma 1", "city": "Milano", "region": "MI", "zipcode": "20100", "country": "IT",
		"tags": " vip, b2b ,", "status": "100"}
	for k, v := range rest {
		f[k] = v
	}
	f["fullname"] = "Giulia Romano"
	rec, err := sink.Create(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Core().Stats()
	if st.Writes[tiledesktest.OpCreate] != 1 || st.TotalRequests() != 1 {
		t.Fatalf("stats %+v, want one POST and nothing else", st)
	}
	wantFields := sinks.Fields{"lead_id": "crm-0001", "fullname": "Giulia Romano", "email": "lead1@example.com",
		"attributes.source": "webform", "status": "100"}
	if !reflect.DeepEqual(rec.Fields, wantFields) {
		t.Fatalf("returned fields\n%v\nwant\n%v", rec.Fields, wantFields)
	}
	if l, _ := s.Lead(rec.ID); l.Phone != "" || l.Company != "" || len(l.Tags) != 0 {
		t.Fatalf("create stored fields POST ignores: %+v", l)
	}
	// What the engine does next: send what the answer lacks.
	missing := sinks.Fields{}
	for k, v := range f {
		if fd, _ := sink.Object().Field(k); !fd.Equal(rec.Fields[k], v) {
			missing[k] = v
		}
	}
	delete(missing, "status") // "100" equals the stored status
	if err := sink.Update(ctx, rec.ID, missing); err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lead(rec.ID)
	want := tiledesktest.Lead{LeadID: "crm-0001", Fullname: "Giulia Romano", Email: "lead1@example.com", Phone: "+393331234567",
		Company: "Romano Srl", Note: "called twice", StreetAddress: "Via Roma 1", City: "Milano", Region: "MI", Zipcode: "20100",
		Country: "IT", Tags: []string{"vip", "b2b"}, Attributes: map[string]any{"source": "webform"}, Status: 100,
		IDProject: tiledesktest.TestProjectID}
	got := l
	got.ID, got.CreatedBy, got.CreatedAt, got.UpdatedAt, got.Doc = "", "", time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
	}
	if n := s.Core().Stats().TotalRequests(); n != 2 {
		t.Fatalf("%d calls for create + update, want 2 (no attribute changed: no GET)", n)
	}
}

// Without a mapped lead_id, Create sets a deterministic one from the
// entity in the context (else from the lead's keys).
func TestDeterministicLeadID(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	f := sinks.Fields{"fullname": "Anna", "phone": "+393331234567"}
	ectx := sinks.WithEntity(ctx, "phone:+393331234567")
	rec, err := sink.Create(ectx, f)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("phone:+393331234567"))
	want := "ls-" + hex.EncodeToString(sum[:])[:20]
	if l, _ := s.Lead(rec.ID); l.LeadID != want || rec.Fields["lead_id"] != want {
		t.Fatalf("lead_id %q (record %q), want %q", l.LeadID, rec.Fields["lead_id"], want)
	}
	if got := sink.OwnLeadID(ectx, f); got != want {
		t.Fatalf("OwnLeadID %q", got)
	}
	// No entity: derived from the normalized keys, the same for every
	// spelling of them.
	a := sink.OwnLeadID(ctx, sinks.Fields{"email": "Anna@Example.com ", "phone": "+39 333 123 4567"})
	b := sink.OwnLeadID(ctx, sinks.Fields{"email": "anna@example.com", "phone": "3331234567", "city": "Roma"})
	if a != b || !regexp.MustCompile(`^ls-[0-9a-f]{20}$`).MatchString(a) || a == want {
		t.Fatalf("fallback ids %q %q", a, b)
	}
	// A mapped lead_id wins.
	if got := sink.OwnLeadID(ectx, sinks.Fields{"lead_id": " crm-9 "}); got != "crm-9" {
		t.Fatalf("mapped lead_id gave %q", got)
	}
}

// A lost POST answer: Find finds the lead by its lead_id on the first
// newest-first page (one call), for a phone-only person that no email
// filter could find; a POST that did not happen is not found.
func TestLostCreateFoundByLeadID(t *testing.T) {
	for _, fault := range []string{emulator.FaultDropAfterWrite, emulator.FaultError500} {
		t.Run(fault, func(t *testing.T) {
			s := newServer(t, tiledesktest.Options{})
			var older []string
			for i := range 30 {
				older = append(older, seededLead(fmt.Sprintf("66d1e4c000000000000%05d", i), fmt.Sprintf(`"lead_id":"old-%d","phone":"+39333000%04d"`, i, i)))
			}
			seed(t, s, older...)
			cfg := config(s)
			cfg.PageSize = 10
			sink := newSink(t, cfg)
			f := sinks.Fields{"fullname": "Phone Only", "phone": "+393331234567", "city": "Milano"}
			ectx := sinks.WithEntity(ctx, "phone:+393331234567")
			s.Core().InjectNext(tiledesktest.OpCreate, fault)
			_, err := sink.Create(ectx, f)
			if !sinks.IsUnknownOutcome(err) {
				t.Fatalf("create: %v, want an unknown outcome", err)
			}
			before := s.Core().Stats().Requests[tiledesktest.OpList]
			got, err := sink.Find(ectx, sinks.Query{Keys: []sinks.Key{{Field: "phone", Kind: "phone", Value: "+393331234567"}}, Fields: f})
			if err != nil {
				t.Fatal(err)
			}
			calls := s.Core().Stats().Requests[tiledesktest.OpList] - before
			if fault == emulator.FaultError500 {
				// Nothing was created: the whole project is read (3 pages).
				if len(got) != 0 || calls != 3 {
					t.Fatalf("found %+v in %d calls after a create that did not happen", got, calls)
				}
				return
			}
			if len(got) != 1 || got[0].Fields["lead_id"] != sink.OwnLeadID(ectx, f) || calls != 1 {
				t.Fatalf("found %+v in %d calls, want the lost lead in 1", got, calls)
			}
			// The engine completes it: phone and city were not in the POST.
			if got[0].Fields["phone"] != "" {
				t.Fatalf("POST stored a phone: %v", got[0].Fields)
			}
			if err := sink.Update(ectx, got[0].ID, sinks.Fields{"phone": "+393331234567", "city": "Milano"}); err != nil {
				t.Fatal(err)
			}
			if l, _ := s.Lead(got[0].ID); l.Phone != "+393331234567" || l.City != "Milano" || len(s.Leads()) != 31 {
				t.Fatalf("after update %+v, %d leads", l, len(s.Leads()))
			}
		})
	}
}

// An email-keyed lost create costs one call: the email filter, with the
// spelling the POST sent.
func TestLostCreateByEmailIsOneCall(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	f := sinks.Fields{"fullname": "Mixed Case", "email": "Mixed.Case@Example.com"}
	ectx := sinks.WithEntity(ctx, "email:mixed.case@example.com")
	s.Core().InjectNext(tiledesktest.OpCreate, emulator.FaultDropAfterWrite)
	if _, err := sink.Create(ectx, f); !sinks.IsUnknownOutcome(err) {
		t.Fatalf("create: %v", err)
	}
	got, err := sink.Find(ectx, sinks.Query{Keys: []sinks.Key{{Field: "email", Kind: "email", Value: "mixed.case@example.com"}}, Fields: f})
	if err != nil || len(got) != 1 {
		t.Fatalf("find: %+v %v", got, err)
	}
	if n := s.Core().Stats().Requests[tiledesktest.OpList]; n != 1 {
		t.Fatalf("%d list calls, want 1", n)
	}
}

// A PUT that failed after a good POST leaves a lead that Find finds and
// Update completes; nothing is created twice.
func TestFailedPutFoundAndCompleted(t *testing.T) {
	for _, fault := range []string{emulator.FaultError500, emulator.FaultDropAfterWrite} {
		t.Run(fault, func(t *testing.T) {
			s := newServer(t, tiledesktest.Options{})
			sink := newSink(t, config(s))
			f := sample(2)
			f["company"], f["phone"] = "Romano Srl", "+393331234567"
			ectx := sinks.WithEntity(ctx, "email:lead2@example.com")
			rec, err := sink.Create(ectx, f)
			if err != nil {
				t.Fatal(err)
			}
			s.Core().InjectNext(tiledesktest.OpUpdate, fault)
			if err := sink.Update(ectx, rec.ID, sinks.Fields{"company": "Romano Srl", "phone": "+393331234567"}); sinks.ClassOf(err) != sinks.Transient {
				t.Fatalf("update: %v, want transient", err)
			}
			got, err := sink.Find(ectx, sinks.Query{Keys: sampleKeys(2), Fields: f})
			if err != nil || len(got) != 1 || got[0].ID != rec.ID {
				t.Fatalf("find: %+v %v", got, err)
			}
			missing := sinks.Fields{}
			for _, k := range []string{"company", "phone"} {
				if got[0].Fields[k] != f[k] {
					missing[k] = f[k]
				}
			}
			if (fault == emulator.FaultError500) != (len(missing) == 2) {
				t.Fatalf("found fields %v after a %s", got[0].Fields, fault)
			}
			if err := sink.Update(ectx, rec.ID, missing); err != nil {
				t.Fatal(err)
			}
			if l, _ := s.Lead(rec.ID); l.Company != "Romano Srl" || l.Phone != "+393331234567" || len(s.Leads()) != 1 {
				t.Fatalf("after update %+v (%d leads)", l, len(s.Leads()))
			}
		})
	}
}

// Find with phone and email keys matches an existing lead by phone alone,
// and List's records carry every match key, so an index can key on phone.
func TestPhoneIsAMatchKey(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	seed(t, s,
		seededLead("66d1e4c0aaaaaaaaaaaaaaa1", `"lead_id":"ext-1","fullname":"No Mail","phone":"333 123 4567"`),
		seededLead("66d1e4c0aaaaaaaaaaaaaaa2", `"lead_id":"ext-2","email":"other@example.com","phone":"+393339999999","attributes":{"source":"fair"}`))
	sink := newSink(t, config(s))
	q := sinks.Query{Keys: []sinks.Key{
		{Field: "phone", Kind: "phone", Value: "+393331234567"},
		{Field: "email", Kind: "email", Value: "nomail@example.com"},
	}, Fields: sinks.Fields{"phone": "+393331234567", "email": "nomail@example.com"}}
	got, err := sink.Find(sinks.WithEntity(ctx, "email:nomail@example.com|phone:+393331234567"), q)
	if err != nil || len(got) != 1 || got[0].ID != "66d1e4c0aaaaaaaaaaaaaaa1" {
		t.Fatalf("find by phone: %+v %v", got, err)
	}
	obj := sink.Object()
	for _, k := range []string{"email", "phone", "lead_id"} {
		if !slices.Contains(obj.Keys, k) {
			t.Errorf("%s is not a schema key: the prefetch index would not hold it", k)
		}
	}
	var listed []sinks.Fields
	if _, err := sink.List(ctx, func(r sinks.Record) error { listed = append(listed, r.Fields); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0]["phone"] != "+393331234567" || listed[1]["email"] != "other@example.com" ||
		listed[1]["lead_id"] != "ext-2" || listed[1]["attributes.source"] != "fair" {
		t.Fatalf("listed %v", listed)
	}
}

func TestCreateWithoutExtraFieldsIsOneCall(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	rec, err := sink.Create(ctx, sinks.Fields{"fullname": "Only Name", "phone": "", "tags": ""})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Core().Stats().TotalRequests(); n != 1 {
		t.Fatalf("%d calls", n)
	}
	l, _ := s.Lead(rec.ID)
	if l.Fullname != "Only Name" || l.LeadID == "" {
		t.Fatalf("stored %+v", l)
	}
	if _, has := l.Doc["email"]; has {
		t.Fatalf("empty email sent: %v", l.Doc)
	}
}

func TestInvalidValuesAreRejectedBeforeAnyCall(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	for _, f := range []sinks.Fields{
		{"fullname": "A", "attributes": "source=webform"},
		{"fullname": "A", "attributes": `["a"]`},
		{"fullname": "A", "attributes": `{"a":1} {}`},
		{"fullname": "A", "status": "deleted"},
		{"fullname": "A", "favourite_colour": "blue"},
	} {
		if _, err := sink.Create(ctx, f); sinks.ClassOf(err) != sinks.Rejected {
			t.Errorf("create %v: %v, want rejected", f, err)
		}
	}
	if err := sink.Update(ctx, "not-an-id", sinks.Fields{"city": "x"}); sinks.ClassOf(err) != sinks.Rejected {
		t.Errorf("update of a malformed id: %v", err)
	}
	if err := sink.Delete(ctx, "42"); sinks.ClassOf(err) != sinks.Rejected {
		t.Errorf("delete of a malformed id: %v", err)
	}
	if n := s.Core().Stats().TotalRequests(); n != 0 {
		t.Fatalf("%d calls for invalid values", n)
	}
}

// seed adds leads of the test project (and others) to the emulator.
func seed(t *testing.T, s *tiledesktest.Server, leads ...string) {
	t.Helper()
	if err := s.Seed([]byte(`{"leads":[` + strings.Join(leads, ",") + `]}`)); err != nil {
		t.Fatal(err)
	}
}

func seededLead(id, fields string) string {
	return fmt.Sprintf(`{"_id":%q,"id_project":%q,%s}`, id, tiledesktest.TestProjectID, fields)
}

func TestFindFields(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	seed(t, s, seededLead("66d1e4c0aaaaaaaaaaaaaaa1", `"lead_id":" ext-1 ","fullname":"Giulia Romano","email":"Giulia.Romano@Example.it",
		"phone":"333 123 4567","tags":["vip","b2b"],"attributes":{"z":1,"a":{"b":"<x>"}},"company":"","note":null,"status":100`))
	sink := newSink(t, config(s))
	got, err := sink.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "lead_id", Kind: "id", Value: "ext-1"}}})
	if err != nil || len(got) != 1 {
		t.Fatalf("find: %+v %v", got, err)
	}
	want := sinks.Fields{"lead_id": "ext-1", "fullname": "Giulia Romano", "email": "giulia.romano@example.it",
		"phone": "+393331234567", "tags": "vip,b2b", "attributes.a": `{"b":"<x>"}`, "attributes.z": "1", "status": "100"}
	if got[0].ID != "66d1e4c0aaaaaaaaaaaaaaa1" || !reflect.DeepEqual(got[0].Fields, want) {
		t.Fatalf("found %s\n%v\nwant\n%v", got[0].ID, got[0].Fields, want)
	}
}

// Tiledesk's email filter is exact and case-sensitive and leads keep the
// spelling they were sent with: Find by email finds every spelling (one
// full-text call) and drops look-alikes.
func TestFindByEmailCase(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	seed(t, s,
		seededLead("66d1e4c0aaaaaaaaaaaaaaa1", `"lead_id":"ext-1","email":"Giulia.Romano@Example.it"`),
		seededLead("66d1e4c0aaaaaaaaaaaaaaa2", `"lead_id":"ext-2","email":"marco@example.com"`),
		seededLead("66d1e4c0aaaaaaaaaaaaaaa3", `"lead_id":"ext-3","email":"x.giulia.romano@example.it"`),
		seededLead("66d1e4c0aaaaaaaaaaaaaaa4", `"lead_id":"ext-4","fullname":"giulia.romano@example.it fan"`))
	sink := newSink(t, config(s))
	key := sinks.Key{Field: "email", Kind: "email", Value: "giulia.romano@example.it"}
	for _, mapped := range []string{"giulia.romano@example.it", "GIULIA.ROMANO@example.it", ""} {
		got, err := sink.Find(ctx, sinks.Query{Keys: []sinks.Key{key}, Fields: sinks.Fields{"email": mapped}})
		if err != nil || len(got) != 1 || got[0].ID != "66d1e4c0aaaaaaaaaaaaaaa1" {
			t.Fatalf("find with %q mapped: %+v %v", mapped, got, err)
		}
	}
	if calls := s.Core().Stats().Requests[tiledesktest.OpList]; calls != 3 {
		t.Fatalf("%d list calls for 3 finds", calls)
	}
	// A scanning find (lead_id key) compares emails itself too.
	got, err := sink.Find(ctx, sinks.Query{Keys: []sinks.Key{key, {Field: "lead_id", Kind: "id", Value: "ext-2"}}})
	if err != nil || len(got) != 2 {
		t.Fatalf("scanning find: %+v %v", got, err)
	}
}

// Tiledesk cannot filter by lead_id: Find pages through every lead.
func TestFindByLeadIDPagesThroughTheList(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	var leads []string
	for i := 1; i <= 5; i++ {
		leads = append(leads, seededLead(fmt.Sprintf("66d1e4c0aaaaaaaaaaaaaaa%d", i), fmt.Sprintf(`"lead_id":"ext-%d"`, i)))
	}
	// Twins share a lead_id (Tiledesk refuses no duplicate): both found.
	leads = append(leads, seededLead("66d1e4c0aaaaaaaaaaaaaaa6", `"lead_id":"ext-5"`))
	seed(t, s, leads...)
	cfg := config(s)
	cfg.PageSize = 2
	sink := newSink(t, cfg)
	got, err := sink.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "lead_id", Kind: "id", Value: "ext-5"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !reflect.DeepEqual(ids, []string{"66d1e4c0aaaaaaaaaaaaaaa5", "66d1e4c0aaaaaaaaaaaaaaa6"}) {
		t.Fatalf("found %v", ids)
	}
	if calls := s.Core().Stats().Requests[tiledesktest.OpList]; calls != 3 {
		t.Fatalf("%d list calls for 6 leads in pages of 2", calls)
	}
}

// Soft-deleted leads are not found, listed nor counted.
func TestDeletedLeadsAreNotFound(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	rec, err := sink.Create(ctx, sample(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Delete(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := sink.Delete(ctx, rec.ID); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if l, _ := s.Lead(rec.ID); !l.Deleted() {
		t.Fatalf("stored %+v, want status 1000", l)
	}
	for _, q := range [][]sinks.Key{sampleKeys(1)[:1], sampleKeys(1)[1:]} {
		got, err := sink.Find(ctx, sinks.Query{Keys: q})
		if err != nil || len(got) != 0 {
			t.Fatalf("find of a deleted lead by %s: %+v %v", q[0].Field, got, err)
		}
	}
	if pages, err := sink.List(ctx, func(r sinks.Record) error { return fmt.Errorf("listed %s", r.ID) }); err != nil || pages != 1 {
		t.Fatalf("list: %d %v", pages, err)
	}
	// An update of the deleted lead is stored but reported.
	err = sink.Update(ctx, rec.ID, sinks.Fields{"city": "Roma"})
	if sinks.ClassOf(err) != sinks.Rejected || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("update of a deleted lead: %v", err)
	}
	// Mapping status 100 restores it.
	if err := sink.Update(ctx, rec.ID, sinks.Fields{"status": "100"}); err != nil {
		t.Fatal(err)
	}
	if got, err := sink.Find(ctx, sinks.Query{Keys: sampleKeys(1)[:1]}); err != nil || len(got) != 1 || got[0].Fields["city"] != "Roma" {
		t.Fatalf("find after restore: %+v %v", got, err)
	}
}

func TestUpdateIsPartial(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	f := sample(1)
	f["company"], f["tags"], f["city"] = "Romano Srl", "vip", "Milano"
	rec, err := sink.Create(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Update(ctx, rec.ID, sinks.Fields{"company": "Romano Srl", "tags": "vip", "city": "Milano"}); err != nil {
		t.Fatal(err)
	}
	before := s.Core().Stats().TotalRequests()
	// lead_id cannot change (Tiledesk ignores it), so it is not sent;
	// empty values clear text and tags, never an attribute.
	if err := sink.Update(ctx, rec.ID, sinks.Fields{"lead_id": "other", "city": "", "tags": "", "attributes.source": "", "note": "hello"}); err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lead(rec.ID)
	if l.LeadID != "crm-0001" || l.Company != "Romano Srl" || l.City != "" || len(l.Tags) != 0 || l.Note != "hello" ||
		!reflect.DeepEqual(l.Attributes, map[string]any{"source": "webform"}) || l.Fullname != "Lead 1" {
		t.Fatalf("after update %+v", l)
	}
	// Only lead_id: nothing to send.
	if err := sink.Update(ctx, rec.ID, sinks.Fields{"lead_id": "other"}); err != nil {
		t.Fatal(err)
	}
	if n := s.Core().Stats().TotalRequests() - before; n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}

// attributes.<key> merges with the stored attributes: other keys are
// kept, an empty value keeps the stored one, the merged object is PUT
// after one GET; an unchanged attribute costs the GET only.
func TestAttributesMerge(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	seed(t, s, seededLead("66d1e4c0aaaaaaaaaaaaaaa1", `"lead_id":"ext-1","email":"a@example.com","attributes":{"source":"fair","score":7,"nested":{"x":1}}`))
	sink := newSink(t, config(s))
	const id = "66d1e4c0aaaaaaaaaaaaaaa1"
	got, err := sink.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "email", Kind: "email", Value: "a@example.com"}}})
	if err != nil || len(got) != 1 {
		t.Fatalf("find %+v %v", got, err)
	}
	if f := got[0].Fields; f["attributes.source"] != "fair" || f["attributes.score"] != "7" || f["attributes.nested"] != `{"x":1}` {
		t.Fatalf("found fields %v", f)
	}
	before := s.Core().Stats()
	if err := sink.Update(ctx, id, sinks.Fields{"attributes.campaign": "spring", "attributes.source": "", "city": "Roma"}); err != nil {
		t.Fatal(err)
	}
	after := s.Core().Stats()
	if after.Requests[tiledesktest.OpGet]-before.Requests[tiledesktest.OpGet] != 1 || after.Writes[tiledesktest.OpUpdate]-before.Writes[tiledesktest.OpUpdate] != 1 {
		t.Fatalf("calls: %v then %v, want one GET and one PUT", before.Requests, after.Requests)
	}
	l, _ := s.Lead(id)
	want := map[string]any{"source": "fair", "score": float64(7), "nested": map[string]any{"x": float64(1)}, "campaign": "spring"}
	if !reflect.DeepEqual(l.Attributes, want) || l.City != "Roma" {
		t.Fatalf("attributes %v city %q, want %v", l.Attributes, l.City, want)
	}
	// Unchanged values: the GET, no PUT.
	if err := sink.Update(ctx, id, sinks.Fields{"attributes.campaign": "spring", "attributes.score": "7"}); err != nil {
		t.Fatal(err)
	}
	if w := s.Core().Stats().Writes[tiledesktest.OpUpdate]; w != after.Writes[tiledesktest.OpUpdate] {
		t.Fatalf("an unchanged attribute was PUT")
	}
	// Create posts the attributes as one object.
	rec, err := sink.Create(ctx, sinks.Fields{"email": "b@example.com", "attributes.source": "web", "attributes.empty": ""})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Lead(rec.ID); !reflect.DeepEqual(l.Attributes, map[string]any{"source": "web"}) || rec.Fields["attributes.source"] != "web" {
		t.Fatalf("created attributes %v, record %v", l.Attributes, rec.Fields)
	}
	// The single JSON value is refused, pointing at attributes.<key>.
	for _, err := range []error{
		sink.Update(ctx, id, sinks.Fields{"attributes": `{"source":"x"}`}),
		func() error { _, err := sink.Create(ctx, sinks.Fields{"attributes": `{"source":"x"}`}); return err }(),
	} {
		if sinks.ClassOf(err) != sinks.Rejected || !strings.Contains(err.Error(), "attributes.<key>") {
			t.Fatalf("JSON attributes: %v", err)
		}
	}
	// An attribute update of a lead that is not there reads, and writes nothing.
	err = sink.Update(ctx, "66d1e4c0ffffffffffffffff", sinks.Fields{"attributes.source": "x"})
	if sinks.ClassOf(err) != sinks.Rejected || len(s.Leads()) != 2 {
		t.Fatalf("update of a missing lead: %v (%d leads)", err, len(s.Leads()))
	}
}

func TestUpdateOfAMissingLead(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	sink := newSink(t, config(s))
	// The real server upserts a bare document: reported, never silent.
	err := sink.Update(ctx, "66d1e4c0ffffffffffffffff", sinks.Fields{"city": "Roma"})
	if sinks.ClassOf(err) != sinks.Rejected || !strings.Contains(err.Error(), "no lead 66d1e4c0ffffffffffffffff") {
		t.Fatalf("update of a missing lead: %v", err)
	}
	s2 := newServer(t, tiledesktest.Options{Vendor: tiledesktest.Quirks{NotFoundOnMissing: true}})
	sink2 := newSink(t, config(s2))
	err = sink2.Update(ctx, "66d1e4c0ffffffffffffffff", sinks.Fields{"city": "Roma"})
	var e *sinks.Error
	if !errors.As(err, &e) || e.Class != sinks.Rejected || e.Status != 404 || e.Msg != "Object not found." {
		t.Fatalf("update of a missing lead (404): %v", err)
	}
}

func TestListAndListCost(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	var leads []string
	for i := 1; i <= 5; i++ {
		leads = append(leads, seededLead(fmt.Sprintf("66d1e4c0aaaaaaaaaaaaaaa%d", i), fmt.Sprintf(`"lead_id":"ext-%d","email":"L%d@example.com"`, i, i)))
	}
	leads = append(leads,
		seededLead("66d1e4c0aaaaaaaaaaaaaaa6", `"lead_id":"gone","status":1000`),
		fmt.Sprintf(`{"_id":"66d1e4c0aaaaaaaaaaaaaaa7","id_project":%q,"lead_id":"other"}`, tiledesktest.TestOtherProjectID))
	seed(t, s, leads...)
	cfg := config(s)
	cfg.PageSize = 2
	sink := newSink(t, cfg)

	cost, err := sink.ListCost(ctx)
	if err != nil || cost != 3 {
		t.Fatalf("list cost %d %v, want 3", cost, err)
	}
	if n := s.Core().Stats().Requests[tiledesktest.OpList]; n != 1 {
		t.Fatalf("list cost took %d calls", n)
	}
	var got []string
	pages, err := sink.List(ctx, func(r sinks.Record) error {
		got = append(got, r.Fields["lead_id"]+" "+r.Fields["email"])
		return nil
	})
	if err != nil || pages != 3 {
		t.Fatalf("list: %d pages, %v", pages, err)
	}
	want := []string{"ext-1 l1@example.com", "ext-2 l2@example.com", "ext-3 l3@example.com", "ext-4 l4@example.com", "ext-5 l5@example.com"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("listed %v", got)
	}
	// The default page size lists them in one call.
	def := newSink(t, config(s))
	if cost, _ := def.ListCost(ctx); cost != 1 {
		t.Fatalf("cost with default page size %d", cost)
	}
	stop := errors.New("stop")
	if _, err := def.List(ctx, func(sinks.Record) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("list did not pass fn's error: %v", err)
	}
}

// Leads created while a listing runs land after it (sort by _id): none
// already listed is listed twice and none is skipped.
func TestListWhileCreating(t *testing.T) {
	s := newServer(t, tiledesktest.Options{})
	cfg := config(s)
	cfg.PageSize = 2
	sink := newSink(t, cfg)
	for i := range 4 {
		if _, err := sink.Create(ctx, sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	n := 10
	_, err := sink.List(ctx, func(r sinks.Record) error {
		seen[r.Fields["lead_id"]]++
		if n < 13 {
			if _, err := sink.Create(ctx, sample(n)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if seen[fmt.Sprintf("crm-%04d", i)] != 1 {
			t.Fatalf("seen %v", seen)
		}
	}
}

// Tiledesk's opt-in 429 carries no Retry-After: the client pauses for
// RateLimitWait and retries.
func TestRateLimitWithoutRetryAfter(t *testing.T) {
	s := newServer(t, tiledesktest.Options{Limit: &emulator.Limit{Calls: 2, Per: 10 * time.Second}, TimeScale: 0.001})
	sink := newSink(t, config(s))
	for i := range 5 {
		if _, err := sink.Find(ctx, sinks.Query{Keys: sampleKeys(i)[:1]}); err != nil {
			t.Fatalf("find %d: %v", i, err)
		}
	}
	if st := s.Core().Stats(); st.RateLimited == 0 {
		t.Fatalf("no 429 seen: %+v", st)
	}
}

// A burst of concurrent calls through one budget never draws a 429 and
// never puts more than the limit into one of the vendor's windows. The
// budget counts send times and the emulator arrival times; a margin of a
// tenth of the window absorbs the scheduling jitter between the two (with
// none, -race runs see a sixth arrival inside a window now and then).
func TestBudgetBurst(t *testing.T) {
	const limit = 5
	s := newServer(t, tiledesktest.Options{Limit: &emulator.Limit{Calls: limit, Per: time.Second}, TimeScale: 0.1})
	window := s.Core().Window()
	cfg := config(s)
	cfg.Budget = budget.New(limit, window, window/10, nil)
	sink := newSink(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := sink.Create(ctx, sample(i))
				errs <- err
				return
			}
			_, err := sink.Find(ctx, sinks.Query{Keys: sampleKeys(i)[:1]})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := s.Core().Stats()
	cred := tiledesktest.BasicAuthorization(tiledesktest.TestEmail, tiledesktest.TestPassword)
	if st.RateLimited != 0 || s.Core().MaxInWindow(cred) > limit || st.TotalRequests() != 20 {
		t.Fatalf("429s %d, max in window %d (limit %d), requests %d", st.RateLimited, s.Core().MaxInWindow(cred), limit, st.TotalRequests())
	}
}
