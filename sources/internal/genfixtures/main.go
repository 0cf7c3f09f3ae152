// Command genfixtures writes the sample files the source tests read, into
// testdata/sources: CSV files in every dialect the csvfile package detects,
// and workbooks built with excelize for xlsxfile. Run it with go generate in
// sources/; a test fails when the committed files are stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func main() {
	out := flag.String("out", "../testdata/sources", "folder to write the fixtures into")
	flag.Parse()
	if err := generate(*out); err != nil {
		log.Fatal(err)
	}
}

// generate writes every fixture under dir (dir/csv, dir/xlsx).
func generate(dir string) error {
	for _, sub := range []string{"csv", "xlsx"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for name, data := range csvFixtures() {
		if err := os.WriteFile(filepath.Join(dir, "csv", name), data, 0o644); err != nil {
			return err
		}
	}
	for name, build := range xlsxFixtures {
		f, err := build()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		path := filepath.Join(dir, "xlsx", name)
		err = f.SaveAs(path)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(path, 0o644) // excelize creates files executable
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// lines joins lines with the given terminator, ending the last one too.
func lines(eol string, ls ...string) string { return strings.Join(ls, eol) + eol }

const people = "name,email,phone,city"

var peopleRows = []string{
	"Aino Mäkinen,aino@example.com,+358401234567,Helsinki",
	"Björn Öberg,bjorn@example.com,+46701234567,Göteborg",
}

func csvFixtures() map[string][]byte {
	utf8Text := lines("\n", append([]string{people}, peopleRows...)...)
	tabText := strings.ReplaceAll(lines("\r\n", append([]string{people}, peopleRows...)...), ",", "\t")
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(tabText)
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(utf8Text)
	win, err := charmap.Windows1252.NewEncoder().String(lines("\r\n",
		"Nimi;Sähköposti;Hinta;Kaupunki",
		"Äijä Kärkkäinen;aija@example.com;12,50 €;Jyväskylä",
		"Örjan Ström;orjan@example.com;1 000 €;Hämeenlinna",
	))
	if err != nil {
		panic(err)
	}
	return map[string][]byte{
		"utf8.csv":        []byte(utf8Text),
		"utf8_bom.csv":    append([]byte("\xEF\xBB\xBF"), utf8Text...),
		"utf16le_bom.txt": []byte(utf16le), // Excel's "Unicode Text": UTF-16LE, tabs, CRLF
		"utf16be_bom.csv": []byte(utf16be),
		"windows1252.csv": []byte(win), // a European Excel export: semicolons, CRLF
		"semicolon.csv": []byte(lines("\n",
			"name;amount;note",
			`Aino;1,5;"a; b"`,
			"Bertil;2,25;plain",
		)),
		"tab.tsv": []byte(lines("\n",
			"name\temail\tnote",
			"Aino\taino@example.com\tcommas, here",
			"Bertil\tbertil@example.com\t\"quoted\ttab\"",
		)),
		"pipe.csv": []byte(lines("\n",
			"name|email|note",
			"Aino|aino@example.com|a, b; c",
			"Bertil|bertil@example.com|",
		)),
		"crlf.csv": []byte(lines("\r\n",
			"name,email,note",
			"Aino,aino@example.com,\"two\r\nlines\"",
			"Bertil,bertil@example.com,one line",
		)),
		"cr.csv": []byte(lines("\r",
			"name,email",
			"Aino,aino@example.com",
			"Bertil,bertil@example.com",
		)),
		// Quoted delimiters, quotes and newlines, then a ragged row: every
		// row number is the physical line where the record starts.
		"quoted.csv": []byte(lines("\n",
			"id,name,note,email", // 1
			`1,"Smith, John","He said ""hi""",john@example.com`, // 2
			`2,Anna,"first line`,           // 3
			`second line`,                  // 4
			`third line",anna@example.com`, // 5
			``,                             // 6: blank line
			`3,Ragged,only three`,          // 7: 3 fields of 4
			`,,,`,                          // 8: an empty row as spreadsheets export it
			`4,"Multi`,                     // 9
			`line",ok,four@example.com`,    // 10
			`5,Last,,last@example.com`,     // 11
		)),
		"bad_quote.csv": []byte(lines("\n",
			"name,size,email",
			`TV,"55"" wide",tv@example.com`,
			`Monitor,27" wide,monitor@example.com`,
			"Cable,2 m,cable@example.com",
		)),
		"title_lines.csv": []byte(lines("\n",
			`Leads export "nightly"`,
			"Generated 2024-01-15; by the CRM",
			"name,email",
			"Aino,aino@example.com",
		)),
		"comment.csv": []byte(lines("\n",
			"# exported by the CRM",
			"name,email",
			"# a note between rows",
			"Aino,aino@example.com",
		)),
		"trailing_delimiter.csv": []byte(lines("\n",
			"name,email,",
			"Aino,aino@example.com,",
			"Bertil,bertil@example.com",
			"Cecilia,cecilia@example.com,oops",
		)),
		"duplicate_header.csv": []byte(lines("\n",
			"name,email,phone,email",
			"Aino,aino@example.com,+358401234567,other@example.com",
		)),
		"blank_header.csv": []byte(lines("\n",
			"name,,email",
			"Aino,x,aino@example.com",
		)),
		"header_only.csv": []byte("name,email\n"),
		"empty.csv":       []byte("\n\n"),
	}
}

var xlsxFixtures = map[string]func() (*excelize.File, error){
	"leads.xlsx":         leadsWorkbook,
	"header_errors.xlsx": headerErrorsWorkbook,
	"dates1904.xlsx":     dates1904Workbook,
}

// styles the leads workbook uses.
type styles struct {
	bold, date, dateTime, dateFI, time, zip, percent, euro int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var errs []error
	add := func(dst *int, st *excelize.Style) {
		id, err := f.NewStyle(st)
		errs = append(errs, err)
		*dst = id
	}
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	add(&s.bold, &excelize.Style{Font: &excelize.Font{Bold: true}}) // a styled General cell
	add(&s.date, &excelize.Style{NumFmt: 14})                       // built-in short date
	add(&s.dateTime, custom("dd.mm.yyyy hh:mm:ss"))
	add(&s.dateFI, custom("d.m.yyyy"))
	add(&s.time, &excelize.Style{NumFmt: 20}) // h:mm
	add(&s.zip, custom("00000"))
	add(&s.percent, &excelize.Style{NumFmt: 9})
	add(&s.euro, custom(`#,##0.00 "€"`))
	for _, err := range errs {
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// leadsWorkbook: sheet Leads (streamed: inline strings, a formula with a
// cached value, numbers in every format), Archive (second sheet, shared
// strings) and Report (title rows, header on row 3).
func leadsWorkbook() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Leads"); err != nil {
		return nil, err
	}
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter("Leads")
	if err != nil {
		return nil, err
	}
	c := func(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }
	rows := map[int][]any{
		1: {"Name", "Phone", "Postcode", "Signed up", "Last contact", "Score", "Double score", "Active", "Share", "Price"},
		2: {"Aino Mäkinen", c(st.bold, 358401234567), "00120", c(st.date, day(2024, 1, 15)),
			c(st.dateTime, time.Date(2024, 1, 15, 13, 45, 30, 0, time.UTC)), 42,
			excelize.Cell{Formula: "F2*2", Value: 84}, true, c(st.percent, 0.15), c(st.euro, 1234.5)},
		3: {"Bertil Öberg", 358501112222, c(st.zip, 1234), c(st.dateFI, day(2023, 12, 31)),
			c(st.dateTime, time.Date(2023, 12, 31, 8, 0, 0, 0, time.UTC)), c(st.bold, 0.1+0.2),
			excelize.Cell{Formula: `IF(F3>1,"high","low")`, Value: "low"}, false},
		// 4 left out: a blank row
		5: {"Cecilia", c(st.bold, 4915112345678)}, // a short row
		6: {"", "   "},                            // only blanks
		7: {"Ragged", 358401111111, "00100", nil, nil, nil, nil, nil, nil, nil, "beyond the header"},
		8: {"Eero", "+358 40 123 4567", "00100", nil, c(st.time, 0.5)},
	}
	for r := 1; r <= 8; r++ {
		if rows[r] == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, rows[r]); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}

	if _, err := f.NewSheet("Archive"); err != nil {
		return nil, err
	}
	if err := setCells(f, "Archive",
		"A1", "Name", "B1", "Email",
		"A2", "Aino", "B2", "aino@example.com",
		"A3", "Bertil", "B3", "bertil@example.com",
	); err != nil {
		return nil, err
	}

	if _, err := f.NewSheet("Report"); err != nil {
		return nil, err
	}
	if err := setCells(f, "Report",
		"A1", "Leads report 2024",
		"A3", "Name", "B3", "Postcode", "C3", "Phone",
		"A4", "Aino", "B4", "00120", "C4", 358401234567,
		"A6", "Bertil", "B6", "02100", "C6", 358501112222,
	); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle("Report", "C6", "C6", st.bold); err != nil {
		return nil, err
	}
	return f, nil
}

// setCells sets cell, value pairs in order (shared strings are numbered in
// the order they are set, and the fixtures must be reproducible).
func setCells(f *excelize.File, sheet string, pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := f.SetCellValue(sheet, pairs[i].(string), pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func headerErrorsWorkbook() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Duplicate"); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet("Blank"); err != nil {
		return nil, err
	}
	for _, v := range []struct{ sheet, cell, value string }{
		{"Duplicate", "A1", "Name"}, {"Duplicate", "B1", "Email"}, {"Duplicate", "C1", "Name"},
		{"Duplicate", "A2", "Aino"},
		{"Blank", "A1", "Name"}, {"Blank", "C1", "Email"},
		{"Blank", "A2", "Aino"},
	} {
		if err := f.SetCellValue(v.sheet, v.cell, v.value); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// dates1904Workbook uses the 1904 date system of old Mac Excel: the same
// serial number is a date four years later.
func dates1904Workbook() (*excelize.File, error) {
	f := excelize.NewFile()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		return nil, err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	if err := setCells(f, "Sheet1", "A1", "Name", "B1", "Signed up", "A2", "Aino", "B2", 43844); err != nil {
		return nil, err
	}
	return f, f.SetCellStyle("Sheet1", "B2", "B2", date)
}

// equalFiles reports whether two fixture trees hold the same bytes; the
// staleness test uses it.
func equalFiles(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}
