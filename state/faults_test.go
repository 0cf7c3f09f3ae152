package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/mattn/go-sqlite3"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unprivileged makes the calling test meaningful as root, which writes
// read-only files anyway: it runs the test again in a child process as
// user nobody and reports false (the child's result is the test's). As
// any other user it reports true: go on.
func unprivileged(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return true
	}
	dir, err := os.MkdirTemp("", "leadsync-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "state.test")
	copyFile(t, os.Args[0], bin, 0o755)
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "TMPDIR="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as user nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as user nobody, the test did not pass:\n%s", out)
	}
	return false
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// wantFault checks that err is a *FaultError of kind about path, whose
// message names the path and says what to do.
func wantFault(t *testing.T, err error, kind FaultKind, path string, says ...string) *FaultError {
	t.Helper()
	var fe *FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("got %T %v, want a *FaultError (%s)", err, err, kind)
	}
	if fe.Kind != kind || fe.Path != path {
		t.Fatalf("got %s fault on %s, want %s on %s: %v", fe.Kind, fe.Path, kind, path, err)
	}
	msg := err.Error()
	for _, s := range append([]string{path}, says...) {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q: %s", s, msg)
		}
	}
	return fe
}

// newDB creates a state database with one finished run and closes it.
func newDB(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.BeginRun(context.Background(), RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(context.Background(), r.ID, RunDone, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFaultReadOnlyFile(t *testing.T) {
	if !unprivileged(t) {
		return
	}
	path := filepath.Join(t.TempDir(), "state.db")
	newDB(t, path)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err == nil {
		defer s.Close()
		_, _, err = s.BeginRun(context.Background(), RunSpec{Job: "j", Fingerprint: "f2", ConfigHash: "c"})
		err = s.Fault(err)
	}
	wantFault(t, err, FaultReadOnly, path, "the file is read-only", "writable")
}

func TestFaultReadOnlyFolder(t *testing.T) {
	if !unprivileged(t) {
		return
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	_, err := Open(path)
	wantFault(t, err, FaultReadOnly, path, "its folder "+dir+" is not writable")
}

func TestFaultCorrupt(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"random bytes": func(p string) error {
			b := make([]byte, 20000)
			for i := range b {
				b[i] = byte(i*7919 + i/3)
			}
			return os.WriteFile(p, b, 0o644)
		},
		"text": func(p string) error { return os.WriteFile(p, []byte("name,phone\nAnna,040 123\n"), 0o644) },
		"truncated": func(p string) error {
			newDB(t, p)
			return os.Truncate(p, 5000)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := damage(path); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path)
			if err == nil {
				defer s.Close()
				_, err = s.Runs(context.Background(), "", 10)
				err = s.Fault(err)
			}
			wantFault(t, err, FaultCorrupt, path, "damaged", "mv "+path+" "+path+".bad")
		})
	}
}

func TestFaultLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	newDB(t, path)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// One connection with a short wait, so the test does not wait the
	// 10 s a run waits.
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.Exec(`PRAGMA busy_timeout = 100`); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.Exec(`INSERT INTO locks(job, run_id, pid, host, acquired_at) VALUES('x', 1, 1, 'h', 't')`); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.BeginRun(context.Background(), RunSpec{Job: "j", Fingerprint: "f2", ConfigHash: "c"})
	wantFault(t, s.Fault(err), FaultLocked, path, "locked by another process")
}

// A full disk is a fault of the state file, reported as such by the
// writer, never as a row's outcome. SQLite's max_page_count gives the same
// SQLITE_FULL as a full file system.
func TestFaultDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.SetMaxOpenConns(1)
	var pages int
	if err := s.db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+4)); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(1, nil)
	for i := range 5000 {
		w.Outcome(Outcome{Row: i + 2, Status: StatusOK, Action: "export", Error: strings.Repeat("x", 200)})
	}
	select {
	case <-w.Failed():
	case <-time.After(10 * time.Second):
		t.Fatal("the writer did not fail on a full database")
	}
	err = w.Close()
	wantFault(t, err, FaultFull, path, "disk is full", "no row was rejected")
	// Nothing after the failure was written, and nothing was recorded as
	// rejected.
	var rejected int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM outcomes WHERE status=?`, packWord(statusCodes, StatusRejected)).Scan(&rejected); err != nil {
		t.Fatal(err)
	}
	if rejected != 0 {
		t.Errorf("%d outcomes rejected", rejected)
	}
}

func TestFaultRemovedMidRun(t *testing.T) {
	for name, remove := range map[string]func(path string) error{
		"deleted": os.Remove,
		"replaced": func(p string) error {
			other := p + ".other"
			newDB(t, other)
			return os.Rename(other, p)
		},
		"folder deleted": func(p string) error { return os.RemoveAll(filepath.Dir(p)) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "state.db")
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			r, _, err := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
			if err != nil {
				t.Fatal(err)
			}
			w := s.NewWriter(r.ID, nil)
			w.Outcome(Outcome{Row: 2, Status: StatusOK})
			if err := w.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := remove(path); err != nil {
				t.Fatal(err)
			}
			// Nothing queued: the writer notices on its own, so a run
			// waiting on a vendor stops too.
			select {
			case <-w.Failed():
			case <-time.After(5 * time.Second):
				t.Fatal("the writer did not notice the removed state file")
			}
			w.Outcome(Outcome{Row: 3, Status: StatusOK})
			wantFault(t, w.Close(), FaultRemoved, path, "removed or replaced", "history")
			wantFault(t, s.FinishRun(ctx, r.ID, RunDone, nil, ""), FaultRemoved, path)
		})
	}
}

func TestFaultUnusablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "state.db")
	_, err := Open(path)
	wantFault(t, err, FaultPath, path, "set `state:`")

	folder := filepath.Join(dir, "state.db")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Open(folder)
	wantFault(t, err, FaultPath, folder, "it is a folder")
}

// Errors that say nothing about the state file stay as they are: a
// vendor's "permission denied" is not a read-only state file.
func TestFaultOnlyOwnFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	for _, err := range []error{
		context.Canceled,
		&fs.PathError{Op: "open", Path: "/etc/leadsync/other", Err: syscall.EACCES},
		fmt.Errorf("leaddesk: %w", &os.SyscallError{Syscall: "connect", Err: syscall.EACCES}),
		sql.ErrNoRows,
	} {
		if got := classify(path, err); got != err {
			t.Errorf("classify(%v) = %v, want it unchanged", err, got)
		}
	}
	if classify(path, nil) != nil {
		t.Error("classify(nil) is not nil")
	}
}

// TestFaultAfterRemoval: any database error once the state file is gone
// (a new connection then opens an empty file: "no such table") is the
// removal's, so the run exits as a fault of its own files, not a usage
// error; the same error with the file in place is no fault.
func TestFaultAfterRemoval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sqlErr := sqlite3.Error{Code: sqlite3.ErrError}
	if IsFault(s.Fault(sqlErr)) {
		t.Fatal("an SQL error with the file in place is called a file fault")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	var fe *FaultError
	if err := s.Fault(sqlErr); !errors.As(err, &fe) || fe.Kind != FaultRemoved {
		t.Fatalf("after removal: %v, want a FaultRemoved", err)
	}
}
