package sinks_test

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
)

func TestRateLimitPolicies(t *testing.T) {
	win := sinks.WindowPause(time.Second, 7*time.Second)
	for _, tc := range []struct {
		name string
		p    sinks.RateLimitPolicy
		w    sinks.BudgetWindow
		want time.Duration
	}{
		{"zero policy", sinks.RateLimitPolicy{}, sinks.BudgetWindow{Per: time.Minute}, sinks.DefaultRateLimitPause},
		{"fixed", sinks.FixedPause(10 * time.Second), sinks.BudgetWindow{Per: time.Minute}, 10 * time.Second},
		{"fixed 0 falls back", sinks.FixedPause(0), sinks.BudgetWindow{}, sinks.DefaultRateLimitPause},
		{"window", win, sinks.BudgetWindow{Per: time.Minute}, time.Minute},
		{"window, adaptive", win, sinks.BudgetWindow{Per: 30 * time.Second, Adaptive: true}, time.Second},
		{"window, no budget", win, sinks.BudgetWindow{}, 7 * time.Second},
	} {
		if got := tc.p.Pause(tc.w); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
