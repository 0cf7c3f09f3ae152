// Package pipeline runs a job: it streams records from a source through a
// compiled mapping into a sink, on a bounded pool of workers, recording
// every row's outcome in state and in the run's reports. It knows sinks
// only through the small interfaces declared here, never a vendor.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// RecordSink receives mapped records in source order, from one goroutine.
// Export sinks (files) are RecordSinks: they cannot find or update, and a
// run writes them whole.
type RecordSink interface {
	// Write stores one lead and returns an id for it (a line number, say).
	// An error rejects the row and the run goes on, except a failure of
	// the sink's own file (an *fs.PathError: disk full, read-only), which
	// stops the run with ErrOwnFile and rejects nothing.
	Write(ctx context.Context, lead mapping.Lead) (id string, err error)
	// Commit makes everything written durable (for a file: renames the
	// temporary file into place). After an interrupted run the previous
	// output is left as it was.
	Commit() error
	// Abort discards what was written.
	Abort() error
}

// Reporter receives each row's outcome for the run's report files. Calls
// come from one goroutine. Optional.
type Reporter interface {
	Rejected(row int, raw []string, column, reason string) error
	// Written gets the row's source cells (raw), for a success file.
	Written(row int, raw []string, action, id string) error
}

// Action names in outcomes and reports.
const (
	ActionExport = "export"
)

// Config is one run's wiring.
type Config struct {
	Source  sources.Source
	Mapping *mapping.Mapping
	Sink    RecordSink
	// Writer commits outcomes; required.
	State *state.Writer
	// Reporter is optional.
	Reporter Reporter
	// Concurrency is the number of mapping workers (default: GOMAXPROCS).
	Concurrency int
	// Limit stops after this many data rows (0: all).
	Limit int
	// Progress, when set, is updated as the run goes.
	Progress *Progress
	Logger   *slog.Logger
}

// Progress is a run's live counters, safe to read from another goroutine.
type Progress struct {
	Read     atomic.Int64 // records read (bad rows included)
	Written  atomic.Int64
	Rejected atomic.Int64
	// Planned is the forecast number of vendor calls (0: no forecast).
	Planned atomic.Int64
	// Total is the entities the run works on, known after grouping and
	// planning (0: not known yet).
	Total   atomic.Int64
	Started time.Time
}

// Result is what a run did.
type Result struct {
	Rows     int // data rows seen
	Written  int
	Rejected int
	// Interrupted is true when the context was cancelled before the source
	// was exhausted; nothing after the last committed row was written.
	Interrupted bool
	Elapsed     time.Duration
}

const batchSize = 512

type batch struct {
	seq  int
	recs []sources.Record
	errs []*sources.RowError // rows the source could not read, by position
	out  []result
}

type result struct {
	lead mapping.Lead
	err  *sources.RowError
}

// Run streams the source through the mapping into the sink. It returns
// when the source is exhausted, the context is cancelled (Result.Interrupted),
// or a fatal error occurs. Row problems are never fatal: they become
// rejected outcomes.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.Progress == nil {
		cfg.Progress = &Progress{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	cfg.Progress.Started = start

	// Cancelling ctx stops the reader; the workers and the sink drain what
	// was already read, so every row read gets an outcome.
	work := make(chan *batch, cfg.Concurrency*2)
	mapped := make(chan *batch, cfg.Concurrency*2)
	g, gctx := errgroup.WithContext(context.WithoutCancel(ctx))
	var interrupted atomic.Bool

	g.Go(func() error {
		defer close(work)
		return readBatches(ctx, gctx, cfg, work, &interrupted)
	})
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			for b := range work {
				b.out = make([]result, len(b.recs))
				for i, rec := range b.recs {
					if b.errs[i] != nil {
						b.out[i].err = b.errs[i]
						continue
					}
					lead, err := cfg.Mapping.Apply(rec)
					if err != nil {
						var re *sources.RowError
						if !errors.As(err, &re) {
							return err
						}
						b.out[i].err = re
						continue
					}
					b.out[i].lead = lead
				}
				select {
				case mapped <- b:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() { wg.Wait(); close(mapped) }()

	var res Result
	g.Go(func() error { return writeInOrder(gctx, cfg, mapped, &res) })
	err := g.Wait()
	res.Interrupted = interrupted.Load()
	res.Elapsed = time.Since(start)
	return res, err
}

func readBatches(ctx, gctx context.Context, cfg Config, work chan<- *batch, interrupted *atomic.Bool) error {
	seq, n := 0, 0
	b := &batch{seq: seq}
	send := func() error {
		if len(b.recs) == 0 {
			return nil
		}
		select {
		case work <- b:
		case <-gctx.Done():
			return gctx.Err()
		}
		seq++
		b = &batch{seq: seq}
		return nil
	}
	for {
		if ctx.Err() != nil {
			interrupted.Store(true)
			return send()
		}
		if cfg.Limit > 0 && n >= cfg.Limit {
			return send()
		}
		rec, err := cfg.Source.Next(ctx)
		if errors.Is(err, io.EOF) {
			return send()
		}
		var rowErr *sources.RowError
		if err != nil && !errors.As(err, &rowErr) {
			if ctx.Err() != nil {
				interrupted.Store(true)
				return send()
			}
			return sinks.Refused(sinks.SideSource, fmt.Errorf("read: %w", err))
		}
		n++
		cfg.Progress.Read.Add(1)
		if rowErr != nil {
			rec = sources.Record{Row: rowErr.Row, Values: rowErr.Raw}
		}
		b.recs = append(b.recs, rec)
		b.errs = append(b.errs, rowErr)
		if len(b.recs) == batchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
}

// writeInOrder hands results to the sink in source order.
func writeInOrder(ctx context.Context, cfg Config, mapped <-chan *batch, res *Result) error {
	pending := map[int]*batch{}
	next := 0
	for b := range mapped {
		pending[b.seq] = b
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := writeBatch(ctx, cfg, cur, res); err != nil {
				return err
			}
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("pipeline: %d batches never reached the writer", len(pending))
	}
	return nil
}

func writeBatch(ctx context.Context, cfg Config, b *batch, res *Result) error {
	for i, r := range b.out {
		res.Rows++
		if r.err != nil {
			if err := reject(cfg, b.recs[i].Values, r.err.Row, r.err.Column, r.err.Err.Error()); err != nil {
				return err
			}
			res.Rejected++
			continue
		}
		id, err := cfg.Sink.Write(ctx, r.lead)
		if err != nil && ownFileFault(err) {
			return fmt.Errorf("%w: %w", ErrOwnFile, err)
		}
		if err != nil {
			if err := reject(cfg, b.recs[i].Values, r.lead.Row, "", err.Error()); err != nil {
				return err
			}
			res.Rejected++
			continue
		}
		entity := ""
		if len(r.lead.Keys) > 0 {
			entity = r.lead.Keys[0]
		}
		cfg.State.Outcome(state.Outcome{Row: r.lead.Row, Status: state.StatusOK, Action: ActionExport, VendorID: id, Entity: entity})
		if cfg.Reporter != nil {
			if err := cfg.Reporter.Written(r.lead.Row, b.recs[i].Values, ActionExport, id); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
		res.Written++
		cfg.Progress.Written.Add(1)
	}
	return nil
}

func reject(cfg Config, raw []string, row int, column, reason string) error {
	cfg.State.Outcome(state.Outcome{Row: row, Status: state.StatusRejected, Column: column, Error: reason})
	cfg.Progress.Rejected.Add(1)
	if cfg.Reporter != nil {
		if err := cfg.Reporter.Rejected(row, raw, column, reason); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}
