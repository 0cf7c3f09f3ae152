package liondesk

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

// A burst of concurrent calls through one budgeted sink stays inside the
// emulator's opt-in limit: no 429, and no window sees more than the limit.
func TestBudgetKeepsABurstUnderTheLimit(t *testing.T) {
	const limit, calls = 5, 15
	// A 10 s window scaled to 400 ms.
	srv := newServer(t, liondesktest.Options{TimeScale: 0.04, Limit: &emulator.Limit{Calls: limit, Per: 10 * time.Second}})
	window := srv.Core().Window()
	// The budget stamps a call when it lets it go; the emulator counts it
	// when it arrives. A stall in between (a new connection, a descheduled
	// goroutine: up to ~100 ms on a loaded machine under -race) can bring
	// two arrivals closer than the window, so the budget gets the margin
	// budget.New offers for that skew; with 0 this test sees 429s.
	b := budget.New(limit, window, window/4, nil)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: calls}}
	s, err := New(Config{URL: srv.URL, Object: ObjectContact, Token: liondesktest.TestToken, Region: "US", Budget: b, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []sinks.Key{{Field: "email", Kind: "email", Value: fmt.Sprintf("b%d@example.com", i)}}
			if _, err := s.Find(withTimeout(t), sinks.Query{Keys: keys}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := srv.Core().Stats()
	if st.RateLimited != 0 {
		calls := srv.Core().Calls()
		for _, c := range calls {
			t.Logf("%v %d %s", c.At.Sub(calls[0].At), c.Status, c.Query)
		}
		t.Fatalf("%d answers were 429", st.RateLimited)
	}
	if got := srv.Core().MaxInWindow(liondesktest.TestToken); got > limit || got < limit-1 {
		t.Fatalf("MaxInWindow %d, want at most %d (and near it)", got, limit)
	}
	if st.Requests["contact.find"] != calls || b.Stats().Calls != calls {
		t.Fatalf("%d finds, %d budgeted calls, want %d", st.Requests["contact.find"], b.Stats().Calls, calls)
	}
}

// Without a budget, the vendor's 429 is honoured and retried (the Retry-After wait).
func TestRateLimitedWithoutBudgetIsRetried(t *testing.T) {
	srv := newServer(t, liondesktest.Options{TimeScale: 0.01, Limit: &emulator.Limit{Calls: 3, Per: 5 * time.Second}})
	s := newSink(t, srv, ObjectContact)
	for i := range 6 {
		if _, err := s.Create(withTimeout(t), sinks.Fields{"email": fmt.Sprintf("r%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	st := srv.Core().Stats()
	if st.RateLimited == 0 || st.Writes["contact.create"] != 6 || len(srv.Contacts()) != 6 {
		t.Fatalf("429s %d, writes %d", st.RateLimited, st.Writes["contact.create"])
	}
}
