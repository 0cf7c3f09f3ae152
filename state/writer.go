package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

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
	// failed is closed at the first error: nothing more is committed.
	failed chan struct{}
	// Committed is called (from the writer goroutine) after each commit
	// with the number of outcomes committed; optional.
	committed func(n int)
	// bufs are the writer goroutine's outcome buffers, kept from one
	// commit to the next with their prepared statements.
	bufs *outcomeBufs
}

type item struct {
	outcome   Outcome // when isOutcome
	isOutcome bool
	entity    *Entity
	refusal   *Refusal
	cursor    *[2]string // name, value
	sync      chan error
}

// Writer tuning.
const (
	BatchSize  = 1000
	FlushEvery = 250 * time.Millisecond
)

// NewWriter starts the batched writer for a run. Call Close to flush.
func (s *Store) NewWriter(runID int64, committed func(n int)) *Writer {
	w := &Writer{s: s, runID: runID, ch: make(chan item, 4*BatchSize), done: make(chan struct{}), committed: committed, failed: make(chan struct{})}
	go w.loop()
	return w
}

// Outcome queues a row outcome.
func (w *Writer) Outcome(o Outcome) { w.ch <- item{outcome: o, isOutcome: true} }

// Entity queues an index update: the record's keys, hash and fields.
func (w *Writer) Entity(e Entity) { w.ch <- item{entity: &e} }

// Refusal queues remembering (or, with an empty ContentHash, forgetting)
// that the vendor refused an entity.
func (w *Writer) Refusal(r Refusal) { w.ch <- item{refusal: &r} }

