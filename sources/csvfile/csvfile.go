// Package csvfile reads delimited text files (CSV, semicolon- or
// tab-separated) as a sources.Source, streaming: memory stays flat whatever
// the file size. It detects the delimiter, the encoding (UTF-8 with or
// without BOM, UTF-16 with BOM, Windows-1252) and the line ending; it reads
// quoted fields holding delimiters, quotes and newlines; and it reports
// ragged and malformed rows as *sources.RowError with their physical line.
package csvfile

import (
	"context"
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
	// Limits bound record and field sizes; zero fields mean the defaults.
	Limits sources.Limits
}

// Source reads one CSV file. It implements sources.Source. It is not safe
// for concurrent use.
type Source struct {
	path    string
	file    *os.File
	r       *recordReader
	limits  sources.Limits
	empty   bool       // the file holds nothing: no header, no rows
	guard   *utf8Guard // nil unless the file is read as UTF-8
	dialect Dialect
	header  []string
	start   int64 // where the text starts in the file (after a byte order mark)
	closed  bool
	report  bool // a file leadsync wrote: cells are restored (leadsync.go)

	// spare is backing store handed out as Record.Values: one allocation
	// per many rows instead of one per row.
	spare []string
}

var (
	_ sources.Source = (*Source)(nil)
	_ sources.Seeker = (*Source)(nil)
)

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
	opts.Limits = opts.Limits.WithDefaults()
	f, _, err := sources.OpenFile(path)
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

	s := &Source{path: path, file: f, dialect: d, limits: opts.Limits, start: start}
	s.r = newRecordReader(s.input(), d.Delimiter, opts.Comment, opts.LazyQuotes, int(min(opts.Limits.MaxRecordBytes, 1<<40)))

	if err := s.readHeader(opts.HeaderRow); err != nil {
		return nil, err
	}
	return s, nil
}

// input is what the record reader reads: the file from where it is now,
// decoded to UTF-8 (or checked to be UTF-8), CR line ends made LF (byte
// for byte, so offsets stay the file's).
func (s *Source) input() io.Reader {
	var in io.Reader = s.file
	if dec := decoder(s.dialect.Encoding); dec != nil {
		in = transform.NewReader(s.file, dec)
		s.guard = nil
	} else {
		s.guard = &utf8Guard{r: s.file}
		in = s.guard
	}
	if s.dialect.LineEnding == CR {
		in = crToLF{in}
	}
	return in
}

// Position is where the record after the last one Next returned starts
// (sources.Seeker): its offset in the decoded text and its line, as
// "offset:line".
func (s *Source) Position() string {
	off, line := s.r.offset()
	return strconv.FormatInt(off, 10) + ":" + strconv.Itoa(line)
}

