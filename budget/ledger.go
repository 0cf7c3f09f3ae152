package budget

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A Ledger is a budget's log of sent calls shared beyond one process: by
// a resumed run and the run it follows, by two jobs on one credential, by
// shards on several machines. Before a call the budget asks the ledger
// for a place in the window; the ledger grants it only when fewer than
// calls were sent by everyone sharing it in the last per.
//
// A call counts from its send time until its answer moves it to the
// answer's time (the latest the vendor can have counted it), as in the
// budget's own log.
type Ledger interface {
	// Reserve counts one call at now if the window has room, returning
	// its id; otherwise it returns how long to wait before asking again
	// (the oldest call's exit from the window, or a shared pause's end).
	Reserve(ctx context.Context, now time.Time, calls int, per time.Duration) (id string, wait time.Duration, err error)
	// Answered moves call id to now.
	Answered(ctx context.Context, id string, now time.Time) error
	// Pause makes every sharer wait until now+d (a 429 seen by one).
	Pause(ctx context.Context, now time.Time, d time.Duration) error
	Close() error
}

// ErrLedger marks a failure of the shared ledger (its file or server),
// as opposed to the vendor's.
var ErrLedger = errors.New("budget ledger")

// FileLedger is a Ledger in one small file per credential, read and
// rewritten whole under an exclusive flock(2) for every call: every
// process on one machine that shares the file shares the window. The file
// holds only the calls still in the window (24 bytes each) and a pause's
// end, so it stays a few kilobytes at any documented vendor limit.
type FileLedger struct {
	f    *os.File
	path string
	seq  uint64 // starts at random, so ids of equal pids in two pid namespaces differ
	tag  uint32 // this process's id: ids are pid<<32 | seq
	buf  []byte // read's buffer
	wbuf []byte // write's buffer
	size int64  // the file's size as last read or written (under the lock)
}

// fileLedgerMagic starts a ledger file; a file without it is started over.
const fileLedgerMagic = "LSLEDG1\n"

// ledgerEntry is one call in the window.
type ledgerEntry struct {
	id uint64
	at int64 // unix nanoseconds: send time, then answer time
}

