package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "sub", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunsAndResume(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	spec := RunSpec{Job: "nightly", Fingerprint: "f1", ConfigHash: "c1"}
	r1, resumed, err := s.BeginRun(ctx, spec)
	if err != nil || resumed {
		t.Fatalf("first run: %v resumed=%v", err, resumed)
	}
	// Interrupted: the same input and config continue the same run.
	if err := s.FinishRun(ctx, r1.ID, RunInterrupted, Counts{"ok/export": 3}, ""); err != nil {
		t.Fatal(err)
	}
	r2, resumed, err := s.BeginRun(ctx, spec)
	if err != nil || !resumed || r2.ID != r1.ID {
		t.Fatalf("resume: id %d vs %d, resumed=%v, %v", r2.ID, r1.ID, resumed, err)
	}
	// --fresh starts over.
	s.FinishRun(ctx, r2.ID, RunInterrupted, nil, "")
	r3, resumed, _ := s.BeginRun(ctx, RunSpec{Job: "nightly", Fingerprint: "f1", ConfigHash: "c1", Fresh: true})
	if resumed || r3.ID == r1.ID {
		t.Fatalf("fresh run resumed")
	}
	// Changed input starts a new run; a finished run never resumes.
	s.FinishRun(ctx, r3.ID, RunInterrupted, nil, "")
	r4, resumed, _ := s.BeginRun(ctx, RunSpec{Job: "nightly", Fingerprint: "f2", ConfigHash: "c1"})
	if resumed || r4.ID == r3.ID {
		t.Fatalf("changed input resumed")
	}
	s.FinishRun(ctx, r4.ID, RunDone, Counts{"ok/export": 10}, "")
	r5, resumed, _ := s.BeginRun(ctx, RunSpec{Job: "nightly", Fingerprint: "f2", ConfigHash: "c1"})
	if resumed || r5.ID == r4.ID {
		t.Fatalf("finished run resumed")
	}
	runs, err := s.Runs(ctx, "nightly", 10)
	if err != nil || len(runs) != 4 || runs[0].ID != r5.ID {
		t.Fatalf("history: %v %v", runs, err)
	}
	got, _ := s.Run(ctx, r4.ID)
	if got.Status != RunDone || got.Counts["ok/export"] != 10 || got.EndedAt.IsZero() {
		t.Fatalf("run 4: %+v", got)
	}
	if other, _ := s.Runs(ctx, "other", 10); len(other) != 0 {
		t.Fatalf("other job sees runs")
	}
}

func TestWriterOutcomesAndEntities(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	r, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	committed := 0
	var mu sync.Mutex
	w := s.NewWriter(r.ID, func(n int) { mu.Lock(); committed += n; mu.Unlock() })
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				row := g*500 + i + 2
				st := StatusOK
				if row%100 == 0 {
					st = StatusRejected
				}
				w.Outcome(Outcome{Row: row, Status: st, Action: "create", VendorID: "v"})
			}
		}(g)
	}
	wg.Wait()
	w.Entity(Entity{Scope: "leaddesk/contact@x", VendorID: "1001", Keys: []string{"phone:+358401234567", "email:a@b.fi"}, ContentHash: "h1", Fields: map[string]string{"fname": "Anna"}})
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	// A later write of the same row replaces its outcome.
	w.Outcome(Outcome{Row: 2, Status: StatusRejected, Column: "phone", Error: "bad"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if committed != 4001 {
		t.Fatalf("committed callback saw %d outcomes", committed)
	}
	counts, _ := s.CountOutcomes(ctx, r.ID)
	if diff := cmp.Diff(Counts{"ok/create": 3959, "rejected/create": 40, "rejected": 1}, counts); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}
	rej, _ := s.Outcomes(ctx, r.ID, StatusRejected)
	if len(rej) != 41 || rej[0].Row != 2 || rej[0].Column != "phone" {
		t.Fatalf("rejected: %d, first %+v", len(rej), rej[0])
	}
	done, _ := s.DoneRows(ctx, r.ID)
	if done.Len() != 4000 || !done.Has(4001) || done.Has(4002) || done.Has(1) {
		t.Fatalf("done rows %d", done.Len())
	}
	ids, _ := s.LookupKeys(ctx, "leaddesk/contact@x", []string{"email:a@b.fi", "phone:+358401234567", "phone:+000"})
	if diff := cmp.Diff([]string{"1001"}, ids); diff != "" {
		t.Fatal(diff)
	}
	rec, ok, _ := s.Record(ctx, "leaddesk/contact@x", "1001")
	if !ok || rec.ContentHash != "h1" || rec.Fields["fname"] != "Anna" {
		t.Fatalf("record %+v", rec)
	}
	if ids, _ := s.LookupKeys(ctx, "other-scope", []string{"email:a@b.fi"}); len(ids) != 0 {
		t.Fatalf("scopes leak: %v", ids)
	}
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	release, err := s.Lock(ctx, "nightly", 1)
	if err != nil {
		t.Fatal(err)
	}
	// A second run of the same job (this process is alive) is refused...
	_, err = s.Lock(ctx, "nightly", 2)
	var le *LockError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.RunID != 1 {
		t.Fatalf("second lock: %v", err)
	}
	// ...another job is not.
	rel2, err := s.Lock(ctx, "other", 3)
	if err != nil {
		t.Fatal(err)
	}
	rel2()
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, "nightly", 4); err != nil {
		t.Fatalf("after release: %v", err)
	}
	// A row left by a dead process (kill -9) is only a record: taken over.
	s2 := open(t)
	s2.db.Exec(`INSERT INTO locks(job, run_id, pid, host, acquired_at) SELECT 'crashed', 9, 999999999, host, 'x' FROM (SELECT ? AS host)`, hostname())
	if _, err := s2.Lock(ctx, "crashed", 10); err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
}

