package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The hostile-input corpus: every input is generated here (nothing large is
// committed; big inputs are sparse files, or zip entries that declare a
// huge size), run through the real binary under an address-space cap, and
// checked for its exit code, its message, the absence of any Go crash, the
// rows written and rejected, and peak memory.

// hostile is one corpus case.
type hostile struct {
	name string
	cmd  string // run (default), validate, inspect, diff, reconcile
	// setup writes the input into dir and returns the job file's path.
	setup    func(t *testing.T, dir string) string
	exit     int
	want     []string // substrings of stdout+stderr ("{dir}" is replaced)
	written  int      // run only; -1: not checked
	rejected int
}

// peakLimit is the memory bound every case must stay within.
const peakLimit = 256 << 20

const csvMapping = `mapping:
  name: name
  email: email
`

// job writes a job with an export sink reading src (relative to dir).
func hjob(dir, source string) string {
	p := filepath.Join(dir, "job.yaml")
	body := "source:\n" + source + "sink: {vendor: export, path: out.csv}\n" + csvMapping
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		panic(err)
	}
	return p
}

func write(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// csvCase is a job reading in.csv with the given content.
func csvCase(content string, extra ...string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", []byte(content))
		return hjob(dir, "  path: in.csv\n"+strings.Join(extra, ""))
	}
}

// people returns a header and n good rows.
func hpeople(n int) string {
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range n {
		fmt.Fprintf(&b, "Aino Mäkinen %d,aino%d@example.com\n", i, i)
	}
	return b.String()
}

// withLine replaces line k (1-based) of text.
func withLine(text string, k int, line string) string {
	lines := strings.SplitAfter(text, "\n")
	lines[k-1] = line + "\n"
	return strings.Join(lines, "")
}

// xlsxPart is one zip entry of a generated workbook.
type xlsxPart struct {
	name string
	body []byte
	// declared, when set, is written as the entry's uncompressed size
	// instead of len(body) (a zip bomb's directory, cheaply).
	declared uint64
	// corrupt zeroes 64 bytes in the middle of the compressed data.
	corrupt bool
	// gen, when set, writes the body (streamed into the archive, so a
	// huge honest part costs the test no memory).
	gen func(w io.Writer)
}

// sheetXML builds a worksheet of inline-string rows.
func hsheetXML(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">`, i+1)
		for j, v := range r {
			fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, string(rune('A'+j)), i+1, v)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}

func hpeopleRows(n int) [][]string {
	rows := [][]string{{"name", "email"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("Aino %d", i), fmt.Sprintf("aino%d@example.com", i)})
	}
	return rows
}

