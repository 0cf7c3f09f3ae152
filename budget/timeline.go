package budget

import "time"

// Timeline is what a budget let through, window by window, and when the
// vendor paused it: the figures a run page draws.
type Timeline struct {
	Start  time.Time     // the first call
	Window time.Duration // the width of one bucket: the budget's window
	Counts []int         // calls sent in each window from Start
	Limits []int         // the budget's limit in each window (0: none known)
	Pauses []Span        // 429 pauses, as offsets from Start
}

// Span is an interval as offsets from a timeline's start.
type Span struct{ From, To time.Duration }

// maxBuckets bounds a timeline's memory; later calls go to the last bucket.
const maxBuckets = 1 << 16

// record counts one admitted call at now (under b.mu).
func (b *Budget) record(now time.Time) {
	t := &b.tl
	if t.Window == 0 {
		t.Window = b.per - b.margin
		if t.Window <= 0 {
			t.Window = time.Second
		}
		t.Start = now
	}
	i := int(now.Sub(t.Start) / t.Window)
	if i >= maxBuckets {
		i = maxBuckets - 1
	}
	for len(t.Counts) <= i {
		t.Counts = append(t.Counts, 0)
		t.Limits = append(t.Limits, 0)
	}
	t.Counts[i]++
	if b.calls < unlimited {
		t.Limits[i] = b.calls
	}
}

// recordPause notes a pause from now to end (under b.mu).
func (b *Budget) recordPause(now, end time.Time) {
	t := &b.tl
	if t.Window == 0 || len(t.Pauses) >= maxBuckets {
		return // before the first call: nothing to draw it against
	}
	from, to := now.Sub(t.Start), end.Sub(t.Start)
	if n := len(t.Pauses); n > 0 && from <= t.Pauses[n-1].To {
		if to > t.Pauses[n-1].To {
			t.Pauses[n-1].To = to
		}
		return
	}
	t.Pauses = append(t.Pauses, Span{from, to})
}

// Timeline returns a copy of the calls per window and the pauses so far.
func (b *Budget) Timeline() Timeline {
	if b == nil {
		return Timeline{}
	}
	if b.parts != nil {
		return b.sumTimeline()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tl
	t.Counts = append([]int(nil), t.Counts...)
	t.Limits = append([]int(nil), t.Limits...)
	t.Pauses = append([]Span(nil), t.Pauses...)
	return t
}
