package state

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestGC: gc keeps each job's newest runs and every resumable run whole,
// removes older runs' outcomes (not their summaries, not what change
// detection needs), says which runs it pruned, and vacuum shrinks the file.
func TestGC(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var runs []Run
	for i := range 5 {
		r, _, err := s.BeginRun(ctx, RunSpec{Job: "nightly", Fingerprint: fmt.Sprint("f", i), ConfigHash: "c"})
		if err != nil {
			t.Fatal(err)
		}
		w := s.NewWriter(r.ID, nil)
		for row := 2; row < 2002; row++ {
			w.Outcome(Outcome{Row: row, Status: StatusOK, Action: "update", VendorID: fmt.Sprint(row), Entity: fmt.Sprintf("phone:+35840%07d", row)})
		}
		if i == 0 {
			w.Entity(Entity{Scope: "sc", VendorID: "1", Keys: []string{"phone:+358401"}, ContentHash: "h", Fields: map[string]string{"a": "b"}})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		status := RunDone
		if i == 1 {
			status = RunInterrupted // could still resume: kept whole
		}
		if err := s.FinishRun(ctx, r.ID, status, Counts{"ok/update": 2000}, ""); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	other, _, _ := s.BeginRun(ctx, RunSpec{Job: "other", Fingerprint: "f", ConfigHash: "c"})
	w := s.NewWriter(other.ID, nil)
	w.Outcome(Outcome{Row: 2, Status: StatusOK})
	w.Close()
	s.FinishRun(ctx, other.ID, RunDone, Counts{"ok": 1}, "")

	if _, err := s.GC(ctx, 0, false); err == nil {
		t.Error("keep 0 accepted")
	}
	// Without vacuum the file keeps about its size (the freed pages are
	// reused) and the deletes' log is folded in: no log is left to count.
	res, err := s.GC(ctx, 4, false)
	if err != nil || res.Runs != 1 {
		t.Fatalf("gc --keep 4: %+v %v", res, err)
	}
	var wal int64
	if st, err := os.Stat(s.Path() + "-wal"); err == nil {
		wal = st.Size()
	}
	if wal > 0 || res.SizeAfter > res.SizeBefore {
		t.Errorf("without vacuum: %d bytes before, %d after, a log of %d bytes left", res.SizeBefore, res.SizeAfter, wal)
	}
	res, err = s.GC(ctx, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	// Runs 0 and 2 pruned; 1 is resumable; 3 and 4 are the newest two; "other" has one run.
	if res.Runs != 1 || res.Outcomes != 2000 {
		t.Errorf("gc removed %d runs, %d outcomes; want 1 more, 2000", res.Runs, res.Outcomes)
	}
	if res.SizeAfter >= res.SizeBefore {
		t.Errorf("vacuum: %d bytes before, %d after", res.SizeBefore, res.SizeAfter)
	}
	for i, r := range runs {
		pruned, err := s.Pruned(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		counts, _ := s.CountOutcomes(ctx, r.ID)
		want := i == 0 || i == 2
		if pruned != want || (counts["ok/update"] == 0) != want {
			t.Errorf("run %d: pruned %v with %v outcomes left", i, pruned, counts)
		}
		got, err := s.Run(ctx, r.ID)
		if err != nil || got.Counts["ok/update"] != 2000 {
			t.Errorf("run %d's summary lost: %+v %v", i, got.Counts, err)
		}
	}
	if c, _ := s.CountOutcomes(ctx, other.ID); c["ok"] != 1 {
		t.Errorf("the other job's only run was pruned: %v", c)
	}
	if rec, ok, _ := s.Record(ctx, "sc", "1"); !ok || rec.ContentHash != "h" {
		t.Error("gc removed a record change detection needs")
	}
	// Idempotent: a second gc prunes nothing more.
	if res, _ := s.GC(ctx, 2, false); res.Runs != 0 {
		t.Errorf("second gc pruned %d runs", res.Runs)
	}
}
