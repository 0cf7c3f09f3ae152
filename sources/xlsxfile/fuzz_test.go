package xlsxfile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/sources"
)

func fuzzWorkbook(sheet string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
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
	n := len(s.Header())
	for i := 0; i < 1<<16; i++ {
		rec, err := s.Next(context.Background())
		if err == io.EOF {
			return
		}
		var re *sources.RowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return
		}
		if len(rec.Values) != n {
			t.Fatalf("row %d: %d values, header %d", rec.Row, len(rec.Values), n)
		}
	}
}
