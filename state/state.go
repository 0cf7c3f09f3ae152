// Package state is leadsync's memory, kept in SQLite (WAL): runs and their
// counts, the outcome of every row, the entity index (which vendor record a
// match key belongs to, and the content hash last written), write intents
// for operations a vendor cannot look up, page cursors, and the lock that
// keeps two runs of one job apart.
package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/internal/safefile"
	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

// Store is an open state database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
	file fileID // the database file opened
	ids  *interned
	// copy is a migrated private copy of an old-layout file opened
	// read-only, removed on Close.
	copy string
	// stmts are the lookups' queries, prepared once (queryPrepared).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
}

const schema = `
CREATE TABLE IF NOT EXISTS runs (
	id          INTEGER PRIMARY KEY,
	job         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	config_hash TEXT NOT NULL,
	started_at  TEXT NOT NULL,
	ended_at    TEXT,
	status      TEXT NOT NULL,
	counts      TEXT NOT NULL DEFAULT '{}',
	message     TEXT NOT NULL DEFAULT '',
	input       TEXT NOT NULL DEFAULT '',
	sink        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_job ON runs(job, id);
CREATE TABLE IF NOT EXISTS steps (
	scope  TEXT NOT NULL,
	entity TEXT NOT NULL,
	step   TEXT NOT NULL,
	state  TEXT NOT NULL,
	result TEXT NOT NULL DEFAULT '',
	hash   TEXT NOT NULL DEFAULT '',
	run_id INTEGER NOT NULL,
	at     TEXT NOT NULL,
	PRIMARY KEY (scope, entity, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refusals (
	scope        TEXT NOT NULL,
	entity       TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	reason       TEXT NOT NULL,
	run_id       INTEGER NOT NULL,
	PRIMARY KEY (scope, entity)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (
	run_id INTEGER NOT NULL,
	name   TEXT NOT NULL,
	cursor TEXT NOT NULL,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staged (
	run_id INTEGER NOT NULL,
	seq    INTEGER NOT NULL,
	vals   TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks (
	job         TEXT PRIMARY KEY,
	run_id      INTEGER NOT NULL,
	pid         INTEGER NOT NULL,
	host        TEXT NOT NULL,
	acquired_at TEXT NOT NULL
);
`

// Open opens (creating when needed) the state database at path.
func Open(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, classify(path, fmt.Errorf("state: %w", err))
		}
	}
	// The database is written in place, not renamed: refuse a link
	// planted at its name or at its journals' (internal/safefile).
	if err := safefile.RefuseLinks(path, path+"-wal", path+"-shm", path+"-journal"); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	st := &Store{db: db, path: path, now: time.Now, ids: newInterned()}
	if err := st.migrate(context.Background()); err != nil {
		db.Close()
		return nil, classify(path, fmt.Errorf("state: %s: %w", path, err))
	}
	st.file, _ = statID(path) // the file a run must not lose (checkFile)
	return st, nil
}

// ErrNoState is returned by OpenReadOnly when there is no database.
var ErrNoState = errors.New("state: no state database")

// OpenReadOnly opens an existing state database for reading only: it
// never creates the file or its folder, and never changes the schema.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoState, path)
		}
		return nil, fmt.Errorf("state: %w", err)
	}
	dsn := "file:" + path + "?mode=ro&_busy_timeout=10000&_foreign_keys=on"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, classify(path, fmt.Errorf("state: %s: %w", path, err))
	}
	st := &Store{db: db, path: path, now: time.Now, ids: newInterned()}
	// An old layout is read through a migrated private copy.
	tmp, err := st.readOnlyCopy(context.Background())
	if err != nil {
		db.Close()
		return nil, classify(path, fmt.Errorf("state: %s: %w", path, err))
	}
	if tmp != "" {
		db.Close()
		if st.db, err = sql.Open("sqlite3", "file:"+tmp+"?_busy_timeout=10000&_foreign_keys=on"); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("state: open %s: %w", path, err)
		}
		st.db.SetMaxOpenConns(4)
		st.copy = tmp
		if err := st.migrate(context.Background()); err != nil {
			st.Close()
			return nil, classify(path, fmt.Errorf("state: %s: %w", path, err))
		}
	}
	return st, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	err := s.db.Close()
	if s.copy != "" {
		os.Remove(s.copy)
	}
	return err
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) stamp() string { return s.now().UTC().Format(time.RFC3339Nano) }

