package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// xlsxSheet is the name of the one worksheet an XLSX export holds.
const xlsxSheet = "leads"

// xlsxTextFormat is the built-in number format "@" (Text).
const xlsxTextFormat = 49

// maxXLSXDataRows is how many records fit under the header row.
const maxXLSXDataRows = excelize.TotalRows - 1

// xlsxWriter writes one worksheet through excelize's StreamWriter only:
// rows go to an in-memory buffer that spills into a temporary file in
// tmpDir past excelize.StreamChunkSize, so memory stays flat however many
// rows are written. (excelize's cell-by-cell API keeps every cell in
// memory: 1.5 GB for 100 k rows.)
//
// Every value is written as an inline string in cells formatted as Text
// ("@"): a phone "+358401234567" or a postcode "00100" stays as typed, and
// "=cmd()" is stored as text, never as a formula (no cell gets an <f>
// element), and stays text if someone edits the cell in Excel.
type xlsxWriter struct {
	file   *excelize.File
	sw     *excelize.StreamWriter
	tmpDir string
	row    []interface{} // reused for every SetRow
	opts   excelize.RowOpts
	rows   int // worksheet rows written, header included
}

// newXLSX starts the workbook; tmpDir (created by the caller, removed by
// close) takes excelize's spill file.
func newXLSX(tmpDir string, fields []string) (*xlsxWriter, error) {
	if len(fields) > excelize.MaxColumns {
		return nil, fmt.Errorf("%d fields: an XLSX sheet holds at most %d columns", len(fields), excelize.MaxColumns)
	}
	f := excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	x := &xlsxWriter{file: f, tmpDir: tmpDir, row: make([]interface{}, len(fields))}
	if err := x.start(fields); err != nil {
		x.close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) start(fields []string) error {
	f := x.file
	if err := f.SetSheetName(f.GetSheetName(0), xlsxSheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: xlsxTextFormat})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: xlsxTextFormat, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if x.sw, err = f.NewStreamWriter(xlsxSheet); err != nil {
		return err
	}
	// Widths must be set before the first row. excelize puts the column
	// just set first in its list and writes the list as it stands, so set
	// them right to left to write <col> elements in ascending order, as
	// Excel expects.
	for i := len(fields); i >= 1; i-- {
		if err := x.sw.SetColWidth(i, i, colWidth(fields[i-1])); err != nil {
			return err
		}
	}
	if err := x.writeRow(fields, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	// Data rows carry the Text format as a row style: every cell written
	// gets it, and so does a cell typed into the row later.
	x.opts = excelize.RowOpts{StyleID: text}
	return nil
}

// colWidth is a column's width in characters: its header with some
// margin, at least 12 (room for a phone number or a date) and at most 60.
func colWidth(header string) float64 {
	w := float64(utf8.RuneCountInString(header)) + 4
	return min(max(w, 12), 60)
}

// write appends one record as the next row. It checks the record before
// writing anything, so a refused record leaves no gap.
func (x *xlsxWriter) write(values []string) error {
	if x.rows-1 >= maxXLSXDataRows {
		return fmt.Errorf("an XLSX sheet holds at most %d records under its header", maxXLSXDataRows)
	}
	return x.writeRow(values, x.opts)
}

func (x *xlsxWriter) writeRow(values []string, opts excelize.RowOpts) error {
	if len(values) > excelize.MaxColumns {
		return fmt.Errorf("%d values: an XLSX sheet holds at most %d columns", len(values), excelize.MaxColumns)
	}
	for _, v := range values {
		// excelize would silently cut a longer value; refuse the record
		// instead. UTF-8 is never shorter than UTF-16, so only long values
		// need counting.
		if len(v) > excelize.TotalCellChars {
			if n := utf16Len(v); n > excelize.TotalCellChars {
				return fmt.Errorf("a value of %d characters: an XLSX cell holds at most %d", n, excelize.TotalCellChars)
			}
		}
	}
	row := x.row[:0]
	for _, v := range values {
		if v == "" {
			row = append(row, nil) // no cell: reads back as "" all the same
		} else {
			row = append(row, v) // a string: an inline string, never a number or formula
		}
	}
	x.row = row
	cell, err := excelize.CoordinatesToCellName(1, x.rows+1)
	if err != nil {
		return err
	}
	if err := x.sw.SetRow(cell, row, opts); err != nil {
		return err
	}
	clear(row) // drop the references to this record's strings
	x.rows++
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s { // invalid UTF-8 ranges as U+FFFD: one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// save ends the stream and writes the workbook to w.
//
// File.Write (like SaveAs) builds the whole zip in a bytes.Buffer before
// copying it out: peak RSS grew with the output (69 MB for 10 k rows,
// 89 MB for 100 k, 184 MB for 400 k x 20 columns). So the zip writer
// excelize is given writes straight to w, and the buffer stays empty. With
// excelize v2.11.0 that buffer is only post-processed for zip64 entries
// (a sheet over 4 GiB of XML, where excelize sets the local headers'
// "version needed" to 4.5 for Excel; archive/zip writes valid zip64 all
// the same) and for password encryption, which is not used here. Should a
// later excelize write anything to that buffer, save fails instead of
// producing a broken file.
func (x *xlsxWriter) save(w io.Writer) error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	x.file.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return x.file.Write(strayWriter{})
}

// strayWriter fails any write: the bytes that excelize would copy out of
// its buffer after the zip was written to the real output.
type strayWriter struct{}

func (strayWriter) Write(p []byte) (int, error) {
	return 0, fmt.Errorf("excelize wrote %d bytes past the zip writer", len(p))
}

// close releases excelize's temporary files and tmpDir.
func (x *xlsxWriter) close() error {
	return errors.Join(x.file.Close(), os.RemoveAll(x.tmpDir))
}
