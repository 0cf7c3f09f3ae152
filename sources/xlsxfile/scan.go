package xlsxfile

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"unicode/utf8"
)

// scanSheet is checkSheet's fast path: one pass over the worksheet XML
// with no allocation per token, for the regular XML every spreadsheet
// writer produces. It vouches for a sheet (ok) only when encoding/xml's
// strict Token would read the same elements without an error, element
// names matched included, and every check of decodeSheet passes; for
// anything else (a comment, CDATA, a directive, a character reference, a
// non-ASCII name, a read error, a failed check, EOF before </worksheet>)
// it gives up, and decodeSheet decides and names the damage. It never
// reports an error itself, so the guard is exactly as strong as the
// decoder's.
func scanSheet(r io.Reader, nStrings int) (res sheetCheck, ok bool) {
	s := &sheetScan{r: r, buf: make([]byte, 0, 256<<10), nStrings: nStrings}
	return s.run()
}

// maxToken is the longest text or tag the fast path holds at once.
const maxToken = 16 << 20

type sheetScan struct {
	r        io.Reader
	buf      []byte // the window: buf[pos:] is unread
	pos      int
	eof      bool
	nStrings int
	// stack holds the open elements' names end to end; ends where each
	// ends.
	stack []byte
	ends  []int

	good, cur, col      int // col: the column of the row's last cell
	inRow, inV, sharedV bool
	ref                 []byte // the current cell's reference (in buf)
}

// find returns the index in buf of the next c at or after pos, reading
// more as needed; -1 at EOF, a read error or a token over maxToken.
func (s *sheetScan) find(c byte) int {
	from := s.pos
	for {
		if i := bytes.IndexByte(s.buf[from:], c); i >= 0 {
			return from + i
		}
		if s.eof {
			return -1
		}
		from = len(s.buf)
		if s.pos > 0 {
			n := copy(s.buf, s.buf[s.pos:])
			from -= s.pos
			s.buf, s.pos = s.buf[:n], 0
		}
		if len(s.buf) == cap(s.buf) {
			if cap(s.buf) >= maxToken {
				return -1
			}
			s.buf = append(make([]byte, 0, 2*cap(s.buf)), s.buf...)
		}
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			return -1
		}
	}
}

func (s *sheetScan) run() (sheetCheck, bool) {
	for {
		lt := s.find('<')
		if lt < 0 {
			return sheetCheck{}, false
		}
		if !s.text(s.buf[s.pos:lt]) {
			return sheetCheck{}, false
		}
		s.pos = lt
		gt := s.find('>')
		if gt < 0 {
			return sheetCheck{}, false
		}
		tag := s.buf[s.pos : gt+1]
		s.pos = gt + 1
		done, ok := s.tag(tag)
		if !ok {
			return sheetCheck{}, false
		}
		if done {
			return sheetCheck{lastRow: s.good}, true
		}
	}
}

// text checks character data, and a shared-string cell's index.
func (s *sheetScan) text(t []byte) bool {
	if len(t) == 0 {
		return true
	}
	if !validChars(t, false) {
		return false
	}
	if s.inV && s.sharedV {
		if bytes.IndexByte(t, '&') >= 0 || bytes.IndexByte(t, '\r') >= 0 {
			return false
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(t)))
		if err != nil || n < 0 || n >= s.nStrings {
			return false
		}
	}
	return true
}

// tag handles one markup token, '<' to the first '>'; done at
// </worksheet>.
func (s *sheetScan) tag(t []byte) (done, ok bool) {
	switch {
	case len(t) < 3:
		return false, false
	case t[1] == '/':
		return s.endTag(t)
	case t[1] == '?':
		return false, procInst(t)
	case t[1] == '!':
		return false, false
	}
	name, i, ok := xmlName(t, 1)
	if !ok {
		return false, false
	}
	local := localName(name)
	s.start(local)
	for {
		i = skipSpace(t, i)
		switch t[i] {
		case '>':
			if !s.cellOrder(local) {
				return false, false
			}
			s.stack = append(s.stack, name...)
			s.ends = append(s.ends, len(s.stack))
			return false, true
		case '/':
			if i+1 != len(t)-1 || !s.cellOrder(local) {
				return false, false
			}
			s.end(local)
			return local == "worksheet", true
		}
		var attr, val []byte
		if attr, i, ok = xmlName(t, i); !ok {
			return false, false
		}
		if i = skipSpace(t, i); t[i] != '=' {
			return false, false
		}
		i = skipSpace(t, i+1)
		q := t[i]
		if q != '"' && q != '\'' {
			return false, false
		}
		j := bytes.IndexByte(t[i+1:], q)
		if j < 0 { // a '>' inside the value: leave it to the decoder
			return false, false
		}
		val, i = t[i+1:i+1+j], i+2+j
		if !validChars(val, true) || !s.attr(local, localName(attr), val) {
			return false, false
		}
	}
}

