package state

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Outcomes go into SQLite in batched statements: every value must come
// back byte for byte, whatever it holds (a settled row's entity: a digest,
// read back as ""), and a row's later outcome wins, in one batch or across
// batches.
func TestWriterOutcomesExact(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	run, _, err := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{"", `a "quoted" \ back\slash`, "tab\tnew\nline", "nul\x00byte", "bad \xff\xfe utf-8", "ümlaut 名前 😀", `\u0041`, "{\"json\":[1]}", "\x7f", strings.Repeat("x", 5000)}
	var want []Outcome
	w := s.NewWriter(run.ID, nil)
	for i := 0; i < 2*BatchSize+37; i++ {
		o := Outcome{Row: i + 2, Status: StatusOK, Action: "export", VendorID: fmt.Sprint(i), Entity: odd[i%len(odd)], Column: odd[(i+3)%len(odd)], Error: odd[(i+7)%len(odd)]}
		if i%3 == 0 {
			o.Status = StatusUncertain // keeps its entity's text
		}
		w.Outcome(o)
		if o.Status == StatusOK {
			o.Entity = "" // a settled row keeps a digest only
		}
		want = append(want, o)
	}
	// Later outcomes of rows already queued: in the same batch and in
	// committed ones.
	for _, row := range []int{2, 3, 1500, 2*BatchSize + 38} {
		o := Outcome{Row: row, Status: StatusRejected, Error: "again " + odd[row%len(odd)]}
		w.Outcome(o)
		want[row-2] = o
	}
	w.Outcome(Outcome{Row: 4, Status: StatusFailed, Error: "first"})
	w.Outcome(Outcome{Row: 4, Status: StatusOK, Action: "update", Error: "bad \xc3"})
	want[2] = Outcome{Row: 4, Status: StatusOK, Action: "update", Error: "bad \xc3"}
	// Out of order within one chunk, then again.
	for _, o := range []Outcome{{Row: 9001, Status: StatusFailed}, {Row: 9000, Status: StatusOK}, {Row: 9001, Status: StatusOK, Action: "later"}, {Row: 9002, Status: StatusOK}} {
		w.Outcome(o)
	}
	want = append(want, Outcome{Row: 9000, Status: StatusOK}, Outcome{Row: 9001, Status: StatusOK, Action: "later"}, Outcome{Row: 9002, Status: StatusOK})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := s.Outcomes(ctx, run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outcomes, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("outcome %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
	if !slices.EqualFunc(got, want, func(a, b Outcome) bool { return a == b }) {
		t.Fatal("outcomes differ")
	}
}

// BenchmarkWriterOutcomes commits 100,000 export outcomes through a
// Writer and reports the process's CPU time per outcome.
func BenchmarkWriterOutcomes(b *testing.B) {
	const n = 100_000
	var cpu time.Duration
	for b.Loop() {
		s, err := Open(b.TempDir() + "/state.db")
		if err != nil {
			b.Fatal(err)
		}
		run, _, _ := s.BeginRun(context.Background(), RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
		t0 := cpuNow()
		w := s.NewWriter(run.ID, nil)
		for i := range n {
			w.Outcome(Outcome{Row: i + 2, Status: StatusOK, Action: "export", VendorID: strconv.Itoa(i + 2), Entity: "phone:+35840" + strconv.Itoa(1000000+i)})
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		cpu += cpuNow() - t0
		s.Close()
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/outcome")
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The writer keeps its full-chunk statements from one commit to the next,
// prepared outside its transactions: on a pool of one connection (the
// transaction holding it) no commit waits for another, and every commit
// after the first reuses them, each outcome landing as written.
func TestWriterReusesStatementsOnOneConnection(t *testing.T) {
	s := open(t)
	s.db.SetMaxOpenConns(1)
	ctx := context.Background()
	run, _, err := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	const commits = 5
	done := make(chan error, 1)
	w := s.NewWriter(run.ID, nil)
	go func() {
		for c := range commits {
			for i := range BatchSize - 1 {
				row := c*BatchSize + i + 2
				action := []string{"export", "create", "unchanged"}[row%3]
				w.Outcome(Outcome{Row: row, Status: StatusOK, Action: action, VendorID: strconv.Itoa(row * 7)})
			}
			if err := w.Sync(); err != nil {
				done <- err
				return
			}
		}
		done <- w.Close()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the writer is stuck on one connection")
	}
	for _, b := range w.bufs.all() {
		if b.cols == codedCols && b.full == nil {
			t.Errorf("shape %v: no statement kept for the next commit", b.codes)
		}
	}
	got, err := s.Outcomes(ctx, run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != commits*(BatchSize-1) {
		t.Fatalf("%d outcomes, want %d", len(got), commits*(BatchSize-1))
	}
	for _, o := range got {
		action := []string{"export", "create", "unchanged"}[o.Row%3]
		if o.Status != StatusOK || o.Action != action || o.VendorID != strconv.Itoa(o.Row*7) {
			t.Fatalf("row %d: %#v", o.Row, o)
		}
	}
}
