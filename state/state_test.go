package state

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

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
	if len(done) != 4000 {
		t.Fatalf("done rows %d", len(done))
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
	// A lock left by a dead process (kill -9) is taken over.
	s2 := open(t)
	s2.db.Exec(`INSERT INTO locks(job, run_id, pid, host, acquired_at) SELECT 'crashed', 9, 999999999, host, 'x' FROM (SELECT ? AS host)`, hostname())
	if _, err := s2.Lock(ctx, "crashed", 10); err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
}

func TestIntentsAndCursors(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	r, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	s.PutIntent(ctx, r.ID, "phone:+1", "create", "{}")
	s.PutIntent(ctx, r.ID, "phone:+2", "create", "{}")
	w := s.NewWriter(r.ID, nil)
	w.IntentDone("phone:+1", "create")
	w.Close()
	open, _ := s.OpenIntents(ctx, r.ID)
	if len(open) != 1 || open[0][0] != "phone:+2" {
		t.Fatalf("open intents %v", open)
	}
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
