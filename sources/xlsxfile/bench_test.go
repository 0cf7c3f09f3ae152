package xlsxfile

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const (
	benchRows    = 10_000
	benchColumns = 20
)

// writeBenchFile writes a benchRows x benchColumns workbook with excelize's
// StreamWriter: text, phones as numbers, dates, integers.
func writeBenchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, benchColumns)
	for c := range row {
		row[c] = fmt.Sprintf("Column %d", c+1)
	}
	if err := sw.SetRow("A1", row); err != nil {
		b.Fatal(err)
	}
	signed := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	for i := range benchRows {
		row[0] = i
		row[1] = "Mäkinen"
		row[2] = "Aino"
		row[3] = 358400000000 + i
		row[4] = fmt.Sprintf("lead%d@example.com", i)
		row[5] = "00100"
		row[6] = excelize.Cell{StyleID: date, Value: signed}
		for c := 7; c < benchColumns; c++ {
			row[c] = fmt.Sprintf("v%d", c*i%997)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkXLSXRead(b *testing.B) {
	path := writeBenchFile(b)
	tmp := b.TempDir()
	ctx := context.Background()
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		s, err := Open(path, Options{TmpDir: tmp})
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
			if rec.Values[6] != "2024-01-15" {
				b.Fatalf("row %d: date %q", rec.Row, rec.Values[6])
			}
			rows++
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if rows != b.N*benchRows {
		b.Fatalf("read %d rows, want %d", rows, b.N*benchRows)
	}
	reportRows(b, rows)
}

// BenchmarkBareExcelizeRows is the floor: excelize's own iterator on the
// same file, keeping nothing.
func BenchmarkBareExcelizeRows(b *testing.B) {
	path := writeBenchFile(b)
	tmp := b.TempDir()
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		f, err := excelize.OpenFile(path, excelize.Options{TmpDir: tmp})
		if err != nil {
			b.Fatal(err)
		}
		it, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
			cols, err := it.Columns()
			if err != nil {
				b.Fatal(err)
			}
			if len(cols) != benchColumns {
				b.Fatalf("%d columns", len(cols))
			}
			rows++
		}
		it.Close()
		f.Close()
	}
	rows -= b.N // the header
	reportRows(b, rows)
}
