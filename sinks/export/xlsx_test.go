package export

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/mapping"
	"github.com/xuri/excelize/v2"
)

var xlsxFields = []string{"fname", "phone", "postcode", "note"}

var xlsxRecords = [][]string{
	{"Anna", "+358401234567", "00100", "=cmd()"},
	{"Jyväskylän Äänekoski 東京 😀", "-1", "0123", "@SUM(A1)"},
	{"", "+1 (555) 0100", "1e5", "<b>&amp; \"q\""},
	{" lead space ", "TRUE", "12.50", "line\nbreak"},
	{"=HYPERLINK(\"http://x\")", "0040", "-2+3", "+A1"},
}

func writeXLSX(t *testing.T, path, format string) *Sink {
	t.Helper()
	s, err := New(path, format, xlsxFields)
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range xlsxRecords {
		id, err := s.Write(context.Background(), mapping.Lead{Values: rec})
		if err != nil {
			t.Fatal(err)
		}
		if id != strconv.Itoa(i+1) {
			t.Fatalf("id %q for record %d", id, i+1)
		}
	}
	return s
}

func TestXLSX(t *testing.T) {
	for _, tc := range []struct{ file, format string }{
		{"out.xlsx", ""},         // from the extension
		{"out.XLSX", ""},         // any case
		{"leads.export", "xlsx"}, // named
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sub", tc.file)
			s := writeXLSX(t, path, tc.format)
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatal("output visible before Commit")
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
			if len(entries) != 1 || entries[0].Name() != tc.file {
				t.Fatalf("left files: %v", entries)
			}
			checkXLSX(t, path, xlsxRecords)
		})
	}
}

// checkXLSX reads path back and checks the header, every value as typed,
// the cell types and formats, and that no cell holds a formula.
func checkXLSX(t *testing.T, path string, records [][]string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !cmp.Equal(got, []string{"leads"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows("leads")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{xlsxFields}
	for _, r := range records {
		// GetRows leaves out trailing empty cells.
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		want = append(want, r)
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
	for r, row := range want {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, err := f.GetCellFormula("leads", cell); err != nil || formula != "" {
				t.Errorf("%s %q: formula %q (%v)", cell, v, formula, err)
			}
			typ, err := f.GetCellType("leads", cell)
			if err != nil {
				t.Fatal(err)
			}
			if v != "" && typ != excelize.CellTypeInlineString {
				t.Errorf("%s %q: type %v, want an inline string", cell, v, typ)
			}
			styleID, _ := f.GetCellStyle("leads", cell)
			style, err := f.GetStyle(styleID)
			if err != nil {
				t.Fatal(err)
			}
			if style.NumFmt != xlsxTextFormat {
				t.Errorf("%s: number format %d, want Text (49)", cell, style.NumFmt)
			}
			if bold := style.Font != nil && style.Font.Bold; bold != (r == 0) {
				t.Errorf("%s: bold %v", cell, bold)
			}
		}
	}
	for c, name := range xlsxFields {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if w, _ := f.GetColWidth("leads", col); w != colWidth(name) {
			t.Errorf("column %s width %v, want %v", col, w, colWidth(name))
		}
	}

	// The sheet's XML itself: no <f> element anywhere, <col> in order.
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	rc, err := z.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if strings.Contains(string(b), "<f>") || strings.Contains(string(b), "<f ") {
		t.Error("the sheet holds a formula")
	}
	var mins []int
	for _, m := range regexp.MustCompile(`<col min="(\d+)"`).FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[1])
		mins = append(mins, n)
	}
	if !cmp.Equal(mins, []int{1, 2, 3, 4}) {
		t.Errorf("<col> elements %v, want 1 to 4 in order", mins)
	}
}

func TestXLSXAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.xlsx")
	s := writeXLSX(t, path, "")
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Abort left files: %v", entries)
	}

	// Abort keeps an earlier good file.
	s = writeXLSX(t, path, "")
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s, err := New(path, "", xlsxFields)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(context.Background(), mapping.Lead{Values: []string{"new", "", "", ""}})
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left files: %v", entries)
	}
	checkXLSX(t, path, xlsxRecords)
}

// A value longer than a cell holds is refused, not cut, and leaves no gap.
func TestXLSXTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.xlsx")
	s, err := New(path, "", xlsxFields)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Write(ctx, mapping.Lead{Values: []string{"a", strings.Repeat("é", excelize.TotalCellChars+1), "", ""}}); err == nil {
		t.Fatal("a 32768-character value accepted")
	}
	max := strings.Repeat("😀", excelize.TotalCellChars/2) // two UTF-16 units each
	if id, err := s.Write(ctx, mapping.Lead{Values: []string{"b", max, "", ""}}); err != nil || id != "1" {
		t.Fatalf("id %q, %v", id, err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	checkXLSX(t, path, [][]string{{"b", max, "", ""}})
}

// BenchmarkXLSXExport writes 100,000 rows x 20 columns per iteration and
// reports rows/s and the process's peak RSS (getrusage ru_maxrss: a
// high-water mark of the whole test process, so run it alone:
// go test -run '^$' -bench XLSXExport -benchtime 1x ./sinks/export/).
func BenchmarkXLSXExport(b *testing.B) {
	const rows, cols = 100_000, 20
	fields := make([]string, cols)
	for i := range fields {
		fields[i] = "field_" + strconv.Itoa(i+1)
	}
	// Lead-like values, each made unique per row by a suffix.
	bases := []string{"Anna", "Virtanen", "+35840", "anna.virtanen", "00100", "Mannerheimintie ",
		"Helsinki", "FI", "=cmd()", "Oy Esimerkki Ab ", "2024-01-", "lead note about the customer ",
		"web", "campaign-", "0", "Jyväskylä ", "sales", "+1555", "https://example.com/", "x"}
	values := make([]string, cols)
	dir := b.TempDir()
	var size int64
	start := time.Now()
	for b.Loop() {
		path := filepath.Join(dir, "bench.xlsx")
		s, err := New(path, "", fields)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			n := strconv.Itoa(i)
			for j := range values {
				values[j] = bases[j] + n
			}
			if _, err := s.Write(context.Background(), mapping.Lead{Values: values}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Commit(); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		size = st.Size()
	}
	elapsed := time.Since(start)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // ru_maxrss is in KiB on Linux
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}