// start and end follow decodeSheet's state for a start and an end
// element.
func (s *sheetScan) start(local string) {
	switch local {
	case "row":
		s.inRow, s.col = true, 0
		s.cur++
	case "c":
		s.sharedV, s.ref = false, nil
	case "v":
		s.inV = true
	}
}

func (s *sheetScan) end(local string) {
	switch local {
	case "row":
		if s.inRow {
			s.good = s.cur
		}
		s.inRow = false
	case "v":
		s.inV = false
	}
}

// cellOrder is decodeSheet's checkCellOrder once a cell's attributes
// are read.
func (s *sheetScan) cellOrder(local string) bool {
	return local != "c" || checkCellOrder(s.inRow, s.cur, string(s.ref), &s.col) == ""
}

// attr checks a row's number and notes a cell's type and reference.
func (s *sheetScan) attr(elem, name string, val []byte) bool {
	interesting := elem == "row" && name == "r" || elem == "c" && (name == "t" || name == "r")
	if !interesting {
		return true
	}
	if bytes.IndexByte(val, '&') >= 0 || bytes.IndexByte(val, '\r') >= 0 {
		return false // the decoded value differs from the bytes
	}
	if elem == "c" {
		if name == "r" {
			s.ref = val
		} else {
			s.sharedV = string(val) == "s"
		}
		return true
	}
	n, err := strconv.Atoi(string(val))
	if err != nil || n <= s.good || n > maxSheetRows {
		return false
	}
	s.cur = n
	return true
}

func (s *sheetScan) endTag(t []byte) (done, ok bool) {
	name, i, ok := xmlName(t, 2)
	if !ok || skipSpace(t, i) != len(t)-1 || len(s.ends) == 0 {
		return false, false
	}
	from := 0
	if len(s.ends) > 1 {
		from = s.ends[len(s.ends)-2]
	}
	if !bytes.Equal(s.stack[from:], name) {
		return false, false
	}
	s.stack, s.ends = s.stack[:from], s.ends[:len(s.ends)-1]
	local := localName(name)
	s.end(local)
	return local == "worksheet", true
}

// xmlName reads an ASCII XML name at t[i] as encoding/xml does, and
// returns it and the index after it; not ok for an invalid or non-ASCII
// name, or one with two colons.
func xmlName(t []byte, i int) ([]byte, int, bool) {
	j := i
	for j < len(t) && isNameByte(t[j]) {
		j++
	}
	if j == i || j == len(t) || t[j] >= utf8.RuneSelf {
		return nil, j, false
	}
	switch c := t[i]; {
	case c >= '0' && c <= '9', c == '.', c == '-':
		return nil, j, false
	}
	if bytes.Count(t[i:j], []byte(":")) > 1 {
		return nil, j, false
	}
	return t[i:j], j, true
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// localName is the name's local part as encoding/xml splits it. The
// names it compares with are constants, so no string is kept.
func localName(name []byte) string {
	if k := bytes.IndexByte(name, ':'); k > 0 && k < len(name)-1 {
		name = name[k+1:]
	}
	switch string(name) {
	case "row":
		return "row"
	case "c":
		return "c"
	case "v":
		return "v"
	case "worksheet":
		return "worksheet"
	case "r":
		return "r"
	case "t":
		return "t"
	}
	return ""
}

func skipSpace(t []byte, i int) int {
	for i < len(t) {
		switch t[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		break
	}
	return i
}

// validChars reports whether encoding/xml takes t as text (or a quoted
// value) without an error: valid UTF-8 in the XML character range, no
// '<', only the five predefined entities, no "]]>" outside quotes. A
// character reference (&#...;) is left to the decoder.
func validChars(t []byte, quoted bool) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(t[i:])
			if r == utf8.RuneError && size == 1 || !inCharRange(r) {
				return false
			}
			i += size
			continue
		}
		switch {
		case c == '&':
			n := entityLen(t[i:])
			if n == 0 {
				return false
			}
			i += n
			continue
		case c == '<':
			return false
		case c == ']' && !quoted && bytes.HasPrefix(t[i:], []byte("]]>")):
			return false
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return false
		}
		i++
	}
	return true
}

func inCharRange(r rune) bool {
	return r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// entityLen is the length of a predefined entity reference at the start
// of t, or 0.
func entityLen(t []byte) int {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"} {
		if bytes.HasPrefix(t, []byte(e)) {
			return len(e)
		}
	}
	return 0
}

// procInst reports whether encoding/xml reads t, a "<?...?>" token, as
// one processing instruction without an error (the XML declaration's
// version and encoding checks included).
func procInst(t []byte) bool {
	if !bytes.HasSuffix(t, []byte("?>")) {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(t))
	d.Strict = true
	tok, err := d.RawToken()
	if _, isPI := tok.(xml.ProcInst); err != nil || !isPI {
		return false
	}
	_, err = d.RawToken()
	return err == io.EOF
}
