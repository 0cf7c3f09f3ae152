package budget

import (
	"context"
	"testing"
	"time"
)

// TestSum: two connections' budgets seen as one count both: calls, the
// combined rate (the forecast halves), the longest pause, and the
// timeline window by window.
func TestSum(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	a := New(10, time.Second, 0, clk)
	b := New(10, time.Second, 0, clk)
	s := Sum(a, b)
	if Sum(a) != a {
		t.Fatal("Sum of one budget is not the budget")
	}
	for i := 0; i < 3; i++ {
		done, err := a.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	done, _ := b.Wait(context.Background())
	done()
	if got := s.Stats().Calls; got != 4 {
		t.Errorf("calls %d, want 4", got)
	}
	if calls, per := s.Limit(); calls != 20 || per != time.Second {
		t.Errorf("limit %d/%s, want 20/1s", calls, per)
	}
	if got, one := s.Duration(100), a.Duration(100); got != 4*time.Second || one != 9*time.Second {
		t.Errorf("100 calls: %s at the sum, %s at one (want 4s, 9s)", got, one)
	}
	b.Pause(3 * time.Second)
	if got := s.PauseLeft(); got != 3*time.Second {
		t.Errorf("pause left %s", got)
	}
	tl := s.Timeline()
	if len(tl.Counts) != 1 || tl.Counts[0] != 4 || tl.Limits[0] != 20 || len(tl.Pauses) != 1 {
		t.Errorf("timeline %+v", tl)
	}
	if _, err := s.Wait(context.Background()); err == nil {
		t.Error("a sum was waited on")
	}
	if s.Adaptive() || !Sum(a, NewAdaptive(clk)).Adaptive() {
		t.Error("adaptive")
	}
}
