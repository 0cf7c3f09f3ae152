package xlsxfile

import (
	"archive/zip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/leadsync/leadsync/sources"
)

// scanSeeds are sheets the fast scan must vouch for or leave to the
// decoder; FuzzSheetScan checks it never vouches for one the decoder
// refuses.
var scanSeeds = []string{
	fuzzSheet,
	fuzzSheet[:300],
	`<!DOCTYPE x [<!ENTITY e "a">]>` + fuzzSheet,
	`<worksheet><sheetData><row r="3"><c t="s"><v>9</v></c></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="3"><c t="s"><v>1</v></c></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="2"><c r="A2"><v>1</v></row></c></sheetData></worksheet>`,
	`<x:worksheet xmlns:x="u"><x:sheetData><x:row r="2"/><x:row r="1"/></x:sheetData></x:worksheet>`,
	`<worksheet><sheetData><row r="1"><c><v>a &amp; b &#1; ]]&gt;</v></c></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="1"><c><v>a ]]> b</v></c></row></sheetData></worksheet>`,
	`<worksheet a='x>y'><sheetData/></worksheet>`,
	"<worksheet><sheetData><row r=\"1\"><c><v>\x01</v></c></row></sheetData></worksheet>",
	"<worksheet><sheetData><row r=\"1\"><c><v>\xff</v></c></row></sheetData></worksheet>",
	`<?xml version="1.1"?><worksheet/>`,
	`<?xml version="1.0" encoding="latin1"?><worksheet/>`,
	`<worksheet><sheetData><row r="1" t="s"><c t="s" r="A1"><v> 0 </v></c></row></sheetData><!-- x --></worksheet>`,
	`<worksheet><sheetData><row r="2"><c r="B2"/><c r="A2"/></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="2"><c r="B2"></c><c r="B2"></c></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="3"><c r="A7"><v>1</v></c></row></sheetData></worksheet>`,
	`<worksheet><sheetData><row r="3"><c/><c r="C3"/><c/><c r="zz"/></row><c r="A9"/></sheetData></worksheet>`,
}

// checkBoth runs the fast scan and the decoder on one sheet.
func checkBoth(sheet string, nStrings int) (fast sheetCheck, ok bool, slow sheetCheck, err error) {
	fast, ok = scanSheet(strings.NewReader(sheet), nStrings)
	slow, err = decodeSheet("in.xlsx", "Leads", strings.NewReader(sheet), nStrings)
	return
}

func FuzzSheetScan(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sheet string) {
		fast, ok, slow, err := checkBoth(sheet, 2)
		if ok && err != nil {
			t.Fatalf("the fast scan vouched for a sheet the decoder refuses: %v", err)
		}
		if ok && fast != slow {
			t.Fatalf("fast scan %+v, decoder %+v", fast, slow)
		}
	})
}

// TestSheetScanSeeds runs the seeds without -fuzz, and checks that the
// fast scan vouches for the regular ones (else it would cost a second
// decoding on every workbook).
func TestSheetScanSeeds(t *testing.T) {
	regular := map[int]bool{0: true, 4: true, 6: false}
	for i, s := range scanSeeds {
		fast, ok, slow, err := checkBoth(s, 2)
		if ok && (err != nil || fast != slow) {
			t.Errorf("seed %d: fast %+v ok, decoder %+v %v", i, fast, slow, err)
		}
		if want, known := regular[i]; known && ok != want {
			t.Errorf("seed %d: fast scan ok = %v, want %v", i, ok, want)
		}
	}
}

// TestSheetScanExcelizeSheet: the fast scan vouches for a sheet excelize's
// StreamWriter writes, shared strings, numbers and all, across many
// window refills.
func TestSheetScanExcelizeSheet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20000; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, []any{fmt.Sprintf("name %d & <co>", i), 358401000000 + i, "Ä ö 😀"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	zf, nStrings := sheetOf(t, path)
	rc, err := zf.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	res, ok := scanSheet(rc, nStrings)
	if !ok || res.lastRow != 20000 {
		t.Fatalf("fast scan: %+v, ok %v; want row 20000, ok", res, ok)
	}
}

// TestMismatchedEndTag: excelize's decoder stops silently at an end tag
// that closes another element, so such a sheet is damaged, named with its
// last good row.
func TestMismatchedEndTag(t *testing.T) {
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>`)
	for i := 2; i <= 10; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i, i, i)
	}
	rows.WriteString(`<row r="11"><c r="A11"><v>11</v></row></c>`)
	for i := 12; i <= 20; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i, i, i)
	}
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows.String() + `</sheetData></worksheet>`
	path := filepath.Join(t.TempDir(), "in.xlsx")
	if err := os.WriteFile(path, fuzzWorkbook(sheet), 0o644); err != nil {
		t.Fatal(err)
	}
	bare, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := bare.GetRows("Leads")
	bare.Close()
	if len(got) >= 20 {
		t.Fatalf("bare excelize read %d rows: the case no longer shows the loss", len(got))
	}
	s, err := Open(path, Options{TmpDir: filepath.Join(t.TempDir(), "tmp")})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), `sheet "Leads" is damaged after row 10`) {
		t.Fatalf("got %v", err)
	}
}

// sheetOf returns the first sheet's part of the workbook at path and its
// shared-strings count.
func sheetOf(t *testing.T, path string) (*zip.File, int) {
	t.Helper()
	wb, err := precheck(path, sources.Limits{}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	zf := find(&zr.Reader, "xl/worksheets/sheet1.xml")
	if zf == nil {
		t.Fatal("no sheet1.xml")
	}
	return zf, len(wb.lens)
}
