// Package csvfile reads delimited text files (CSV, semicolon- or
// tab-separated) as a sources.Source, streaming: memory stays flat whatever
// the file size. It detects the delimiter, the encoding (UTF-8 with or
// without BOM, UTF-16 with BOM, Windows-1252) and the line ending; it reads
// quoted fields holding delimiters, quotes and newlines; and it reports
// ragged and malformed rows as *sources.RowError with their physical line.
package csvfile

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/internal/header"
)

// Options tune Open. The zero value detects everything and takes the first
// non-blank line as the header.
type Options struct {
	// Delimiter separates fields; 0 detects it among , ; TAB and |.
	Delimiter rune
	// Encoding is "" to detect, or one of "utf-8", "utf-16le", "utf-16be",
	// "windows-1252" (also "cp1252", "latin1", "iso-8859-1") or
	// "iso-8859-15". A byte order mark matching it is skipped.
	Encoding string
	// HeaderRow is the 1-based line where the header is; 0 means 1. Lines
	// before it (a title, an export date) are skipped, even when malformed,
	// and the header is the first non-blank line at or after it.
	HeaderRow int
	// Comment, when not 0, makes lines starting with it be skipped.
	Comment rune
	// LazyQuotes accepts a quote inside an unquoted field (5" display) and
	// a stray quote inside a quoted one, instead of reporting the row as
	// malformed.
	LazyQuotes bool
}

// Source reads one CSV file. It implements sources.Source. It is not safe
// for concurrent use.
type Source struct {
	path    string
	file    *os.File
	r       *csv.Reader
	guard   *utf8Guard // nil unless the file is read as UTF-8
	dialect Dialect
	header  []string
	closed  bool
	report  bool // a file leadsync wrote: cells are restored (leadsync.go)

	// spare is backing store handed out as Record.Values: one allocation
	// per many rows instead of one per row.
	spare []string
}

var _ sources.Source = (*Source)(nil)

// readBufferSize is the bufio buffer under the csv parser: large reads keep
// system calls (and guard checks) off the per-row cost.
const readBufferSize = 64 << 10

// valuesPerAlloc is how many fields one backing allocation of
// Record.Values holds.
const valuesPerAlloc = 4096

