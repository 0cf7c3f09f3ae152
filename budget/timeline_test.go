package budget

import (
	"context"
	"testing"
	"time"
)

// Calls are counted in the window they were sent in, with the limit, and
// a 429 pause is kept as an interval from the first call.
func TestTimeline(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	b := New(3, 10*time.Second, 50*time.Millisecond, clock)
	send := func(n int) {
		for i := 0; i < n; i++ {
			done, err := b.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			done()
		}
	}
	send(2)
	clock.mu.Lock()
	clock.now = clock.now.Add(12 * time.Second)
	clock.mu.Unlock()
	send(1)
	b.Pause(5 * time.Second)
	b.Pause(2 * time.Second) // inside the first: not a second pause
	tl := b.Timeline()
	if tl.Window != 10*time.Second {
		t.Fatalf("window %v", tl.Window)
	}
	if len(tl.Counts) != 2 || tl.Counts[0] != 2 || tl.Counts[1] != 1 || tl.Limits[0] != 3 {
		t.Fatalf("counts %v limits %v", tl.Counts, tl.Limits)
	}
	if len(tl.Pauses) != 1 || tl.Pauses[0] != (Span{12 * time.Second, 17 * time.Second}) {
		t.Fatalf("pauses %v", tl.Pauses)
	}
	var nb *Budget
	if got := nb.Timeline(); len(got.Counts) != 0 {
		t.Fatal(got)
	}
}
