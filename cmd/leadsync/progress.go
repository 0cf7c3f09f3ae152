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

// startProgress shows a live bar when stderr is a terminal, and periodic
// log lines otherwise (cron, CI). It returns a function that stops it.
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
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					_ = bar.Finish()
					return
				case <-t.C:
					_ = bar.Set64(p.Written.Load() + p.Rejected.Load())
					if b != nil {
						bar.Describe(fmt.Sprintf("rows (%d calls)", b.Stats().Calls))
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
					logger.Info("progress", "read", p.Read.Load(), "written", p.Written.Load(), "rejected", p.Rejected.Load(),
						"rows_per_second", int(float64(p.Read.Load())/el), "calls", b.Stats().Calls)
				}
			}
		}()
	}
	return func() { close(done); <-finished }
}
