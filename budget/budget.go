// Package budget paces calls to a vendor: at most N calls in any window of
// length P, counted on a sliding log of send times, shared by every worker
// of a connection. Unlike a token bucket with burst N, which lets up to 2N
// calls into one window, the log never lets the server see N+1.
package budget

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source; tests pass a fake.
type Clock interface {
	Now() time.Time
	// After is time.After.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Budget is one connection's call budget. The zero value is not usable;
// use New. A nil *Budget allows every call at once.
type Budget struct {
	calls int
	per   time.Duration
	clock Clock

	mu       sync.Mutex
	sent     []*stamp // calls still in the window, and calls in flight
	pauseEnd time.Time
	used     int
	first    time.Time
	waited   time.Duration
	paused   int
	onSend   func(time.Time) // tests: the admitted send time, under the lock
	// adaptive budgets learn the limit from the vendor's 429s.
	adaptive  bool
	lastShift time.Time
	answered  chan struct{} // closed (and replaced) when a call in flight is answered
	margin    time.Duration
	tl        Timeline // calls per window and pauses, for reports
	// shared is the log other processes on the same credential write to
	// (nil: this process alone); sharedErr is its last failure.
	shared    Ledger
	sharedErr error
	// parts are the budgets a Sum adds up (nil: a connection's own).
	parts []*Budget
}

// stamp is one call's time in the log. While the call is in flight it
// counts as happening now; when its answer arrives, it is stamped with
// that time: the latest moment the vendor can have received it. So the
// vendor's own window, counted on arrival, never sees more than the limit,
// whatever the network's jitter.
type stamp struct {
	at       time.Time
	inFlight bool
	id       string // the call's id in the shared ledger
}

// New returns a budget of calls per window. margin is added to the window
// (e.g. 50 ms) so clock skew between us and the vendor never turns the
// N+1th call into a 429. clock nil means real time.
func New(calls int, per, margin time.Duration, clock Clock) *Budget {
	if clock == nil {
		clock = realClock{}
	}
	return &Budget{calls: calls, per: per + margin, margin: margin, clock: clock}
}

// unlimited is the call count of a budget with no known limit.
const unlimited = 1 << 30

// NewAdaptive returns a budget for a vendor whose limit is unknown. It
// lets calls through freely until the vendor answers 429; then it limits
// itself to three quarters of the calls the vendor accepted in the window
// before (the window being the 429's wait, at least a second), lowers
// the limit by a quarter on each further 429, and raises it by one call
// per quiet window, so it settles just under the vendor's real limit.
func NewAdaptive(clock Clock) *Budget {
	if clock == nil {
		clock = realClock{}
	}
	return &Budget{calls: unlimited, per: time.Second, clock: clock, adaptive: true}
}

// Limit describes the budget ("100/1m0s").
func (b *Budget) Limit() (calls int, per time.Duration) {
	if b == nil {
		return 0, 0
	}
	if b.parts != nil {
		return b.sumLimit()
	}
	return b.calls, b.per
}

// Wait blocks until one more call fits the budget (and any pause is
// over), then counts it as sent. The caller must call done when the
// call's answer (or failure) arrives. It returns ctx's error if ctx ends
// first.
func (b *Budget) Wait(ctx context.Context) (done func(), err error) {
	if b == nil {
		return func() {}, ctx.Err()
	}
	if b.parts != nil {
		return b.sumWait(ctx)
	}
	for {
		b.mu.Lock()
		now := b.clock.Now()
		if b.adaptive && b.calls < unlimited && now.Sub(b.lastShift) > b.per {
			b.calls++ // a quiet window: probe one call higher
			b.lastShift = now
		}
		var wait time.Duration
		if now.Before(b.pauseEnd) {
			wait = b.pauseEnd.Sub(now)
		} else {
			cut := now.Add(-b.per)
			kept := b.sent[:0]
			var oldest time.Time
			for _, st := range b.sent {
				if st.inFlight || st.at.After(cut) {
					kept = append(kept, st)
					if !st.inFlight && (oldest.IsZero() || st.at.Before(oldest)) {
						oldest = st.at
					}
				}
			}
			b.sent = kept
			var id string
			if len(b.sent) < b.calls && b.shared != nil {
				var err error
				if id, wait, err = b.reserveShared(ctx, now); err != nil {
					b.mu.Unlock()
					return func() {}, err
				}
			}
			if len(b.sent) < b.calls && wait == 0 {
				st := &stamp{at: now, inFlight: true, id: id}
				b.sent = append(b.sent, st)
				if b.used == 0 {
					b.first = now
				}
				b.used++
				b.record(now)
				if b.onSend != nil {
					b.onSend(now)
				}
				b.mu.Unlock()
				return func() { b.done(st) }, nil
			}
			switch {
			case wait > 0:
				// The shared ledger is full: others used the window.
			case oldest.IsZero():
				// Every counted call is in flight: wait for an answer.
				if b.answered == nil {
					b.answered = make(chan struct{})
				}
				ch := b.answered
				b.mu.Unlock()
				select {
				case <-ctx.Done():
					return func() {}, ctx.Err()
				case <-ch:
				}
				continue
			default:
				wait = oldest.Add(b.per).Sub(now)
			}
		}
		b.waited += wait
		b.mu.Unlock()
		if err := b.sleep(ctx, wait); err != nil {
			return func() {}, err
		}
	}
}

// timerSlack is how late the runtime's timers may fire on an idle
// machine: Linux's epoll waits whole milliseconds, so a timer can be up
// to a millisecond late, and every place in a full window comes free one
// such wake-up after its time.
const timerSlack = 2 * time.Millisecond

// sleep waits d or until ctx ends. On the real clock it sleeps all but
// the last timerSlack on a timer and the rest with a precise sleep, so a
// place in the window is taken within microseconds of coming free
// rather than up to a millisecond later (a 1 % loss at a time-scaled
// window of 100 ms).
func (b *Budget) sleep(ctx context.Context, d time.Duration) error {
	if _, real := b.clock.(realClock); !real {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.clock.After(d):
			return nil
		}
	}
	deadline := time.Now().Add(d)
	if coarse := d - timerSlack; coarse > 0 {
		t := time.NewTimer(coarse)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	rest := time.Until(deadline)
	if rest <= 0 {
		return ctx.Err()
	}
	woke := make(chan struct{})
	go func() {
		preciseSleep(rest)
		close(woke)
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-woke:
		return nil
	}
}

func (b *Budget) done(st *stamp) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st.inFlight {
		st.inFlight = false
		st.at = b.clock.Now()
		if st.id != "" {
			if err := b.shared.Answered(context.Background(), st.id, st.at); err != nil {
				b.sharedErr = err
			}
		}
		if b.answered != nil {
			close(b.answered)
			b.answered = nil
		}
	}
}

