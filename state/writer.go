package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrLocked means another run of the same job holds the lock.
var ErrLocked = errors.New("another run of this job is in progress")

// LockError says who holds a job's lock.
type LockError struct {
	Job   string
	RunID int64
	PID   int
	Host  string
	Since string
}

func (e *LockError) Error() string {
	return fmt.Sprintf("job %q: %v (run %d, pid %d on %s, since %s)", e.Job, ErrLocked, e.RunID, e.PID, e.Host, e.Since)
}

func (e *LockError) Unwrap() error { return ErrLocked }

// Lock takes the job's lock for run. A lock left by a process that no
// longer exists on this host is taken over; a live holder, or one on
// another host, is an *LockError. release frees it.
func (s *Store) Lock(ctx context.Context, job string, runID int64) (release func() error, err error) {
	host := hostname()
	pid := os.Getpid()
	tx, err := s.db.BeginTx(ctx, nil) // _txlock=immediate: one writer decides
	if err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var h LockError
	row := tx.QueryRowContext(ctx, `SELECT run_id, pid, host, acquired_at FROM locks WHERE job=?`, job)
	switch e := row.Scan(&h.RunID, &h.PID, &h.Host, &h.Since); {
	case errors.Is(e, sql.ErrNoRows):
	case e != nil:
		return nil, fmt.Errorf("state: lock: %w", e)
	default:
		h.Job = job
		if h.Host != host || processAlive(h.PID) {
			return nil, &h
		}
	}
	if _, err = tx.ExecContext(ctx, `INSERT INTO locks(job, run_id, pid, host, acquired_at) VALUES(?,?,?,?,?)
		ON CONFLICT(job) DO UPDATE SET run_id=excluded.run_id, pid=excluded.pid, host=excluded.host, acquired_at=excluded.acquired_at`,
		job, runID, pid, host, s.stamp()); err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	var once sync.Once
	return func() error {
		var rerr error
		once.Do(func() {
			_, rerr = s.db.Exec(`DELETE FROM locks WHERE job=? AND pid=? AND host=?`, job, pid, host)
		})
		return rerr
	}, nil
}

// processAlive reports whether pid names a live process on this host. The
// current process counts as alive, so a second Lock in one process fails.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Writer commits outcomes and index updates from one goroutine, in
// batches (every BatchSize items or FlushEvery, whichever first), so state
// is never the bottleneck. Its methods are safe for concurrent use.
type Writer struct {
	s     *Store
	runID int64
	ch    chan item
	done  chan struct{}
	mu    sync.Mutex
	err   error
	// Committed is called (from the writer goroutine) after each commit
	// with the number of outcomes committed; optional.
	committed func(n int)
}

type item struct {
	outcome *Outcome
	entity  *Entity
	intent  *[2]string // entity, op: mark done
	sync    chan error
}

// Writer tuning.
const (
	BatchSize  = 1000
	FlushEvery = 250 * time.Millisecond
)

// NewWriter starts the batched writer for a run. Call Close to flush.
func (s *Store) NewWriter(runID int64, committed func(n int)) *Writer {
	w := &Writer{s: s, runID: runID, ch: make(chan item, 4*BatchSize), done: make(chan struct{}), committed: committed}
	go w.loop()
	return w
}

// Outcome queues a row outcome.
func (w *Writer) Outcome(o Outcome) { w.ch <- item{outcome: &o} }

// Entity queues an index update: the record's keys, hash and fields.
func (w *Writer) Entity(e Entity) { w.ch <- item{entity: &e} }

// IntentDone queues marking an entity's intents for op as resolved, in
// every run.
func (w *Writer) IntentDone(entity, op string) { w.ch <- item{intent: &[2]string{entity, op}} }

// Sync waits until everything queued so far is committed.
func (w *Writer) Sync() error {
	ch := make(chan error, 1)
	w.ch <- item{sync: ch}
	return <-ch
}