// OpenFileLedger opens (creating) the ledger file for key in dir. key
// names the credential (vendor, address and a hash of the secret: never
// the secret itself); it is hashed again into the file name.
func OpenFileLedger(dir, key string) (*FileLedger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	path := filepath.Join(dir, LedgerName(key)+".ledger")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	var seq [4]byte
	if _, err := rand.Read(seq[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	return &FileLedger{f: f, path: path, tag: uint32(os.Getpid()), seq: uint64(binary.BigEndian.Uint32(seq[:]))}, nil
}

// ownerGone reports whether the process that sent call id has ended: its
// calls in flight will never be answered. Only a certain absence counts
// (another user's process, or one of another pid namespace that happens
// to be visible, is taken as alive).
func ownerGone(id uint64) bool {
	pid := int(id >> 32)
	if pid <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// settleGone moves the calls in flight (ahead of t) of sharers that
// ended to t: the vendor counted them when they arrived, at t at the
// latest, so they keep their places for one window from t, not for
// MaxInFlight. A resumed run after a kill waits a window, not minutes.
func (l *FileLedger) settleGone(es []ledgerEntry, t int64) {
	gone := map[uint64]bool{}
	for i, e := range es {
		owner := e.id >> 32
		if e.at <= t || uint32(owner) == l.tag {
			continue
		}
		dead, seen := gone[owner]
		if !seen {
			dead = ownerGone(e.id)
			gone[owner] = dead
		}
		if dead {
			es[i].at = t
		}
	}
}

// LedgerName is the file (or Redis key) name for a credential key.
func LedgerName(key string) string {
	return hex.EncodeToString(hashKey(key))
}

// MaxInFlight is how long a call without an answer holds its place in a
// shared window: longer than any call's timeout, so a call in flight is
// never forgotten, while the places of a sharer that died mid-call come
// free in the end (at once, when the window is full and the sharer was a
// process of this machine that has ended: see settleGone).
const MaxInFlight = 2 * time.Minute

// pollWait bounds a wait for a full shared window: a call in flight
// counts as ahead of now, so its place may come free (when its answer
// arrives) long before the computed time; ask again within a quarter
// window.
func pollWait(d, per time.Duration) time.Duration {
	return max(time.Millisecond, min(d, per/4))
}

// Path is the ledger file's path.
func (l *FileLedger) Path() string { return l.path }

// withLocked runs fn on the ledger's entries under the file lock and
// writes back what fn returns.
func (l *FileLedger) withLocked(fn func(pause int64, es []ledgerEntry) (int64, []ledgerEntry)) error {
	fd := int(l.f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("%w: lock %s: %v", ErrLedger, l.path, err)
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)
	pause, es, err := l.read()
	if err != nil {
		return err
	}
	pause, es = fn(pause, es)
	return l.write(pause, es)
}

// read reads the ledger with one pread (no stat: the buffer grows until
// it holds the whole file), and notes its size for write.
func (l *FileLedger) read() (int64, []ledgerEntry, error) {
	if cap(l.buf) < 4096 {
		l.buf = make([]byte, 4096)
	}
	var b []byte
	for {
		buf := l.buf[:cap(l.buf)]
		n, err := l.f.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			return 0, nil, fmt.Errorf("%w: read %s: %v", ErrLedger, l.path, err)
		}
		if n < len(buf) {
			b = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			l.size = int64(n)
			return 0, nil, nil // not ours: start over
		}
		l.buf = make([]byte, 2*len(buf))
	}
	l.size = int64(len(b))
	if len(b) < len(fileLedgerMagic)+8 || string(b[:len(fileLedgerMagic)]) != fileLedgerMagic {
		return 0, nil, nil // new, or not ours: start over
	}
	b = b[len(fileLedgerMagic):]
	pause := int64(binary.BigEndian.Uint64(b))
	b = b[8:]
	es := make([]ledgerEntry, 0, len(b)/16+1)
	for ; len(b) >= 16; b = b[16:] {
		es = append(es, ledgerEntry{id: binary.BigEndian.Uint64(b), at: int64(binary.BigEndian.Uint64(b[8:]))})
	}
	return pause, es, nil
}

// write rewrites the ledger in place, truncating only when it shrank.
func (l *FileLedger) write(pause int64, es []ledgerEntry) error {
	n := len(fileLedgerMagic) + 8 + 16*len(es)
	if cap(l.wbuf) < n {
		l.wbuf = make([]byte, n+16*64)
	}
	b := l.wbuf[:n]
	copy(b, fileLedgerMagic)
	o := len(fileLedgerMagic)
	binary.BigEndian.PutUint64(b[o:], uint64(pause))
	o += 8
	for _, e := range es {
		binary.BigEndian.PutUint64(b[o:], e.id)
		binary.BigEndian.PutUint64(b[o+8:], uint64(e.at))
		o += 16
	}
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("%w: write %s: %v", ErrLedger, l.path, err)
	}
	if int64(n) < l.size {
		if err := l.f.Truncate(int64(n)); err != nil {
			return fmt.Errorf("%w: write %s: %v", ErrLedger, l.path, err)
		}
	}
	l.size = int64(n)
	return nil
}

// Reserve implements Ledger.
func (l *FileLedger) Reserve(ctx context.Context, now time.Time, calls int, per time.Duration) (string, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	var id string
	var wait time.Duration
	t := now.UnixNano()
	err := l.withLocked(func(pause int64, es []ledgerEntry) (int64, []ledgerEntry) {
		kept, oldest := inWindow(es, t-int64(per))
		if len(kept) >= calls && pause <= t {
			// Full: a sharer killed mid-call may hold places it will
			// never free (checked only now, when it matters).
			l.settleGone(kept, t)
			kept, oldest = inWindow(kept, t-int64(per))
		}
		switch {
		case pause > t:
			wait = time.Duration(pause - t)
		case len(kept) >= calls:
			wait = pollWait(time.Duration(oldest+int64(per)-t), per)
		default:
			l.seq++
			n := uint64(l.tag)<<32 | l.seq&0xffffffff
			// In flight, the call counts as ahead of now until Answered
			// moves it to its answer's time (the places of a sharer
			// that died mid-call are settled when the window is full).
			kept = append(kept, ledgerEntry{id: n, at: t + int64(MaxInFlight)})
			id = fmt.Sprintf("%016x", n)
		}
		return pause, kept
	})
	return id, wait, err
}

// inWindow keeps the entries after cut (in place) and returns them with
// the oldest one's time.
func inWindow(es []ledgerEntry, cut int64) ([]ledgerEntry, int64) {
	kept := es[:0]
	oldest := int64(0)
	for _, e := range es {
		if e.at > cut {
			kept = append(kept, e)
			if oldest == 0 || e.at < oldest {
				oldest = e.at
			}
		}
	}
	return kept, oldest
}

// Answered implements Ledger.
func (l *FileLedger) Answered(ctx context.Context, id string, now time.Time) error {
	var n uint64
	if _, err := fmt.Sscanf(id, "%016x", &n); err != nil {
		return fmt.Errorf("%w: bad call id %q", ErrLedger, id)
	}
	t := now.UnixNano()
	return l.withLocked(func(pause int64, es []ledgerEntry) (int64, []ledgerEntry) {
		for i := range es {
			if es[i].id == n {
				es[i].at = t
			}
		}
		return pause, es
	})
}

// Pause implements Ledger.
func (l *FileLedger) Pause(ctx context.Context, now time.Time, d time.Duration) error {
	end := now.Add(d).UnixNano()
	return l.withLocked(func(pause int64, es []ledgerEntry) (int64, []ledgerEntry) {
		return max(pause, end), es
	})
}

// Close implements Ledger.
func (l *FileLedger) Close() error { return l.f.Close() }

func hashKey(key string) []byte {
	sum := sha256.Sum256([]byte("leadsync ledger\x00" + key))
	return sum[:12]
}

// OpenLedger opens the ledger a job's budget shares, from its setting:
// "" or "machine" (a file ledger in dir: every process on this machine),
// "off" (this process alone: nil), or a redis:// address (every machine
// that reaches the server). key names the credential.
func OpenLedger(setting, dir, key string) (Ledger, error) {
	switch s := strings.TrimSpace(setting); {
	case strings.EqualFold(s, "off"):
		return nil, nil
	case s == "" || strings.EqualFold(s, "machine"):
		return OpenFileLedger(dir, key)
	case strings.HasPrefix(strings.ToLower(s), "redis://"):
		return OpenRedisLedger(s, key)
	default:
		return nil, fmt.Errorf("%w: shared must be machine, off or a redis:// address, not %q", ErrLedger, redactURL(s))
	}
}

// DefaultLedgerDir is where file ledgers live: $LEADSYNC_LEDGER_DIR, else
// the user's cache folder (~/.cache/leadsync/budgets on Linux).
func DefaultLedgerDir(getenv func(string) string) (string, error) {
	if d := getenv("LEADSYNC_LEDGER_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: no cache folder for the shared budget (set LEADSYNC_LEDGER_DIR, or sink.budget.shared: off): %v", ErrLedger, err)
	}
	return filepath.Join(base, "leadsync", "budgets"), nil
}
