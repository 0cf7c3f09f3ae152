package xlsxfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sources"
)

// readBound reads xml through a boundReader, in chunks of size step.
func readBound(xml string, max int64, unit string, step int) error {
	br := newBoundReader(strings.NewReader(xml), max, unit)
	buf := make([]byte, step)
	var out bytes.Buffer
	for {
		n, err := br.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			if out.String() != xml {
				return errors.New("output differs from input")
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestBoundReader(t *testing.T) {
	row := func(cells string) string {
		return `<worksheet><sheetData><row r="7">` + cells + `</row></sheetData></worksheet>`
	}
	ten := strings.Repeat("x", 10)
	for _, c := range []struct {
		name, xml, unit, want string // want: "" passes, else a part of the error
	}{
		{"cell at the bound", row(`<c r="B7" t="inlineStr"><is><t>` + ten + `</t></is></c>`), "c", ""},
		{"cell over the bound", row(`<c r="B7" t="inlineStr"><is><t>` + ten + `x</t></is></c>`), "c", "cell B7 (row 7, column B)"},
		{"number cell over", row(`<c r="C7"><v>` + strings.Repeat("9", 11) + `</v></c>`), "c", "cell C7"},
		{"runs add up", row(`<c r="A7" t="inlineStr"><is><r><t>xxxxxx</t></r><r><t>xxxxxx</t></r></is></c>`), "c", "cell A7"},
		{"CDATA and text add up", row(`<c r="A7" t="inlineStr"><is><t>xxxxxx<![CDATA[<x>x]]></t></is></c>`), "c", "cell A7"},
		{"comments split nothing", row(`<c r="A7"><v>xxxxxx<!--a-->xxxxxx</v></c>`), "c", "cell A7"},
		{"entities count decoded", row(`<c r="A7" t="inlineStr"><is><t>&amp;&lt;&#x20AC;&#8364;xx</t></is></c>`), "c", ""},
		{"entities over", row(`<c r="A7" t="inlineStr"><is><t>&#x20AC;&#x20AC;&#x20AC;&#x20AC;</t></is></c>`), "c", "cell A7"},
		{"each cell its own", row(`<c r="A7"><v>` + ten + `</v></c><c r="B7"><v>` + ten + `</v></c>`), "c", ""},
		{"cell without r", row(`<c><v>1</v></c><c t="inlineStr"><is><t>` + ten + ten + `</t></is></c>`), "c", "cell B7 (row 7, column B)"},
		{"self-closing cells", row(`<c r="A7"/><c r="B7" s="1"/><c r="C7"><v>` + ten + `</v></c>`), "c", ""},
		{"long tag", row(`<c r="A7" x="` + strings.Repeat("x", minMarkup) + `"><v>1</v></c>`), "c", "one tag"},
		{"quoted > in a tag", row(`<c r="A7" x=">>"><v>` + ten + `x</v></c>`), "c", "cell A7"},
		{"text outside cells", `<worksheet>` + ten + ten + `</worksheet>`, "c", "a run of text outside any cell after row 0"},
		{"long comment", `<worksheet><!--` + strings.Repeat("-", minMarkup) + `--></worksheet>`, "c", "one tag, comment or declaration"},
		{"shared string over", `<sst><si><t>a</t></si><si><t>` + ten + `x</t></si></sst>`, "si", "shared string 1 (entry 2 of the table)"},
		{"shared strings at the bound", `<sst><si><t>` + ten + `</t></si><si><r><t>xxxxx</t></r><r><t>xxxxx</t></r></si></sst>`, "si", ""},
		{"prefixed names", `<x:sst><x:si><x:t>` + ten + `x</x:t></x:si></x:sst>`, "si", "shared string 0"},
	} {
		for _, step := range []int{1, 3, 4096} {
			err := readBound(c.xml, 10, c.unit, step)
			var tl *errValueTooLong
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s (step %d): %v", c.name, step, err)
			case c.want != "" && !errors.As(err, &tl):
				t.Errorf("%s (step %d): %v, want a refusal", c.name, step, err)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("%s (step %d): %q lacks %q", c.name, step, err, c.want)
			}
		}
	}
}

// bigCellWorkbook writes a workbook whose cell B2 holds n bytes (an inline
// string or, with shared, the only shared string), streaming, so the test
// never holds the value.
func bigCellWorkbook(t *testing.T, n int, shared bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	cell := `<c r="B2" t="inlineStr"><is><t>`
	if shared {
		cell = `<c r="B2" t="s"><v>0</v></c>`
	}
	sheet := strings.Replace(fuzzSheet, `<c r="B2"><v>358401234567</v></c>`, cell+"\x00", 1)
	head, tail, _ := strings.Cut(sheet, "\x00")
	if !shared {
		tail = `</t></is></c>` + tail
	}
	wb := fuzzWorkbook("")
	zr, _ := zip.NewReader(bytes.NewReader(wb), int64(len(wb)))
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" || shared && zf.Name == "xl/sharedStrings.xml" {
			continue
		}
		w, _ := zw.Create(zf.Name)
		rc, _ := zf.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, head)
	if !shared {
		writeRepeat(w, n)
	}
	io.WriteString(w, tail)
	if shared {
		w, _ = zw.Create("xl/sharedStrings.xml")
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>`)
		writeRepeat(w, n)
		io.WriteString(w, `</t></si></sst>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeRepeat(w io.Writer, n int) {
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
}

// An oversized cell or shared string is refused before it is held: the
// open allocates a fraction of the value's size.
func TestOversizedValueRefusedUnread(t *testing.T) {
	for _, c := range []struct {
		name   string
		shared bool
		want   string
	}{
		{"inline string", false, `sheet "Leads": cell B2 (row 2, column B) holds more than 1.0 MiB (source.limits.max_field)`},
		{"shared string", true, `the shared-strings table: shared string 0 (entry 1 of the table) holds more than 1.0 MiB (source.limits.max_field)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := bigCellWorkbook(t, 64<<20, c.shared)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s, err := Open(p, Options{TmpDir: t.TempDir()})
			runtime.ReadMemStats(&after)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, sources.ErrLimit) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v\nwant ErrLimit and %q", err, c.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
				t.Errorf("open allocated %d MiB for a 64 MiB value", got>>20)
			}
		})
	}
}

// A value at the bound is read whole; max_field raises the bound.
func TestValueAtBoundRead(t *testing.T) {
	for _, shared := range []bool{false, true} {
		p := bigCellWorkbook(t, 2<<20, shared)
		if _, err := Open(p, Options{TmpDir: t.TempDir()}); !errors.Is(err, sources.ErrLimit) {
			t.Fatalf("shared %v: 2 MiB under the default bound: %v", shared, err)
		}
		s, err := Open(p, Options{TmpDir: t.TempDir(), Limits: sources.Limits{MaxFieldBytes: 2 << 20}})
		if err != nil {
			t.Fatalf("shared %v: %v", shared, err)
		}
		out := readAll(t, s)
		s.Close()
		if len(out) != 1 || len(out[0].Values) != 2 || len(out[0].Values[1]) != 2<<20 {
			t.Fatalf("shared %v: read %d rows", shared, len(out))
		}
	}
}

// A row and the sheet count shared strings at their length, however the
// index is written.
func TestSheetBoundRows(t *testing.T) {
	lim := sources.Limits{MaxFieldBytes: 10, MaxRecordBytes: 25, MaxSheetBytes: 60}
	lens := []int32{10, 3}
	s := func(i string) string { return `<c t="s"><v>` + i + `</v></c>` }
	row := func(n int, cells string) string { return `<row r="` + strings.Repeat("9", n) + `">` + cells + `</row>` }
	sheet := func(rows ...string) string {
		return `<worksheet><sheetData>` + strings.Join(rows, "") + `</sheetData></worksheet>`
	}
	for _, c := range []struct{ name, xml, want string }{
		{"row at the bound", sheet(row(1, s("0")+s("0")+s("1")+`<c><v>12</v></c>`)), ""},
		{"row over", sheet(row(1, s("0")+s("0")+s("1")+`<c><v>123</v></c>`)), "row 9 (its cells added up, each shared string at its length) holds more than 25 bytes (source.limits.max_record)"},
		{"index as references", sheet(row(2, s("0")+s("&#48;")+s(" &#x30; "))), "row 99"},
		{"rows add up", sheet(row(1, s("0")+s("0")), row(2, s("0")+s("0")), row(3, s("0")+s("0"))), ""},
		{"sheet over", sheet(row(1, s("0")+s("0")), row(2, s("0")+s("0")), row(3, s("0")+s("0")), row(4, s("1"))), "the sheet (its cells added up to row 9999, each shared string at its length) holds more than 60 bytes (source.limits.max_sheet)"},
		{"index out of range counts as written", sheet(row(1, s("7")+s("7"))), ""},
	} {
		br := sheetBoundReader(strings.NewReader(c.xml), lim, lens)
		_, err := io.Copy(io.Discard, br)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
