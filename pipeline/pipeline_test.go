package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// memSource yields n rows; every 10th has a bad phone, every 25th is ragged.
type memSource struct {
	n, i   int
	cancel func() // called after cancelAt rows, when set
	at     int
}

func (s *memSource) Header() []string { return []string{"Name", "Phone"} }
func (s *memSource) Close() error     { return nil }
func (s *memSource) Next(ctx context.Context) (sources.Record, error) {
	if err := ctx.Err(); err != nil {
		return sources.Record{}, err
	}
	if s.i == s.n {
		return sources.Record{}, io.EOF
	}
	s.i++
	if s.cancel != nil && s.i == s.at {
		s.cancel()
	}
	row := s.i + 1
	if s.i%25 == 0 {
		return sources.Record{}, &sources.RowError{File: "mem.csv", Row: row, Raw: []string{"x"}, Err: sources.ErrRaggedRow}
	}
	phone := fmt.Sprintf("040%07d", s.i)
	if s.i%10 == 0 {
		phone = "12"
	}
	return sources.Record{Row: row, Values: []string{fmt.Sprintf("Name %d", s.i), phone}}, nil
}

type recorder struct {
	mu       sync.Mutex
	rejected []int
	why      []string
	written  []int
}

func (r *recorder) Rejected(row int, raw []string, column, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejected = append(r.rejected, row)
	r.why = append(r.why, reason)
	return nil
}

func (r *recorder) reasons() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.why, "\n")
}
func (r *recorder) Written(row int, _ []string, action, id string) error {
	r.written = append(r.written, row)
	return nil
}

func setup(t *testing.T, src sources.Source) (SyncConfig, *state.Store, state.Run, *export.Sink, *recorder) {
	t.Helper()
	return setupIn(t, t.TempDir(), src, "out.csv")
}

// setupIn is setup with the state and the export (named out) in dir; a
// second call on the same dir resumes an interrupted run.
func setupIn(t testing.TB, dir string, src sources.Source, out string) (SyncConfig, *state.Store, state.Run, *export.Sink, *recorder) {
	t.Helper()
	doc, err := config.Parse("job.yaml", []byte("list: {value: L}\nfname: Name\nphone: Phone\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := leaddesk.Schema().Object("contact")
	m, err := mapping.Compile(doc, doc.Root, obj, mapping.Options{Header: src.Header(), SourceFile: "mem.csv", Region: "FI", Keys: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	run, _, _ := st.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "f", ConfigHash: "c"})
	sink, err := export.New(filepath.Join(dir, out), "", m.Fields())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	return SyncConfig{Source: src, Mapping: m, Sink: sink, Store: st, RunID: run.ID, State: st.NewWriter(run.ID, nil), Reporter: rec, Concurrency: 4}, st, run, sink, rec
}

func TestRunInOrderWithRejects(t *testing.T) {
	src := &memSource{n: 3000}
	cfg, st, run, sink, rec := setup(t, src)
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.State.Close()
	// 3000 rows: 120 ragged (every 25th), bad phones every 10th not
	// already ragged: 300 - 60 = 240.
	if res.Rows != 3000 || res.Rejected() != 360 || res.Statuses[state.StatusOK] != 2640 || res.Interrupted {
		t.Fatalf("result %+v", res)
	}
	for i := 1; i < len(rec.written); i++ {
		if rec.written[i] <= rec.written[i-1] {
			t.Fatalf("written out of source order at %d: %d after %d", i, rec.written[i], rec.written[i-1])
		}
	}
	out, _ := os.ReadFile(sink.Path())
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2641 || lines[0] != strings.Join(cfg.Mapping.Fields(), ",") || !strings.HasPrefix(lines[1], "L,Name 1,") {
		t.Fatalf("export: %d lines, first %q %q", len(lines), lines[0], lines[1])
	}
	counts, _ := st.CountOutcomes(context.Background(), run.ID)
	if counts["ok/export"] != 2640 || counts["rejected"] != 360 {
		t.Fatalf("state counts %v", counts)
	}
	rej, _ := st.Outcomes(context.Background(), run.ID, state.StatusRejected)
	if rej[0].Row != 11 || rej[0].Column != "Phone" || !strings.Contains(rej[0].Error, "not a valid phone number") {
		t.Fatalf("first rejected outcome %+v", rej[0])
	}
}

func TestInterruptGivesEveryReadRowAnOutcome(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &memSource{n: 100000, cancel: cancel, at: 5000}
	cfg, st, run, sink, _ := setup(t, src)
	cfg.Progress = &Progress{}
	res, err := Sync(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.State.Close()
	if !res.Interrupted || res.Rows < 5000 || res.Rows >= 100000 {
		t.Fatalf("result %+v", res)
	}
	counts, _ := st.CountOutcomes(context.Background(), run.ID)
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != res.Rows || int(cfg.Progress.Read.Load()) != res.Rows {
		t.Fatalf("outcomes %d, rows %d, read %d", total, res.Rows, cfg.Progress.Read.Load())
	}
	if _, err := os.Stat(sink.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an interrupted export left a file in place: %v", err)
	}
}
