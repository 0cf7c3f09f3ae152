package csvfile

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	benchRows    = 100_000
	benchColumns = 20
)

// writeBenchFile writes a benchRows x benchColumns lead file (about 17 MB)
// with a little non-ASCII text and some quoted fields, as exports have.
func writeBenchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	cw := csv.NewWriter(w)
	rec := make([]string, benchColumns)
	for c := range rec {
		rec[c] = fmt.Sprintf("Column %d", c+1)
	}
	if err := cw.Write(rec); err != nil {
		b.Fatal(err)
	}
	names := []string{"Mäkinen", "Virtanen", "Nieminen", "Hämäläinen", "Koskinen"}
	for i := range benchRows {
		rec[0] = fmt.Sprint(i)
		rec[1] = names[i%len(names)]
		rec[2] = "Aino"
		rec[3] = fmt.Sprintf("+35840%07d", i)
		rec[4] = fmt.Sprintf("lead%d@example.com", i)
		rec[5] = "Mannerheimintie 1, A 5" // quoted: holds the delimiter
		rec[6] = "00100"
		rec[7] = "Helsinki"
		rec[8] = "2024-01-15"
		for c := 9; c < benchColumns; c++ {
			rec[c] = fmt.Sprintf("v%d", c*i%997)
		}
		if err := cw.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVRead opens the file (detection included) and reads every
// record, each with a fresh caller-owned Values slice.
func BenchmarkCSVRead(b *testing.B) {
	path := writeBenchFile(b)
	ctx := context.Background()
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := s.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(rec.Values) != benchColumns {
				b.Fatalf("row %d: %d values", rec.Row, len(rec.Values))
			}
			rows++
		}
		s.Close()
	}
	if rows != b.N*benchRows {
		b.Fatalf("read %d rows, want %d", rows, b.N*benchRows)
	}
	reportRows(b, rows)
}

// BenchmarkBareEncodingCSV is the floor: encoding/csv with ReuseRecord on
// the same file, keeping nothing.
func BenchmarkBareEncodingCSV(b *testing.B) {
	path := writeBenchFile(b)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil { // header
			b.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(rec) != benchColumns || strings.HasPrefix(rec[0], "x") {
				b.Fatal("bad record")
			}
			rows++
		}
		f.Close()
	}
	reportRows(b, rows)
}
