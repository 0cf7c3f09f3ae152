package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sources"
)

// stripedSource yields n rows; those of every other batch are rows it could
// not read, so a recycled batch that kept a row's error, lead or raw values
// would hand them on with a row of the next batch at the same position.
type stripedSource struct{ n, i int }

func (s *stripedSource) Header() []string { return []string{"Name", "Phone"} }
func (s *stripedSource) Close() error     { return nil }
func (s *stripedSource) Next(context.Context) (sources.Record, error) {
	if s.i == s.n {
		return sources.Record{}, io.EOF
	}
	s.i++
	row := s.i + 1
	if (s.i-1)/batchSize%2 == 0 {
		return sources.Record{}, &sources.RowError{File: "mem.csv", Row: row, Raw: []string{"bad", fmt.Sprint(row)}, Err: errors.New("unreadable")}
	}
	return sources.Record{Row: row, Values: []string{fmt.Sprintf("Anna %d", row), fmt.Sprintf("040 %07d", 1000000+row)}}, nil
}

// Batches are recycled once their rows are handed on: every row comes out
// as it went in, whatever the batch that held its position before.
func TestRecycledBatchesStartEmpty(t *testing.T) {
	doc, err := config.Parse("job.yaml", []byte("list: {value: L}\nfname: Name\nphone: Phone\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := leaddesk.Schema().Object("contact")
	src := &stripedSource{}
	m, err := mapping.Compile(doc, doc.Root, obj, mapping.Options{Header: src.Header(), SourceFile: "mem.csv", Region: "FI", Keys: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	for run := range 3 {
		src.n, src.i = 12*batchSize+7, 0
		pos := 0
		_, err = readRows(context.Background(), SyncConfig{Source: src, Mapping: m, Progress: &Progress{}}, false, skipping{}, func(r mapped) error {
			pos++
			row := pos + 1
			if r.pos != pos {
				return fmt.Errorf("run %d: position %d, want %d", run, r.pos, pos)
			}
			if (pos-1)/batchSize%2 == 0 {
				if r.err == nil || r.err.Row != row || r.lead.Values != nil || r.lead.Keys != nil || len(r.raw) != 2 || r.raw[1] != fmt.Sprint(row) {
					return fmt.Errorf("run %d: row %d: err %v, lead %+v, raw %q", run, row, r.err, r.lead, r.raw)
				}
				return nil
			}
			name := fmt.Sprintf("Anna %d", row)
			if r.err != nil || r.lead.Row != row || len(r.lead.Keys) != 1 || len(r.raw) != 2 || r.raw[0] != name || r.lead.Values[1] != name {
				return fmt.Errorf("run %d: row %d: err %v, lead %+v, raw %q", run, row, r.err, r.lead, r.raw)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if pos != src.n {
			t.Fatalf("run %d: %d rows of %d", run, pos, src.n)
		}
	}
}
