package xlsxfile

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sources"
)

// boundReader passes a part's XML through unchanged and fails before an XML
// decoder (leadsync's checks, then excelize's) would hold an oversized
// value: the text of one unit (a cell <c> of a worksheet, an entry <si> of
// the shared strings: its values, runs, CDATA sections and formulas added
// up, as excelize joins them) or any other run of text longer than max
// bytes, or one tag, comment or declaration longer than max (at least
// minMarkup) bytes. Text is counted as decoded (an entity
// as the bytes it stands for), so the bound means what max_field means for
// a CSV field.
type boundReader struct {
	r    io.Reader
	max  int64
	unit string // "c" or "si"
	err  error

	st     int
	n      int64 // bytes of the current tag, comment, declaration or text run
	unitN  int64 // text bytes in the open unit
	inUnit bool

	// A worksheet's rows and cells add up: a shared-string cell counts its
	// string's length (lens, from checkSharedStrings).
	lens     []int32
	record   bool  // shared strings: append each entry's length to lens
	maxRow   int64 // max_record
	maxSheet int64 // max_sheet
	rowN     int64
	sheetN   int64
	shared   bool    // the open cell is t="s"
	idx      int64   // its index so far; -1 when not a plain number
	quote    byte    // the open attribute quote in a tag
	depth    int     // nesting of < > in a declaration
	tail     [2]byte // the last two bytes, for "-->" and "]]>"
	tag      [64]byte
	tagLen   int
	ent      [12]byte
	entLen   int

	// Where, for the message.
	row    int
	col    int
	ref    [16]byte
	refLen int
	entry  int
}

const (
	stText = iota
	stTag
	stComment
	stCDATA
	stDecl
	stEntity
)

// errValueTooLong is the boundReader's refusal; checkSheet and
// checkSharedStrings turn it into a message naming the file.
type errValueTooLong struct {
	what string // "cell B2 (row 2, column B)", "shared string 3", "a tag"
	max  int64
	opt  string // the limit's option; "" means max_field
}

func (e *errValueTooLong) Error() string {
	opt := e.opt
	if opt == "" {
		opt = "max_field"
	}
	return fmt.Sprintf("%s holds more than %s (source.limits.%s)", e.what, sizeName(uint64(e.max)), opt)
}

func newBoundReader(r io.Reader, max int64, unit string) *boundReader {
	return &boundReader{r: r, max: max, unit: unit}
}

// sharedBoundReader is a boundReader for the shared strings that notes
// each entry's length (at most max_field, so an int32).
func sharedBoundReader(r io.Reader, lim sources.Limits) *boundReader {
	return &boundReader{r: r, max: min(lim.MaxFieldBytes, 1<<31-1), unit: "si", record: true}
}

// sheetBoundReader is a boundReader for a worksheet that also bounds each
// row (max_record) and the whole sheet (max_sheet) by the values its cells
// stand for, shared strings at their length, so a small sheet cannot
// repeat a long shared string without end.
func sheetBoundReader(r io.Reader, lim sources.Limits, lens []int32) *boundReader {
	return &boundReader{r: r, max: lim.MaxFieldBytes, unit: "c", lens: lens, maxRow: lim.MaxRecordBytes, maxSheet: lim.MaxSheetBytes}
}

func (b *boundReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if e := b.scan(p[:n]); e != nil {
		b.err = e
		return 0, e
	}
	return n, err
}

