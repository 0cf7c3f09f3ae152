package state

import (
	"context"
	"fmt"
	"os"
)

// pruneSchema records the runs whose outcomes gc removed (their counts
// stay in runs), so history can say so instead of showing no rows.
const pruneSchema = `CREATE TABLE IF NOT EXISTS pruned_runs (run_id INTEGER PRIMARY KEY, at TEXT NOT NULL)`

// GCResult is what a collection removed.
type GCResult struct {
	Runs       int   // runs whose outcomes were removed
	Outcomes   int64 // outcome rows removed
	Staged     int64 // staged source pages removed
	SizeBefore int64 // the state file's bytes (with its journal) before
	SizeAfter  int64 // and after
}

// GC removes the per-row outcomes, staged pages and cursors of each job's
// runs older than its keep newest (keep ≥ 1), never those of a run that
// can still resume. What change detection needs (records, keys, steps,
// refusals) and every run's summary line stay. vacuum also gives the
// freed pages back to the file system (it rewrites the file: run it when
// no job is running).
func (s *Store) GC(ctx context.Context, keep int, vacuum bool) (GCResult, error) {
	if keep < 1 {
		return GCResult{}, fmt.Errorf("state: gc: keep at least 1 run per job, not %d", keep)
	}
	res := GCResult{SizeBefore: s.Size()}
	if _, err := s.db.ExecContext(ctx, pruneSchema); err != nil {
		return res, fmt.Errorf("state: gc: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("state: gc: %w", err)
	}
	defer tx.Rollback()
	// The runs to prune: past each job's keep newest, finished, not yet pruned.
	rows, err := tx.QueryContext(ctx, `
SELECT id FROM (
  SELECT id, status, ROW_NUMBER() OVER (PARTITION BY job ORDER BY id DESC) AS n FROM runs
) WHERE n > ? AND status NOT IN (?, ?, ?) AND id NOT IN (SELECT run_id FROM pruned_runs)`,
		keep, RunRunning, RunInterrupted, RunFailed)
	if err != nil {
		return res, fmt.Errorf("state: gc: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, fmt.Errorf("state: gc: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("state: gc: %w", err)
	}
	stamp := s.stamp()
	for _, id := range ids {
		r, err := tx.ExecContext(ctx, `DELETE FROM outcomes WHERE run_id=?`, id)
		if err != nil {
			return res, fmt.Errorf("state: gc run %d: %w", id, err)
		}
		n, _ := r.RowsAffected()
		res.Outcomes += n
		if r, err = tx.ExecContext(ctx, `DELETE FROM staged WHERE run_id=?`, id); err != nil {
			return res, fmt.Errorf("state: gc run %d: %w", id, err)
		}
		n, _ = r.RowsAffected()
		res.Staged += n
		if _, err := tx.ExecContext(ctx, `DELETE FROM cursors WHERE run_id=?`, id); err != nil {
			return res, fmt.Errorf("state: gc run %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pruned_runs(run_id, at) VALUES(?, ?)`, id, stamp); err != nil {
			return res, fmt.Errorf("state: gc run %d: %w", id, err)
		}
		res.Runs++
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("state: gc: %w", err)
	}
	// The deletes' log is folded into the file, so the size gc reports is
	// the file's (about as before without vacuum: SQLite keeps the freed
	// pages for reuse), not the file's plus a log that grew.
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return res, fmt.Errorf("state: gc: checkpoint: %w", err)
	}
	if vacuum {
		if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
			return res, fmt.Errorf("state: gc: vacuum: %w", err)
		}
		if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return res, fmt.Errorf("state: gc: checkpoint: %w", err)
		}
	}
	res.SizeAfter = s.Size()
	return res, nil
}

// Pruned reports whether gc removed the run's outcomes.
func (s *Store) Pruned(ctx context.Context, runID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='pruned_runs'`).Scan(&n)
	if err != nil || n == 0 {
		return false, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM pruned_runs WHERE run_id=?`, runID).Scan(&n)
	return n > 0, err
}

// Size is the state file's size in bytes, its write-ahead log included.
func (s *Store) Size() int64 {
	var n int64
	for _, p := range []string{s.path, s.path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}