// Close flushes and stops the writer, returning the first error.
func (w *Writer) Close() error {
	close(w.ch)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) loop() {
	defer close(w.done)
	batch := make([]item, 0, BatchSize)
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		err := w.commit(batch)
		n := 0
		for _, it := range batch {
			if it.outcome != nil {
				n++
			}
			if it.sync != nil {
				it.sync <- err
			}
		}
		if err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
		} else if w.committed != nil && n > 0 {
			w.committed(n)
		}
		batch = batch[:0]
	}
	for {
		select {
		case it, ok := <-w.ch:
			if !ok {
				flush()
				return
			}
			batch = append(batch, it)
			if it.sync != nil || len(batch) >= BatchSize {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// outcomeChunk rows go into one INSERT: a cgo call per row would make
// state the bottleneck of a fast file.
const outcomeChunk = 100

const outcomeUpsert = ` ON CONFLICT(run_id, row) DO UPDATE SET status=excluded.status, action=excluded.action,
	vendor_id=excluded.vendor_id, entity=excluded.entity, col=excluded.col, error=excluded.error`

func outcomeInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO outcomes(run_id, row, status, action, vendor_id, entity, col, error) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?)")
	}
	b.WriteString(outcomeUpsert)
	return b.String()
}

func (w *Writer) commit(batch []item) error {
	ctx := context.Background()
	tx, err := w.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var full *sql.Stmt
	args := make([]any, 0, 8*outcomeChunk)
	flushOutcomes := func() error {
		n := len(args) / 8
		if n == 0 {
			return nil
		}
		var err error
		if n == outcomeChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, outcomeInsert(outcomeChunk)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, outcomeInsert(n), args...)
		}
		args = args[:0]
		if err != nil {
			return fmt.Errorf("state: outcomes: %w", err)
		}
		return nil
	}
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	// Outcomes of one row may come twice in a batch (a retry): the later
	// one wins, and two rows of one statement must not conflict, so a
	// repeated row flushes what came before it.
	inChunk := map[int]bool{}
	var keySt, recSt *sql.Stmt
	stamp := w.s.stamp()
	for _, it := range batch {
		switch {
		case it.outcome != nil:
			o := it.outcome
			if inChunk[o.Row] {
				if err := flushOutcomes(); err != nil {
					return err
				}
				clear(inChunk)
			}
			inChunk[o.Row] = true
			args = append(args, w.runID, o.Row, o.Status, o.Action, o.VendorID, o.Entity, o.Column, o.Error)
			if len(args) == 8*outcomeChunk {
				if err := flushOutcomes(); err != nil {
					return err
				}
				clear(inChunk)
			}
		case it.entity != nil:
			if keySt == nil {
				if keySt, err = tx.PrepareContext(ctx, `INSERT INTO entity_keys(scope, key, vendor_id) VALUES(?,?,?)
					ON CONFLICT(scope, key) DO UPDATE SET vendor_id=excluded.vendor_id`); err != nil {
					return err
				}
				defer keySt.Close()
				if recSt, err = tx.PrepareContext(ctx, `INSERT INTO records(scope, vendor_id, content_hash, fields, run_id, synced_at, created) VALUES(?,?,?,?,?,?,?)
					ON CONFLICT(scope, vendor_id) DO UPDATE SET content_hash=excluded.content_hash, fields=excluded.fields,
					run_id=excluded.run_id, synced_at=excluded.synced_at, created=MAX(created, excluded.created)`); err != nil {
					return err
				}
				defer recSt.Close()
			}
			e := it.entity
			for _, k := range e.Keys {
				if _, err := keySt.ExecContext(ctx, e.Scope, k, e.VendorID); err != nil {
					return fmt.Errorf("state: entity key: %w", err)
				}
			}
			fields, _ := json.Marshal(e.Fields)
			created := 0
			if e.Created {
				created = 1
			}
			if _, err := recSt.ExecContext(ctx, e.Scope, e.VendorID, e.ContentHash, string(fields), w.runID, stamp, created); err != nil {
				return fmt.Errorf("state: entity record: %w", err)
			}
		case it.intent != nil:
			// Any run's intent for the entity is resolved: a later run may
			// settle what an earlier, killed one left open.
			if _, err := tx.ExecContext(ctx, `UPDATE intents SET done=1 WHERE entity=? AND op=?`, it.intent[0], it.intent[1]); err != nil {
				return fmt.Errorf("state: intent: %w", err)
			}
		}
	}
	if err := flushOutcomes(); err != nil {
		return err
	}
	return tx.Commit()
}

func hostname() string { h, _ := os.Hostname(); return h }
