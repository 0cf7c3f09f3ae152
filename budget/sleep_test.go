package budget

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The real clock's sleep, timer and precise stretch together, never
// ends before its time (an early wake-up would let a call into a window
// still full at the vendor), and a cancelled context ends it.
func TestSleepNeverEarly(t *testing.T) {
	b := New(1, time.Second, 0, nil)
	for _, d := range []time.Duration{0, 50 * time.Microsecond, time.Millisecond, timerSlack, timerSlack + 300*time.Microsecond, 7 * time.Millisecond} {
		start := time.Now()
		if err := b.sleep(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < d {
			t.Errorf("sleep(%s) returned after %s", d, got)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, d := range []time.Duration{time.Millisecond, time.Hour} {
		if err := b.sleep(ctx, d); !errors.Is(err, context.Canceled) {
			t.Errorf("sleep(%s) on a cancelled context: %v", d, err)
		}
	}
}