// Run statuses.
const (
	RunRunning     = "running"
	RunDone        = "done"
	RunRejected    = "done_with_rejects"   // finished; some rows were rejected
	RunUncertain   = "done_with_uncertain" // finished; some writes' answers were lost (listed)
	RunInterrupted = "interrupted"         // stopped; resumable
	RunFailed      = "failed"              // stopped by an error that is not a row's
	RunDryRun      = "dry_run"             // planned only; wrote nothing
)

// Run is one execution of a job (a resumed run keeps its id).
type Run struct {
	ID          int64
	Job         string
	Fingerprint string
	ConfigHash  string
	StartedAt   time.Time
	EndedAt     time.Time
	Status      string
	Counts      Counts
	Message     string
	Input       string
	Sink        string
}

// Counts are a run's per-outcome totals.
type Counts map[string]int

// Resumable reports whether a run stopped before finishing.
func (r Run) Resumable() bool {
	return r.Status == RunRunning || r.Status == RunInterrupted || r.Status == RunFailed
}

// RunSpec identifies what a run processes.
type RunSpec struct {
	Job         string
	Fingerprint string // hash of the input
	ConfigHash  string // hash of the job and mapping
	Input       string // for history display
	Sink        string // for history display
	Fresh       bool   // start over even when a resumable run exists
	// DryRun starts a run record of its own that leaves any unfinished
	// run resumable.
	DryRun bool
}

// BeginRun continues the job's last run when it stopped unfinished on the
// same input and configuration, and starts a new run otherwise. resumed
// says which.
func (s *Store) BeginRun(ctx context.Context, spec RunSpec) (run Run, resumed bool, err error) {
	last, err := s.lastRun(ctx, spec.Job)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, err
	}
	if err == nil && !spec.Fresh && !spec.DryRun && last.Resumable() && last.Fingerprint == spec.Fingerprint && last.ConfigHash == spec.ConfigHash {
		if _, err := s.db.ExecContext(ctx, `UPDATE runs SET status=?, ended_at=NULL WHERE id=?`, RunRunning, last.ID); err != nil {
			return Run{}, false, fmt.Errorf("state: resume run %d: %w", last.ID, err)
		}
		last.Status = RunRunning
		return last, true, nil
	}
	if err == nil && last.Status == RunRunning && !spec.DryRun {
		// A crashed run on other input or config: it will never resume.
		_, _ = s.db.ExecContext(ctx, `UPDATE runs SET status=?, message=? WHERE id=?`, RunInterrupted, "superseded by a later run", last.ID)
	}
	status := RunRunning
	if spec.DryRun {
		status = RunDryRun
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs(job, fingerprint, config_hash, started_at, status, input, sink) VALUES(?,?,?,?,?,?,?)`,
		spec.Job, spec.Fingerprint, spec.ConfigHash, s.stamp(), status, spec.Input, spec.Sink)
	if err != nil {
		return Run{}, false, fmt.Errorf("state: new run: %w", err)
	}
	id, _ := res.LastInsertId()
	r, err := s.Run(ctx, id)
	return r, false, err
}

// FinishRun records a run's end.
func (s *Store) FinishRun(ctx context.Context, id int64, status string, counts Counts, message string) error {
	if err := s.checkFile(); err != nil {
		return err
	}
	b, _ := json.Marshal(counts)
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status=?, counts=?, message=?, ended_at=? WHERE id=?`, status, string(b), message, s.stamp(), id)
	if err != nil {
		return fmt.Errorf("state: finish run %d: %w", id, err)
	}
	return nil
}

