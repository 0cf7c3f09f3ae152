package emulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock = Clock

type store struct{ n atomic.Int64 }

func (s *store) Dump() any           { return map[string]int64{"n": s.n.Load()} }
func (s *store) Seed(b []byte) error { s.n.Add(int64(len(b))); return nil }
func (s *store) ResetRecords()       { s.n.Store(0) }
func (s *store) handler(c *Core) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := r.Method == http.MethodPost
		c.Serve(w, r, Meta{Op: "op", Credential: r.URL.Query().Get("key"), Write: write}, func(w http.ResponseWriter) {
			if write {
				s.n.Add(1)
				MarkWrite(w)
			}
			io.WriteString(w, "ok")
		})
	})
}

func newCore(clock *fakeClock, limit Limit, faults Faults) (*Core, *store, *httptest.Server) {
	c := New(Options{Limit: limit, Faults: faults, Now: clock.Now}, Responses{
		RateLimited: func(w http.ResponseWriter, d time.Duration) {
			w.Header().Set("Retry-After", RetryAfterSeconds(d, 1))
			w.WriteHeader(429)
		},
		InternalError: func(w http.ResponseWriter) { w.WriteHeader(500) },
	})
	s := &store{}
	srv := httptest.NewServer(WithAdmin(s.handler(c), c, s))
	return c, s, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// The window slides: the limit+1th call in any window is refused, with the
// time until the oldest call leaves it; keys are counted apart.
func TestSlidingWindow(t *testing.T) {
	clock := NewClock(time.Unix(1000, 0))
	c, _, srv := newCore(clock, Limit{Calls: 3, Per: 10 * time.Second}, Faults{})
	defer srv.Close()
	for i := 0; i < 3; i++ {
		if code, _ := get(t, srv.URL+"/?key=a"); code != 200 {
			t.Fatalf("call %d: %d", i, code)
		}
		clock.Add(2 * time.Second)
	}
	// t=6s: three calls at 0, 2, 4 are in the window.
	if code, ra := get(t, srv.URL+"/?key=a"); code != 429 || ra != "4" {
		t.Fatalf("4th call: %d Retry-After %q, want 429 and 4", code, ra)
	}
	if code, _ := get(t, srv.URL+"/?key=b"); code != 200 {
		t.Fatalf("other key limited: %d", code)
	}
	clock.Add(4 * time.Second) // t=10s: the call at 0 has left.
	if code, _ := get(t, srv.URL+"/?key=a"); code != 200 {
		t.Fatalf("after the window: %d", code)
	}
	st := c.Stats()
	// Arrivals in one window, rejected ones included: 0,2,4,6 -> 4.
	if c.MaxInWindow("a") != 4 || st.RateLimited != 1 || st.Requests["op"] != 6 {
		t.Fatalf("max %d, stats %+v", c.MaxInWindow("a"), st)
	}
	if _, ok := st.MaxInWindow["a…(1)"]; !ok {
		t.Fatalf("labels %v", st.MaxInWindow)
	}
}

func TestFaults(t *testing.T) {
	clock := NewClock(time.Unix(1000, 0))
	c, s, srv := newCore(clock, Limit{}, Faults{})
	defer srv.Close()
	// A dropped write is performed, and the client gets no response.
	c.InjectNext("op", FaultDropAfterWrite)
	_, err := http.Post(srv.URL+"/", "text/plain", nil)
	if err == nil || s.n.Load() != 1 {
		t.Fatalf("drop after write: err %v, stored %d", err, s.n.Load())
	}
	// A 500 before acting stores nothing.
	c.InjectNext("", FaultError500)
	resp, _ := http.Post(srv.URL+"/", "text/plain", nil)
	if resp.StatusCode != 500 || s.n.Load() != 1 {
		t.Fatalf("500: %d, stored %d", resp.StatusCode, s.n.Load())
	}
	c.InjectNext("op", FaultExtra429)
	if code, _ := get(t, srv.URL+"/"); code != 429 {
		t.Fatalf("extra 429: %d", code)
	}
	// Rates are deterministic for a seed.
	counts := func(seed int64) int {
		c2, _, srv2 := newCore(clock, Limit{}, Faults{Seed: seed, Error500: 0.3})
		defer srv2.Close()
		for i := 0; i < 50; i++ {
			get(t, srv2.URL+"/")
		}
		return c2.Stats().Faults[FaultError500]
	}
	if a, b := counts(7), counts(7); a != b || a == 0 || a == 50 {
		t.Fatalf("seeded faults %d and %d", a, b)
	}
	st := c.Stats()
	if st.Writes["op"] != 1 || st.Faults[FaultDropAfterWrite] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAdminAndCredentialsHidden(t *testing.T) {
	clock := NewClock(time.Unix(1000, 0))
	_, s, srv := newCore(clock, Limit{}, Faults{})
	defer srv.Close()
	http.Post(srv.URL+"/?key=x&auth=supersecret", "text/plain", nil)
	resp, _ := http.Get(srv.URL + AdminPrefix + "calls")
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), "supersecret") || !strings.Contains(string(b), "REDACTED") {
		t.Fatalf("calls: %s", b)
	}
	http.Post(srv.URL+AdminPrefix+"seed", "application/json", strings.NewReader("{}"))
	if s.n.Load() != 3 {
		t.Fatalf("seed: %d", s.n.Load())
	}
	http.Post(srv.URL+AdminPrefix+"reset", "application/json", nil)
	resp, _ = http.Get(srv.URL + AdminPrefix + "stats")
	b, _ = io.ReadAll(resp.Body)
	if s.n.Load() != 0 || !strings.Contains(string(b), `"requests":{}`) {
		t.Fatalf("reset: %d %s", s.n.Load(), b)
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	if _, err := Listen(t.Context(), "0.0.0.0:0", false); err == nil {
		t.Fatal("0.0.0.0 accepted without the remote flag")
	}
	ln, err := Listen(t.Context(), "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
