package budget

import (
	"context"
	"errors"
	"time"
)

// Sum is the budgets of several connections (one per credential of one
// account) seen as one, for the forecast, the progress and the reports:
// calls, pauses and waits add up, the limit is the connections' limits
// together (the combined rate), a pause lasts while any connection's
// does, and the timeline counts every connection's calls per window.
// Each connection still paces its own calls with its own budget: a Sum
// is never waited on (Wait fails), and Pause and Share do nothing. With
// one budget Sum returns it.
func Sum(parts ...*Budget) *Budget {
	if len(parts) == 1 {
		return parts[0]
	}
	return &Budget{parts: append([]*Budget(nil), parts...)}
}

// Parts returns the budgets a Sum adds up (nil for any other budget).
func (b *Budget) Parts() []*Budget {
	if b == nil {
		return nil
	}
	return append([]*Budget(nil), b.parts...)
}

// ErrSum is returned by Wait on a Sum.
var ErrSum = errors.New("budget: a sum of budgets is not waited on: each connection waits on its own")

func (b *Budget) sumWait(context.Context) (func(), error) { return func() {}, ErrSum }

func (b *Budget) sumLimit() (calls int, per time.Duration) {
	for _, p := range b.parts {
		c, pp := p.Limit()
		calls += c
		per = max(per, pp)
	}
	return calls, per
}

func (b *Budget) sumAdaptive() bool {
	for _, p := range b.parts {
		if p.Adaptive() {
			return true
		}
	}
	return false
}

func (b *Budget) sumStats() Stats {
	var s Stats
	for _, p := range b.parts {
		ps := p.Stats()
		s.Calls += ps.Calls
		s.Paused += ps.Paused
		s.Waited += ps.Waited
		if !ps.Since.IsZero() && (s.Since.IsZero() || ps.Since.Before(s.Since)) {
			s.Since = ps.Since
		}
	}
	return s
}

func (b *Budget) sumDuration(n int) time.Duration {
	calls, per := b.sumLimit()
	if calls <= 0 || n <= calls {
		return 0
	}
	return time.Duration((n-1)/calls) * per
}

func (b *Budget) sumPauseLeft() time.Duration {
	var d time.Duration
	for _, p := range b.parts {
		d = max(d, p.PauseLeft())
	}
	return d
}

// sumTimeline adds the parts' timelines window by window, from the
// earliest start.
func (b *Budget) sumTimeline() Timeline {
	var out Timeline
	tls := make([]Timeline, 0, len(b.parts))
	for _, p := range b.parts {
		t := p.Timeline()
		if t.Window == 0 {
			continue
		}
		tls = append(tls, t)
		if out.Window == 0 || t.Start.Before(out.Start) {
			out.Start = t.Start
		}
		out.Window = max(out.Window, t.Window)
	}
	for _, t := range tls {
		off := int(t.Start.Sub(out.Start) / out.Window)
		for i, c := range t.Counts {
			j := min(off+int(time.Duration(i)*t.Window/out.Window), maxBuckets-1)
			for len(out.Counts) <= j {
				out.Counts = append(out.Counts, 0)
				out.Limits = append(out.Limits, 0)
			}
			out.Counts[j] += c
			out.Limits[j] += t.Limits[i]
		}
		shift := t.Start.Sub(out.Start)
		for _, s := range t.Pauses {
			out.Pauses = append(out.Pauses, Span{s.From + shift, s.To + shift})
		}
	}
	return out
}
