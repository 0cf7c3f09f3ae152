package pipeline

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// countingSink counts the records that reach the export.
type countingSink struct {
	*export.Sink
	creates atomic.Int64
	rec     *recorder
}

func (s *countingSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	s.creates.Add(1)
	return s.Sink.Create(ctx, f)
}

func (s *countingSink) CreateRow(ctx context.Context, v []string) (sinks.Record, error) {
	s.creates.Add(1)
	return s.Sink.CreateRow(ctx, v)
}

// exportRun runs an export of n rows into dir/out.<ext> with the run of
// state in dir; cancelAt > 0 cancels after that many records are read.
func exportRun(t testing.TB, dir, ext string, n, cancelAt int) (SyncResult, *countingSink, *memSource) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &memSource{n: n}
	if cancelAt > 0 {
		src.cancel, src.at = cancel, cancelAt
	}
	cfg, st, _, _, rec := setupIn(t, dir, src, "out."+ext)
	sink := &countingSink{Sink: cfg.Sink.(*export.Sink), rec: rec}
	cfg.Sink = sink
	res, err := Sync(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.State.Close(); err != nil {
		t.Fatal(err)
	}
	if cancelAt == 0 {
		if err := st.FinishRun(context.Background(), cfg.RunID, state.RunDone, nil, ""); err != nil {
			t.Fatal(err)
		}
	} else {
		st.FinishRun(context.Background(), cfg.RunID, state.RunInterrupted, nil, "")
	}
	st.Close()
	return res, sink, src
}

// A killed export resumed skips its committed rows (read, but neither
// mapped nor written again) and its file equals an uninterrupted run's,
// with no partial file left.
func TestExportResumeSkipsCommittedRows(t *testing.T) {
	const n = 50000
	for _, ext := range []string{"csv", "jsonl"} {
		t.Run(ext, func(t *testing.T) {
			clean := t.TempDir()
			full, fullSink, _ := exportRun(t, clean, ext, n, 0)
			want, err := os.ReadFile(filepath.Join(clean, "out."+ext))
			if err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			first, _, _ := exportRun(t, dir, ext, n, n*9/10)
			if !first.Interrupted {
				t.Fatalf("first run not interrupted: %+v", first)
			}
			if _, err := os.Stat(filepath.Join(dir, "out."+ext)); !os.IsNotExist(err) {
				t.Fatal("an interrupted export is in place")
			}
			if _, err := os.Stat(safefile.PartialName(filepath.Join(dir, "out."+ext))); err != nil {
				t.Fatalf("no partial file kept for the resume: %v", err)
			}
			res, sink, src := exportRun(t, dir, ext, n, 0)
			got, err := os.ReadFile(filepath.Join(dir, "out."+ext))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("resumed output differs from a clean run's: %d bytes, want %d", len(got), len(want))
			}
			if left := leftovers(t, dir); left != "" {
				t.Fatalf("files left beside the output: %s", left)
			}
			if res.Skipped != first.Rows || src.i != n {
				t.Fatalf("skipped %d, the first run read %d (source read %d)", res.Skipped, first.Rows, src.i)
			}
			// Every committed row is skipped: only those after the last
			// checkpoint are written again.
			again := int(sink.creates.Load()) - (int(fullSink.creates.Load()) - int(first.Statuses[state.StatusOK]))
			if again != 0 {
				t.Fatalf("%d committed rows written again (resume wrote %d of %d)", again, sink.creates.Load(), fullSink.creates.Load())
			}
			// The resumed run's rejected rows are the whole run's: the
			// committed rows' again, from state, none twice. Its written
			// rows are its own, none committed before.
			gotR, wantR := slices.Sorted(slices.Values(sink.rec.rejected)), slices.Sorted(slices.Values(fullSink.rec.rejected))
			if len(wantR) == 0 || !slices.Equal(gotR, wantR) {
				t.Fatalf("the resumed run reports %d rows rejected, a clean run %d", len(gotR), len(wantR))
			}
			if len(sink.rec.written) != int(sink.creates.Load()) {
				t.Fatalf("the resumed run reports %d rows written, it wrote %d", len(sink.rec.written), sink.creates.Load())
			}
			ratio := float64(sink.creates.Load()) / float64(fullSink.creates.Load())
			t.Logf("resume after a kill at 90%%: %d of %d records written again (%.2fx of a full run's writes)", sink.creates.Load(), fullSink.creates.Load(), ratio)
			st, _ := state.Open(filepath.Join(dir, "state.db"))
			defer st.Close()
			counts, _ := st.CountOutcomes(context.Background(), 1)
			if counts["ok/export"] != full.Statuses[state.StatusOK] || counts[state.StatusRejected] != full.Rejected() {
				t.Fatalf("state %v, a clean run %v", counts, full.Statuses)
			}
		})
	}
}

