package sinks

import "time"

// BudgetWindow is what a rate-limit policy reads of a connection's call
// budget.
type BudgetWindow struct {
	// Per is the budget's window, its margin included; 0 when the
	// connection has no budget.
	Per time.Duration
	// Adaptive budgets learn their limit from the vendor's 429s: no
	// window is known.
	Adaptive bool
}

// RateLimitPolicy is a vendor's declared answer to one question: how long
// a connection pauses after a rate-limited answer that names no wait of
// its own (no Retry-After, nor a wait in its message). Each vendor package
// returns its policy from one function (RateLimitPolicy); httpc applies
// it, in one place, to every such answer. A wait the answer names always
// wins.
type RateLimitPolicy struct {
	// PauseWithoutRetryAfter returns the pause for the connection's
	// budget. Nil, or a result of 0 or less, means DefaultRateLimitPause.
	PauseWithoutRetryAfter func(BudgetWindow) time.Duration
}

// DefaultRateLimitPause is the pause of a policy that names none.
const DefaultRateLimitPause = 5 * time.Second

// Pause is the policy's pause after a rate-limited answer without a wait,
// for a connection whose budget is w.
func (p RateLimitPolicy) Pause(w BudgetWindow) time.Duration {
	if p.PauseWithoutRetryAfter != nil {
		if d := p.PauseWithoutRetryAfter(w); d > 0 {
			return d
		}
	}
	return DefaultRateLimitPause
}

// FixedPause is the policy that pauses d whatever the budget: a vendor
// that names no window (LionDesk), or a time-scaled emulator's window in
// tests.
func FixedPause(d time.Duration) RateLimitPolicy {
	return RateLimitPolicy{PauseWithoutRetryAfter: func(BudgetWindow) time.Duration { return d }}
}

// WindowPause is the policy that pauses the budget's window: every call
// of the window that was full has left it. An adaptive budget knows no
// window: it probes again after adaptive. Without a budget, the pause is
// none.
func WindowPause(adaptive, none time.Duration) RateLimitPolicy {
	return RateLimitPolicy{PauseWithoutRetryAfter: func(w BudgetWindow) time.Duration {
		switch {
		case w.Adaptive:
			return adaptive
		case w.Per > 0:
			return w.Per
		}
		return none
	}}
}
