package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// FaultKind names what is wrong with the state database's file, as
// opposed to what is wrong with a row: a fault stops the run, and no row is
// ever reported as rejected for it.
type FaultKind string

// Kinds of state fault.
const (
	FaultReadOnly FaultKind = "read-only"   // the file, its folder or its file system
	FaultLocked   FaultKind = "locked"      // another process holds it
	FaultCorrupt  FaultKind = "corrupt"     // not a database, or a damaged one
	FaultFull     FaultKind = "disk full"   // no space left (or the database's size limit)
	FaultRemoved  FaultKind = "removed"     // deleted or replaced while a run had it open
	FaultPath     FaultKind = "unusable"    // the path is a folder, or its folder cannot be made
	FaultIO       FaultKind = "I/O error"   // the disk failed
	faultNone     FaultKind = ""            // not a fault: a bug or a context error
	faultUnknown  FaultKind = "unavailable" // the file cannot be opened, cause unknown
)

// FaultError is a state database that cannot be used, named for what is
// wrong with it, with what to do.
type FaultError struct {
	Path string
	Kind FaultKind
	// Detail says more about the kind ("its folder .leadsync is not
	// writable"); may be empty.
	Detail string
	Err    error // the cause, as SQLite or the OS said it
}

func (e *FaultError) Error() string {
	what, fix := e.explain()
	msg := fmt.Sprintf("state file %s %s", e.Path, what)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Err != nil {
		msg += fmt.Sprintf(" [%v]", e.Err)
	}
	return msg + ": " + fix
}

func (e *FaultError) Unwrap() error { return e.Err }

func (e *FaultError) explain() (what, fix string) {
	switch e.Kind {
	case FaultReadOnly:
		return "cannot be written", "leadsync records every row's outcome there; make the file, its folder and the -wal and -shm files beside it writable by this user, or set `state:` in the job to a writable path"
	case FaultLocked:
		return "is locked by another process", "another leadsync run using the same state file, or a tool holding it open (sqlite3, a backup), kept it busy for 10 seconds; wait for it to finish and run again, or give this job a `state:` of its own"
	case FaultCorrupt:
		return "is damaged or is not a leadsync state database", "move it aside (mv " + e.Path + " " + e.Path + ".bad) or restore it from a backup, then run again; a new state file starts an empty history, and records are found at the vendor before anything is created"
	case FaultFull:
		return "cannot grow: the disk is full", "free space on its file system (or set `state:` in the job to another disk) and run the same command again; the run resumes where it stopped, and no row was rejected for it"
	case FaultRemoved:
		return "was removed or replaced while the run had it open", "the run's history (row outcomes, the entity index) would have been lost, so the run stopped; restore the file if you can, or run again: a new state file starts an empty history, and records are found at the vendor before anything is created"
	case FaultPath:
		return "cannot be used", "set `state:` in the job to a file path in a folder leadsync can create and write"
	case FaultIO:
		return "could not be read or written: the disk reported an I/O error", "check the disk, then run the same command again"
	}
	return "cannot be opened", "check that the path and its folder exist and are readable and writable by this user"
}

// IsFault reports whether err (or what it wraps) is a state fault.
func IsFault(err error) bool {
	var fe *FaultError
	return errors.As(err, &fe)
}

// Fault names err for what it says about the state file: a
// *FaultError when the file is read-only, locked, corrupt, full, removed or
// otherwise unusable; err itself otherwise (nil stays nil).
func (s *Store) Fault(err error) error {
	var se sqlite3.Error
	if err != nil && !IsFault(err) && errors.As(err, &se) {
		// A database error after the file was removed (or replaced: a new
		// connection opened an empty file at the path, "no such table")
		// is the removal's.
		var fe *FaultError
		if errors.As(s.checkFile(), &fe) {
			fe.Err = err
			return fe
		}
	}
	return classify(s.path, err)
}

