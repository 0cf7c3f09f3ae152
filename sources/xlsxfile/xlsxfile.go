// Package xlsxfile reads one sheet of an Excel workbook (.xlsx) as a
// sources.Source, through excelize's streaming row iterator. Values read as
// the user meant them: a phone stored as a number keeps all its digits, a
// postcode stored as text keeps its leading zero, a date becomes ISO 8601
// (2006-01-02, or 2006-01-02T15:04:05 when its format shows a time), a
// formula gives its cached value. See numfmt.go for the exact rules.
package xlsxfile

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/internal/header"
)

// Options tune Open. The zero value reads the first sheet with its header on
// the first non-blank row.
type Options struct {
	// Sheet is a sheet name, or "#2" for the second sheet in workbook order;
	// "" means the first sheet. A name matches case-insensitively, as in
	// Excel.
	Sheet string
	// HeaderRow is the sheet row where the header is; 0 means 1. Rows above
	// it are skipped, and the header is the first non-blank row at or after
	// it.
	HeaderRow int
	// TmpDir is where excelize unpacks large worksheets (about 10 times the
	// .xlsx size); "" means the system's temporary folder. Open creates it.
	// Close removes the files; after a killed run, SweepTmp does.
	TmpDir string
	// Limits bound unpacked sizes and the shared-strings table; zero
	// fields mean the defaults.
	Limits sources.Limits
}

// ErrSheetNotFound: Options.Sheet names no sheet of the workbook.
var ErrSheetNotFound = errors.New("sheet not found")

// Source reads one sheet. It implements sources.Source. It is not safe for
// concurrent use.
type Source struct {
	path   string
	file   *excelize.File
	rows   *excelize.Rows
	sheet  string
	header []string
	row    int // the sheet row of the last rows.Next
	closed bool
}

var _ sources.Source = (*Source)(nil)

// Open opens the workbook, picks the sheet and reads the header. A blank or
// duplicate header name is a *sources.HeaderError; a sheet with no non-blank
// row is sources.ErrNoHeader. excelize's default UnzipSizeLimit stays in
// force against zip bombs.
func Open(path string, opts Options) (*Source, error) {
	if opts.HeaderRow < 0 {
		return nil, fmt.Errorf("%s: header row %d: must be 1 or more", path, opts.HeaderRow)
	}
	if opts.HeaderRow == 0 {
		opts.HeaderRow = 1
	}
	opts.Limits = opts.Limits.WithDefaults()
	wb, err := precheck(path, opts.Limits)
	if err != nil {
		return nil, err
	}
	f, err := openFile(path, opts.TmpDir, opts.Limits, wb.xmlLimit)
	if err != nil {
		return nil, err
	}
	s, err := open(path, f, opts, wb.lens)
	if err != nil {
		if s != nil && s.rows != nil {
			s.rows.Close()
		}
		f.Close()
		return nil, err
	}
	return s, nil
}