// leftovers lists the files beside out.* other than the outputs and state.
func leftovers(t testing.TB, dir string) string {
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "out.") || strings.HasPrefix(n, "state.db") {
			continue
		}
		left = append(left, n)
	}
	return strings.Join(left, ", ")
}

// A process killed (SIGKILL) in the middle of an export leaves a partial
// file and its last checkpoint; the resumed run appends after it and the
// file equals a clean run's.
func TestExportResumeAfterKill(t *testing.T) {
	if dir := os.Getenv("LEADSYNC_KILL_EXPORT"); dir != "" {
		// The child: export slowly until killed.
		src := &slowSource{memSource: memSource{n: 1 << 30}, after: 20000}
		cfg, _, _, _, _ := setupIn(t, dir, src, "out.csv")
		Sync(context.Background(), cfg)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExportResumeAfterKill$")
	cmd.Env = append(os.Environ(), "LEADSYNC_KILL_EXPORT="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for a checkpoint past the fast part, then kill.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c := cursorOf(dir); c >= 20000 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child never checkpointed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	committed := cursorOf(dir)

	// The resume: the same run, the same rows (a source of 30000).
	st, _ := state.Open(filepath.Join(dir, "state.db"))
	st.FinishRun(context.Background(), 1, state.RunInterrupted, nil, "killed")
	st.Close()
	res, sink, _ := exportRun(t, dir, "csv", 30000, 0)
	clean := t.TempDir()
	_, fullSink, _ := exportRun(t, clean, "csv", 30000, 0)
	got, _ := os.ReadFile(filepath.Join(dir, "out.csv"))
	want, _ := os.ReadFile(filepath.Join(clean, "out.csv"))
	if !bytes.Equal(got, want) {
		t.Fatalf("resumed output differs from a clean run's: %d bytes, want %d", len(got), len(want))
	}
	if left := leftovers(t, dir); left != "" {
		t.Fatalf("files left beside the output: %s", left)
	}
	if res.Skipped != committed || int(sink.creates.Load()) >= int(fullSink.creates.Load())-committed*8/10 {
		t.Fatalf("skipped %d of committed %d; wrote %d of %d", res.Skipped, committed, sink.creates.Load(), fullSink.creates.Load())
	}
}

// slowSource is memSource, slowed down after some rows.
type slowSource struct {
	memSource
	after int
}

func (s *slowSource) Next(ctx context.Context) (sources.Record, error) {
	if s.i >= s.after {
		time.Sleep(time.Millisecond)
	}
	return s.memSource.Next(ctx)
}

// cursorOf reads run 1's committed stream position (0: none).
func cursorOf(dir string) int {
	st, err := state.OpenReadOnly(filepath.Join(dir, "state.db"))
	if err != nil {
		return 0
	}
	defer st.Close()
	c, _ := st.Cursor(context.Background(), 1, streamCursor)
	return parseStreamPos(c).read
}

// An XLSX workbook cannot be appended to: a resumed XLSX export starts
// anew (every row written again) and leaves nothing behind.
func TestExportResumeXLSXStartsAnew(t *testing.T) {
	const n = 5000
	dir := t.TempDir()
	first, _, _ := exportRun(t, dir, "xlsx", n, n/2)
	if !first.Interrupted {
		t.Fatal("not interrupted")
	}
	res, sink, _ := exportRun(t, dir, "xlsx", n, 0)
	if res.Skipped != 0 || sink.creates.Load() != int64(res.Statuses[state.StatusOK]) || res.Statuses[state.StatusOK] < n*8/10 {
		t.Fatalf("resume %+v, wrote %d", res, sink.creates.Load())
	}
	if _, err := os.Stat(filepath.Join(dir, "out.xlsx")); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, dir); left != "" {
		t.Fatalf("files left beside the output: %s", left)
	}
}