func (b *boundReader) scan(p []byte) error {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch b.st {
		case stText:
			j := bytes.IndexAny(p[i:], "<&")
			if j < 0 {
				b.index(p[i:])
				return b.text(int64(len(p) - i))
			}
			if err := b.text(int64(j)); err != nil {
				return err
			}
			b.index(p[i : i+j])
			i += j
			if p[i] == '&' {
				b.st, b.entLen = stEntity, 0
				continue
			}
			b.st, b.n, b.tagLen, b.quote, b.depth, b.tail = stTag, 0, 0, 0, 0, [2]byte{}
		case stEntity:
			if c != ';' && c != '<' && b.entLen < len(b.ent) {
				b.ent[b.entLen] = c
				b.entLen++
				continue
			}
			if err := b.text(entityBytes(b.ent[:b.entLen], c == ';')); err != nil {
				return err
			}
			b.index(entityText(b.ent[:b.entLen], c == ';'))
			b.st = stText
			if c != ';' {
				i-- // not part of the reference: read it again as text
			}
		case stTag:
			if err := b.tagByte(c); err != nil {
				return err
			}
		case stComment:
			if err := b.markup(); err != nil {
				return err
			}
			if c == '>' && b.tail == [2]byte{'-', '-'} {
				b.st, b.n = stText, 0
			}
			b.tail = [2]byte{b.tail[1], c}
		case stCDATA:
			if c == '>' && b.tail == [2]byte{']', ']'} {
				b.st, b.n = stText, 0
			} else if err := b.text(1); err != nil {
				return err
			} else {
				b.index(p[i : i+1])
			}
			b.tail = [2]byte{b.tail[1], c}
		}
	}
	return nil
}

// tagByte reads one byte of markup after '<'.
func (b *boundReader) tagByte(c byte) error {
	if err := b.markup(); err != nil {
		return err
	}
	prev := b.tail[1]
	b.tail = [2]byte{prev, c}
	if b.tagLen < len(b.tag) {
		b.tag[b.tagLen] = c
	}
	b.tagLen++
	switch {
	case b.tagLen == 3 && string(b.tag[:3]) == "!--":
		b.st, b.tail = stComment, [2]byte{}
	case b.tagLen == 8 && string(b.tag[:8]) == "![CDATA[":
		b.st, b.n, b.tail = stCDATA, 0, [2]byte{}
	case b.quote != 0:
		if c == b.quote {
			b.quote = 0
		}
	case c == '"' || c == '\'':
		b.quote = c
	case c == '<' && b.tag[0] == '!':
		b.depth++
	case c == '>' && b.depth > 0:
		b.depth--
	case c == '>':
		b.st, b.n = stText, 0
		return b.endTag(prev == '/')
	}
	return nil
}

// text counts n bytes of character data.
func (b *boundReader) text(n int64) error {
	if b.inUnit {
		if b.unitN += n; b.unitN > b.max {
			return &errValueTooLong{what: b.where(), max: b.max}
		}
		return nil
	}
	if b.n += n; b.n > b.max {
		return &errValueTooLong{what: "a run of text outside any " + b.unitName() + " " + b.after(), max: b.max}
	}
	return nil
}

// minMarkup is the least bound on one tag, comment or declaration, however
// low max_field is set.
const minMarkup = 64 << 10

func (b *boundReader) markup() error {
	if b.n++; b.n > max(b.max, minMarkup) {
		return &errValueTooLong{what: "one tag, comment or declaration " + b.after(), max: max(b.max, minMarkup)}
	}
	return nil
}

// endTag notes a unit's start and end, and a row's or cell's reference.
func (b *boundReader) endTag(selfClosing bool) error {
	t := b.tag[:min(b.tagLen, len(b.tag))]
	closing := len(t) > 0 && t[0] == '/'
	if closing {
		t = t[1:]
	}
	name := t
	if k := bytes.IndexAny(name, " \t\r\n/>"); k >= 0 {
		name = name[:k]
	}
	if k := bytes.IndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	switch {
	case string(name) == b.unit && closing:
		return b.endUnit()
	case string(name) == b.unit:
		b.entry++
		b.col++
		b.refLen = 0
		if r := attr(t, 'r'); r != nil {
			b.refLen = copy(b.ref[:], r)
		}
		b.shared = string(attr(t, 't')) == "s"
		b.inUnit, b.unitN, b.idx = true, 0, 0
		if selfClosing {
			return b.endUnit()
		}
	case string(name) == "row" && !closing:
		b.row++
		b.col, b.rowN = 0, 0
		if r := attr(t, 'r'); r != nil {
			if n, err := strconv.Atoi(string(r)); err == nil {
				b.row = n
			}
		}
	}
	return nil
}