// TestLockHelper holds a job's lock in a child process until killed.
func TestLockHelper(t *testing.T) {
	path := os.Getenv("LEADSYNC_LOCK_HELPER")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(context.Background(), "nightly", 1); err != nil {
		t.Fatal(err)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
}

// lockHolder starts a process that holds job "nightly"'s lock (run 1) in
// the state at path, and returns once it does.
func lockHolder(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelper$")
	cmd.Env = append(os.Environ(), "LEADSYNC_LOCK_HELPER="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "locked" {
		t.Fatalf("helper: %q %v", buf, err)
	}
	return cmd
}

// A run killed with -9 is a zombie until its parent reaps it: its lock
// must be free at once all the same (the kernel drops the flock with the
// process's files), and a live holder in another process must block.
func TestLockFreedByKill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := lockHolder(t, path)
	_, err = s.Lock(ctx, "nightly", 2)
	var le *LockError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("live holder in another process: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	// Not reaped yet: the child is a zombie. Its lock is gone anyway.
	deadline := time.Now().Add(5 * time.Second)
	for {
		release, err := s.Lock(ctx, "nightly", 3)
		if err == nil {
			release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock of a killed run still held: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Wait()
}

// RunGone: a running run whose process holds the job's lock is not gone;
// once that process is killed (its lock row left behind), it is, and so
// is a run the lock does not name.
func TestRunGone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.RunGone(ctx, "nightly", 1) {
		t.Fatal("a run of a job nobody locked is not gone")
	}
	cmd := lockHolder(t, path)
	if s.RunGone(ctx, "nightly", 1) || !s.RunGone(ctx, "nightly", 7) || !s.RunGone(ctx, "other", 1) {
		t.Fatal("wrong for the live holder's run, another run or another job")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if !s.RunGone(ctx, "nightly", 1) {
		t.Fatal("the killed holder's run is not gone")
	}
}

func TestStepsScopedAndRefusals(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	r, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	if err := s.MarkStep(ctx, r.ID, "a", "event:1", "create", Step{State: StepSent, Hash: "h"}); err != nil {
		t.Fatal(err)
	}
	s.MarkStep(ctx, r.ID, "b", "event:1", "create", Step{State: StepDone, Result: "42"})
	a, _ := s.Steps(ctx, "a", "event:1")
	b, _ := s.Steps(ctx, "b", "event:1")
	if a["create"].State != StepSent || b["create"].State != StepDone || b["create"].Result != "42" {
		t.Fatalf("steps not scoped to the connection: a=%v b=%v", a, b)
	}
	if n, _ := s.SentSteps(ctx, "a"); n != 1 {
		t.Fatalf("sent steps in a: %d", n)
	}
	s.ClearStep(ctx, "a", "event:1", "create")
	s.ClearStep(ctx, "b", "event:1", "create") // done steps are never cleared
	a, _ = s.Steps(ctx, "a", "event:1")
	b, _ = s.Steps(ctx, "b", "event:1")
	if len(a) != 0 || b["create"].State != StepDone {
		t.Fatalf("after clear: a=%v b=%v", a, b)
	}

	w := s.NewWriter(r.ID, nil)
	w.Refusal(Refusal{Scope: "a", Entity: "phone:+1", ContentHash: "h1", Reason: "ERR_ARGUMENT_INVALID:phone"})
	w.Refusal(Refusal{Scope: "a", Entity: "phone:+2", ContentHash: "h2", Reason: "x"})
	w.Refusal(Refusal{Scope: "a", Entity: "phone:+2"}) // written later: forgotten
	w.Close()
	if ref, ok, _ := s.Refusal(ctx, "a", "phone:+1"); !ok || ref.ContentHash != "h1" || ref.RunID != r.ID || ref.Reason != "ERR_ARGUMENT_INVALID:phone" {
		t.Fatalf("refusal %+v %v", ref, ok)
	}
	if _, ok, _ := s.Refusal(ctx, "a", "phone:+2"); ok {
		t.Fatal("forgotten refusal still there")
	}
	if _, ok, _ := s.Refusal(ctx, "b", "phone:+1"); ok {
		t.Fatal("refusals not scoped")
	}
}

func TestCursors(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	r, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	s.SetCursor(ctx, r.ID, "tiledesk", "page=3")
	s.SetCursor(ctx, r.ID, "tiledesk", "page=4")
	if c, _ := s.Cursor(ctx, r.ID, "tiledesk"); c != "page=4" {
		t.Fatalf("cursor %q", c)
	}
}

// A dry run neither resumes an unfinished run nor stands in its way.
func TestDryRunLeavesResumeAlone(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	spec := RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"}
	r1, _, _ := s.BeginRun(ctx, spec)
	s.FinishRun(ctx, r1.ID, RunInterrupted, nil, "")
	dry := spec
	dry.DryRun = true
	r2, resumed, _ := s.BeginRun(ctx, dry)
	if resumed || r2.ID == r1.ID || r2.Status != RunDryRun {
		t.Fatalf("dry run: %+v resumed=%v", r2, resumed)
	}
	s.FinishRun(ctx, r2.ID, RunDryRun, nil, "")
	r3, resumed, _ := s.BeginRun(ctx, spec)
	if !resumed || r3.ID != r1.ID {
		t.Fatalf("after a dry run the interrupted run did not resume: %+v", r3)
	}
}
