package job

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// A job another process is running is refused before it touches state:
// the refused invocation neither resumes nor marks the other's run (a
// race on a new job once left the winner's run 1 "interrupted" and the
// winner saying "(resumed)").
func TestLockedJobLeavesTheOtherRunAlone(t *testing.T) {
	path := writeJob(t, "{vendor: leaddesk, object: contact, url: sandbox}")
	ctx := context.Background()
	st, err := state.Open(filepath.Join(filepath.Dir(path), "state", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The other process: its run begun, its lock held (flock: another
	// open file, as another process's).
	other, _, err := st.BeginRun(ctx, state.RunSpec{Job: "lifecycle", Fingerprint: "f", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := st.Lock(ctx, "lifecycle", other.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = load(t, path).Run(ctx, RunOptions{})
	var le *state.LockError
	if ClassOf(err) != Usage || !errors.As(err, &le) || le.RunID != other.ID {
		t.Fatalf("a run of a locked job: %v", err)
	}
	runs, err := st.Runs(ctx, "lifecycle", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != other.ID || runs[0].Status != state.RunRunning {
		t.Fatalf("runs after the refused invocation: %+v, want only run %d, still running", runs, other.ID)
	}
	unlock()
	res, err := load(t, path).Run(ctx, RunOptions{})
	if err != nil || res.Class != Done {
		t.Fatalf("after the lock is released: %v, %+v", err, res)
	}
}
