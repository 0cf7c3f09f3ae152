package job

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/pipeline"
)

// eta estimates the time left: the calls still forecast at the budget's
// pace (which the budget guarantees a run keeps), plus what remains of a
// vendor pause, or, for adaptive budgets, at the pace observed so far.
// While work remains it is never 0: the forecast may be short, and then
// at least one more call's worth of the window is left.
func eta(p *pipeline.Progress, b *budget.Budget) (time.Duration, bool) {
	planned := p.Planned.Load()
	if b == nil || planned <= 0 {
		return 0, false
	}
	used := int64(b.Stats().Calls)
	left := planned - used
	pause := b.PauseLeft()
	unfinished := p.Total.Load() > p.Done.Load()
	if left <= 0 {
		if !unfinished {
			return pause, true
		}
		left = 1
	}
	var d time.Duration
	if !b.Adaptive() {
		calls, per := b.Limit()
		if calls > 0 {
			d = time.Duration(float64(per) * float64(left) / float64(calls))
		}
	} else {
		el := time.Since(p.Started)
		if used == 0 || el <= 0 {
			if pause > 0 {
				return pause, true
			}
			return 0, false
		}
		d = time.Duration(float64(el) * float64(left) / float64(used))
	}
	d += pause
	if unfinished && d < time.Second {
		d = time.Second
	}
	return d, true
}

// rateWindow measures rows per second over the last span.
type rateWindow struct {
	mu      sync.Mutex
	span    time.Duration
	samples []rateSample
}

type rateSample struct {
	at   time.Time
	rows int64
}

// add records the count at t and returns the rate over the window.
func (w *rateWindow) add(t time.Time, rows int64) float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.samples = append(w.samples, rateSample{t, rows})
	cut := t.Add(-w.span)
	i := 0
	for i < len(w.samples)-1 && w.samples[i+1].at.Before(cut) {
		i++
	}
	w.samples = w.samples[i:]
	first := w.samples[0]
	el := t.Sub(first.at).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(rows-first.rows) / el
}

// figures are one reading of a run's progress.
type figures struct {
	done, total       int64 // entities finished, of those the plan left to do
	written, rejected int64 // rows
	calls, forecast   int64
	rate              float64 // rows/s over the recent window
	eta               time.Duration
	etaOK             bool
	pause             time.Duration // left of a vendor pause
}

func readFigures(p *pipeline.Progress, b *budget.Budget, w *rateWindow, now time.Time) figures {
	f := figures{written: p.Written.Load(), rejected: p.Rejected.Load(), total: p.Total.Load(), forecast: p.Planned.Load(), done: p.Done.Load()}
	f.rate = w.add(now, f.written+f.rejected)
	if b != nil {
		f.calls = int64(b.Stats().Calls)
		f.pause = b.PauseLeft()
		f.eta, f.etaOK = eta(p, b)
	}
	return f
}

// describe reads like "calls 48 of ~80, written 20, rejected 3, 1.5 rows/s,
// ETA 9s" or, during a pause, "..., paused by the vendor (429), resuming in 12 s".
func (f figures) describe() string {
	s := fmt.Sprintf("written %d, rejected %d", f.written, f.rejected)
	if f.forecast > 0 {
		s += fmt.Sprintf(", calls %d of ~%d", f.calls, f.forecast)
	} else if f.calls > 0 {
		s += fmt.Sprintf(", calls %d", f.calls)
	}
	s += fmt.Sprintf(", %.1f rows/s", f.rate)
	if f.pause > 0 {
		s += fmt.Sprintf(", paused by the vendor (429), resuming in %d s", int((f.pause+time.Second-1)/time.Second))
	}
	if f.etaOK {
		s += fmt.Sprintf(", ETA %s", f.eta.Round(time.Second))
	}
	return s
}

// logEvery is how often progress is logged where stderr is no terminal.
const logEvery = 10 * time.Second

// bar is the terminal bar's description: "25/40 entities, written 27,
// rejected 2, calls 55 of ~83, 5.9 rows/s, ETA 9s".
func (f figures) bar() string {
	return fmt.Sprintf("%d/%d entities, %s", f.done, f.total, f.describe())
}

// StartProgress shows a live bar when stderr is a terminal (entities done
// of the total known after grouping, written and rejected, calls of the
// forecast, recent rows/s, the budget's ETA, and a vendor pause while it
// lasts), and the same figures as log lines every 10 s otherwise (cron,
// CI). It returns a function that stops it. A Run never calls it: a
// command passes it as RunOptions.Progress.
func StartProgress(stderr io.Writer, logger *slog.Logger, p *pipeline.Progress, quiet bool, b *budget.Budget) (stop func()) {
	return startProgress(stderr, logger, p, quiet, b, logEvery)
}

// startProgress is StartProgress logging every `every` where stderr is
// no terminal.
func startProgress(stderr io.Writer, logger *slog.Logger, p *pipeline.Progress, quiet bool, b *budget.Budget, every time.Duration) (stop func()) {
	if quiet {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	win := &rateWindow{span: 10 * time.Second}
	f, isFile := stderr.(*os.File)
	if isFile && term.IsTerminal(int(f.Fd())) {
		go func() {
			defer close(finished)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			var bar *progressbar.ProgressBar
			for {
				select {
				case <-done:
					if bar != nil {
						// The final figures, then the bar is cleared.
						fg := readFigures(p, b, win, time.Now())
						// The final figures are drawn (Describe draws the
						// frame, a finished one too), then the bar cleared.
						_ = bar.Set64(min(fg.done, fg.total))
						bar.Describe(fg.bar())
						_ = bar.Clear()
					}
					return
				case now := <-t.C:
					fg := readFigures(p, b, win, now)
					if bar == nil {
						if fg.total <= 0 {
							continue // the total is known once the plan is
						}
						bar = progressbar.NewOptions64(fg.total,
							progressbar.OptionSetWriter(f),
							progressbar.OptionSetWidth(20),
							progressbar.OptionSetPredictTime(false),
						)
					}
					_ = bar.Set64(min(fg.done, fg.total))
					bar.Describe(fg.bar())
				}
			}
		}()
	} else {
		go func() {
			defer close(finished)
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case now := <-t.C:
					fg := readFigures(p, b, win, now)
					attrs := []any{"read", p.Read.Load(), "done", fg.done, "total", fg.total,
						"written", fg.written, "rejected", fg.rejected, "rows_per_second", fmt.Sprintf("%.1f", fg.rate)}
					if b != nil {
						attrs = append(attrs, "calls", fg.calls, "forecast_calls", fg.forecast)
						if fg.etaOK {
							attrs = append(attrs, "eta", fg.eta.Round(time.Second).String())
						}
						if fg.pause > 0 {
							attrs = append(attrs, "paused", fmt.Sprintf("paused by the vendor (429), resuming in %d s", int((fg.pause+time.Second-1)/time.Second)))
						}
					}
					logger.Info("progress", attrs...)
				}
			}
		}()
	}
	return func() { close(done); <-finished }
}