// Open opens the file, detects what opts leave open, and reads the header.
// A blank or duplicate header name is a *sources.HeaderError; a file with no
// non-blank line is sources.ErrNoHeader.
func Open(path string, opts Options) (*Source, error) {
	if opts.HeaderRow < 0 {
		return nil, fmt.Errorf("%s: header row %d: must be 1 or more", path, opts.HeaderRow)
	}
	if opts.HeaderRow == 0 {
		opts.HeaderRow = 1
	}
	if err := checkDelimiters(opts.Delimiter, opts.Comment); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := open(path, f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func open(path string, f *os.File, opts Options) (*Source, error) {
	d, err := sniff(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkDelimiters(d.Delimiter, opts.Comment); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	start := int64(0)
	if d.BOM {
		start = int64(len(bomFor(d.Encoding)))
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}

	s := &Source{path: path, file: f, dialect: d}
	var in io.Reader = f
	if dec := decoder(d.Encoding); dec != nil {
		in = transform.NewReader(f, dec)
	} else {
		s.guard = &utf8Guard{r: f}
		in = s.guard
	}
	if d.LineEnding == CR {
		in = crToLF{in}
	}
	s.r = csv.NewReader(bufio.NewReaderSize(in, readBufferSize))
	s.r.Comma = d.Delimiter
	s.r.Comment = opts.Comment
	s.r.LazyQuotes = opts.LazyQuotes
	s.r.FieldsPerRecord = -1 // ragged rows are ours to report, with counts
	s.r.ReuseRecord = true

	if err := s.readHeader(opts.HeaderRow); err != nil {
		return nil, err
	}
	return s, nil
}

func checkDelimiters(delim, comment rune) error {
	for _, r := range []rune{delim, comment} {
		if r == '\r' || r == '\n' || r == '"' || r == utf8.RuneError || (r != 0 && !utf8.ValidRune(r)) {
			return fmt.Errorf("%w %q", ErrBadDelimiter, r)
		}
	}
	if delim != 0 && delim == comment {
		return fmt.Errorf("%w: delimiter and comment are both %q", ErrBadDelimiter, delim)
	}
	return nil
}

func (s *Source) readHeader(headerRow int) error {
	for {
		fields, err := s.r.Read()
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return fmt.Errorf("%s: %w", s.path, sources.ErrNoHeader)
		case errors.As(err, &pe) && pe.StartLine < headerRow:
			continue // a malformed title line above the header
		case err != nil:
			return fmt.Errorf("%s: header: %w", s.path, err)
		}
		line, _ := s.r.FieldPos(0)
		if line < headerRow || isBlank(fields) {
			continue
		}
		for i, name := range fields {
			if !utf8.ValidString(name) {
				return &sources.HeaderError{File: s.path, Row: line, Column: columnNumber(i), Err: errNotUTF8}
			}
		}
		s.restoreReport(fields, true)
		s.header, err = header.Names(s.path, line, fields, columnNumber)
		return err
	}
}

func columnNumber(i int) string { return strconv.Itoa(i + 1) }

var errNotUTF8 = fmt.Errorf("%w: not valid UTF-8 (if the file is Windows-1252, set its encoding)", sources.ErrInvalidEncoding)

// Header returns a copy of the column names.
func (s *Source) Header() []string { return clone(s.header) }

// Dialect returns the dialect the file is read with.
func (s *Source) Dialect() Dialect { return s.dialect }

// Next returns the next non-blank record; see sources.Source. A record with
// more fields than the header is accepted when the extra fields are empty
// (a trailing delimiter); with fewer, or extra non-empty ones, it is a
// *sources.RowError wrapping sources.ErrRaggedRow. A misplaced quote is a
// *sources.RowError wrapping sources.ErrMalformedRow and the csv cause
// (csv.ErrQuote, csv.ErrBareQuote).
func (s *Source) Next(ctx context.Context) (sources.Record, error) {
	if s.closed {
		return sources.Record{}, sources.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return sources.Record{}, err
	}
	for {
		fields, err := s.r.Read()
		s.restoreReport(fields, false)
		if err != nil {
			return sources.Record{}, s.readError(fields, err)
		}
		if isBlank(fields) {
			continue
		}
		row, _ := s.r.FieldPos(0)
		if n := len(s.header); len(fields) != n {
			if len(fields) < n || !isBlank(fields[n:]) {
				return sources.Record{}, &sources.RowError{File: s.path, Row: row, Raw: clone(fields),
					Err: fmt.Errorf("%w: %d fields, the header has %d", sources.ErrRaggedRow, len(fields), n)}
			}
			fields = fields[:n]
		}
		if s.guard != nil && s.guard.invalid {
			for i, v := range fields {
				if !utf8.ValidString(v) {
					return sources.Record{}, &sources.RowError{File: s.path, Row: row, Column: s.header[i],
						Raw: clone(fields), Err: errNotUTF8}
				}
			}
		}
		values := s.alloc(len(fields))
		copy(values, fields)
		return sources.Record{Row: row, Values: values}, nil
	}
}

func (s *Source) readError(fields []string, err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &sources.RowError{File: s.path, Row: pe.StartLine, Raw: clone(fields),
			Err: fmt.Errorf("%w: %w (line %d, byte %d)", sources.ErrMalformedRow, pe.Err, pe.Line, pe.Column)}
	}
	return fmt.Errorf("%s: %w", s.path, err)
}

// alloc returns a slice of n strings carved from a shared backing array. Its
// capacity is n, so a caller's append cannot reach a neighbour's values.
func (s *Source) alloc(n int) []string {
	if len(s.spare) < n {
		s.spare = make([]string, max(valuesPerAlloc, n))
	}
	v := s.spare[:n:n]
	s.spare = s.spare[n:]
	return v
}

// Close closes the file. It is safe to call more than once.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.file.Close()
}

// isBlank reports whether every field is empty or white space: an empty
// line, or one of only delimiters, as spreadsheets export empty rows.
func isBlank(fields []string) bool {
	for _, f := range fields {
		if f != "" && strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func clone(fields []string) []string {
	if fields == nil {
		return nil
	}
	return append([]string(nil), fields...)
}

// crToLF reads a CR-terminated file as LF-terminated, since encoding/csv
// knows only LF and CRLF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
