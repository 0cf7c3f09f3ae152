package leadsquared

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/sinktest"
)

func harness(object, createOp, findOp string, sample func(int) sinks.Fields, keys func(*testing.T, int) []sinks.Key) sinktest.Harness {
	var cur *testing.T
	return sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, *emulator.Core) {
			cur = t
			srv := startEmulator(t, leadsquaredtest.Options{})
			return newSink(t, testConfig(srv, object)), srv.Core()
		},
		NewUnauthorized: func(t *testing.T) sinks.Sink {
			cur = t
			srv := startEmulator(t, leadsquaredtest.Options{})
			cfg := testConfig(srv, object)
			cfg.SecretKey = "not-the-secret"
			return newSink(t, cfg)
		},
		Sample: sample,
		Change: func(i int) sinks.Fields {
			if object != ObjectLead {
				return nil
			}
			return sinks.Fields{"Company": fmt.Sprintf("Changed %d", i), "mx_City": "Mysuru", "Mobile": "+919811100077"}
		},
		Keys:     func(i int) []sinks.Key { return keys(cur, i) },
		CreateOp: createOp,
		FindOp:   findOp,
		// VENDORS.md 4.3: 500 is "the API call failed".
		Error500NotDone: true,
	}
}

func sessionKey(_ *testing.T, i int) []sinks.Key {
	return []sinks.Key{{Field: "CallSessionId", Kind: "id", Value: fmt.Sprintf("session-%d", i)}}
}

func TestConformanceCallLog(t *testing.T) {
	sinktest.Run(t, harness(ObjectCallLog, leadsquaredtest.OpLogCall, leadsquaredtest.OpLeadByPhone,
		func(i int) sinks.Fields { return callFields(fmt.Sprintf("session-%d", i)) }, sessionKey))
}

func TestConformanceAgentPopup(t *testing.T) {
	sinktest.Run(t, harness(ObjectAgentPopup, leadsquaredtest.OpShowAgentPopup, leadsquaredtest.OpLeadByPhone,
		func(i int) sinks.Fields { return popupFields(fmt.Sprintf("session-%d", i)) }, sessionKey))
}

func TestConformanceLead(t *testing.T) {
	sinktest.Run(t, harness(ObjectLead, leadsquaredtest.OpLeadCreate, leadsquaredtest.OpLeadByEmail, leadFields,
		func(t *testing.T, i int) []sinks.Key {
			f := leadFields(i)
			return []sinks.Key{
				engineKey(t, "EmailAddress", keys.Email, f["EmailAddress"]),
				engineKey(t, "Phone", keys.Phone, f["Phone"]),
			}
		}))
}

func TestSchema(t *testing.T) {
	s := Schema()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for _, o := range s.Objects {
		if o.Name != ObjectLead && (o.CanFind || o.CanUpdate) {
			t.Errorf("%s: LeadSquared cannot find or change it", o.Name)
		}
		if len(o.Keys) == 0 {
			t.Errorf("%s has no keys", o.Name)
		}
	}
	lead, _ := s.Object(ObjectLead)
	if !lead.CanFind || !lead.CanUpdate {
		t.Errorf("lead: CanFind %v CanUpdate %v, want true true", lead.CanFind, lead.CanUpdate)
	}
	call, _ := s.Object(ObjectCallLog)
	if f, _ := call.Field("CallerSource"); f.MaxLen != 50 {
		t.Errorf("CallerSource max length %d, want 50", f.MaxLen)
	}
	if s.Objects[0].Name != ObjectCallLog {
		t.Errorf("first object %s: call_log is what leadsync writes to LeadSquared first", s.Objects[0].Name)
	}
}

func TestNewConfig(t *testing.T) {
	good := Config{Object: ObjectCallLog, AccessKey: "u$rkey", SecretKey: "secret", CountryCode: "+91"}
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"unknown object", func(c *Config) { c.Object = "contact" }, "agent_popup, call_log, lead"},
		{"no keys", func(c *Config) { c.AccessKey, c.SecretKey = "", " " }, "no access key and no secret key"},
		{"bad country code", func(c *Config) { c.CountryCode = "+9a" }, "country code"},
		{"unassigned country code", func(c *Config) { c.CountryCode = "+999" }, "not a country's calling code"},
		{"bad region", func(c *Config) { c.CountryCode, c.Region = "", "XX" }, "unknown phone region"},
		{"bad url", func(c *Config) { c.URL = "api.leadsquared.com" }, "want the API host"},
		{"keys in url", func(c *Config) { c.URL = "https://api.leadsquared.com/?accessKey=x" }, "not in the URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "u$rkey") {
				t.Errorf("error shows the access key: %v", err)
			}
		})
	}
	if c, p := DefaultBudget(); c != 25 || p != 5*time.Second {
		t.Errorf("DefaultBudget %d/%v, want 25/5s", c, p)
	}
}

func TestURLAndScope(t *testing.T) {
	for _, u := range []string{"", "https://api-in21.leadsquared.com/v2/", "https://api-in21.leadsquared.com"} {
		s := newSink(t, Config{URL: u, Object: ObjectLead, AccessKey: "u$rAccess", SecretKey: "s3cret", CountryCode: "91"})
		ls := s.(*leadSink)
		want := "https://api-in21.leadsquared.com"
		if u == "" {
			want = DefaultURL
		}
		if ls.c.http.BaseURL != want {
			t.Errorf("url %q: base %q, want %q", u, ls.c.http.BaseURL, want)
		}
		if sc := s.Scope(); !strings.HasPrefix(sc, "leadsquared/lead@"+strings.TrimPrefix(want, "https://")+"#") ||
			strings.Contains(sc, "u$rAccess") || strings.Contains(sc, "s3cret") {
			t.Errorf("scope %q", sc)
		}
	}
	a := newSink(t, Config{Object: ObjectLead, AccessKey: "one", SecretKey: "s"})
	b := newSink(t, Config{Object: ObjectLead, AccessKey: "two", SecretKey: "s"})
	if a.Scope() == b.Scope() {
		t.Error("two accounts share a scope")
	}
}

