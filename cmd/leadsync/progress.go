package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/pipeline"
)

// eta estimates the time left: the calls still planned at the budget's
// pace (which the budget guarantees a run keeps), or, for export runs and
// adaptive budgets, at the pace observed so far.
func eta(p *pipeline.Progress, b *budget.Budget) (time.Duration, bool) {
	planned := p.Planned.Load()
	if b == nil || planned <= 0 {
		return 0, false
	}
	used := int64(b.Stats().Calls)
	left := planned - used
	if left <= 0 {
		return 0, true
	}
	if !b.Adaptive() {
		return b.Duration(int(left)), true
	}
	el := time.Since(p.Started)
	if used == 0 || el <= 0 {
		return 0, false
	}
	return time.Duration(float64(el) * float64(left) / float64(used)), true
}

// startProgress shows a live bar when stderr is a terminal (rows, rows/s,
// calls used of the plan, the ETA the budget implies), and periodic log
// lines otherwise (cron, CI). It returns a function that stops it.
func startProgress(e *env, logger *slog.Logger, p *pipeline.Progress, quiet bool, b *budget.Budget) (stop func()) {
	if quiet {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	f, isFile := e.stderr.(*os.File)
	if isFile && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("rows"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		go func() {
			defer close(finished)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					_ = bar.Finish()
					return
				case <-t.C:
					_ = bar.Set64(p.Written.Load() + p.Rejected.Load())
					if b != nil {
						desc := fmt.Sprintf("rows, %d calls", b.Stats().Calls)
						if pl := p.Planned.Load(); pl > 0 {
							desc = fmt.Sprintf("rows, %d of ~%d calls", b.Stats().Calls, pl)
						}
						if left, ok := eta(p, b); ok {
							desc += fmt.Sprintf(", ETA %s", left.Round(time.Second))
						}
						bar.Describe(desc)
					}
				}
			}
		}()
	} else {
		go func() {
			defer close(finished)
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					el := time.Since(p.Started).Seconds()
					attrs := []any{"read", p.Read.Load(), "written", p.Written.Load(), "rejected", p.Rejected.Load(),
						"rows_per_second", int(float64(p.Read.Load()) / el)}
					if b != nil {
						attrs = append(attrs, "calls", b.Stats().Calls, "planned_calls", p.Planned.Load())
						if left, ok := eta(p, b); ok {
							attrs = append(attrs, "eta", left.Round(time.Second).String())
						}
					}
					logger.Info("progress", attrs...)
				}
			}
		}()
	}
	return func() { close(done); <-finished }
}