// workbook returns the parts of a one-sheet workbook named "Leads".
func hworkbook(sheet []byte, extra ...xlsxPart) []xlsxPart {
	parts := []xlsxPart{
		{name: "[Content_Types].xml", body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)},
		{name: "_rels/.rels", body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{name: "xl/workbook.xml", body: []byte(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{name: "xl/_rels/workbook.xml.rels", body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
		{name: "xl/worksheets/sheet1.xml", body: sheet},
	}
	return append(parts, extra...)
}

func zipBytes(t *testing.T, parts []xlsxPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		if p.declared == 0 && !p.corrupt {
			w, err := zw.Create(p.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(p.body)
			if p.gen != nil {
				p.gen(w)
			}
			continue
		}
		// Raw: compress ourselves, then lie or damage.
		var comp bytes.Buffer
		fw, _ := zipFlate(&comp)
		fw.Write(p.body)
		fw.Close()
		data := comp.Bytes()
		if p.corrupt && len(data) > 200 {
			mid := len(data) / 2
			copy(data[mid:mid+64], make([]byte, 64))
		}
		size := uint64(len(p.body))
		if p.declared != 0 {
			size = p.declared
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc(p.body),
			CompressedSize64: uint64(len(data)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsxCase is a job reading in.xlsx built from parts.
func xlsxCase(parts func(t *testing.T) []xlsxPart, extra ...string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", zipBytes(t, parts(t)))
		return hjob(dir, "  path: in.xlsx\n"+strings.Join(extra, ""))
	}
}

func fixed(p []xlsxPart) func(*testing.T) []xlsxPart { return func(*testing.T) []xlsxPart { return p } }

func sst(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
	for range n {
		b.WriteString(`<si><t>a</t></si>`)
	}
	b.WriteString(`</sst>`)
	return b.Bytes()
}

// ole2 returns an OLE2 header and, for an encrypted workbook, the stream
// names Office writes.
func ole2(encrypted bool) []byte {
	b := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	name := "Workbook"
	if encrypted {
		name = "EncryptedPackage"
	}
	for _, r := range name {
		b = append(b, byte(r), 0)
	}
	return append(b, make([]byte, 1024)...)
}

func hostileCases() []hostile {
	var cs []hostile
	add := func(h hostile) { cs = append(cs, h) }
	openErr := func(name string, setup func(*testing.T, string) string, want ...string) {
		for _, cmd := range []string{"run", "validate", "inspect", "diff", "reconcile"} {
			add(hostile{name: name + "/" + cmd, cmd: cmd, setup: setup, exit: 2, want: want, written: -1})
		}
	}

	// Opening a source: each failure class through every command.
	openErr("missing file", func(t *testing.T, dir string) string { return hjob(dir, "  path: nowhere.csv\n") },
		"nowhere.csv", "no such file")
	openErr("directory", func(t *testing.T, dir string) string {
		os.Mkdir(filepath.Join(dir, "in.csv"), 0o755)
		return hjob(dir, "  path: in.csv\n")
	}, "in.csv", "is a folder")
	openErr("random bytes", func(t *testing.T, dir string) string {
		b := make([]byte, 4096)
		rand.New(rand.NewSource(1)).Read(b)
		write(t, dir, "in.csv", b)
		return hjob(dir, "  path: in.csv\n")
	}, "in.csv", "not a text file")
	openErr("unbalanced quote in header", csvCase("name,\"email\nAino,a@example.com\n"), "in.csv", "header (line 1)")
	openErr("duplicate header", csvCase("name,email,name\nAino,a@example.com,x\n"), "in.csv", `duplicate header name "name"`, "column 3")
	openErr("blank header", csvCase("name,,email\nAino,x,a@example.com\n"), "in.csv", "column 2", "blank header name")
	openErr("xlsx that is text", func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", []byte(hpeople(3)))
		return hjob(dir, "  path: in.xlsx\n")
	}, "in.xlsx", "it is text", "source.type: csv")
	openErr("old xls", func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", ole2(false))
		return hjob(dir, "  path: in.xlsx\n")
	}, "in.xlsx", "old Excel 97-2003 .xls")
	openErr("encrypted xlsx", func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", ole2(true))
		return hjob(dir, "  path: in.xlsx\n")
	}, "in.xlsx", "password-protected")
	openErr("missing sheet", xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(3)))), "  sheet: Contacts\n"),
		"in.xlsx", `sheet not found: "Contacts"`, `"Leads"`)
	openErr("header_row past the end", csvCase(hpeople(3), "  header_row: 40\n"), "in.csv", "header_row is 40", "only 4 lines")
	openErr("unknown encoding", csvCase(hpeople(3), "  encoding: ebcdic\n"), "in.csv", `unknown encoding "ebcdic"`, "source.encoding")
	openErr("device", func(t *testing.T, dir string) string { return hjob(dir, "  path: /dev/zero\n  type: csv\n") },
		"/dev/zero", "is a device")
	openErr("fifo", func(t *testing.T, dir string) string {
		if err := syscall.Mkfifo(filepath.Join(dir, "in.csv"), 0o644); err != nil {
			t.Skip(err)
		}
		return hjob(dir, "  path: in.csv\n")
	}, "in.csv", "named pipe")
	openErr("utf-32le bom", func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", append([]byte{0xFF, 0xFE, 0, 0}, utf32("name,email\nA,a@x.fi\n")...))
		return hjob(dir, "  path: in.csv\n")
	}, "in.csv", "UTF-32 (little-endian")
	openErr("utf-32be bom", func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", append([]byte{0, 0, 0xFE, 0xFF}, utf32be("name,email\nA,a@x.fi\n")...))
		return hjob(dir, "  path: in.csv\n")
	}, "in.csv", "UTF-32 (big-endian")

	// Bounds: refused quickly, whatever the declared or real size.
	add(hostile{name: "1 GiB line, sparse", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", []byte("name,email\n"))
		os.Truncate(filepath.Join(dir, "in.csv"), 1<<30)
		return hjob(dir, "  path: in.csv\n")
	}, exit: 2, want: []string{"in.csv", "NUL byte"}, written: -1})
	add(hostile{name: "8 MiB line without newline", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", append([]byte("name,email\nAino,"), bytes.Repeat([]byte("a"), 8<<20)...))
		return hjob(dir, "  path: in.csv\n")
	}, exit: 2, want: []string{"in.csv", "line 2", "longer than 4 MiB", "source.limits.max_record"}, written: -1})
	add(hostile{name: "long line, limit raised", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", append([]byte("name,email\nAino,"), append(bytes.Repeat([]byte("a"), 5<<20), '\n')...))
		return hjob(dir, "  path: in.csv\n  limits: {max_record: 8MiB, max_field: 6MiB}\n")
	}, exit: 0, written: 1})
	add(hostile{name: "2 MiB field", setup: csvCase("name,email\nAino," + strings.Repeat("b", 2<<20) + "\nBo,bo@example.com\n"),
		exit: 1, want: []string{",2,email,", "max_field"}, written: 1, rejected: 1})
	add(hostile{name: "20000 columns", setup: csvCase(strings.Repeat("c,", 20000) + "x\n"),
		exit: 2, want: []string{"in.csv", "20001 columns"}, written: -1})
	add(hostile{name: "bad limit", setup: csvCase(hpeople(2), "  limits: {max_record: lots}\n"),
		exit: 2, want: []string{"job.yaml", "source.limits.max_record", `"lots" is not a size`}, written: -1})
	add(hostile{name: "theme declares 2 GiB", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(2)),
		xlsxPart{name: "xl/theme/theme1.xml", body: []byte("<a/>"), declared: 2 << 30}))),
		exit: 2, want: []string{"in.xlsx", "xl/theme/theme1.xml", "2.0 GiB", "source.limits.max_part"}, written: -1})
	add(hostile{name: "styles declare 100 MiB", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(2)),
		xlsxPart{name: "xl/styles.xml", body: []byte("<a/>"), declared: 100 << 20}))),
		exit: 2, want: []string{"in.xlsx", "xl/styles.xml", "max_part"}, written: -1})
	add(hostile{name: "sheet declares 3 GiB", setup: xlsxCase(fixed([]xlsxPart{{name: "xl/worksheets/sheet1.xml", body: hsheetXML(hpeopleRows(2)), declared: 3 << 30}})),
		exit: 2, want: []string{"in.xlsx", "sheet1.xml", "max_sheet"}, written: -1})
	add(hostile{name: "parts add up past 2 GiB", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(2)),
		xlsxPart{name: "xl/worksheets/sheet2.xml", body: []byte("<a/>"), declared: 1500 << 20},
		xlsxPart{name: "xl/worksheets/sheet3.xml", body: []byte("<a/>"), declared: 1500 << 20}))),
		exit: 2, want: []string{"in.xlsx", "max_unzip"}, written: -1})
	add(hostile{name: "1.1 M shared strings", setup: xlsxCase(func(*testing.T) []xlsxPart {
		return hworkbook(hsheetXML(hpeopleRows(2)), xlsxPart{name: "xl/sharedStrings.xml", body: sst(1_100_000)})
	}), exit: 2, want: []string{"in.xlsx", "1000000 shared strings", "max_shared_strings"}, written: -1})
	add(hostile{name: "20000 parts", setup: xlsxCase(func(*testing.T) []xlsxPart {
		p := hworkbook(hsheetXML(hpeopleRows(2)))
		for i := range 20000 {
			p = append(p, xlsxPart{name: fmt.Sprintf("xl/x%d.xml", i), body: nil})
		}
		return p
	}), exit: 2, want: []string{"in.xlsx", "20005 parts", "max_parts"}, written: -1})

	addHugeValueCases(add)

	// Damaged workbooks: an error naming the sheet and the last good row.
	full := hsheetXML(hpeopleRows(1000))
	cut := full[:bytes.Index(full, []byte(`<row r="500">`))+30]
	add(hostile{name: "sheet XML truncated at row 500", setup: xlsxCase(fixed(hworkbook(cut))),
		exit: 2, want: []string{"in.xlsx", `sheet "Leads" is damaged after row 499`}, written: -1})
	add(hostile{name: "sheet XML garbage at row 500", setup: xlsxCase(fixed(hworkbook(bytes.Replace(full, []byte(`<row r="500">`), []byte(`<row r="500"><<c>`), 1)))),
		exit: 2, want: []string{"in.xlsx", `sheet "Leads" is damaged after row 499`}, written: -1})
	add(hostile{name: "compressed sheet zeroed", setup: xlsxCase(func(*testing.T) []xlsxPart {
		p := hworkbook(hsheetXML(hpeopleRows(3000)))
		p[4].corrupt = true
		return p
	}), exit: 2, want: []string{"in.xlsx", `sheet "Leads" is damaged after row`}, written: -1})
	add(hostile{name: "DTD entity in sheet", setup: xlsxCase(fixed(hworkbook(bytes.Replace(hsheetXML(hpeopleRows(5)),
		[]byte(`<worksheet`), []byte(`<!DOCTYPE x [<!ENTITY e "boom">]><worksheet`), 1)))),
		exit: 2, want: []string{"in.xlsx", "DTD or entity"}, written: -1})
	add(hostile{name: "undefined entity in a cell", setup: xlsxCase(fixed(hworkbook(bytes.Replace(hsheetXML(hpeopleRows(5)),
		[]byte(`Aino 2`), []byte(`&e;`), 1)))),
		exit: 2, want: []string{"in.xlsx", `sheet "Leads" is damaged after row 3`}, written: -1})
	add(hostile{name: "shared-string index out of range", setup: xlsxCase(fixed(hworkbook(bytes.Replace(hsheetXML(hpeopleRows(5)),
		[]byte(`<c r="A3" t="inlineStr"><is><t>Aino 1</t></is></c>`), []byte(`<c r="A3" t="s"><v>7</v></c>`), 1),
		xlsxPart{name: "xl/sharedStrings.xml", body: sst(2)}))),
		exit: 2, want: []string{"in.xlsx", "cell A3", `shared-string index "7"`}, written: -1})
	add(hostile{name: "DTD in shared strings", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(2)),
		xlsxPart{name: "xl/sharedStrings.xml", body: append([]byte(`<!DOCTYPE sst [<!ENTITY a "aaaa">]>`), sst(2)...)}))),
		exit: 2, want: []string{"in.xlsx", "DTD or entity"}, written: -1})
	add(hostile{name: "xlsx good", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(20))))), exit: 0, written: 20})
	add(hostile{name: "xlsx header only", setup: xlsxCase(fixed(hworkbook(hsheetXML(hpeopleRows(0))))), exit: 0, want: []string{"no rows"}, written: 0})
	add(hostile{name: "xlsx empty sheet", setup: xlsxCase(fixed(hworkbook(hsheetXML(nil)))), exit: 0, want: []string{"no rows"}, written: -1})
	add(hostile{name: "xlsx extra non-empty cell", setup: xlsxCase(fixed(hworkbook(hsheetXML([][]string{{"name", "email"}, {"A", "a@x.fi", "oops"}, {"B", "b@x.fi"}})))),
		exit: 1, want: []string{",2,", "cell C2"}, written: 1, rejected: 1})
	add(hostile{name: "xlsx short row padded", setup: xlsxCase(fixed(hworkbook(hsheetXML([][]string{{"name", "email"}, {"A"}, {"B", "b@x.fi"}})))), exit: 0, written: 2})
	add(hostile{name: "xlsx duplicate header", setup: xlsxCase(fixed(hworkbook(hsheetXML([][]string{{"name", "name"}, {"A", "B"}})))),
		exit: 2, want: []string{"in.xlsx", "column B", "duplicate header"}, written: -1})
	add(hostile{name: "empty zip", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", zipBytes(t, nil))
		return hjob(dir, "  path: in.xlsx\n")
	}, exit: 2, want: []string{"in.xlsx"}, written: -1})
	add(hostile{name: "0-byte xlsx", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.xlsx", nil)
		return hjob(dir, "  path: in.xlsx\n")
	}, exit: 2, want: []string{"in.xlsx", "0 bytes"}, written: -1})
	add(hostile{name: "xlsx zip of random bytes", setup: func(t *testing.T, dir string) string {
		b := make([]byte, 2000)
		rand.New(rand.NewSource(7)).Read(b)
		write(t, dir, "in.xlsx", append([]byte("PK\x03\x04"), b...))
		return hjob(dir, "  path: in.xlsx\n")
	}, exit: 2, want: []string{"in.xlsx", "zip"}, written: -1})

	// CSV recovery and the input rules.
	base := hpeople(1000) // 1,001 lines
	add(hostile{name: "stray quote on line 5 of 1001", setup: csvCase(withLine(base, 5, `Anna,"Virtanen,anna@example.com`)),
		exit: 1, want: []string{",5,", "malformed row", "line 5 is rejected alone"}, written: 999, rejected: 1})
	for _, k := range []int{2, 3, 100, 500, 999, 1001} {
		add(hostile{name: fmt.Sprintf("stray quote on line %d", k), setup: csvCase(withLine(base, k, `Anna,"Virtanen,anna@example.com`)),
			exit: 1, want: []string{fmt.Sprintf(",%d,", k)}, written: 999, rejected: 1})
	}
	for _, k := range []int{4, 250, 750} {
		add(hostile{name: fmt.Sprintf("bare quote on line %d", k), setup: csvCase(withLine(base, k, `Anna 5" tall,anna@example.com`)),
			exit: 1, want: []string{fmt.Sprintf(",%d,", k), "bare"}, written: 999, rejected: 1})
	}
	add(hostile{name: "two stray quotes", setup: csvCase(withLine(withLine(base, 10, `"Anna,a@x.fi`), 20, `Bo,"b@x.fi`)),
		exit: 1, want: []string{",10,", ",20,"}, written: 998, rejected: 2})
	add(hostile{name: "quote then junk", setup: csvCase(withLine(base, 7, `"Anna"x,a@x.fi`)),
		exit: 1, want: []string{",7,"}, written: 999, rejected: 1})
	add(hostile{name: "legit multi-line field", setup: csvCase("name,email\n\"Anna\nMaria\",a@x.fi\nBo,b@x.fi\n"), exit: 0, written: 2})
	add(hostile{name: "header only", setup: csvCase("name,email\n"), exit: 0, want: []string{"no rows"}, written: 0})
	add(hostile{name: "0-byte csv run", setup: csvCase(""), exit: 0, want: []string{"holds no rows"}, written: -1})
	add(hostile{name: "0-byte csv validate", cmd: "validate", setup: csvCase(""), exit: 0, want: []string{"header is unknown"}, written: -1})
	add(hostile{name: "blank lines only", setup: csvCase("\n\n\r\n\n"), exit: 0, want: []string{"holds no rows"}, written: -1})
	add(hostile{name: "short row padded", setup: csvCase("name,email,city\nAnna\nBo,b@x.fi,Espoo\n"), exit: 0, written: 2})
	add(hostile{name: "extra empty cells ignored", setup: csvCase("name,email\nAnna,a@x.fi,,,\nBo,b@x.fi,\n"), exit: 0, written: 2})
	add(hostile{name: "extra non-empty cell rejected", setup: csvCase("name,email\nAnna,a@x.fi,oops\nBo,b@x.fi\n"),
		exit: 1, want: []string{",2,", "ragged row", `""oops""`}, written: 1, rejected: 1})
	add(hostile{name: "NUL inside", setup: csvCase("name,email\nA\x00nna,a@x.fi\n"), exit: 2, want: []string{"in.csv", "NUL byte"}, written: -1})
	add(hostile{name: "zip named csv", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", zipBytes(t, hworkbook(hsheetXML(hpeopleRows(2)))))
		return hjob(dir, "  path: in.csv\n")
	}, exit: 2, want: []string{"in.csv", "zip archive", "source.type: xlsx"}, written: -1})
	add(hostile{name: "xls named csv", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", ole2(false))
		return hjob(dir, "  path: in.csv\n")
	}, exit: 2, want: []string{"in.csv", "old binary format"}, written: -1})
	add(hostile{name: "utf-32 without bom", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", utf32("name,email\nA,a@x.fi\nB,b@x.fi\n"))
		return hjob(dir, "  path: in.csv\n")
	}, exit: 2, want: []string{"in.csv", "UTF-32"}, written: -1})

	// Encoding: never mojibake.
	utf := hpeople(200)
	add(hostile{name: "utf-8 with one bad byte", setup: csvCase(withLine(utf, 3, "Bertil J\xe4rvi,b@x.fi")),
		exit: 1, want: []string{",3,", ",name,", "not valid UTF-8"}, written: 199, rejected: 1})
	add(hostile{name: "utf-8 with bad bytes in 3 rows", setup: csvCase(withLine(withLine(withLine(utf, 3, "B\xe4,b@x.fi"), 50, "C,c\xff@x.fi"), 150, "D\xe4,d@x.fi")),
		exit: 1, want: []string{",3,", ",50,", ",email,", ",150,"}, written: 197, rejected: 3})
	add(hostile{name: "windows-1252 file", setup: csvCase("name;email\nJ\xe4rvi;j@x.fi\n\xd6berg;o@x.fi\n"), exit: 0, written: 2})
	add(hostile{name: "forced windows-1252", setup: csvCase("name,email\nA\xe4,a@x.fi\n", "  encoding: windows-1252\n"), exit: 0, written: 1})
	add(hostile{name: "forced utf-8 on 1252", setup: csvCase("name,email\nA\xe4,a@x.fi\nB,b@x.fi\n", "  encoding: utf-8\n"),
		exit: 1, want: []string{",2,", "not valid UTF-8"}, written: 1, rejected: 1})
	add(hostile{name: "utf-16le bom", setup: func(t *testing.T, dir string) string {
		write(t, dir, "in.csv", append([]byte{0xFF, 0xFE}, hutf16le("name,email\nÄ,a@x.fi\n")...))
		return hjob(dir, "  path: in.csv\n")
	}, exit: 0, written: 1})
	add(hostile{name: "utf-8 bom", setup: csvCase("\xef\xbb\xbfname,email\nÄ,a@x.fi\n"), exit: 0, written: 1})

	// Cell contents: read as they are.
	for i, v := range []string{`=HYPERLINK("http://x","y")`, `+cmd|' /C calc'!A0`, `@SUM(1+1)`, "-3", "\t=1", strings.Repeat("é", 30000), "<script>", `"quoted ""twice"""`, "a\x7fb", "\u202etxt.exe"} {
		cell := v
		if !strings.HasPrefix(v, `"`) {
			cell = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		add(hostile{name: fmt.Sprintf("cell %d", i), setup: csvCase("name,email\n" + cell + ",a@x.fi\n"), exit: 0, written: 1})
	}

	// Job files: bounded before parsing.
	jobFile := func(body []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			write(t, dir, "job.yaml", body)
			return filepath.Join(dir, "job.yaml")
		}
	}
	add(hostile{name: "100000 nested [", cmd: "validate", setup: jobFile(bytes.Repeat([]byte("["), 100000)), exit: 2, want: []string{"job.yaml", "nested more than 64"}, written: -1})
	add(hostile{name: "100000 nested {", cmd: "run", setup: jobFile(bytes.Repeat([]byte("{a: "), 100000)), exit: 2, want: []string{"job.yaml", "nested more than 64"}, written: -1})
	add(hostile{name: "deep block sequence", cmd: "validate", setup: jobFile([]byte("source: " + strings.Repeat("- ", 5000) + "x\n")), exit: 2, want: []string{"job.yaml", "nested more than 64"}, written: -1})
	add(hostile{name: "2 MiB job file", cmd: "validate", setup: jobFile(append([]byte("name: x\n# "), bytes.Repeat([]byte("x"), 2<<20)...)), exit: 2, want: []string{"job.yaml", "larger than 1024 KiB"}, written: -1})
	add(hostile{name: "alias bomb", cmd: "validate", setup: jobFile([]byte("a: &a [x, x]\nb: &b [" + strings.Repeat("*a, ", 200) + "]\n")), exit: 2, want: []string{"job.yaml", "aliases"}, written: -1})
	add(hostile{name: "job is a directory", cmd: "validate", setup: func(t *testing.T, dir string) string {
		os.Mkdir(filepath.Join(dir, "job.yaml"), 0o755)
		return filepath.Join(dir, "job.yaml")
	}, exit: 2, want: []string{"job.yaml", "is a folder"}, written: -1})
	add(hostile{name: "job is /dev/zero", cmd: "validate", setup: func(*testing.T, string) string { return "/dev/zero" }, exit: 2, want: []string{"/dev/zero", "is a device"}, written: -1})
	add(hostile{name: "job missing", cmd: "run", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "nope.yaml") }, exit: 2, want: []string{"nope.yaml", "no such file"}, written: -1})
	add(hostile{name: "job random bytes", cmd: "validate", setup: func(t *testing.T, dir string) string {
		b := make([]byte, 3000)
		rand.New(rand.NewSource(3)).Read(b)
		write(t, dir, "job.yaml", b)
		return filepath.Join(dir, "job.yaml")
	}, exit: 2, want: []string{"job.yaml"}, written: -1})
	add(hostile{name: "job nested 60 ok-ish", cmd: "validate", setup: jobFile([]byte("name: " + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "\n")), exit: 2, want: []string{"job.yaml"}, written: -1})
	return cs
}

