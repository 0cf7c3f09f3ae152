// Package pipeline runs a job: one engine (Sync) for every sink reads
// records from a source, maps them on a pool of workers, groups them into
// entities, plans and writes each through the sink, and records every
// row's outcome in state and in the run's reports. A vendor sink's rows
// are grouped by match key and planned against the vendor; a file (a
// sinks.Stream) takes each row in source order and checkpoints its
// progress. Resume, dry run (sinks.DryRun), reports, progress and mirror
// are the same for both. It knows sinks only through the sinks package's
// interfaces, never a vendor.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// Reporter receives each row's outcome for the run's report files. Calls
// come from one goroutine. Optional.
type Reporter interface {
	Rejected(row int, raw []string, column, reason string) error
	// Written gets the row's source cells (raw), for a success file.
	Written(row int, raw []string, action, id string) error
}

// A ResumableReporter keeps a resumed stream's report lines, rather than
// have them replayed: Mark flushes and names the lines so far, committed
// with the stream's progress; Resume goes on after the lines of an
// earlier invocation's Mark ("": the run starts over) and says whether
// it could (if not, every row is reported again).
type ResumableReporter interface {
	Reporter
	Mark() (string, error)
	Resume(mark string) bool
}

// Action names in outcomes and reports.
const (
	ActionExport = "export"
)

// Progress is a run's live counters, safe to read from another goroutine.
type Progress struct {
	Read     atomic.Int64 // records read (bad rows included)
	Written  atomic.Int64
	Rejected atomic.Int64
	// Planned is the forecast number of vendor calls (0: no forecast).
	Planned atomic.Int64
	// Total is the entities the run works on, known after grouping and
	// planning (0: not known yet).
	Total atomic.Int64
	// Done is the entities of Total finished (written, refused, skipped,
	// failed or left uncertain).
	Done    atomic.Int64
	Started time.Time
}

// batchSize is how many records the read loop hands the mapping workers
// at once.
const batchSize = 512

// batchBytes closes a batch early once its values add up to this much, so
// the batches in flight (about 4 per worker) stay small when rows are
// large: a workbook can repeat a 1 MiB shared string in every row, and a
// few thousand such rows would otherwise be held at once.
const batchBytes = 1 << 20

type batch struct {
	seq  int
	recs []sources.Record
	errs []*sources.RowError // rows the source could not read, by position
	pos  []int               // records read up to each
	done []bool              // rows of cfg.Done: finished by an earlier invocation
	out  []mapped
	size int    // bytes of the records' values
	seek string // a sources.Seeker's position after the last record
}

// mapped is one source record as the read loop hands it on: mapped, or
// rejected by the source or the mapping.
type mapped struct {
	lead mapping.Lead
	keys []sinks.Key // partial: the lead's SinkKeys
	raw  []string
	err  *sources.RowError
	// pos is the count of records read up to and including this one.
	pos  int
	row  int
	done bool // a row of cfg.Done: its report line is given again
	// seek, on a batch's last record from a sources.Seeker, is where the
	// record after it starts.
	seek string
}

// skipping is what a read leaves out at the start: the first rows
// records (a resumed stream's committed ones), read unless seeked (the
// source is already past them), their report lines replayed from state
// when replay.
type skipping struct {
	rows           int
	seeked, replay bool
}

