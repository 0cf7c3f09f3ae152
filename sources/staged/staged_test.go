package staged

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// pages is a fake vendor: n records, 10 a page; it can fail at a page.
type pages struct {
	n, calls, failAt int
}

func (p *pages) Header() []string { return []string{"id", "name"} }
func (p *pages) Page(_ context.Context, cursor string) ([][]string, string, error) {
	p.calls++
	start, _ := strconv.Atoi(cursor)
	if p.failAt > 0 && start == p.failAt {
		return nil, "", errors.New("killed")
	}
	var out [][]string
	for i := start; i < min(start+10, p.n); i++ {
		out = append(out, []string{strconv.Itoa(i), fmt.Sprint("name ", i)})
	}
	next := ""
	if start+10 < p.n {
		next = strconv.Itoa(start + 10)
	}
	return out, next, nil
}

func readAll(t *testing.T, s *Source) ([]string, error) {
	var ids []string
	for {
		rec, err := s.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return ids, err
		}
		if rec.Row != len(ids)+1 {
			t.Fatalf("record %d numbered %d", len(ids)+1, rec.Row)
		}
		ids = append(ids, rec.Values[0])
	}
}

// A run killed at page 4 resumes from page 4: pages 1-3 are replayed
// from state, not read again, and every record comes exactly once.
func TestResumeFromCursor(t *testing.T) {
	st, err := state.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, _, _ := st.BeginRun(context.Background(), state.RunSpec{Job: "m", Fingerprint: "f", ConfigHash: "c"})
	p := &pages{n: 95, failAt: 30}
	got, err := readAll(t, New("tiledesk", p, st, run.ID))
	if err == nil || len(got) != 30 {
		t.Fatalf("first read: %d records, %v", len(got), err)
	}
	p.failAt, p.calls = 0, 0
	s := New("tiledesk", p, st, run.ID)
	got, err = readAll(t, s)
	if err != nil || len(got) != 95 || s.Replayed != 30 || p.calls != 7 {
		t.Fatalf("resume: %d records, replayed %d, %d page calls, %v", len(got), s.Replayed, p.calls, err)
	}
	for i, id := range got {
		if id != strconv.Itoa(i) {
			t.Fatalf("record %d is %s", i, id)
		}
	}
	// Fully read: a third pass reads no page at all.
	p.calls = 0
	if got, _ := readAll(t, New("tiledesk", p, st, run.ID)); len(got) != 95 || p.calls != 0 {
		t.Fatalf("after the end: %d records, %d calls", len(got), p.calls)
	}
}
