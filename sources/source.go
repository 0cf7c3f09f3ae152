// Package sources defines how leadsync reads input records: the Source
// interface that the pipeline consumes, the Record it yields, the errors a
// source reports (so that every message can name the file, row and
// column), the Limits of one input, and the Pager, the shape of an API
// source that reads a vendor a page at a time.
//
// The file formats live in subpackages: csvfile and xlsxfile. The API
// sources are the vendors' own: each Pager lives in its vendor's package
// (sinks/tiledesk, sinks/liondesk, sinks/leadsquared, file source.go),
// and staged turns any Pager into a Source that resumes at the page after
// the last one committed to state. sourcetest is the conformance suite
// every Pager passes against its vendor's emulator.
package sources

//go:generate go run ./internal/genfixtures -out ../testdata/sources

import (
	"context"
	"errors"
	"fmt"
)

// Record is one data row.
type Record struct {
	// Row is the 1-based line number in the file where the record starts.
	// CSV: the physical line, so a quoted newline does not shift later rows.
	// XLSX: the sheet row number.
	Row int
	// Values is aligned with Header(): len(Values) == len(Header()).
	// The slice is owned by the caller; the source never touches it again.
	Values []string
}

// Source streams records from one input. It never holds the whole input in
// memory.
//
// Next returns the next record, or io.EOF at the end. A bad row (ragged,
// undecodable) is returned as a *RowError whose Raw holds what could be read;
// the caller records it and calls Next again. Any other error is fatal: the
// caller stops and calls Close. Next checks ctx before reading.
//
// Close releases the file and any temporary files; it is safe to call twice.
type Source interface {
	// Header returns the column names, in file order. Names are unique and
	// non-empty (a source refuses to open otherwise). The slice is a copy.
	Header() []string
	Next(ctx context.Context) (Record, error)
	Close() error
}

// A Seeker is a Source that can say where its next record starts and
// start there again, in a later process: a resumed export then goes on
// after its committed records without reading them. A position is opaque
// text, good only for the same input (a resumed run's fingerprint sees to
// that); Position is asked between two calls of Next.
type Seeker interface {
	Position() string
	Seek(pos string) error
}

// Sentinel causes, compared with errors.Is.
var (
	// ErrRaggedRow: a row has a different number of fields than the header
	// (CSV: fewer, or extra non-empty ones; XLSX: a value right of the last
	// header column). The wrapping message gives the counts.
	ErrRaggedRow = errors.New("ragged row")
	// ErrMalformedRow: a row could not be parsed (CSV: a misplaced quote).
	ErrMalformedRow = errors.New("malformed row")
	// ErrInvalidEncoding: a field holds bytes that are not valid in the
	// file's encoding (a Windows-1252 byte in a file read as UTF-8, say).
	ErrInvalidEncoding = errors.New("invalid encoding")
	// ErrDuplicateHeader: two header cells hold the same name (fatal, at open).
	ErrDuplicateHeader = errors.New("duplicate header name")
	// ErrBlankHeader: a header cell left of the last named one is empty
	// (fatal, at open).
	ErrBlankHeader = errors.New("blank header name")
	// ErrNoHeader: the input has no non-blank row at or after the header row
	// (fatal, at open).
	ErrNoHeader = errors.New("no header row")
	// ErrClosed: Next was called after Close.
	ErrClosed = errors.New("source closed")
)

// RowError reports one bad row. The row is skipped; the source can go on.
type RowError struct {
	File   string   // the path as given to Open
	Row    int      // as Record.Row
	Column string   // header name, or "" when the problem is not one column's
	Raw    []string // the fields that could be read, for the rejected-rows report
	Err    error    // the cause; errors.Is(err, ErrRaggedRow) and friends
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s: row %d, column %q: %v", e.File, e.Row, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: row %d: %v", e.File, e.Row, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// HeaderError reports a header the source refuses to open with: a blank or
// duplicate column name. The name itself cannot identify the column, so
// Column is its position as the user sees it: "3" in a CSV file, "C" in a
// spreadsheet.
type HeaderError struct {
	File   string
	Row    int
	Column string
	Name   string // the offending name ("" when blank)
	Err    error  // ErrBlankHeader or ErrDuplicateHeader, possibly wrapped
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("%s: row %d, column %s: %v", e.File, e.Row, e.Column, e.Err)
}

func (e *HeaderError) Unwrap() error { return e.Err }