func openFile(path, tmpDir string, lim sources.Limits, xmlLimit int64) (*excelize.File, error) {
	if tmpDir != "" {
		if err := os.MkdirAll(tmpDir, 0o700); err != nil {
			return nil, err
		}
	}
	f, err := excelize.OpenFile(path, excelize.Options{TmpDir: tmpDir,
		UnzipSizeLimit: lim.MaxUnzipBytes, UnzipXMLSizeLimit: xmlLimit})
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			err = fmt.Errorf("%w (not an .xlsx workbook; an old .xls must be saved as .xlsx or CSV)", err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func open(path string, f *excelize.File, opts Options, lens []int32) (*Source, error) {
	sheet, err := pickSheet(f.GetSheetList(), opts.Sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := normalizeNumberFormats(f); err != nil {
		return nil, fmt.Errorf("%s: styles: %w", path, err)
	}
	part, err := sheetPart(path, sheet)
	if err != nil {
		return nil, err
	}
	bound := func(r io.Reader) io.Reader { return sheetBoundReader(r, opts.Limits, lens) }
	if _, err := checkSheet(path, sheet, part, len(lens), bound); err != nil {
		return nil, err
	}
	s := &Source{path: path, file: f, sheet: sheet}
	if s.rows, err = f.Rows(sheet); err != nil {
		return s, fmt.Errorf("%s: sheet %q: %w", path, sheet, err)
	}
	for s.rows.Next() {
		s.row++
		if s.row < opts.HeaderRow {
			continue
		}
		cells, err := s.rows.Columns()
		if err != nil {
			return s, fmt.Errorf("%s: sheet %q: row %d: %w", path, sheet, s.row, err)
		}
		if isBlank(cells) {
			continue
		}
		s.header, err = header.Names(path, s.row, cells, columnLetter)
		return s, err
	}
	if err := s.rows.Error(); err != nil {
		return s, fmt.Errorf("%s: sheet %q: %w", path, sheet, err)
	}
	if opts.HeaderRow > 1 && s.row < opts.HeaderRow {
		return s, fmt.Errorf("%s: sheet %q: %w: source.header_row is %d but the sheet has only %d rows; set header_row to the row that holds the column names",
			path, sheet, sources.ErrNoHeader, opts.HeaderRow, s.row)
	}
	return s, nil // an empty sheet: no header, no rows
}

// pickSheet resolves Options.Sheet against the workbook's sheet names.
func pickSheet(names []string, want string) (string, error) {
	if len(names) == 0 {
		return "", fmt.Errorf("%w: the workbook has no sheets", ErrSheetNotFound)
	}
	if want == "" {
		return names[0], nil
	}
	for _, n := range names {
		if n == want {
			return n, nil
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, want) {
			return n, nil
		}
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(want, "#")); err == nil && strings.HasPrefix(want, "#") {
		if i >= 1 && i <= len(names) {
			return names[i-1], nil
		}
		return "", fmt.Errorf("%w: %q: the workbook has %d sheets", ErrSheetNotFound, want, len(names))
	}
	return "", fmt.Errorf("%w: %q: the workbook has %s", ErrSheetNotFound, want, quoteList(names))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Sheets returns the workbook's sheet names in workbook order, for
// `leadsync inspect`.
func Sheets(path string) ([]string, error) {
	lim := sources.Limits{}.WithDefaults()
	wb, err := precheck(path, lim)
	if err != nil {
		return nil, err
	}
	f, err := openFile(path, "", lim, wb.xmlLimit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.GetSheetList(), nil
}

// SweepTmp removes the temporary files excelize left in dir when an earlier
// run was killed before Close. Call it at start-up, before any Open with
// that TmpDir, and only when no other run uses dir (the job lock ensures
// that). A missing dir is not an error.
func SweepTmp(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, "excelize-*"))
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range matches {
		if err := os.RemoveAll(m); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Header returns a copy of the column names.
func (s *Source) Header() []string { return append([]string(nil), s.header...) }

// Sheet returns the name of the sheet being read.
func (s *Source) Sheet() string { return s.sheet }

// Next returns the next non-blank row; see sources.Source. A row shorter
// than the header is padded with empty values (spreadsheets do not store
// trailing empty cells). A value right of the header's last column is a
// *sources.RowError wrapping sources.ErrRaggedRow.
func (s *Source) Next(ctx context.Context) (sources.Record, error) {
	if s.closed {
		return sources.Record{}, sources.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return sources.Record{}, err
	}
	for s.rows.Next() {
		s.row++
		cells, err := s.rows.Columns()
		if err != nil {
			return sources.Record{}, &sources.RowError{File: s.path, Row: s.row, Raw: cells,
				Err: fmt.Errorf("%w: %w", sources.ErrMalformedRow, err)}
		}
		if isBlank(cells) {
			continue
		}
		n := len(s.header)
		if len(cells) > n {
			if i := firstNonBlank(cells[n:]); i >= 0 {
				return sources.Record{}, &sources.RowError{File: s.path, Row: s.row, Raw: cells,
					Err: fmt.Errorf("%w: cell %s%d holds %q, right of the header's last column %s (%d cells, the header has %d)",
						sources.ErrRaggedRow, columnLetter(n+i), s.row, cells[n+i], columnLetter(n-1), len(cells), n)}
			}
			cells = cells[:n]
		}
		values := make([]string, n)
		copy(values, cells)
		return sources.Record{Row: s.row, Values: values}, nil
	}
	if err := s.rows.Error(); err != nil {
		return sources.Record{}, fmt.Errorf("%s: sheet %q: %w", s.path, s.sheet, err)
	}
	return sources.Record{}, io.EOF
}

// Close closes the sheet and the workbook and removes excelize's temporary
// files. It is safe to call more than once.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.rows.Close(), s.file.Close())
}

func columnLetter(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

func isBlank(cells []string) bool { return firstNonBlank(cells) < 0 }

func firstNonBlank(cells []string) int {
	for i, c := range cells {
		if c != "" && strings.TrimSpace(c) != "" {
			return i
		}
	}
	return -1
}
