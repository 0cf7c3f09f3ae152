package budget

import (
	"testing"
	"time"
)

// A 429's pause is visible to progress while it lasts, and only then.
func TestPauseLeft(t *testing.T) {
	c := &fakeClock{now: time.Unix(1000, 0)}
	b := New(10, time.Second, 0, c)
	if got := b.PauseLeft(); got != 0 {
		t.Fatalf("not paused: %v", got)
	}
	b.Pause(12 * time.Second)
	if got := b.PauseLeft(); got != 12*time.Second {
		t.Fatalf("paused 12 s: %v", got)
	}
	c.mu.Lock()
	c.now = c.now.Add(5 * time.Second)
	c.mu.Unlock()
	if got := b.PauseLeft(); got != 7*time.Second {
		t.Fatalf("5 s later: %v", got)
	}
	c.mu.Lock()
	c.now = c.now.Add(8 * time.Second)
	c.mu.Unlock()
	if got := b.PauseLeft(); got != 0 {
		t.Fatalf("after the pause: %v", got)
	}
	var nb *Budget
	if nb.PauseLeft() != 0 {
		t.Fatal("nil budget")
	}
}