const runCols = `id, job, fingerprint, config_hash, started_at, COALESCE(ended_at,''), status, counts, message, input, sink`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var started, ended, counts string
	if err := sc.Scan(&r.ID, &r.Job, &r.Fingerprint, &r.ConfigHash, &started, &ended, &r.Status, &counts, &r.Message, &r.Input, &r.Sink); err != nil {
		return Run{}, err
	}
	r.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
	if ended != "" {
		r.EndedAt, _ = time.Parse(time.RFC3339Nano, ended)
	}
	_ = json.Unmarshal([]byte(counts), &r.Counts)
	return r, nil
}

func (s *Store) lastRun(ctx context.Context, job string) (Run, error) {
	// Dry runs never resume nor stand in the way of a run that should.
	return scanRun(s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE job=? AND status<>? ORDER BY id DESC LIMIT 1`, job, RunDryRun))
}

// Run returns one run.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("state: no run %d", id)
	}
	return r, err
}

// Runs lists runs, newest first; job "" lists every job.
func (s *Store) Runs(ctx context.Context, job string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT ` + runCols + ` FROM runs`
	args := []any{}
	if job != "" {
		q += ` WHERE job=?`
		args = append(args, job)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Outcome statuses.
const (
	StatusOK        = "ok"        // written (or nothing needed)
	StatusRejected  = "rejected"  // the row is bad, or the vendor refused it
	StatusSkipped   = "skipped"   // not written by policy (ambiguous, mode)
	StatusMerged    = "merged"    // folded into another row's entity
	StatusUncertain = "uncertain" // a write whose result is unknown
	StatusFailed    = "failed"    // could not be done this run (retry next run)
)

// Outcome is what happened to one source row.
type Outcome struct {
	Row      int
	Status   string
	Action   string // create, update, unchanged, export, ...
	VendorID string
	// Entity names the row's entity (its keys). A settled row (ok,
	// merged) keeps only a digest of it: read back, it is "".
	Entity string
	Column string
	Error  string
}

// Outcomes lists a run's outcomes in row order; status "" lists all.
func (s *Store) Outcomes(ctx context.Context, runID int64, status string) ([]Outcome, error) {
	q := `SELECT row, status, action, vendor_id, entity, col, error FROM outcomes WHERE run_id=?`
	args := []any{runID}
	if status != "" {
		q += ` AND status=?`
		args = append(args, packWord(statusCodes, status))
	}
	return s.queryOutcomes(ctx, q+` ORDER BY row`, args...)
}

// OutcomesAfter lists up to limit of a run's outcomes of rows after row
// after, in row order, leaving out those of status except ("": none): a
// pass over a run's outcomes in pages, holding no read transaction
// between them.
func (s *Store) OutcomesAfter(ctx context.Context, runID int64, after, limit int, except string) ([]Outcome, error) {
	q := `SELECT row, status, action, vendor_id, entity, col, error FROM outcomes WHERE run_id=? AND row>?`
	args := []any{runID, after}
	if except != "" {
		q += ` AND status<>?`
		args = append(args, packWord(statusCodes, except))
	}
	return s.queryOutcomes(ctx, q+` ORDER BY row LIMIT ?`, append(args, limit)...)
}

func (s *Store) queryOutcomes(ctx context.Context, q string, args ...any) ([]Outcome, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var o Outcome
		var st, ac, ent any
		if err := rows.Scan(&o.Row, &st, &ac, &o.VendorID, &ent, &o.Column, &o.Error); err != nil {
			return nil, err
		}
		o.Status, o.Action, o.Entity = unpackWord(statusCodes, st), unpackWord(actionCodes, ac), unpackEntity(ent)
		out = append(out, o)
	}
	return out, rows.Err()
}

// DoneRows returns the rows of a run that already have a final outcome
// (anything but failed), so a resumed run skips them.
func (s *Store) DoneRows(ctx context.Context, runID int64) (*RowSet, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT row FROM outcomes WHERE run_id=? AND status<>? ORDER BY row`, runID, packWord(statusCodes, StatusFailed))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := &RowSet{}
	for rows.Next() {
		var r int32
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		done.rows = append(done.rows, r)
	}
	done.rows = slices.Compact(done.rows)
	return done, rows.Err()
}

// CountOutcomes totals a run's outcomes by status and action
// ("ok/create", "rejected/", ...).
func (s *Store) CountOutcomes(ctx context.Context, runID int64) (Counts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, action, COUNT(*) FROM outcomes WHERE run_id=? GROUP BY status, action`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := Counts{}
	for rows.Next() {
		var st, ac any
		var n int
		if err := rows.Scan(&st, &ac, &n); err != nil {
			return nil, err
		}
		c[strings.TrimSuffix(unpackWord(statusCodes, st)+"/"+unpackWord(actionCodes, ac), "/")] += n
	}
	return c, rows.Err()
}

// Entity is what the index knows about one vendor record.
type Entity struct {
	Scope    string // sink identity: vendor/object@connection
	VendorID string
	Keys     []string
	// ContentHash is the content's hash; read back, as stored (a hex
	// hash's first 128 bits: compare with SameHash).
	ContentHash string
	Fields      map[string]string // values last written
	// Created is true when leadsync created the record (mirror mode only
	// ever deletes those).
	Created bool
}

// LookupKeys returns the vendor ids the index holds for any of keys
// (deduplicated, in key order).
func (s *Store) LookupKeys(ctx context.Context, scope string, keys []string) ([]string, error) {
	var ids []string
	sid, ok, err := s.scopeID(ctx, scope)
	if err != nil || !ok {
		return nil, err
	}
	seen := map[string]bool{}
	for _, k := range keys {
		var id string
		err := s.db.QueryRowContext(ctx, `SELECT vendor_id FROM entity_keys WHERE scope=? AND key=?`, sid, packKey(k)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Record returns the index's record for a vendor id.
func (s *Store) Record(ctx context.Context, scope, vendorID string) (Entity, bool, error) {
	e := Entity{Scope: scope, VendorID: vendorID}
	sid, ok, err := s.scopeID(ctx, scope)
	if err != nil || !ok {
		return e, false, err
	}
	var hash, fields any
	err = s.db.QueryRowContext(ctx, `SELECT content_hash, fields FROM records WHERE scope=? AND vendor_id=?`, sid, vendorID).Scan(&hash, &fields)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	e.ContentHash = unpackHash(hash)
	if e.Fields, err = s.unpackFields(ctx, fields); err != nil {
		return e, false, err
	}
	return e, true, nil
}

// CreatedRecords lists the vendor ids in scope that leadsync created.
func (s *Store) CreatedRecords(ctx context.Context, scope string) ([]string, error) {
	sid, ok, err := s.scopeID(ctx, scope)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT vendor_id FROM records WHERE scope=? AND created=1 ORDER BY vendor_id`, sid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RunVendorIDs lists the vendor ids a run's outcomes name.
func (s *Store) RunVendorIDs(ctx context.Context, runID int64) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT vendor_id FROM outcomes WHERE run_id=? AND vendor_id<>''`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// Forget drops a deleted record and its keys from the index.
func (s *Store) Forget(ctx context.Context, scope, vendorID string) error {
	sid, ok, err := s.scopeID(ctx, scope)
	if err != nil || !ok {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM entity_keys WHERE scope=? AND vendor_id=?`, sid, vendorID); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM records WHERE scope=? AND vendor_id=?`, sid, vendorID)
	return err
}

// Step states.
const (
	// StepSent: the step's call was admitted and about to be sent (its
	// intent); no answer was recorded. It may or may not have happened.
	StepSent = "sent"
	// StepDone: the step happened; Result holds what it returned.
	StepDone = "done"
)

// Step is what state knows of one step of an entity's write.
type Step struct {
	State  string // StepSent or StepDone
	Result string
	Hash   string // the content hash it was sent for
	RunID  int64
}

// Steps returns what state knows of an entity's write steps, by step
// name, in one connection's scope.
func (s *Store) Steps(ctx context.Context, scope, entity string) (map[string]Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step, state, result, hash, run_id FROM steps WHERE scope=? AND entity=?`, scope, entity)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Step{}
	for rows.Next() {
		var name string
		var st Step
		if err := rows.Scan(&name, &st.State, &st.Result, &st.Hash, &st.RunID); err != nil {
			return nil, err
		}
		out[name] = st
	}
	return out, rows.Err()
}

// MarkStep commits a step's state at once (not batched): StepSent right
// before its call leaves, StepDone as soon as its answer is in.
func (s *Store) MarkStep(ctx context.Context, runID int64, scope, entity, step string, st Step) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO steps(scope, entity, step, state, result, hash, run_id, at) VALUES(?,?,?,?,?,?,?,?)
		ON CONFLICT(scope, entity, step) DO UPDATE SET state=excluded.state, result=excluded.result, hash=excluded.hash, run_id=excluded.run_id, at=excluded.at`,
		scope, entity, step, st.State, st.Result, st.Hash, runID, s.stamp())
	return err
}

// ClearStep forgets a step whose call provably did nothing (refused, or
// answered as failed), so it is simply sent again.
func (s *Store) ClearStep(ctx context.Context, scope, entity, step string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM steps WHERE scope=? AND entity=? AND step=? AND state=?`, scope, entity, step, StepSent)
	return err
}

// SentSteps counts, in scope, the steps sent whose answer never came.
func (s *Store) SentSteps(ctx context.Context, scope string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM steps WHERE scope=? AND state=?`, scope, StepSent).Scan(&n)
	return n, err
}

// Refusal is an entity the vendor refused, remembered with the content it
// refused, so an unchanged entity is not sent again.
type Refusal struct {
	Scope, Entity string
	ContentHash   string // empty: forget the refusal
	Reason        string
	RunID         int64
}

// Refusal returns the remembered refusal of an entity, if any.
func (s *Store) Refusal(ctx context.Context, scope, entity string) (Refusal, bool, error) {
	r := Refusal{Scope: scope, Entity: entity}
	err := s.db.QueryRowContext(ctx, `SELECT content_hash, reason, run_id FROM refusals WHERE scope=? AND entity=?`, scope, entity).Scan(&r.ContentHash, &r.Reason, &r.RunID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// StagePage saves one page of an API source: its records (numbered from
// seq) and the cursor of the next page, in one transaction, so a resumed
// run replays exactly what was read and goes on from the next page.
func (s *Store) StagePage(ctx context.Context, runID int64, name string, seq int, records [][]string, next string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO staged(run_id, seq, vals) VALUES(?,?,?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, r := range records {
		b, _ := json.Marshal(r)
		if _, err := st.ExecContext(ctx, runID, seq+i, string(b)); err != nil {
			return fmt.Errorf("state: stage: %w", err)
		}
	}
	done := next
	if done == "" {
		done = CursorEnd // the source is read to the end
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cursors(run_id, name, cursor) VALUES(?,?,?)
		ON CONFLICT(run_id, name) DO UPDATE SET cursor=excluded.cursor`, runID, name, done); err != nil {
		return err
	}
	return tx.Commit()
}

// CursorEnd is the cursor StagePage saves once the source is exhausted.
const CursorEnd = "\x00end"

// Staged calls fn for every staged record of a run, in order.
func (s *Store) Staged(ctx context.Context, runID int64, fn func(seq int, values []string) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, vals FROM staged WHERE run_id=? ORDER BY seq`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var raw string
		if err := rows.Scan(&seq, &raw); err != nil {
			return err
		}
		var vals []string
		if err := json.Unmarshal([]byte(raw), &vals); err != nil {
			return err
		}
		if err := fn(seq, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SetCursor saves a source's page cursor for a run.
func (s *Store) SetCursor(ctx context.Context, runID int64, name, cursor string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO cursors(run_id, name, cursor) VALUES(?,?,?)
		ON CONFLICT(run_id, name) DO UPDATE SET cursor=excluded.cursor`, runID, name, cursor)
	return err
}

// Cursor returns a saved cursor ("" when none).
func (s *Store) Cursor(ctx context.Context, runID int64, name string) (string, error) {
	var c string
	err := s.db.QueryRowContext(ctx, `SELECT cursor FROM cursors WHERE run_id=? AND name=?`, runID, name).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}