// Seek makes Next go on at pos, a Position of this very file (a resumed
// run's: the run's fingerprint ties it to the same bytes), without reading
// the records before it: a UTF-8 file is seeked; a transcoded one is
// decoded up to pos and the text dropped, unparsed.
func (s *Source) Seek(pos string) error {
	o, l, ok := strings.Cut(pos, ":")
	off, err1 := strconv.ParseInt(o, 10, 64)
	line, err2 := strconv.Atoi(l)
	if !ok || err1 != nil || err2 != nil || off < 0 || line < 1 {
		return fmt.Errorf("%s: bad position %q", s.path, pos)
	}
	if s.closed {
		return sources.ErrClosed
	}
	if s.empty {
		return fmt.Errorf("%s: position %q in an empty file", s.path, pos)
	}
	decoded := decoder(s.dialect.Encoding) != nil
	at := s.start
	if !decoded {
		at += off // the text is the file's bytes
	}
	if _, err := s.file.Seek(at, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	in := s.input()
	if decoded {
		if n, err := io.CopyN(io.Discard, in, off); err != nil {
			return fmt.Errorf("%s: position %q past the end (%d bytes): %w", s.path, pos, n, err)
		}
	}
	s.r.restart(in, off, line)
	return nil
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
		fields, line, err := s.r.next()
		var pe *parseError
		switch {
		case err == io.EOF && line <= 1:
			s.empty = true // nothing but blank lines: no header and no rows
			return nil
		case err == io.EOF && headerRow > 1:
			return fmt.Errorf("%s: %w: source.header_row is %d but the file has only %d lines; set header_row to the line that holds the column names",
				s.path, sources.ErrNoHeader, headerRow, line-1)
		case err == io.EOF:
			s.empty = true
			return nil
		case errors.As(err, &pe) && pe.startLine < headerRow:
			continue // a malformed title line above the header
		case errors.As(err, &pe):
			return fmt.Errorf("%s: header (line %d): %w; the column names must be plain or fully quoted (\"like, this\")", s.path, pe.startLine, s.malformed(pe))
		case err != nil:
			return s.fatal(err)
		}
		if line < headerRow || isBlank(fields) {
			continue
		}
		if len(fields) > maxColumns {
			return fmt.Errorf("%s: header (line %d): %d columns, more than %d; is this really a CSV file?", s.path, line, len(fields), maxColumns)
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

// maxColumns bounds the header: Excel's own limit.
const maxColumns = 16384

func columnNumber(i int) string { return strconv.Itoa(i + 1) }

var errNotUTF8 = fmt.Errorf("%w: not valid UTF-8 (if the file is Windows-1252, set its encoding)", sources.ErrInvalidEncoding)

// Header returns a copy of the column names.
func (s *Source) Header() []string { return clone(s.header) }

// Dialect returns the dialect the file is read with.
func (s *Source) Dialect() Dialect { return s.dialect }

// Empty reports whether the file holds no header and no rows (0 bytes, or
// only blank lines).
func (s *Source) Empty() bool { return s.empty }

// Next returns the next non-blank record; see sources.Source. A record
// shorter than the header is padded with empty values (exporters drop
// trailing empty cells); one with more fields than the header is accepted
// when the extra fields are empty (a trailing delimiter), and is a
// *sources.RowError wrapping sources.ErrRaggedRow when they are not. A
// misplaced quote is a *sources.RowError wrapping sources.ErrMalformedRow
// and csv.ErrQuote or csv.ErrBareQuote; it costs the record's first line
// only, and reading goes on with the next line.
func (s *Source) Next(ctx context.Context) (sources.Record, error) {
	if s.closed {
		return sources.Record{}, sources.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return sources.Record{}, err
	}
	if s.empty {
		return sources.Record{}, io.EOF
	}
	for {
		fields, row, err := s.r.next()
		s.restoreReport(fields, false)
		if err != nil {
			return sources.Record{}, s.readError(err)
		}
		if isBlank(fields) {
			continue
		}
		n := len(s.header)
		if len(fields) > n {
			if i := firstNonBlank(fields[n:]); i >= 0 {
				return sources.Record{}, &sources.RowError{File: s.path, Row: row, Raw: clone(fields),
					Err: fmt.Errorf("%w: %d fields, the header has %d; field %d holds %s", sources.ErrRaggedRow, len(fields), n, n+i+1, clip(fields[n+i], 40))}
			}
			fields = fields[:n]
		}
		for i, v := range fields {
			if int64(len(v)) > s.limits.MaxFieldBytes {
				raw := clone(fields)
				raw[i] = ""
				return sources.Record{}, &sources.RowError{File: s.path, Row: row, Column: s.header[i], Raw: raw,
					Err: fmt.Errorf("%w: the field holds %d bytes, more than %s (source.limits.max_field)", sources.ErrLimit, len(v), sizeName(s.limits.MaxFieldBytes))}
			}
		}
		if s.guard != nil && s.guard.invalid {
			for i, v := range fields {
				if !utf8.ValidString(v) {
					return sources.Record{}, &sources.RowError{File: s.path, Row: row, Column: s.header[i],
						Raw: clone(fields), Err: errNotUTF8}
				}
			}
		}
		values := s.alloc(n)
		copy(values, fields) // the rest stays "": a short row is padded
		return sources.Record{Row: row, Values: values}, nil
	}
}

func (s *Source) readError(err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var pe *parseError
	if errors.As(err, &pe) {
		return &sources.RowError{File: s.path, Row: pe.startLine, Raw: pe.raw, Err: s.malformed(pe)}
	}
	return s.fatal(err)
}

func (s *Source) malformed(pe *parseError) error {
	if pe.multiLine {
		return fmt.Errorf("%w: %w (line %d, byte %d): a quote opened on line %d is not closed where a field ends; line %d is rejected alone and reading goes on with line %d",
			sources.ErrMalformedRow, pe.err, pe.line, pe.col, pe.startLine, pe.startLine, pe.startLine+1)
	}
	return fmt.Errorf("%w: %w (line %d, byte %d)", sources.ErrMalformedRow, pe.err, pe.line, pe.col)
}

func (s *Source) fatal(err error) error {
	var le *limitError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w: %v", s.path, sources.ErrLimit, le)
	}
	return fmt.Errorf("%s: %w", s.path, err)
}

func clip(v string, n int) string {
	if len(v) <= n {
		return strconv.Quote(v)
	}
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return strconv.Quote(v[:n]) + "..."
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
func isBlank(fields []string) bool { return firstNonBlank(fields) < 0 }

func firstNonBlank(fields []string) int {
	for i, f := range fields {
		if f != "" && strings.TrimSpace(f) != "" {
			return i
		}
	}
	return -1
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