// classify turns an error from SQLite or the OS about the database at path
// into a *FaultError, or returns it unchanged when it is no fault of the
// file (a context error, an SQL error, a missing row).
func classify(path string, err error) error {
	if err == nil || IsFault(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	kind, detail := faultOf(path, err)
	if kind == faultNone {
		return err
	}
	return &FaultError{Path: path, Kind: kind, Detail: detail, Err: err}
}

func faultOf(path string, err error) (FaultKind, string) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull:
			return FaultFull, ""
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return FaultLocked, ""
		case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			return FaultCorrupt, ""
		case sqlite3.ErrReadonly:
			if se.ExtendedCode == sqlite3.ErrReadonlyDbMoved {
				return FaultRemoved, ""
			}
			return readOnly(path)
		case sqlite3.ErrCantOpen, sqlite3.ErrPerm:
			return cannotOpen(path, se.SystemErrno)
		case sqlite3.ErrIoErr:
			switch se.SystemErrno {
			case syscall.ENOSPC, syscall.EDQUOT:
				return FaultFull, ""
			case syscall.EROFS, syscall.EACCES, syscall.EPERM:
				return readOnly(path)
			}
			return FaultIO, ""
		}
		return faultNone, ""
	}
	// An OS error counts only when it is about the database's own path
	// or folders: a vendor's "connect: permission denied" is no state
	// fault.
	var pe *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &pe) && ownPath(path, pe.Path) && errors.As(pe.Err, &errno) {
		switch errno {
		case syscall.ENOSPC, syscall.EDQUOT:
			return FaultFull, ""
		case syscall.EROFS, syscall.EACCES, syscall.EPERM:
			return readOnly(path)
		case syscall.ENOTDIR, syscall.EISDIR, syscall.ENAMETOOLONG, syscall.ELOOP:
			return FaultPath, ""
		case syscall.EIO:
			return FaultIO, ""
		}
	}
	return faultNone, ""
}

// ownPath reports whether p is the database file, a file beside it, or
// one of its folders.
func ownPath(db, p string) bool {
	dir := filepath.Clean(filepath.Dir(db))
	p = filepath.Clean(p)
	return p == dir || filepath.Dir(p) == dir || strings.HasPrefix(dir, p+string(filepath.Separator))
}

// cannotOpen says why SQLite could not open path.
func cannotOpen(path string, errno syscall.Errno) (FaultKind, string) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return FaultPath, "it is a folder"
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return FaultPath, fmt.Sprintf("its folder %s does not exist", dir)
	} else if !fi.IsDir() {
		return FaultPath, fmt.Sprintf("%s is not a folder", dir)
	}
	if errno == syscall.ENOSPC || errno == syscall.EDQUOT {
		return FaultFull, ""
	}
	if kind, detail := readOnly(path); detail != "" {
		return kind, detail
	}
	return faultUnknown, ""
}

// readOnly says which of the file, its companions, its folder or its file
// system cannot be written. The checks use access(2), which answers for
// this process's user.
func readOnly(path string) (FaultKind, string) {
	dir := filepath.Dir(path)
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) == nil && st.Flags&stRdonly != 0 {
		return FaultReadOnly, "it is on a read-only file system"
	}
	if _, err := os.Stat(path); err == nil && syscall.Access(path, wOK) != nil {
		return FaultReadOnly, "the file is read-only"
	}
	for _, side := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(side); err == nil && syscall.Access(side, wOK) != nil {
			return FaultReadOnly, fmt.Sprintf("%s is read-only", filepath.Base(side))
		}
	}
	if syscall.Access(dir, wOK) != nil {
		return FaultReadOnly, fmt.Sprintf("its folder %s is not writable, and SQLite must create files beside it", dir)
	}
	return FaultReadOnly, ""
}

const (
	wOK      = 0x2 // access(2) W_OK
	stRdonly = 0x1 // statfs(2) ST_RDONLY
)

// fileID identifies the database file, so a run notices when it is
// removed or replaced under it.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, nil
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil
}

// checkFile returns a FaultRemoved error when the database file is no
// longer the one opened: SQLite would go on writing into a file nobody can
// open again, and the run's history would be lost when it closes.
func (s *Store) checkFile() error {
	if s.file == (fileID{}) {
		return nil
	}
	id, err := statID(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &FaultError{Path: s.path, Kind: FaultRemoved, Detail: "it no longer exists"}
	case err != nil:
		return classify(s.path, err)
	case id != s.file:
		return &FaultError{Path: s.path, Kind: FaultRemoved, Detail: "another file now has its name"}
	}
	return nil
}

// Failed is closed when the writer fails: from then on it commits nothing,
// and the run must stop (Err, Close and Sync return the error).
func (w *Writer) Failed() <-chan struct{} { return w.failed }

// Err returns the writer's first error, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// commitChecked commits a batch into the file the store opened, and names
// a failure for what it is.
func (w *Writer) commitChecked(batch []item) error {
	if err := w.s.checkFile(); err != nil {
		return err
	}
	return classify(w.s.path, w.commit(batch))
}

// fail records the writer's first error and closes Failed.
func (w *Writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
		close(w.failed)
	}
}

// idleCheck, between commits, fails the writer once the database file is
// gone, so a run stops within a tick instead of at its next outcome.
func (w *Writer) idleCheck() {
	if w.Err() != nil {
		return
	}
	if err := w.s.checkFile(); err != nil {
		w.fail(err)
	}
}