// readRows is the engine's one read loop, for every sink: it reads the
// source in batches, maps them on GOMAXPROCS workers (ApplyPartial when
// partial: required fields are checked on the merged entity), and calls
// fn with each record in source order, from one goroutine. The first
// skip.rows records (a resumed stream's committed rows) are neither mapped
// nor handed on: not even read when skip.seeked (the source is past them
// already), and with skip.replay their rejected rows get their report
// lines again from state (replayer). So do all the rows of cfg.Done, which an earlier
// invocation of the run finished, from the goroutine that calls fn. It
// returns at the end of the source, at cfg.Limit, when
// ctx is cancelled (interrupted; every record read was handed on) or at a
// fatal error: the source's, the mapping's, or fn's.
func readRows(ctx context.Context, cfg SyncConfig, partial bool, skip skipping, fn func(mapped) error) (interrupted bool, err error) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *batch, workers*2)
	out := make(chan *batch, workers*2)
	g, gctx := errgroup.WithContext(context.WithoutCancel(ctx))
	var stopped atomic.Bool
	g.Go(func() error {
		defer close(work)
		return readBatches(ctx, gctx, cfg, skip, work, &stopped)
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			for b := range work {
				for i, rec := range b.recs {
					m := &b.out[i]
					m.raw, m.row = rec.Values, rec.Row
					if b.errs[i] != nil {
						m.err = b.errs[i]
						continue
					}
					var lead mapping.Lead
					var err error
					if partial {
						lead, m.keys, err = cfg.Mapping.ApplyPartialKeys(rec)
					} else {
						lead, err = cfg.Mapping.Apply(rec)
					}
					if err != nil {
						var re *sources.RowError
						if !errors.As(err, &re) {
							return err
						}
						m.err = re
						continue
					}
					m.lead = lead
				}
				select {
				case out <- b:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() { wg.Wait(); close(out) }()
	replay := newReplayer(cfg, cfg.Done.Len() > 0, "")
	g.Go(func() error {
		pending := map[int]*batch{}
		next := 0
		for b := range out {
			pending[b.seq] = b
			for {
				cur, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if len(cur.out) > 0 {
					cur.out[len(cur.out)-1].seek = cur.seek
				}
				for _, m := range cur.out {
					if m.done && replay != nil {
						// Finished by an earlier invocation: its report
						// line again, from this one goroutine as fn's.
						if err := replay.row(ctx, m.row, m.raw); err != nil {
							return err
						}
					}
					if err := fn(m); err != nil {
						return err
					}
				}
				recycle(cur)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("pipeline: %d batches never reached the writer", len(pending))
		}
		return nil
	})
	err = g.Wait()
	return stopped.Load(), err
}

// batchPool holds batches whose rows were all handed on, emptied, for
// readBatches to fill again.
var batchPool sync.Pool

// newBatch returns an empty batch, a recycled one when there is one, else
// one whose slices start at capacity n.
func newBatch(seq, n int) *batch {
	if b, ok := batchPool.Get().(*batch); ok {
		b.seq = seq
		return b
	}
	return &batch{seq: seq, recs: make([]sources.Record, 0, n), errs: make([]*sources.RowError, 0, n), pos: make([]int, 0, n), done: make([]bool, 0, n)}
}

// recycle empties b, whose rows readRows has handed on (fn got copies of
// its mapped values, which hold nothing of the batch's own arrays), and
// pools it. Its elements are zeroed: a refilled batch's out starts as a
// new one's would, and the pool keeps no row alive.
func recycle(b *batch) {
	clear(b.recs)
	clear(b.errs)
	clear(b.out)
	*b = batch{recs: b.recs[:0], errs: b.errs[:0], pos: b.pos[:0], done: b.done[:0], out: b.out[:0]}
	batchPool.Put(b)
}

func readBatches(ctx, gctx context.Context, cfg SyncConfig, skip skipping, work chan<- *batch, interrupted *atomic.Bool) error {
	seq, n := 0, 0
	seeker, _ := cfg.Source.(sources.Seeker)
	if skip.seeked {
		n = skip.rows
		cfg.Progress.Read.Add(int64(n))
	}
	// A resumed stream's committed rows, when its report files could not
	// go on after them: their rejected.csv lines again. Their written.csv
	// lines are not (reading every row's outcome back would cost the
	// resume about half a full run; the output file holds those rows).
	skipped := newReplayer(cfg, skip.replay && skip.rows > 0, state.StatusOK)
	b := newBatch(seq, 0)
	send := func() error {
		if len(b.recs) == 0 {
			return nil
		}
		if cap(b.out) >= len(b.recs) {
			b.out = b.out[:len(b.recs)] // zeroed by recycle
		} else {
			b.out = make([]mapped, len(b.recs))
		}
		for i := range b.out {
			b.out[i].pos, b.out[i].done = b.pos[i], b.done[i]
		}
		if seeker != nil {
			b.seek = seeker.Position()
		}
		// Once sent, b belongs to the workers and then to the pool: read
		// nothing of it after.
		size := len(b.recs)
		select {
		case work <- b:
		case <-gctx.Done():
			return gctx.Err()
		}
		seq++
		// A new batch is likely as long as this one: its slices start at
		// that capacity rather than growing there.
		b = newBatch(seq, size)
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
		if n <= skip.rows {
			// The skipped rows come first: no batch is out yet, so this
			// goroutine is the only one reporting.
			if err := skipped.row(ctx, rec.Row, rec.Values); err != nil {
				return err
			}
			continue
		}
		b.recs = append(b.recs, rec)
		b.errs = append(b.errs, rowErr)
		b.pos = append(b.pos, n)
		b.done = append(b.done, cfg.Done.Has(rec.Row))
		for _, v := range rec.Values {
			b.size += len(v)
		}
		if len(b.recs) == batchSize || b.size >= batchBytes {
			if err := send(); err != nil {
				return err
			}
		}
	}
}
