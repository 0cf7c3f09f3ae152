package budget

import (
	"context"
	"github.com/leadsync/leadsync/budget/redistest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedisLedgerShards: four budgets (four shards, each with its own
// connection) on one Redis ledger never send more than the limit between
// them in any window, and together use most of it.
func TestRedisLedgerShards(t *testing.T) {
	addr := redistest.Start(t)
	const calls, per = 10, 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	var mu sync.Mutex
	var all []time.Time
	var wg sync.WaitGroup
	for i := range 4 {
		l, err := OpenRedisLedger("redis://"+addr+"/2", "leaddesk|https://x|hash")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		b := New(calls, per, 5*time.Millisecond, nil).Share(l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts, err := spend(ctx, b, 2, time.Millisecond)
			if err != nil {
				t.Errorf("shard %d: %v", i, err)
			}
			mu.Lock()
			all = append(all, ts...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got := maxInWindow(all, per); got > calls {
		t.Errorf("four shards sent %d calls in one %s window, limit %d", got, per, calls)
	}
	if len(all) < 5*calls {
		t.Errorf("four shards sent only %d calls in 8 windows", len(all))
	}
}

// TestRedisLedgerAuthAndPause: a password-protected server is reached with
// the URL's password, a wrong one is a clear error without the password,
// and a pause set by one sharer holds another.
func TestRedisLedgerAuthAndPause(t *testing.T) {
	addr := redistest.Start(t, "--requirepass", "s3cret")
	if _, err := OpenRedisLedger("redis://:wrong@"+addr, "k"); err == nil {
		t.Fatal("a wrong password was accepted")
	} else if msg := err.Error(); strings.Contains(msg, "wrong") {
		t.Errorf("the error shows the password: %s", msg)
	}
	a, err := OpenRedisLedger("redis://:s3cret@"+addr, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenRedisLedger("redis://:s3cret@"+addr, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if err := a.Pause(ctx, time.Now(), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	id, wait, err := b.Reserve(ctx, time.Now(), 5, time.Second)
	if err != nil || id != "" || wait < 200*time.Millisecond {
		t.Errorf("during a shared pause: id %q wait %s err %v", id, wait, err)
	}
}

// TestRedisLedgerDown: a server that goes away is an error naming the
// ledger, not a hang or a call let through.
func TestRedisLedgerDown(t *testing.T) {
	if _, err := OpenRedisLedger("redis://127.0.0.1:1", "k"); err == nil {
		t.Fatal("no error for a closed port")
	}
	if _, err := OpenRedisLedger("http://x", "k"); err == nil {
		t.Fatal("no error for a non-redis URL")
	}
}
