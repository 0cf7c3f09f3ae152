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
	quote  byte    // the open attribute quote in a tag
	depth  int     // nesting of < > in a declaration
	tail   [2]byte // the last two bytes, for "-->" and "]]>"
	tag    [64]byte
	tagLen int
	ent    [12]byte
	entLen int

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
}

func (e *errValueTooLong) Error() string {
	return fmt.Sprintf("%s holds more than %s (source.limits.max_field)", e.what, sizeName(uint64(e.max)))
}

func newBoundReader(r io.Reader, max int64, unit string) *boundReader {
	return &boundReader{r: r, max: max, unit: unit}
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
				return b.text(int64(len(p) - i))
			}
			if err := b.text(int64(j)); err != nil {
				return err
			}
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
			if err := b.text(entityLen(b.ent[:b.entLen], c == ';')); err != nil {
				return err
			}
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
		b.endTag(prev == '/')
		b.st, b.n = stText, 0
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
func (b *boundReader) endTag(selfClosing bool) {
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
		b.inUnit, b.unitN = false, 0
	case string(name) == b.unit:
		b.entry++
		b.col++
		b.refLen = 0
		if r := attrR(t); r != nil {
			b.refLen = copy(b.ref[:], r)
		}
		b.inUnit = !selfClosing
	case string(name) == "row" && !closing:
		b.row++
		b.col = 0
		if r := attrR(t); r != nil {
			if n, err := strconv.Atoi(string(r)); err == nil {
				b.row = n
			}
		}
	}
}

// attrR finds the value of the attribute r in the start of a tag.
func attrR(t []byte) []byte {
	for i := 1; i+3 < len(t); i++ {
		if t[i] == 'r' && t[i+1] == '=' && (t[i-1] == ' ' || t[i-1] == '\t' || t[i-1] == '\n' || t[i-1] == '\r') {
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

// entityLen is the number of bytes an entity reference stands for; a
// malformed one counts as written (the decoder refuses it anyway).
func entityLen(name []byte, closed bool) int64 {
	raw := int64(len(name)) + 1
	if !closed {
		return raw
	}
	raw++
	if len(name) > 1 && name[0] == '#' {
		var n uint64
		var err error
		if name[1] == 'x' {
			n, err = strconv.ParseUint(string(name[2:]), 16, 32)
		} else {
			n, err = strconv.ParseUint(string(name[1:]), 10, 32)
		}
		if err != nil || n > utf8.MaxRune {
			return raw
		}
		return int64(utf8.RuneLen(rune(n)))
	}
	return 1
}

// limitError names the file and sheet for a boundReader refusal.
func limitError(p, where string, e *errValueTooLong) error {
	return fmt.Errorf("%s: %w: %s: %s; nothing was read. A real cell is far shorter (Excel keeps at most 32,767 characters in one): check the file, or raise source.limits.max_field",
		p, sources.ErrLimit, where, e.Error())
}