func utf32(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

func utf32be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return b
}

func hutf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

var (
	writtenRe  = regexp.MustCompile(`(?m)^  written   (\d+)$`)
	rejectedRe = regexp.MustCompile(`(?m)^  rejected  (\d+)$`)
)

// TestHostileCorpus runs every case through the binary.
func TestHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cases := hostileCases()
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	prlimit, _ := exec.LookPath("prlimit")
	for _, h := range cases {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			jobPath := h.setup(t, dir)
			cmd := h.cmd
			if cmd == "" {
				cmd = "run"
			}
			args := []string{cmd, jobPath}
			if cmd == "run" {
				args = []string{"run", "--quiet", jobPath}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			argv := append([]string{bin}, args...)
			if prlimit != "" {
				// A hard cap on address space, so a regression cannot take the
				// machine with it; the 256 MB bound is checked on peak RSS.
				argv = append([]string{prlimit, "--as=" + strconv.Itoa(4<<30), "--"}, argv...)
			}
			// Through the trampoline, so the peak is leadsync's own, not
			// the test process's (see peakCommand).
			c, ownPeak := peakCommand(ctx, t, argv...)
			c.Dir = dir
			var out bytes.Buffer
			c.Stdout, c.Stderr = &out, &out
			start := time.Now()
			err := c.Run()
			elapsed := time.Since(start)
			text := out.String()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if ctx.Err() != nil {
				t.Fatalf("still running after %v", elapsed)
			}
			for _, bad := range []string{"panic", "fatal error", "goroutine ", "SIGSEGV"} {
				if strings.Contains(text, bad) {
					t.Fatalf("output holds %q:\n%s", bad, clipOut(text))
				}
			}
			if code != h.exit {
				t.Errorf("exit %d, want %d\n%s", code, h.exit, clipOut(text))
			}
			// Row errors are in the run's rejected.csv, with the row's cells.
			rej, _ := filepath.Glob(filepath.Join(dir, ".leadsync", "runs", "*", "rejected.csv"))
			for _, f := range rej {
				b, _ := os.ReadFile(f)
				text += "\n" + string(b)
			}
			for _, w := range h.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, clipOut(text))
				}
			}
			if cmd == "run" && h.written >= 0 {
				if got := summaryNumber(writtenRe, text); got != h.written {
					t.Errorf("written %d, want %d\n%s", got, h.written, clipOut(text))
				}
				if got := summaryNumber(rejectedRe, text); got != h.rejected {
					t.Errorf("rejected %d, want %d\n%s", got, h.rejected, clipOut(text))
				}
			}
			if peak, ok := ownPeak(); ok {
				t.Logf("peak RSS %d MB", peak>>20)
				if peak > peakLimit {
					t.Errorf("peak RSS %d MB, over %d MB", peak>>20, peakLimit>>20)
				}
			} else if runtime.GOOS == "linux" {
				t.Error("no peak RSS measured")
			}
		})
	}
}