// recorder captures what goes on the wire.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func TestKeysTravelInHeadersOnly(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	rec := &recorder{}
	cfg := testConfig(srv, ObjectCallLog)
	cfg.HTTP = &http.Client{Transport: rec}
	s := newSink(t, cfg)
	f := callFields("k1")
	delete(f, "LeadId") // one lookup, then the write
	if _, err := s.Create(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	bad := newSink(t, Config{URL: srv.URL, Object: ObjectCallLog, AccessKey: leadsquaredtest.TestAccessKey, SecretKey: "wrong-secret", HTTP: &http.Client{Transport: rec}})
	_, err := bad.Create(context.Background(), callFields("k2"))
	if err == nil || strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), leadsquaredtest.TestAccessKey) {
		t.Errorf("unauthorized error %v", err)
	}
	if len(rec.reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(rec.reqs))
	}
	for _, r := range rec.reqs {
		u := r.URL.String()
		if strings.Contains(strings.ToLower(u), "key") || strings.Contains(u, "u$r") {
			t.Errorf("URL carries a key: %s", u)
		}
		if r.Header.Get("x-LSQ-AccessKey") != leadsquaredtest.TestAccessKey || r.Header.Get("x-LSQ-SecretKey") == "" {
			t.Errorf("%s: key headers missing", u)
		}
		if r.Method == http.MethodGet && r.Body != nil && r.Body != http.NoBody {
			t.Errorf("%s: GET with a body", u)
		}
	}
	if m := rec.reqs[1].Method; m != http.MethodPost {
		t.Errorf("LogCall sent with %s", m)
	}
}

func TestCheck(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	ctx := context.Background()
	for _, obj := range []string{ObjectCallLog, ObjectAgentPopup, ObjectLead} {
		s := newSink(t, testConfig(srv, obj))
		if err := s.(sinks.Checker).Check(ctx); err != nil {
			t.Errorf("%s: check: %v", obj, err)
		}
	}
	deactivated := testConfig(srv, ObjectLead)
	deactivated.AccessKey, deactivated.SecretKey = leadsquaredtest.DeactivatedAccessKey, leadsquaredtest.DeactivatedSecretKey
	if err := newSink(t, deactivated).(sinks.Checker).Check(ctx); sinks.ClassOf(err) != sinks.Unauthorized {
		t.Errorf("deactivated user's keys: %v", err)
	}
	wrongPath := testConfig(srv, ObjectLead)
	wrongPath.URL = srv.URL + "/api"
	if err := newSink(t, wrongPath).(sinks.Checker).Check(ctx); sinks.ClassOf(err) != sinks.Unauthorized || !strings.Contains(err.Error(), "check the URL") {
		t.Errorf("wrong URL: %v", err)
	}
	if st := srv.Core().Stats(); st.TotalWrites() != 0 {
		t.Errorf("check wrote %d records", st.TotalWrites())
	}
}

// TestBudgetKeepsTheLimit bursts concurrent calls through one sink paced by
// a budget of the vendor's limit: the emulator never answers 429 and never
// sees more than 25 calls in a window.
func TestBudgetKeepsTheLimit(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{TimeScale: 0.1}) // a 500 ms window
	window := srv.Core().Window()
	calls, _ := DefaultBudget()
	cfg := testConfig(srv, ObjectLead)
	// The budget counts send times, the emulator arrival times: a margin
	// of a tenth of the window absorbs the first calls' connection set-up
	// (with none, a 3 ms dial already lets the next window's first calls
	// arrive inside this one's).
	cfg.Budget = budget.New(calls, window, window/10, nil)
	s := newSink(t, cfg)

	const n = 80
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Find(context.Background(), sinks.Query{Keys: []sinks.Key{{Field: "EmailAddress", Kind: "email", Value: fmt.Sprintf("burst%d@example.com", i)}}})
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
	elapsed := time.Since(start)
	st := srv.Core().Stats()
	if st.RateLimited != 0 {
		t.Errorf("%d calls answered 429 (stats %+v)", st.RateLimited, st)
	}
	if got := srv.Core().MaxInWindow(leadsquaredtest.TestAccessKey); got > calls {
		t.Errorf("MaxInWindow %d, budget %d", got, calls)
	}
	if st.Requests[leadsquaredtest.OpLeadByEmail] != n {
		t.Errorf("%d lookups, want %d", st.Requests[leadsquaredtest.OpLeadByEmail], n)
	}
	// 80 calls at 25 per window need three full windows, and not many more.
	if elapsed < 3*window || elapsed > 10*window {
		t.Errorf("80 calls took %v with a %v window", elapsed, window)
	}
}

func TestUpdateIsUnsupported(t *testing.T) {
	for _, obj := range []string{ObjectCallLog, ObjectAgentPopup} {
		s := newSink(t, Config{Object: obj, AccessKey: "a", SecretKey: "b"})
		if err := s.Update(context.Background(), "id", sinks.Fields{"Status": "Missed"}); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: update: %v", obj, err)
		}
	}
}