// Cursor queues saving a run's named cursor (SetCursor). It commits with
// everything queued before it, in the same transaction or a later one, so
// a cursor read back never runs ahead of the outcomes queued before it: a
// resumed stream takes up exactly where its committed outcomes end.
func (w *Writer) Cursor(name, value string) { w.ch <- item{cursor: &[2]string{name, value}} }

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
	defer func() {
		if w.bufs != nil {
			w.bufs.close()
		}
	}()
	batch := make([]item, 0, BatchSize)
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			w.idleCheck() // a run waiting on a vendor notices a removed file too
			return
		}
		err := w.Err() // after a failure nothing more is written
		if err == nil {
			err = w.commitChecked(batch)
		}
		n := 0
		for _, it := range batch {
			if it.isOutcome {
				n++
			}
			if it.sync != nil {
				it.sync <- err
			}
		}
		if err != nil {
			w.fail(err)
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

// Outcome statement shapes: wide binds every column; slim (an outcome
// without column or error) binds five; coded (a slim one whose status and
// action have codes, nearly all of them) three, its status and action
// being in the statement with the run id: each bound value is a cgo call.
const (
	wideCols  = 7
	slimCols  = 5
	codedCols = 3
)

// outcomeInsert is the INSERT of n outcomes of a shape (codes: the
// status and action of a coded one).
func outcomeInsert(runID int64, cols int, codes [2]int64, n int) string {
	var b strings.Builder
	run := strconv.FormatInt(runID, 10)
	var tuple string
	switch cols {
	case codedCols:
		b.WriteString(`INSERT INTO outcomes(run_id, status, action, row, vendor_id, entity) VALUES `)
		tuple = "(" + run + "," + strconv.FormatInt(codes[0], 10) + "," + strconv.FormatInt(codes[1], 10) + ",?,?,?)"
	case slimCols:
		b.WriteString(`INSERT INTO outcomes(run_id, row, status, action, vendor_id, entity) VALUES `)
		tuple = "(" + run + ",?,?,?,?,?)"
	default:
		b.WriteString(`INSERT INTO outcomes(run_id, row, status, action, vendor_id, entity, col, error) VALUES `)
		tuple = "(" + run + ",?,?,?,?,?,?,?)"
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	b.WriteString(outcomeUpsert)
	return b.String()
}

// outcomeBuf is one shape's pending rows.
type outcomeBuf struct {
	cols  int
	codes [2]int64 // a coded shape's status and action
	args  []any
	full  *sql.Stmt // prepared on the database for a full chunk
	inTx  *sql.Stmt // without full: prepared in this commit's transaction
}

func (b *outcomeBuf) flush(ctx context.Context, tx *sql.Tx, runID int64) error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	var err error
	if n == outcomeChunk {
		var st *sql.Stmt
		if b.full != nil {
			// Prepared once for the writer, on the database: each
			// transaction uses it on its connection without parsing
			// it again.
			st = tx.StmtContext(ctx, b.full)
		} else {
			// The transaction holds a connection, and preparing on the
			// database may need another: this one prepares in the
			// transaction, and prepareWanted after it.
			if b.inTx == nil {
				if b.inTx, err = tx.PrepareContext(ctx, outcomeInsert(runID, b.cols, b.codes, outcomeChunk)); err != nil {
					return err
				}
			}
			st = b.inTx
		}
		_, err = st.ExecContext(ctx, b.args...)
	} else {
		_, err = tx.ExecContext(ctx, outcomeInsert(runID, b.cols, b.codes, n), b.args...)
	}
	b.args = b.args[:0]
	if err != nil {
		return fmt.Errorf("state: outcomes: %w", err)
	}
	return nil
}

// outcomeBufs are a commit's pending outcomes, by shape.
type outcomeBufs struct {
	wide, slim *outcomeBuf
	coded      map[[2]int64]*outcomeBuf
}

func newOutcomeBufs() *outcomeBufs {
	return &outcomeBufs{
		wide:  &outcomeBuf{cols: wideCols, args: make([]any, 0, wideCols*outcomeChunk)},
		slim:  &outcomeBuf{cols: slimCols, args: make([]any, 0, slimCols*outcomeChunk)},
		coded: map[[2]int64]*outcomeBuf{},
	}
}

// add queues o; full reports that its shape's chunk is full.
func (bs *outcomeBufs) add(o *Outcome) (full bool) {
	st, ac := packWord(statusCodes, o.Status), packWord(actionCodes, o.Action)
	ent := packEntity(o.Status, o.Entity)
	if o.Column != "" || o.Error != "" {
		bs.wide.args = append(bs.wide.args, o.Row, st, ac, o.VendorID, ent, o.Column, o.Error)
		return len(bs.wide.args) == wideCols*outcomeChunk
	}
	sc, sok := st.(int64)
	acode, aok := ac.(int64)
	if !sok || !aok {
		bs.slim.args = append(bs.slim.args, o.Row, st, ac, o.VendorID, ent)
		return len(bs.slim.args) == slimCols*outcomeChunk
	}
	codes := [2]int64{sc, acode}
	b := bs.coded[codes]
	if b == nil {
		b = &outcomeBuf{cols: codedCols, codes: codes, args: make([]any, 0, codedCols*outcomeChunk)}
		bs.coded[codes] = b
	}
	b.args = append(b.args, o.Row, o.VendorID, ent)
	return len(b.args) == codedCols*outcomeChunk
}

func (bs *outcomeBufs) flush(ctx context.Context, tx *sql.Tx, runID int64) error {
	if err := bs.wide.flush(ctx, tx, runID); err != nil {
		return err
	}
	if err := bs.slim.flush(ctx, tx, runID); err != nil {
		return err
	}
	for _, b := range bs.coded {
		if err := b.flush(ctx, tx, runID); err != nil {
			return err
		}
	}
	return nil
}

// all is every shape's buffer.
func (bs *outcomeBufs) all() []*outcomeBuf {
	return append([]*outcomeBuf{bs.wide, bs.slim}, slices.Collect(maps.Values(bs.coded))...)
}

// prepareWanted prepares, outside any transaction, the full-chunk
// statements the last commit had to prepare in its own (inTx); one that
// fails is prepared in the next commit's transaction again.
func (bs *outcomeBufs) prepareWanted(ctx context.Context, db *sql.DB, runID int64) {
	for _, b := range bs.all() {
		if b.inTx != nil && b.full == nil {
			if st, err := db.PrepareContext(ctx, outcomeInsert(runID, b.cols, b.codes, outcomeChunk)); err == nil {
				b.full = st
			}
		}
	}
}

// reset drops what a failed commit left queued.
func (bs *outcomeBufs) reset() {
	for _, b := range bs.all() {
		b.args, b.inTx = b.args[:0], nil // the last transaction closed inTx
	}
}

func (bs *outcomeBufs) close() {
	for _, b := range bs.all() {
		if b.full != nil {
			b.full.Close()
		}
	}
}

func (w *Writer) commit(batch []item) error {
	ctx := context.Background()
	tx, err := w.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// The buffers and their prepared statements last as long as the
	// writer: only its goroutine commits.
	if w.bufs == nil {
		w.bufs = newOutcomeBufs()
	}
	bufs := w.bufs
	bufs.reset()
	// Outcomes of one row may come twice in a batch (a retry): the later
	// one wins, and two rows of one statement must not conflict, so a
	// repeated row flushes what came before it. No row is in two
	// buffers: they flush together.
	// The rows of the chunk being built: rows come in increasing order
	// but for retries, so only a row not after the last is looked for.
	inChunk := make([]int, 0, outcomeChunk)
	flushOutcomes := func() error {
		inChunk = inChunk[:0]
		return bufs.flush(ctx, tx, w.runID)
	}
	var keySt, keyGet, flipSt, recSt *sql.Stmt
	var ids pendingIDs // interned this batch: cached once committed
	for _, it := range batch {
		switch {
		case it.isOutcome:
			o := &it.outcome
			if k := len(inChunk); k > 0 && o.Row <= inChunk[k-1] && slices.Contains(inChunk, o.Row) {
				if err := flushOutcomes(); err != nil {
					return err
				}
			}
			inChunk = append(inChunk, o.Row)
			if k := len(inChunk); k > 1 && inChunk[k-1] < inChunk[k-2] {
				slices.Sort(inChunk) // keeps the last row last
			}
			if bufs.add(o) {
				if err := flushOutcomes(); err != nil {
					return err
				}
			}
		case it.entity != nil:
			if keySt == nil {
				if keySt, err = tx.PrepareContext(ctx, `INSERT INTO entity_keys(scope, key, vendor_id) VALUES(?,?,?)
					ON CONFLICT(scope, key) DO UPDATE SET vendor_id=excluded.vendor_id`); err != nil {
					return err
				}
				defer keySt.Close()
				if keyGet, err = tx.PrepareContext(ctx, `SELECT vendor_id FROM entity_keys WHERE scope=? AND key=?`); err != nil {
					return err
				}
				defer keyGet.Close()
				if flipSt, err = tx.PrepareContext(ctx, `UPDATE records SET keys_digest = `+xorSQL("keys_digest", "?1")+` WHERE scope=?2 AND vendor_id=?3`); err != nil {
					return err
				}
				defer flipSt.Close()
				// ?7: a new record's digest (NULL: unknown, when keys named
				// it before it was recorded); ?8: the keys it gained.
				if recSt, err = tx.PrepareContext(ctx, `INSERT INTO records(scope, vendor_id, content_hash, fields, run_id, created, keys_digest) VALUES(?1,?2,?3,?4,?5,?6,?7)
					ON CONFLICT(scope, vendor_id) DO UPDATE SET content_hash=excluded.content_hash, fields=excluded.fields,
					run_id=excluded.run_id, created=MAX(created, excluded.created),
					keys_digest=`+xorSQL("records.keys_digest", "?8")); err != nil {
					return err
				}
				defer recSt.Close()
			}
			e := it.entity
			scope, err := w.s.internTx(ctx, tx, "scopes", "name", e.Scope, w.s.ids.scopes, &ids.scopes)
			if err != nil {
				return fmt.Errorf("state: scope: %w", err)
			}
			// The keys the record gains change its key digest (digest.go);
			// a key it takes from another record leaves that one's.
			var gained uint64
			named := false // a key named the record before this write
			for i, k := range e.Keys {
				if slices.Index(e.Keys, k) < i {
					continue // named twice
				}
				pk := packKey(k)
				var had string
				switch err := keyGet.QueryRowContext(ctx, scope, pk).Scan(&had); {
				case errors.Is(err, sql.ErrNoRows):
					had = ""
				case err != nil:
					return fmt.Errorf("state: entity key: %w", err)
				case had == e.VendorID:
					named = true
					continue // already this record's
				}
				if _, err := keySt.ExecContext(ctx, scope, pk, e.VendorID); err != nil {
					return fmt.Errorf("state: entity key: %w", err)
				}
				h := int64(keyHash(pk))
				gained ^= uint64(h)
				if had != "" {
					if _, err := flipSt.ExecContext(ctx, h, scope, had); err != nil {
						return fmt.Errorf("state: entity key: %w", err)
					}
				}
			}
			fields, err := w.s.packFields(ctx, tx, &ids, e.Fields)
			if err != nil {
				return err
			}
			created := 0
			if e.Created {
				created = 1
			}
			var fresh any = int64(gained)
			if named {
				// For a record not yet recorded, those keys' part is
				// unknown: NULL, which no flip makes known (NULL | x is
				// NULL), so its entities take the seek per key.
				fresh = nil
			}
			if _, err := recSt.ExecContext(ctx, scope, e.VendorID, packHash(e.ContentHash), fields, w.runID, created, fresh, int64(gained)); err != nil {
				return fmt.Errorf("state: entity record: %w", err)
			}
		case it.cursor != nil:
			if err := flushOutcomes(); err != nil { // resets inChunk
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cursors(run_id, name, cursor) VALUES(?,?,?)
				ON CONFLICT(run_id, name) DO UPDATE SET cursor=excluded.cursor`, w.runID, it.cursor[0], it.cursor[1]); err != nil {
				return fmt.Errorf("state: cursor: %w", err)
			}
		case it.refusal != nil:
			r := it.refusal
			var err error
			if r.ContentHash == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM refusals WHERE scope=? AND entity=?`, r.Scope, r.Entity)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO refusals(scope, entity, content_hash, reason, run_id) VALUES(?,?,?,?,?)
					ON CONFLICT(scope, entity) DO UPDATE SET content_hash=excluded.content_hash, reason=excluded.reason, run_id=excluded.run_id`,
					r.Scope, r.Entity, r.ContentHash, r.Reason, w.runID)
			}
			if err != nil {
				return fmt.Errorf("state: refusal: %w", err)
			}
		}
	}
	if err := flushOutcomes(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.s.commitIDs(&ids)
	bufs.prepareWanted(ctx, w.s.db, w.runID)
	return nil
}
