package pipeline

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/leadsync/leadsync/sources"
)

// bigSource yields n records whose value is long (one string, shared).
type bigSource struct {
	n, i int
	v    string
}

func (s *bigSource) Header() []string { return []string{"notes"} }
func (s *bigSource) Close() error     { return nil }
func (s *bigSource) Next(context.Context) (sources.Record, error) {
	if s.i == s.n {
		return sources.Record{}, io.EOF
	}
	s.i++
	return sources.Record{Row: s.i + 1, Values: []string{s.v}}, nil
}

// A batch closes once its values reach batchBytes, so long rows (a 1 MiB
// shared string repeated in every row of a small workbook) are not held by
// the thousand.
func TestBatchesBoundedByBytes(t *testing.T) {
	const n, size = 100, 256 << 10
	src := &bigSource{n: n, v: strings.Repeat("x", size)}
	work := make(chan *batch, n)
	var stopped atomic.Bool
	cfg := SyncConfig{Source: src, Progress: &Progress{}}
	if err := readBatches(context.Background(), context.Background(), cfg, skipping{}, work, &stopped); err != nil {
		t.Fatal(err)
	}
	close(work)
	total := 0
	for b := range work {
		if b.size > batchBytes+size {
			t.Errorf("batch %d holds %d bytes in %d records", b.seq, b.size, len(b.recs))
		}
		total += len(b.recs)
	}
	if total != n {
		t.Errorf("%d records, want %d", total, n)
	}
}
