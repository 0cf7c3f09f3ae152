package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
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
	if e.PID == 0 {
		return fmt.Sprintf("job %q: %v", e.Job, ErrLocked)
	}
	if e.RunID == 0 { // the holder is beginning its run
		return fmt.Sprintf("job %q: %v (pid %d on %s, since %s)", e.Job, ErrLocked, e.PID, e.Host, e.Since)
	}
	return fmt.Sprintf("job %q: %v (run %d, pid %d on %s, since %s)", e.Job, ErrLocked, e.RunID, e.PID, e.Host, e.Since)
}

func (e *LockError) Unwrap() error { return ErrLocked }

// Lock takes the job's lock for run: an exclusive flock(2) on a lock file
// beside the state database, held by the open file. The kernel drops it
// when the process ends, however it ends (kill -9 included), so a killed
// run never blocks a restart, and a live one always blocks a second. The
// holder's pid and run are recorded in the locks table for the message
// only (run 0 until LockRun names it). release frees it.
func (s *Store) Lock(ctx context.Context, job string, runID int64) (release func() error, err error) {
	sum := sha256.Sum256([]byte(job))
	dir := filepath.Join(filepath.Dir(s.path), "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%x.lock", sum[:8]))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := LockError{Job: job}
			_ = s.db.QueryRowContext(ctx, `SELECT run_id, pid, host, acquired_at FROM locks WHERE job=?`, job).Scan(&h.RunID, &h.PID, &h.Host, &h.Since)
			return nil, &h
		}
		return nil, fmt.Errorf("state: lock %s: %w", path, err)
	}
	host, pid := hostname(), os.Getpid()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO locks(job, run_id, pid, host, acquired_at) VALUES(?,?,?,?,?)
		ON CONFLICT(job) DO UPDATE SET run_id=excluded.run_id, pid=excluded.pid, host=excluded.host, acquired_at=excluded.acquired_at`,
		job, runID, pid, host, s.stamp()); err != nil {
		f.Close()
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	var once sync.Once
	return func() error {
		var rerr error
		once.Do(func() {
			_, rerr = s.db.Exec(`DELETE FROM locks WHERE job=? AND pid=? AND host=?`, job, pid, host)
			if err := f.Close(); rerr == nil {
				rerr = err
			}
		})
		return rerr
	}, nil
}

// LockRun names the run that holds job's lock (Lock may be taken before
// the run is begun, with run 0), for the message a refused run prints.
func (s *Store) LockRun(ctx context.Context, job string, runID int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE locks SET run_id=? WHERE job=? AND pid=? AND host=?`, runID, job, os.Getpid(), hostname()); err != nil {
		return fmt.Errorf("state: lock: %w", err)
	}
	return nil
}

// RunGone reports that run, recorded as running, has no process left on
// this machine: its job's lock names another run or nobody, or a process
// that ended (kill -9 leaves the lock's row behind). It is false when
// that cannot be told (the holder is on another host, or beginning its
// run).
func (s *Store) RunGone(ctx context.Context, job string, runID int64) bool {
	var holder int64
	var pid int
	var host string
	err := s.db.QueryRowContext(ctx, `SELECT run_id, pid, host FROM locks WHERE job=?`, job).Scan(&holder, &pid, &host)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return true
	case err != nil || host != hostname() || holder == 0:
		return false
	case holder != runID:
		return true
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func hostname() string { h, _ := os.Hostname(); return h }
