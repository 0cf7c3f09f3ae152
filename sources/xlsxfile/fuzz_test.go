package xlsxfile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sources"
)

// fuzzWorkbook is a workbook around sheet, with a shared-strings table
// (plain, rich, padded and empty strings: indexes 0 to 4) and styles whose
// cellXfs 1 to 7 are a date, a date with a time, a zero-padded code, a
// currency, a duration, a percentage and text, so that a sheet's s="N"
// and t="s" cells reach the number formats and the table.
func fuzzWorkbook(sheet string) []byte {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `styles" Target="styles.xml"/><Relationship Id="rId3" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + ` count="5" uniqueCount="5"><si><t>name</t></si><si><t>email</t></si><si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></si><si><t xml:space="preserve">  padded  </t></si><si><t/></si></sst>`},
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + ns + `><numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="00000"/><numFmt numFmtId="166" formatCode="#,##0.00\ &quot;€&quot;"/><numFmt numFmtId="167" formatCode="[h]:mm:ss"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="166" applyNumberFormat="1"/><xf numFmtId="167" applyNumberFormat="1"/><xf numFmtId="10" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/></cellXfs></styleSheet>`},
		{"xl/worksheets/sheet1.xml", sheet},
	} {
		w, _ := zw.Create(p[0])
		w.Write([]byte(p[1]))
	}
	zw.Close()
	return buf.Bytes()
}

const fuzzSheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>email</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Aino</t></is></c><c r="B2"><v>358401234567</v></c></row></sheetData></worksheet>`

// FuzzXLSXSheet fuzzes the sheet XML inside a valid archive; FuzzXLSXFile
// the archive bytes. Neither may panic or hang, and records align with the
// header.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(fuzzSheet)
	f.Add(fuzzSheet[:300])
	f.Add(`<!DOCTYPE x [<!ENTITY e "a">]>` + fuzzSheet)
	f.Add(`<worksheet><sheetData><row r="3"><c t="s"><v>9</v></c></row></sheetData></worksheet>`)
	// Classes the fuzzer is slow to reach alone: shared strings (in and
	// out of the table), every style, numbers at the edges, booleans,
	// errors, formulas, rich inline text, entities, prefixed names, the
	// last row and column and one past them, cells without refs, gaps.
	row := func(r, cells string) string { return `<row r="` + r + `">` + cells + `</row>` }
	sheet := func(rows ...string) string {
		return `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + strings.Join(rows, "") + `</sheetData></worksheet>`
	}
	header := row("1", `<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>c</t></is></c>`)
	for _, cells := range []string{
		`<c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" t="s"><v>4</v></c>`,
		`<c r="A2" t="s"><v>5</v></c>`,
		`<c r="A2" t="s"><v>-1</v></c><c r="B2" t="s"><v> 1 </v></c>`,
		`<c r="A2" s="1"><v>45000</v></c><c r="B2" s="2"><v>45000.75</v></c><c r="C2" s="3"><v>123</v></c>`,
		`<c r="A2" s="4"><v>1234.5</v></c><c r="B2" s="5"><v>1.5</v></c><c r="C2" s="6"><v>0.125</v></c>`,
		`<c r="A2" s="7"><v>358401234567</v></c><c r="B2" s="1"><v>-1</v></c><c r="C2" s="1"><v>3000000</v></c>`,
		`<c r="A2"><v>1E+308</v></c><c r="B2"><v>-0</v></c><c r="C2"><v>4.9E-324</v></c>`,
		`<c r="A2" s="2"><v>1E+400</v></c><c r="B2" s="9"><v>1</v></c><c r="C2"><v>abc</v></c>`,
		`<c r="A2" t="b"><v>1</v></c><c r="B2" t="e"><v>#N/A</v></c><c r="C2" t="str"><f>A1&amp;B1</f><v>x</v></c>`,
		`<c r="A2" t="inlineStr"><is><r><t>a</t></r><r><t xml:space="preserve"> b </t></r></is></c><c r="B2" t="inlineStr"><is><t>&amp;&lt;&#x1F600;&#9;</t></is></c>`,
		`<c r="A2" t="inlineStr"><is><t><![CDATA[<x>]]></t></is></c><c r="B2" t="inlineStr"><is><t>&#0;</t></is></c>`,
		`<c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c><c r="C2" t="inlineStr"><is><t>z</t></is></c>`,
		`<c r="XFD2" t="inlineStr"><is><t>far</t></is></c>`,
		`<c r="XFE2" t="inlineStr"><is><t>past</t></is></c>`,
	} {
		f.Add(sheet(header, row("2", cells)))
	}
	f.Add(sheet(header, row("1048576", `<c r="A1048576" t="inlineStr"><is><t>last</t></is></c>`)))
	f.Add(sheet(header, row("1048577", `<c r="A1048577" t="inlineStr"><is><t>past</t></is></c>`)))
	f.Add(sheet(header, `<row><c t="inlineStr"><is><t>x</t></is></c></row><row r="9" spans="1:3" hidden="1"><c r="A9" t="inlineStr"><is><t>y</t></is></c></row><row r="10"/>`))
	f.Add(sheet(`<row r="4"><c r="A4" t="inlineStr"><is><t> </t></is></c></row>`, row("5", `<c r="A5" t="inlineStr"><is><t>h</t></is></c>`)))
	f.Add(`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>name</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`)
	f.Add(sheet(header, row("2", `<c r="A2" t="inlineStr"><is><t>`+strings.Repeat("x", 40000)+`</t></is></c>`)))
	f.Fuzz(func(t *testing.T, sheet string) {
		readXLSX(t, fuzzWorkbook(sheet))
	})
}

func FuzzXLSXFile(f *testing.F) {
	f.Add(fuzzWorkbook(fuzzSheet))
	f.Add([]byte("name,email\n"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readXLSX(t, data)
	})
}

func readXLSX(t *testing.T, data []byte) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{TmpDir: filepath.Join(dir, "tmp"), Limits: sources.Limits{MaxUnzipBytes: 8 << 20, MaxSheetBytes: 4 << 20, MaxPartBytes: 1 << 20, MaxSharedStrings: 10000}})
	if err != nil {
		if s != nil {
			t.Fatal("a Source with an error")
		}
		return
	}
	defer s.Close()
	header := s.Header()
	seen := map[string]bool{}
	for _, name := range header {
		if name == "" || name != strings.TrimSpace(name) || seen[name] {
			t.Fatalf("header name %q in %q", name, header)
		}
		seen[name] = true
	}
	n := len(header)
	last := 0
	for i := 0; i < 1<<16; i++ {
		rec, err := s.Next(context.Background())
		if err == io.EOF {
			return
		}
		var re *sources.RowError
		row := rec.Row
		switch {
		case errors.As(err, &re):
			row = re.Row
		case err != nil:
			return
		case len(rec.Values) != n:
			t.Fatalf("row %d: %d values, header %d", rec.Row, len(rec.Values), n)
		}
		// Rows are sheet rows: after the header's, in order, within Excel's.
		if row <= last || row > maxSheetRows {
			t.Fatalf("row %d after row %d (%v)", row, last, err)
		}
		last = row
		for _, v := range rec.Values {
			if !utf8.ValidString(v) {
				t.Fatalf("row %d: value %q is not UTF-8", row, v)
			}
		}
	}
}
