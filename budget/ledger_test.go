package budget

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxInWindow is the most calls at times ts inside any window of per.
func maxInWindow(ts []time.Time, per time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	most, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= per {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// spend sends calls through b from workers goroutines until ctx ends,
// each call taking d, and returns the send times.
func spend(ctx context.Context, b *Budget, workers int, d time.Duration) ([]time.Time, error) {
	var mu sync.Mutex
	var ts []time.Time
	var wg sync.WaitGroup
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				done, err := b.Wait(ctx)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						first = err
						mu.Unlock()
					}
					return
				}
				mu.Lock()
				ts = append(ts, time.Now())
				mu.Unlock()
				time.Sleep(d)
				done()
			}
		}()
	}
	wg.Wait()
	return ts, first
}

// TestLedgerSharedByTwoBudgets: two budgets of 10 calls per 100 ms on one
// ledger file (two open files, as two processes would have) never send
// more than 10 between them in any 100 ms; without the ledger they would
// send 20.
func TestLedgerSharedByTwoBudgets(t *testing.T) {
	dir := t.TempDir()
	const calls, per = 10, 100 * time.Millisecond
	run := func(share bool) []time.Time {
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		defer cancel()
		var all []time.Time
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 2 {
			b := New(calls, per, 0, nil)
			if share {
				l, err := OpenFileLedger(dir, "vendor|https://x|key-hash"+strconv.Itoa(0))
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				b.Share(l)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts, err := spend(ctx, b, 3, time.Millisecond)
				if err != nil {
					t.Errorf("budget %d: %v", i, err)
				}
				mu.Lock()
				all = append(all, ts...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return all
	}
	if got := maxInWindow(run(false), per); got <= calls {
		t.Fatalf("without a ledger two budgets sent only %d in a window: the test cannot tell", got)
	}
	ts := run(true)
	if got := maxInWindow(ts, per); got > calls {
		t.Errorf("shared ledger: %d calls in one %s window, limit %d", got, per, calls)
	}
	if len(ts) < 4*calls {
		t.Errorf("shared ledger let only %d calls through in 7 windows", len(ts))
	}
}

// TestLedgerPauseIsShared: a 429 pause taken by one sharer holds the other.
func TestLedgerPauseIsShared(t *testing.T) {
	dir := t.TempDir()
	open := func() *Budget {
		l, err := OpenFileLedger(dir, "k")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return New(100, time.Second, 0, nil).Share(l)
	}
	a, b := open(), open()
	a.Pause(300 * time.Millisecond)
	start := time.Now()
	done, err := b.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done()
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("the other sharer went after %s, during the pause", waited)
	}
}

// TestLedgerDamagedFileStartsOver: a ledger file that is not a ledger
// (truncated by a crash, or anything else) is started over, not an error.
func TestLedgerDamagedFileStartsOver(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenFileLedger(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.WriteFile(l.Path(), []byte("garbage that is long enough to parse"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, wait, err := l.Reserve(context.Background(), time.Now(), 1, time.Second)
	if err != nil || id == "" || wait != 0 {
		t.Fatalf("Reserve on a damaged file: id %q wait %s err %v", id, wait, err)
	}
	if _, wait, _ := l.Reserve(context.Background(), time.Now(), 1, time.Second); wait <= 0 {
		t.Error("a second call in a 1-call window was let through")
	}
}

// TestLedgerAcrossProcesses: two processes (this test binary, re-run as a
// child) on one ledger file stay within the window between them.
func TestLedgerAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("LEADSYNC_LEDGER_CHILD"); dir != "" {
		l, err := OpenFileLedger(dir, "shared")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
		defer cancel()
		ts, err := spend(ctx, New(10, 100*time.Millisecond, 0, nil).Share(l), 2, time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, x := range ts {
			b.WriteString(strconv.FormatInt(x.UnixNano(), 10) + "\n")
		}
		if err := os.WriteFile(dir+"/out."+strconv.Itoa(os.Getpid()), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 2 {
		c := exec.Command(os.Args[0], "-test.run=^TestLedgerAcrossProcesses$")
		c.Env = append(os.Environ(), "LEADSYNC_LEDGER_CHILD="+dir)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	outs, _ := os.ReadDir(dir)
	var ts []time.Time
	files := 0
	for _, e := range outs {
		if !strings.HasPrefix(e.Name(), "out.") {
			continue
		}
		files++
		data, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Fields(string(data)) {
			n, _ := strconv.ParseInt(line, 10, 64)
			ts = append(ts, time.Unix(0, n))
		}
	}
	if files != 2 {
		t.Fatalf("%d children reported", files)
	}
	if got := maxInWindow(ts, 100*time.Millisecond); got > 10 {
		t.Errorf("two processes sent %d calls in one 100ms window, limit 10", got)
	}
}

// TestLedgerCallInFlightHoldsItsPlace: a call sent and not yet answered
// keeps its place in the shared window however long it takes (a slow
// answer under load once let a sharer send 120 in a window of 100); its
// answer moves it to the answer's time.
func TestLedgerCallInFlightHoldsItsPlace(t *testing.T) {
	ctx := context.Background()
	l, err := OpenFileLedger(t.TempDir(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const per = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	id, _, err := l.Reserve(ctx, t0, 1, per)
	if err != nil || id == "" {
		t.Fatalf("first call: %q %v", id, err)
	}
	if got, wait, _ := l.Reserve(ctx, t0.Add(3*per), 1, per); got != "" || wait <= 0 {
		t.Fatal("a second call went out while the first was still in flight, a window later")
	}
	if err := l.Answered(ctx, id, t0.Add(3*per)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := l.Reserve(ctx, t0.Add(3*per+per/2), 1, per); got != "" {
		t.Fatal("a call went out within a window of the first one's answer")
	}
	if got, _, _ := l.Reserve(ctx, t0.Add(4*per+time.Millisecond), 1, per); got == "" {
		t.Fatal("no call a window after the answer")
	}
}

// TestLedgerDeadSharersCallsLeaveAfterAWindow: a process killed with calls
// in flight never answers them. Once the window is full, their places
// count from the moment that is seen, for one window, not for
// MaxInFlight: a run resumed after a kill (or two) waited two minutes.
func TestLedgerDeadSharersCallsLeaveAfterAWindow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	dead, err := OpenFileLedger(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	dead.tag = uint32(child.Process.Pid) // its calls are the ended child's
	live, err := OpenFileLedger(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	const per = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	for range 2 {
		if id, _, err := dead.Reserve(ctx, t0, 2, per); err != nil || id == "" {
			t.Fatalf("dead sharer's call: %q %v", id, err)
		}
	}
	t1 := t0.Add(3 * per)
	got, wait, err := live.Reserve(ctx, t1, 2, per)
	if err != nil {
		t.Fatal(err)
	}
	if got != "" {
		t.Fatal("a call went out while the dead sharer's calls still counted (they may have just arrived)")
	}
	if wait > per {
		t.Fatalf("wait %v for a window held by an ended process's calls, want at most one window (%v)", wait, per)
	}
	if got, _, _ := live.Reserve(ctx, t1.Add(per+time.Millisecond), 2, per); got == "" {
		t.Fatal("no call a window after the dead sharer's calls were settled")
	}
}