// endUnit adds a closed cell to its row and sheet.
func (b *boundReader) endUnit() error {
	n := b.unitN
	if b.record {
		b.lens = append(b.lens, int32(n))
	}
	if b.shared && b.idx >= 0 && b.idx < int64(len(b.lens)) {
		n = int64(b.lens[b.idx])
	}
	b.inUnit, b.unitN, b.shared = false, 0, false
	if b.maxRow <= 0 {
		return nil
	}
	b.rowN += n
	b.sheetN += n
	switch {
	case b.rowN > b.maxRow:
		return &errValueTooLong{what: fmt.Sprintf("row %d (its cells added up, each shared string at its length)", b.row), max: b.maxRow, opt: "max_record"}
	case b.sheetN > b.maxSheet:
		return &errValueTooLong{what: fmt.Sprintf("the sheet (its cells added up to row %d, each shared string at its length)", b.row), max: b.maxSheet, opt: "max_sheet"}
	}
	return nil
}

// index reads the digits of a shared-string cell's index.
func (b *boundReader) index(seg []byte) {
	if !b.inUnit || !b.shared || b.idx < 0 {
		return
	}
	for _, c := range seg {
		switch {
		case c >= '0' && c <= '9':
			if b.idx = b.idx*10 + int64(c-'0'); b.idx > 1<<31 {
				b.idx = -1
				return
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			b.idx = -1
			return
		}
	}
}

// attr finds the value of a one-letter attribute in the start of a tag.
func attr(t []byte, name byte) []byte {
	for i := 1; i+3 < len(t); i++ {
		if t[i] == name && t[i+1] == '=' && (t[i-1] == ' ' || t[i-1] == '\t' || t[i-1] == '\n' || t[i-1] == '\r') {
			q := t[i+2]
			if q != '"' && q != '\'' {
				return nil
			}
			v := t[i+3:]
			if k := bytes.IndexByte(v, q); k >= 0 {
				return v[:k]
			}
			return nil
		}
	}
	return nil
}

func (b *boundReader) unitName() string {
	if b.unit == "si" {
		return "shared string"
	}
	return "cell"
}

func (b *boundReader) where() string {
	if b.unit == "si" {
		return fmt.Sprintf("shared string %d (entry %d of the table)", b.entry-1, b.entry)
	}
	col := columnLetter(b.col - 1)
	ref := col + strconv.Itoa(b.row)
	if b.refLen > 0 {
		ref = string(b.ref[:b.refLen])
		col = string(bytes.TrimRight(b.ref[:b.refLen], "0123456789"))
	}
	return fmt.Sprintf("cell %s (row %d, column %s)", ref, b.row, col)
}

func (b *boundReader) after() string {
	if b.unit == "si" {
		return fmt.Sprintf("after shared string %d", max(b.entry-1, 0))
	}
	return fmt.Sprintf("after row %d", b.row)
}

// entityText is the text of a character reference that stands for an
// ASCII byte (an index may be spelled &#48;), else "x".
func entityText(name []byte, closed bool) []byte {
	if r := entityRune(name); closed && r >= 0 && r < utf8.RuneSelf {
		return []byte{byte(r)}
	}
	return []byte("x")
}

func entityRune(name []byte) rune {
	if len(name) < 2 || name[0] != '#' {
		return -1
	}
	var n uint64
	var err error
	if name[1] == 'x' {
		n, err = strconv.ParseUint(string(name[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(name[1:]), 10, 32)
	}
	if err != nil || n > utf8.MaxRune {
		return -1
	}
	return rune(n)
}

// entityBytes is the number of bytes an entity reference stands for; a
// malformed one counts as written (the decoder refuses it anyway).
func entityBytes(name []byte, closed bool) int64 {
	raw := int64(len(name)) + 1
	if !closed {
		return raw
	}
	raw++
	if len(name) > 1 && name[0] == '#' {
		r := entityRune(name)
		if r < 0 || utf8.RuneLen(r) < 0 {
			return raw
		}
		return int64(utf8.RuneLen(r))
	}
	return 1
}

// limitError names the file and sheet for a boundReader refusal.
func limitError(p, where string, e *errValueTooLong) error {
	opt := e.opt
	if opt == "" {
		opt = "max_field"
	}
	return fmt.Errorf("%s: %w: %s: %s; nothing was read. No real workbook comes near this (Excel keeps at most 32,767 characters in a cell): check the file, or raise source.limits.%s",
		p, sources.ErrLimit, where, e.Error(), opt)
}
