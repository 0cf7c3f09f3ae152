package leaddesk_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// A burst of concurrent calls through one sink, paced by a budget equal to
// the vendor's limit, never meets a 429, and the emulator never sees more
// than the limit in any window, while the budget is used to the full.
func TestBudgetBurst(t *testing.T) {
	const (
		limit   = 20
		calls   = 50
		workers = 12
	)
	srv := leaddesktest.NewServer(leaddesktest.Options{
		TimeScale: 0.02, // the 60 s window lasts 1.2 s
		Limit:     &emulator.Limit{Calls: limit, Per: 60 * time.Second},
	})
	t.Cleanup(srv.Close)
	window := srv.Core().Window()
	// The budget logs send times, the emulator arrival times; between the
	// two, scheduling moves calls by milliseconds (measured: ~2 ms on an
	// idle machine, tens under -race with other test binaries on two
	// CPUs), so with no margin the emulator sees 21 calls in a window in
	// most runs. A margin of 5 % of this scaled window absorbs that (the
	// engine's margin of 1 % of a real 60 s window is 600 ms).
	b := budget.New(limit, window, window/20, nil)
	s := newSink(t, srv, "contact", leaddesktest.TestAPIKey, b)

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	next := make(chan int, calls)
	for i := range calls {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				keys := []sinks.Key{{Field: "phone", Kind: "phone", Value: fmt.Sprintf("+35840200%04d", i)}}
				if _, err := s.Find(t.Context(), sinks.Query{Keys: keys}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	elapsed := time.Since(start)

	st := srv.Core().Stats()
	if st.RateLimited != 0 {
		t.Errorf("%d answers were 429", st.RateLimited)
	}
	if n := srv.Core().MaxInWindow(leaddesktest.TestAPIKey); n > limit {
		t.Errorf("%d calls in one window, limit %d", n, limit)
	}
	if st.TotalRequests() != calls {
		t.Errorf("%d requests, want %d", st.TotalRequests(), calls)
	}
	// 50 calls at 20 per window need just over 2 windows; 4 would mean
	// a budget left unused.
	if min, max := 2*window, 4*window; elapsed < min || elapsed > max {
		t.Errorf("burst took %v, want between %v and %v", elapsed, min, max)
	}
}