func summaryNumber(re *regexp.Regexp, text string) int {
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func clipOut(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

func zipFlate(w *bytes.Buffer) (*flate.Writer, error) { return flate.NewWriter(w, flate.BestSpeed) }

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// repeat writes n bytes of c.
func repeat(w io.Writer, c byte, n int) {
	chunk := bytes.Repeat([]byte{c}, 64<<10)
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
}

// hugeSheet is a worksheet "Leads" with a header row and rows 2..rows+1,
// each made by cells (which writes a row's cells for its row number).
func hugeSheet(rows int, cells func(w io.Writer, r int)) xlsxPart {
	return xlsxPart{name: "xl/worksheets/sheet1.xml", gen: func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>email</t></is></c><c r="C1" t="inlineStr"><is><t>notes</t></is></c></row>`)
		for r := 2; r <= rows+1; r++ {
			fmt.Fprintf(w, `<row r="%d">`, r)
			cells(w, r)
			io.WriteString(w, `</row>`)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}}
}

// hugeSST is a shared-strings table of the given string sizes, each of
// one repeated letter (string i of 'a'+i%26).
func hugeSST(sizes ...int) xlsxPart {
	return xlsxPart{name: "xl/sharedStrings.xml", gen: func(w io.Writer) {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(sizes), len(sizes))
		for i, n := range sizes {
			io.WriteString(w, `<si><t>`)
			repeat(w, byte('a'+i%26), n)
			io.WriteString(w, `</t></si>`)
		}
		io.WriteString(w, `</sst>`)
	}}
}

// hugeBook is a workbook of a generated sheet and, optionally, shared
// strings.
func hugeBook(sheet xlsxPart, extra ...xlsxPart) func(*testing.T) []xlsxPart {
	return func(*testing.T) []xlsxPart {
		p := hworkbook(nil, extra...)
		p[4] = sheet
		return p
	}
}

// addHugeValueCases: honest cells and shared strings far over max_field
// in a small file (a 300 MiB cell packs into 300 KB), refused before the
// value is held; values at the bound, repeated, stay within memory.
func addHugeValueCases(add func(hostile)) {
	// The mapped name and email, then the notes in column C.
	email := func(w io.Writer, r int) {
		fmt.Fprintf(w, `<c r="A%d" t="inlineStr"><is><t>Aino %d</t></is></c><c r="B%d" t="inlineStr"><is><t>a%d@example.com</t></is></c>`, r, r, r, r)
	}
	inline := func(n int) func(w io.Writer, r int) {
		return func(w io.Writer, r int) {
			email(w, r)
			fmt.Fprintf(w, `<c r="C%d" t="inlineStr"><is><t>`, r)
			repeat(w, 'a', n)
			io.WriteString(w, `</t></is></c>`)
		}
	}
	shared := func(idx func(r int) int) func(w io.Writer, r int) {
		return func(w io.Writer, r int) {
			email(w, r)
			fmt.Fprintf(w, `<c r="C%d" t="s"><v>%d</v></c>`, r, idx(r))
		}
	}
	add(hostile{name: "xlsx 300 MiB inline cell", setup: xlsxCase(hugeBook(hugeSheet(1, inline(300<<20)))),
		exit: 2, want: []string{"in.xlsx", `sheet "Leads": cell C2 (row 2, column C) holds more than 1.0 MiB`, "source.limits.max_field"}, written: -1})
	add(hostile{name: "xlsx 300 MiB formula string cell", setup: xlsxCase(hugeBook(hugeSheet(1, func(w io.Writer, r int) {
		email(w, r)
		fmt.Fprintf(w, `<c r="C%d" t="str"><f>1</f><v>`, r)
		repeat(w, 'b', 300<<20)
		io.WriteString(w, `</v></c>`)
	}))), exit: 2, want: []string{"in.xlsx", `cell C2 (row 2, column C)`, "max_field"}, written: -1})
	add(hostile{name: "xlsx 300 MiB number cell", setup: xlsxCase(hugeBook(hugeSheet(3, func(w io.Writer, r int) {
		email(w, r)
		if r == 3 {
			io.WriteString(w, `<c r="C3"><v>`)
			repeat(w, '9', 300<<20)
			io.WriteString(w, `</v></c>`)
		}
	}))), exit: 2, want: []string{"in.xlsx", `cell C3 (row 3, column C)`, "max_field"}, written: -1})
	add(hostile{name: "xlsx 300 MiB rich-text cell of 1 KiB runs", setup: xlsxCase(hugeBook(hugeSheet(1, func(w io.Writer, r int) {
		email(w, r)
		io.WriteString(w, `<c r="C2" t="inlineStr"><is>`)
		run := `<r><t>` + strings.Repeat("c", 1024) + `</t></r>`
		for range 300 << 10 {
			io.WriteString(w, run)
		}
		io.WriteString(w, `</is></c>`)
	}))), exit: 2, want: []string{"in.xlsx", `cell C2 (row 2, column C)`, "max_field"}, written: -1})
	add(hostile{name: "xlsx 250 MB shared string", setup: xlsxCase(hugeBook(hugeSheet(1, shared(func(int) int { return 0 })), hugeSST(250_000_000))),
		exit: 2, want: []string{"in.xlsx", "shared string 0", "max_field"}, written: -1})
	add(hostile{name: "xlsx cell at the bound", setup: xlsxCase(hugeBook(hugeSheet(3, inline(1<<20)))), exit: 0, written: 3})
	add(hostile{name: "xlsx cell one byte over the bound", setup: xlsxCase(hugeBook(hugeSheet(3, inline(1<<20+1)))),
		exit: 2, want: []string{"in.xlsx", "cell C2 (row 2, column C)", "max_field"}, written: -1})
	add(hostile{name: "xlsx 2 MiB cell, max_field raised", setup: xlsxCase(hugeBook(hugeSheet(2, inline(2<<20))), "  limits: {max_field: 2MiB}\n"),
		exit: 0, written: 2})
	// One 1 MiB string referenced by every row, in a table over excelize's
	// in-memory size (so each cell read is a fresh copy).
	big := []int{1 << 20}
	for range 20 {
		big = append(big, 1<<20-1)
	}
	add(hostile{name: "xlsx 1 MiB shared string in 400 rows", setup: xlsxCase(hugeBook(hugeSheet(400, shared(func(int) int { return 0 })), hugeSST(big...))),
		exit: 0, written: 400})
	add(hostile{name: "xlsx 100 shared strings just under 1 MiB", setup: xlsxCase(hugeBook(hugeSheet(100, shared(func(r int) int { return r - 2 })), hugeSST(slicesRepeat(1<<20-1, 100)...))),
		exit: 0, written: 100})
	add(hostile{name: "xlsx 100 inline cells just under 1 MiB", setup: xlsxCase(hugeBook(hugeSheet(100, inline(1<<20-1)))), exit: 0, written: 100})
	add(hostile{name: "xlsx row of 16 refs to a 1 MiB string", setup: xlsxCase(hugeBook(hugeSheet(2, func(w io.Writer, r int) {
		email(w, r)
		for c := range 16 {
			fmt.Fprintf(w, `<c r="%s%d" t="s"><v>0</v></c>`, string(rune('C'+c)), r)
		}
	}), hugeSST(1<<20))), exit: 2, want: []string{"in.xlsx", `sheet "Leads": row 2`, "more than 4.0 MiB (source.limits.max_record)"}, written: -1})
	add(hostile{name: "xlsx 3000 rows of a 1 MiB string", setup: xlsxCase(hugeBook(hugeSheet(3000, shared(func(int) int { return 0 })), hugeSST(1<<20))),
		exit: 2, want: []string{"in.xlsx", "the sheet (its cells added up to row 2049", "more than 2.0 GiB (source.limits.max_sheet)"}, written: -1})
	small := func(w io.Writer, r int) { email(w, r) }
	tiny := func(n int) xlsxPart {
		return xlsxPart{name: "xl/sharedStrings.xml", gen: func(w io.Writer) {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
			for range n {
				io.WriteString(w, `<si><t>a</t></si>`)
			}
			io.WriteString(w, `</sst>`)
		}}
	}
	add(hostile{name: "xlsx 980000 one-letter shared strings in 16 MiB", setup: xlsxCase(hugeBook(hugeSheet(5, small), tiny(980_000))), exit: 0, written: 5})
	styles := func(n int) xlsxPart {
		return xlsxPart{name: "xl/styles.xml", gen: func(w io.Writer) {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`)
			for range n {
				io.WriteString(w, `<xf/>`)
			}
			io.WriteString(w, `</cellXfs></styleSheet>`)
		}}
	}
	add(hostile{name: "xlsx styles of 6.7 M elements in 32 MiB", setup: xlsxCase(hugeBook(hugeSheet(2, small), styles(32<<20/5-100))),
		exit: 2, want: []string{"in.xlsx", "xl/styles.xml", "more than 200000 XML elements (source.limits.max_part_elements)"}, written: -1})
	add(hostile{name: "xlsx styles of 199990 elements", setup: xlsxCase(hugeBook(hugeSheet(2, small), styles(199_990))), exit: 0, written: 2})
	var media []xlsxPart
	for i := range 5 {
		media = append(media, xlsxPart{name: fmt.Sprintf("xl/media/image%d.bin", i), gen: func(w io.Writer) { repeat(w, ' ', 32<<20-1) }})
	}
	add(hostile{name: "xlsx 5 media parts of 32 MiB", setup: xlsxCase(hugeBook(hugeSheet(2, small), media...)),
		exit: 2, want: []string{"in.xlsx", "unpack to 160.0 MiB, more than 64.0 MiB (source.limits.max_in_memory)"}, written: -1})
}

func slicesRepeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}
