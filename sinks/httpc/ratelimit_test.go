package httpc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
)

// RateLimitPause hands the policy the connection's budget as it is.
func TestRateLimitPauseReadsTheBudget(t *testing.T) {
	var got []sinks.BudgetWindow
	p := sinks.RateLimitPolicy{PauseWithoutRetryAfter: func(w sinks.BudgetWindow) time.Duration {
		got = append(got, w)
		return 3 * time.Second
	}}
	for _, b := range []*budget.Budget{nil, budget.New(10, time.Minute, 0, nil), budget.NewAdaptive(nil)} {
		if d := RateLimitPause(p, b); d != 3*time.Second {
			t.Errorf("pause %v", d)
		}
	}
	want := []sinks.BudgetWindow{{}, {Per: time.Minute}, {Per: time.Second, Adaptive: true}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("windows %+v, want %+v", got, want)
	}
	if d := RateLimitPause(sinks.RateLimitPolicy{}, nil); d != sinks.DefaultRateLimitPause {
		t.Errorf("zero policy: %v", d)
	}
}

// A 429 that names no wait pauses what the policy says; one that names a
// wait pauses that.
func TestRateLimitedAnswerPausesByPolicy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"no Retry-After: the policy", "", 20 * time.Millisecond},
		{"Retry-After wins", "0.01", 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write([]byte("ok"))
			}))
			defer srv.Close()
			var paused []time.Duration
			c := client(srv.URL)
			c.RateLimit = sinks.FixedPause(20 * time.Millisecond)
			c.OnRateLimited = func(d time.Duration) { paused = append(paused, d) }
			if _, err := c.Do(context.Background(), Request{Op: "toy: op", Method: http.MethodGet, Path: "/"}); err != nil {
				t.Fatal(err)
			}
			if len(paused) != 1 || paused[0] != tc.want {
				t.Errorf("paused %v, want [%v]", paused, tc.want)
			}
		})
	}
}
