package leadsquaredtest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

const rateLimitBody = `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"API calls exceeded the limit of 25 in 5 second(s)"}`

func key2Headers() map[string]string {
	return map[string]string{"x-LSQ-AccessKey": TestAccessKey2, "x-LSQ-SecretKey": TestSecretKey2}
}

func lookupByID(t *testing.T, s *Server, headers map[string]string) response {
	t.Helper()
	return send(t, http.MethodGet, s.URL+pathByID+"?id="+TestLeadID, headers, "")
}

func checkRateLimited(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if got := strings.TrimSpace(string(r.body)); got != rateLimitBody {
		t.Errorf("body %s\nwant %s", got, rateLimitBody)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After %q, LeadSquared sends none", ra)
	}
}

func TestRateLimitSlidingWindowPerAccessKey(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now})

	// 10 calls at t0, 15 at t0+3s: the window is full.
	for i := range 25 {
		if i == 10 {
			clock.Add(3 * time.Second)
		}
		if r := lookupByID(t, s, keyHeaders()); r.status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i+1, r.status, r.body)
		}
	}
	checkRateLimited(t, lookupByID(t, s, keyHeaders()), http.StatusTooManyRequests)
	// The limit is checked before the keys: a wrong secret with the same
	// access key is still rate limited, not 401.
	checkRateLimited(t, lookupByID(t, s, map[string]string{"x-LSQ-AccessKey": TestAccessKey, "x-LSQ-SecretKey": "wrong"}), http.StatusTooManyRequests)
	// A write is refused too, and not stored.
	r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	checkRateLimited(t, r, http.StatusTooManyRequests)
	if n := len(s.CallLogs()); n != 0 {
		t.Errorf("rate-limited LogCall stored %d call logs", n)
	}
	// Another access key has its own window; keys sent in the query count
	// for the same key as headers.
	if r := lookupByID(t, s, key2Headers()); r.status != http.StatusOK {
		t.Errorf("second key: %d", r.status)
	}
	q := send(t, http.MethodGet, s.URL+pathByID+"?id="+TestLeadID+"&accessKey="+url.QueryEscape(TestAccessKey)+"&secretKey="+TestSecretKey, nil, "")
	checkRateLimited(t, q, http.StatusTooManyRequests)

	// Sliding: at t0+5s+1ms the first 10 have left the window, the 15 of
	// t0+3s have not.
	clock.Add(2*time.Second + time.Millisecond)
	for i := range 10 {
		if r := lookupByID(t, s, keyHeaders()); r.status != http.StatusOK {
			t.Fatalf("after the window slid, call %d: %d", i+1, r.status)
		}
	}
	checkRateLimited(t, lookupByID(t, s, keyHeaders()), http.StatusTooManyRequests)

	st := s.Core().Stats()
	if st.RateLimited != 5 {
		t.Errorf("Stats.RateLimited = %d, want 5", st.RateLimited)
	}
}

func TestRateLimitStatusVariants(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusOK, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			clock := newFakeClock()
			opts := Options{Now: clock.Now, Limit: &emulator.Limit{Calls: 25, Per: 5 * time.Second}}
			if status != http.StatusTooManyRequests {
				opts.Vendor.RateLimitStatus = status
			}
			s := startServer(t, opts)
			for range 25 {
				lookupByID(t, s, keyHeaders())
			}
			checkRateLimited(t, lookupByID(t, s, keyHeaders()), status)
		})
	}
}

func TestRateLimitConfigurable(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Options{Now: clock.Now, Limit: &emulator.Limit{Calls: 2, Per: 1500 * time.Millisecond}})
	lookupByID(t, s, keyHeaders())
	lookupByID(t, s, keyHeaders())
	r := lookupByID(t, s, keyHeaders())
	want := "API calls exceeded the limit of 2 in 1.5 second(s)"
	if e := r.errorBody(t); r.status != 429 || e.ExceptionMessage != want {
		t.Errorf("got %d %+v, want 429 %q", r.status, e, want)
	}

	u := startServer(t, Options{Limit: noLimit()})
	for i := range 40 {
		if r := lookupByID(t, u, keyHeaders()); r.status != http.StatusOK {
			t.Fatalf("unlimited, call %d: %d", i+1, r.status)
		}
	}
}

func TestRateLimitWithTimeScale(t *testing.T) {
	// 5 s scaled by 0.1: a 500 ms window.
	s := startServer(t, Options{TimeScale: 0.1})
	start := time.Now()
	for i := range 25 {
		if r := lookupByID(t, s, keyHeaders()); r.status != http.StatusOK {
			t.Fatalf("call %d: %d", i+1, r.status)
		}
	}
	r := lookupByID(t, s, keyHeaders())
	if time.Since(start) >= 500*time.Millisecond {
		t.Skip("the machine is too slow to fill a 500 ms window")
	}
	checkRateLimited(t, r, http.StatusTooManyRequests)
	time.Sleep(time.Until(start.Add(510 * time.Millisecond)))
	if r := lookupByID(t, s, keyHeaders()); r.status != http.StatusOK {
		t.Errorf("after the window: %d %s", r.status, r.body)
	}
	if w := s.Core().Window(); w != 500*time.Millisecond {
		t.Errorf("window %v, want 500ms", w)
	}
}

func TestMaxInWindowForAPacedClient(t *testing.T) {
	// 5 s scaled by 0.02: a 100 ms window.
	s := startServer(t, Options{TimeScale: 0.02})
	window := s.Core().Window()

	// A client that keeps a log of when its answers came back and never
	// sends the 26th call until the 1st answer is a window old: every
	// arrival then lies more than a window after the arrival 25 before.
	var answered []time.Time
	for i := range 70 {
		if len(answered) >= 25 {
			if wait := time.Until(answered[len(answered)-25].Add(window + time.Millisecond)); wait > 0 {
				time.Sleep(wait)
			}
		}
		r := lookupByID(t, s, keyHeaders())
		answered = append(answered, time.Now())
		if r.status != http.StatusOK {
			t.Fatalf("paced call %d: %d %s", i+1, r.status, r.body)
		}
	}
	if got := s.Core().MaxInWindow(TestAccessKey); got > 25 || got < 20 {
		t.Errorf("MaxInWindow = %d, want at most 25 (and near it)", got)
	}

	// A client that does not wait: 30 at once, concurrently.
	var wg sync.WaitGroup
	var mu sync.Mutex
	limited := 0
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, s.URL+pathByID+"?id="+TestLeadID, nil)
			for k, v := range key2Headers() {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				mu.Lock()
				limited++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if limited < 5 {
		t.Errorf("%d of 30 burst calls rate limited, want at least 5", limited)
	}
	if got := s.Core().MaxInWindow(TestAccessKey2); got <= 25 {
		t.Errorf("MaxInWindow for the burst = %d, want over 25", got)
	}
}