// Pause stops every caller of the connection for d (a 429's Retry-After,
// or the window when the vendor gives none). A longer pause wins.
func (b *Budget) Pause(d time.Duration) {
	if b == nil || b.parts != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	if b.adaptive {
		b.learn(now, d)
	}
	if b.shared != nil {
		if err := b.shared.Pause(context.Background(), now, d); err != nil {
			b.sharedErr = err
		}
	}
	if end := now.Add(d); end.After(b.pauseEnd) {
		b.pauseEnd = end
		b.paused++
		b.recordPause(now, end)
	}
}

// Share makes the budget count, besides its own calls, every call others
// record in l (another process on the same credential: a resumed run, a
// second job, a shard): a call goes out only when the ledger has room in
// the window too, and a 429 pause seen by one sharer pauses all. Adaptive
// budgets do not share (there is no known window to share). It returns b.
func (b *Budget) Share(l Ledger) *Budget {
	if b != nil && !b.adaptive && b.parts == nil {
		b.shared = l
	}
	return b
}

// reserveShared asks the shared ledger for a place (under b.mu).
func (b *Budget) reserveShared(ctx context.Context, now time.Time) (string, time.Duration, error) {
	if err := b.sharedErr; err != nil {
		b.sharedErr = nil
		return "", 0, err
	}
	id, wait, err := b.shared.Reserve(ctx, now, b.calls, b.per)
	if err != nil {
		return "", 0, err
	}
	return id, wait, nil
}

// learn lowers an adaptive budget after a 429 (under b.mu).
func (b *Budget) learn(now time.Time, wait time.Duration) {
	if now.Sub(b.lastShift) < b.per/2 && b.calls < unlimited {
		return // one 429 burst, one lesson
	}
	if b.calls >= unlimited {
		b.per = max(wait, time.Second)
		accepted := 0
		for _, st := range b.sent {
			if !st.inFlight && st.at.After(now.Add(-b.per)) {
				accepted++
			}
		}
		b.calls = max(1, accepted*3/4)
	} else {
		b.calls = max(1, b.calls*3/4)
	}
	b.lastShift = now
}

// Adaptive reports whether the budget learns its limit.
func (b *Budget) Adaptive() bool {
	if b != nil && b.parts != nil {
		return b.sumAdaptive()
	}
	return b != nil && b.adaptive
}

// Stats are a budget's figures for progress and reports.
type Stats struct {
	Calls  int           // calls let through
	Since  time.Time     // the first call
	Paused int           // pauses (429s) taken
	Waited time.Duration // total time callers waited (summed over callers)
}

// Stats returns the figures so far.
func (b *Budget) Stats() Stats {
	if b == nil {
		return Stats{}
	}
	if b.parts != nil {
		return b.sumStats()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Calls: b.used, Since: b.first, Paused: b.paused, Waited: b.waited}
}

// Duration estimates how long n calls take at this budget, from idle.
func (b *Budget) Duration(n int) time.Duration {
	if b != nil && b.parts != nil {
		return b.sumDuration(n)
	}
	if b == nil || b.calls <= 0 || n <= b.calls {
		return 0
	}
	windows := (n - 1) / b.calls
	return time.Duration(windows) * b.per
}

// PauseLeft is how long the current vendor pause (a 429's Retry-After)
// still lasts; 0 when callers are not paused.
func (b *Budget) PauseLeft() time.Duration {
	if b == nil {
		return 0
	}
	if b.parts != nil {
		return b.sumPauseLeft()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if left := b.pauseEnd.Sub(b.clock.Now()); left > 0 {
		return left
	}
	return 0
}
