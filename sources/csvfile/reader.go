package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// recordReader splits a decoded text stream into CSV records. It follows
// encoding/csv (RFC 4180, "" inside quotes, CRLF read as LF, empty lines
// skipped, LazyQuotes, Comment) with three differences that matter on
// hostile input:
//
//   - memory is bounded: a record longer than maxRecord bytes is a fatal
//     *limitError, found before the record is held whole;
//   - a malformed record costs only its first line: when a record that
//     starts on line L cannot be parsed (a stray quote that is never closed,
//     or closed in the wrong place), line L alone is rejected and parsing
//     resumes on line L+1, so one stray quote cannot swallow the file;
//   - the rejected line's cells are recovered as well as they can be (the
//     line split on the delimiter with quotes taken literally where they
//     do not balance).
type recordReader struct {
	r     io.Reader
	buf   []byte
	start int // buf[start:end] is read but not consumed
	end   int
	eof   bool
	rerr  error // a read error other than io.EOF, returned once buf is used up
	line  int   // physical line number of buf[start]
	base  int64 // offset in the input of buf[0]

	comma     []byte
	comment   []byte
	lazy      bool
	maxRecord int

	rec    []byte // the current record's field bytes, unquoted
	ends   []int  // end offset in rec of each field
	fields []string
}

// parseError is a record that could not be parsed. The record's first line
// has been consumed; line is where the problem is.
type parseError struct {
	startLine int
	line, col int
	err       error // csv.ErrQuote or csv.ErrBareQuote
	raw       []string
	multiLine bool // the record ran past its first line
}

func (e *parseError) Error() string {
	return fmt.Sprintf("line %d, byte %d: %v", e.line, e.col, e.err)
}

// limitError is a record longer than the limit: fatal, since the next
// record boundary cannot be found without reading the record.
type limitError struct {
	line  int
	limit int
}

func (e *limitError) Error() string {
	return fmt.Sprintf("line %d: a record longer than %s (source.limits.max_record); is this really a CSV file?", e.line, sizeName(int64(e.limit)))
}

const minReadSize = 64 << 10

func newRecordReader(r io.Reader, comma, comment rune, lazy bool, maxRecord int) *recordReader {
	rr := &recordReader{r: r, line: 1, lazy: lazy, maxRecord: maxRecord}
	rr.comma = utf8.AppendRune(nil, comma)
	if comment != 0 {
		rr.comment = utf8.AppendRune(nil, comment)
	}
	rr.buf = make([]byte, minReadSize*2)
	return rr
}

