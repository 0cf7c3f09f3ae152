package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/state"
)

// failingSink writes through to the export sink until after rows, then
// fails every write with err.
type failingSink struct {
	*export.Sink
	after, n int
	err      error
}

func (s *failingSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	s.n++
	if s.n > s.after {
		return sinks.Record{}, s.err
	}
	return s.Sink.Create(ctx, f)
}

func (s *failingSink) CreateRow(ctx context.Context, v []string) (sinks.Record, error) {
	s.n++
	if s.n > s.after {
		return sinks.Record{}, s.err
	}
	return s.Sink.CreateRow(ctx, v)
}

// A disk that fills under the export output stops the run: the rows are
// not at fault, so none is rejected for it (it used to reject every row
// from there on, with "no space left on device" as the reason).
func TestOwnFileFaultRejectsNoRow(t *testing.T) {
	src := &memSource{n: 3000}
	cfg, st, run, sink, rec := setup(t, src)
	defer sink.Abort()
	full := fmt.Errorf("export: %w", &fs.PathError{Op: "write", Path: "out/.contacts.csv.tmp", Err: syscall.ENOSPC})
	cfg.Sink = &failingSink{Sink: sink, after: 1000, err: full}
	res, err := Sync(context.Background(), cfg)
	if !errors.Is(err, ErrOwnFile) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ErrOwnFile wrapping ENOSPC", err)
	}
	if err := cfg.State.Close(); err != nil {
		t.Fatal(err)
	}
	for i, why := range rec.why {
		if strings.Contains(why, "no space left") || !(strings.Contains(why, "phone") || strings.Contains(why, "ragged")) {
			t.Fatalf("row %d rejected for something not its own: %s", rec.rejected[i], why)
		}
	}
	counts, _ := st.CountOutcomes(context.Background(), run.ID)
	if res.Statuses[state.StatusOK] != 1000 || counts[state.StatusRejected] != res.Rejected() || counts["ok/export"] != 1000 {
		t.Fatalf("result %+v, state %v", res, counts)
	}
}

// A row's own problem that a sink reports (not a file operation) still
// rejects the row and the run goes on.
func TestSinkRowErrorStillRejects(t *testing.T) {
	src := &memSource{n: 200}
	cfg, _, _, sink, rec := setup(t, src)
	defer sink.Abort()
	cfg.Sink = &failingSink{Sink: sink, after: 100, err: errors.New("a value of 40000 characters: an XLSX cell holds at most 32767")}
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.State.Close()
	if res.Rows != 200 || res.Rejected() < 80 || len(rec.rejected) != res.Rejected() {
		t.Fatalf("result %+v", res)
	}
}