// fill reads more input, keeping buf[start:end]. It returns false when
// there is no more to read.
func (rr *recordReader) fill() bool {
	if rr.eof {
		return false
	}
	if rr.start > 0 && (rr.end == len(rr.buf) || rr.start > len(rr.buf)/2) {
		n := copy(rr.buf, rr.buf[rr.start:rr.end])
		rr.base += int64(rr.start)
		rr.start, rr.end = 0, n
	}
	if len(rr.buf)-rr.end < minReadSize {
		nb := make([]byte, max(2*len(rr.buf), rr.end+minReadSize))
		copy(nb, rr.buf[rr.start:rr.end])
		rr.base += int64(rr.start)
		rr.end -= rr.start
		rr.start = 0
		rr.buf = nb
	}
	for range 100 {
		n, err := rr.r.Read(rr.buf[rr.end:])
		rr.end += n
		if err != nil {
			rr.eof = true
			if err != io.EOF {
				rr.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	rr.eof, rr.rerr = true, io.ErrNoProgress
	return false
}

// offset is where in the input the next record (or the blank lines
// before it) starts, and line its line number.
func (rr *recordReader) offset() (int64, int) { return rr.base + int64(rr.start), rr.line }

// restart reads r from here on, as input offset off, line line: what a
// seek to an earlier offset() leaves.
func (rr *recordReader) restart(r io.Reader, off int64, line int) {
	rr.r, rr.base, rr.line = r, off, line
	rr.start, rr.end, rr.eof, rr.rerr = 0, 0, false, nil
}

// errNeedMore: the buffered data ends inside the record.
var errNeedMore = errors.New("need more input")

// next returns the next record's fields (valid until the next call) and
// the line it starts on.
func (rr *recordReader) next() ([]string, int, error) {
	for {
		if rr.start == rr.end && !rr.fill() {
			if rr.rerr != nil {
				return nil, rr.line, rr.rerr
			}
			return nil, rr.line, io.EOF
		}
		data := rr.buf[rr.start:rr.end]
		// Empty lines and comments between records.
		if data[0] == '\n' {
			rr.start++
			rr.line++
			continue
		}
		if data[0] == '\r' {
			if len(data) == 1 && !rr.eof {
				rr.fill()
				continue
			}
			if len(data) > 1 && data[1] == '\n' {
				rr.start += 2
				rr.line++
				continue
			}
		}
		if rr.comment != nil && bytes.HasPrefix(data, rr.comment) {
			if err := rr.skipLine(); err != nil {
				return nil, rr.line, err
			}
			continue
		}
		n, lines, err := rr.parse(data, rr.eof, rr.lazy)
		if err == errNeedMore {
			if rr.end-rr.start > rr.maxRecord {
				return nil, rr.line, rr.tooLong()
			}
			rr.fill()
			continue
		}
		if rr.rerr != nil && n == len(data) {
			// The read failed: do not report a cut-off record as data.
			return nil, rr.line, rr.rerr
		}
		line := rr.line
		var pe *parseError
		if errors.As(err, &pe) {
			return nil, line, rr.recoverLine(pe)
		}
		if n > rr.maxRecord {
			return nil, line, &limitError{line: line, limit: rr.maxRecord}
		}
		rr.start += n
		rr.line += lines
		return rr.fields, line, nil
	}
}

// tooLong reports a record over the limit: fatal, but a record that ran
// past its first line inside quotes is more likely a stray quote, so its
// first line is rejected alone and reading goes on.
func (rr *recordReader) tooLong() error {
	data := rr.buf[rr.start:rr.end]
	if i := bytes.IndexByte(data, '\n'); i >= 0 && i < rr.maxRecord {
		return rr.recoverLine(&parseError{startLine: rr.line, line: rr.line, col: 1, err: csv.ErrQuote, multiLine: true})
	}
	return &limitError{line: rr.line, limit: rr.maxRecord}
}

// recoverLine consumes the first line of the failed record, recovers its
// cells, and returns the error with them. The parse may have failed before
// the whole line was read (a quote closed in the wrong place near the start
// of a long line), so the line is read to its end first: up to maxRecord
// bytes are held for the cells, and the rest of a longer line is skipped.
func (rr *recordReader) recoverLine(pe *parseError) error {
	data := rr.buf[rr.start:rr.end]
	i := bytes.IndexByte(data, '\n')
	for i < 0 && len(data) <= rr.maxRecord && rr.fill() {
		data = rr.buf[rr.start:rr.end]
		i = bytes.IndexByte(data, '\n')
	}
	lineLen := len(data)
	if i >= 0 {
		lineLen = i + 1
	}
	pe.startLine = rr.line
	pe.multiLine = pe.multiLine || pe.line > rr.line
	text := bytes.TrimSuffix(bytes.TrimSuffix(data[:lineLen], []byte{'\n'}), []byte{'\r'})
	if _, _, err := rr.parse(text, true, true); err == nil {
		pe.raw = append([]string(nil), rr.fields...)
	} else {
		pe.raw = []string{string(text)}
	}
	rr.start += lineLen
	if i < 0 && !rr.eof {
		// Longer than maxRecord. A read error while skipping is kept in
		// rr.rerr and returned by the next call.
		_ = rr.skipLine()
		return pe
	}
	rr.line++
	return pe
}

// skipLine consumes one line without holding it whole.
func (rr *recordReader) skipLine() error {
	for {
		data := rr.buf[rr.start:rr.end]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			rr.start += i + 1
			rr.line++
			return nil
		}
		rr.start = rr.end
		if !rr.fill() {
			return rr.rerr
		}
	}
}

// noLineEnd is parse's lineEnd when data holds no further '\n'.
const noLineEnd = -2

// parse parses one record at the start of data. It returns the bytes and
// lines consumed, errNeedMore when data ends inside the record and more may
// come, or a *parseError. On success rr.fields holds the fields.
func (rr *recordReader) parse(data []byte, eof, lazy bool) (n, lines int, err error) {
	rr.rec = rr.rec[:0]
	rr.ends = rr.ends[:0]
	comma := rr.comma
	i := 0
	// lineEnd is the index of the first '\n' at or after the last unquoted
	// field's start, found once per line rather than once per field;
	// noLineEnd when data holds none.
	lineEnd := -1
	// fail reports a parse error at byte at of data: its physical line and
	// column, counted back from at (error paths only, so the scan is cheap).
	fail := func(at int, err error) *parseError {
		ls := bytes.LastIndexByte(data[:at], '\n') + 1
		nl := bytes.Count(data[:ls], []byte{'\n'})
		return &parseError{line: rr.line + nl, col: utf8.RuneCount(data[ls:at]) + 1, err: err, multiLine: nl > 0}
	}
	for {
		// One field, starting at i.
		if i < len(data) && data[i] == '"' {
			quoteAt := i
			i++
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					if !eof {
						return 0, 0, errNeedMore
					}
					if !lazy {
						pe := fail(quoteAt, csv.ErrQuote)
						pe.multiLine = pe.multiLine || bytes.IndexByte(data[quoteAt:], '\n') >= 0
						return 0, 0, pe
					}
					seg := data[i:]
					lines += rr.appendQuoted(seg)
					i = len(data)
					rr.ends = append(rr.ends, len(rr.rec))
					return i, lines, rr.finish()
				}
				seg := data[i : i+j]
				lines += rr.appendQuoted(seg)
				i += j + 1
				if i == len(data) {
					if !eof {
						return 0, 0, errNeedMore
					}
					rr.ends = append(rr.ends, len(rr.rec))
					return i, lines, rr.finish()
				}
				switch c := data[i]; {
				case c == '"':
					rr.rec = append(rr.rec, '"')
					i++
					continue
				case bytes.HasPrefix(data[i:], comma):
					i += len(comma)
					rr.ends = append(rr.ends, len(rr.rec))
				case c == '\n':
					rr.ends = append(rr.ends, len(rr.rec))
					return i + 1, lines + 1, rr.finish()
				case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
					rr.ends = append(rr.ends, len(rr.rec))
					return i + 2, lines + 1, rr.finish()
				case c == '\r' && i+1 == len(data) && !eof:
					return 0, 0, errNeedMore
				case !eof && len(data)-i < len(comma) && bytes.HasPrefix(comma, data[i:]):
					return 0, 0, errNeedMore // a multi-byte delimiter cut by the read
				case lazy:
					rr.rec = append(rr.rec, '"')
					continue
				default:
					return 0, 0, fail(i, csv.ErrQuote)
				}
				break
			}
			continue
		}
		// An unquoted field: up to the next delimiter or the end of line.
		rest := data[i:]
		if lineEnd < i && lineEnd != noLineEnd {
			// The first field, or a quoted field ran past the line end found.
			lineEnd = bytes.IndexByte(rest, '\n')
			if lineEnd >= 0 {
				lineEnd += i
			} else {
				lineEnd = noLineEnd
			}
		}
		nl := -1
		if lineEnd != noLineEnd {
			nl = lineEnd - i
		}
		if nl < 0 && !eof {
			return 0, 0, errNeedMore
		}
		f := rest
		if nl >= 0 {
			f = rest[:nl]
		}
		last := true
		if k := bytes.Index(f, comma); k >= 0 {
			f, last = f[:k], false
		}
		if last && len(f) > 0 && f[len(f)-1] == '\r' && nl >= 0 {
			f = f[:len(f)-1]
		}
		if !lazy {
			if q := bytes.IndexByte(f, '"'); q >= 0 {
				return 0, 0, fail(i+q, csv.ErrBareQuote)
			}
		}
		rr.rec = append(rr.rec, f...)
		rr.ends = append(rr.ends, len(rr.rec))
		if !last {
			i += len(f) + len(comma)
			continue
		}
		if nl < 0 {
			return len(data), lines, rr.finish()
		}
		return i + nl + 1, lines + 1, rr.finish()
	}
}

// appendQuoted appends the inside of a quoted field, CRLF read as LF, and
// returns the number of line breaks in it.
func (rr *recordReader) appendQuoted(seg []byte) int {
	lines := 0
	for {
		k := bytes.IndexByte(seg, '\n')
		if k < 0 {
			rr.rec = append(rr.rec, seg...)
			return lines
		}
		part := seg[:k]
		if len(part) > 0 && part[len(part)-1] == '\r' {
			part = part[:len(part)-1]
		}
		rr.rec = append(rr.rec, part...)
		rr.rec = append(rr.rec, '\n')
		seg = seg[k+1:]
		lines++
	}
}

// finish turns rec and ends into fields, with one string allocation.
func (rr *recordReader) finish() error {
	s := string(rr.rec)
	rr.fields = rr.fields[:0]
	prev := 0
	for _, e := range rr.ends {
		rr.fields = append(rr.fields, s[prev:e])
		prev = e
	}
	return nil
}

func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
