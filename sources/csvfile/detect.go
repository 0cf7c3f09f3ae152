package csvfile

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Dialect describes how a CSV file is written, as detected (or as forced by
// Options).
type Dialect struct {
	Delimiter  rune       // ',', ';', '\t' or '|' when detected
	Encoding   string     // canonical name: "utf-8", "utf-16le", "utf-16be", "windows-1252", "iso-8859-15"
	BOM        bool       // the file starts with a byte order mark (skipped when reading)
	LineEnding LineEnding // of the first line
}

// LineEnding names the line terminator of a file.
type LineEnding string

// Line endings. CR-only files (classic Mac OS) are read as if each CR were
// a LF.
const (
	LF   LineEnding = "LF"
	CRLF LineEnding = "CRLF"
	CR   LineEnding = "CR"
	// NoLineEnding: the sample holds a single line without a terminator.
	NoLineEnding LineEnding = ""
)

// Encoding names, as Dialect reports them and Options accepts them.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
	ISO885915   = "iso-8859-15"
)

// Delimiters tried by detection, in order of preference on a tie.
var candidateDelimiters = []rune{',', ';', '\t', '|'}

const (
	// sampleSize is how much of the file delimiter and line-ending detection
	// read.
	sampleSize = 64 << 10
	// asciiScanLimit bounds how far encoding detection looks for the first
	// non-ASCII byte when the sample is plain ASCII. A Windows-1252 byte
	// after that is still caught, row by row, as ErrInvalidEncoding.
	asciiScanLimit = 4 << 20
)

var (
	// ErrUnknownEncoding: Options.Encoding names an encoding this package
	// does not read.
	ErrUnknownEncoding = errors.New("unknown encoding")
	// ErrBadDelimiter: Options.Delimiter or Options.Comment cannot be used.
	ErrBadDelimiter = errors.New("invalid delimiter")
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// encodingByName maps accepted names (lower case) to canonical ones. Latin-1
// labels mean Windows-1252, as in browsers: files labelled Latin-1 are in
// practice Windows-1252, and the two differ only where Latin-1 has control
// characters.
var encodingByName = map[string]string{
	"utf-8": UTF8, "utf8": UTF8,
	"utf-16le": UTF16LE, "utf16le": UTF16LE,
	"utf-16be": UTF16BE, "utf16be": UTF16BE,
	"windows-1252": Windows1252, "cp1252": Windows1252, "latin1": Windows1252, "iso-8859-1": Windows1252,
	"iso-8859-15": ISO885915, "latin9": ISO885915,
}

func canonicalEncoding(name string) (string, error) {
	if c, ok := encodingByName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return c, nil
	}
	return "", fmt.Errorf("%w %q (want utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-15)", ErrUnknownEncoding, name)
}

// decoder returns the decoder for a canonical non-UTF-8 encoding.
func decoder(enc string) *encoding.Decoder {
	switch enc {
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	case Windows1252:
		return charmap.Windows1252.NewDecoder()
	case ISO885915:
		return charmap.ISO8859_15.NewDecoder()
	}
	return nil
}

func bomFor(enc string) []byte {
	switch enc {
	case UTF8:
		return bomUTF8
	case UTF16LE:
		return bomUTF16LE
	case UTF16BE:
		return bomUTF16BE
	}
	return nil
}

// Detect reads the start of the file at path and reports its dialect, as
// Open would detect it. It is what `leadsync inspect` shows.
func Detect(path string) (Dialect, error) {
	f, err := os.Open(path)
	if err != nil {
		return Dialect{}, err
	}
	defer f.Close()
	d, err := sniff(f, Options{})
	if err != nil {
		return Dialect{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// sniff detects what opts leave open. It reads from the start of f and
// leaves the offset anywhere.
func sniff(f io.ReaderAt, opts Options) (Dialect, error) {
	head := make([]byte, sampleSize)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return Dialect{}, err
	}
	head = head[:n]
	truncated := n == sampleSize

	var d Dialect
	if opts.Encoding != "" {
		if d.Encoding, err = canonicalEncoding(opts.Encoding); err != nil {
			return Dialect{}, err
		}
		d.BOM = len(bomFor(d.Encoding)) > 0 && bytes.HasPrefix(head, bomFor(d.Encoding))
	} else {
		d.Encoding, d.BOM, err = detectEncoding(f, head, truncated)
		if err != nil {
			return Dialect{}, err
		}
	}
	if d.BOM {
		head = head[len(bomFor(d.Encoding)):]
	}

	text := decodeSample(d.Encoding, head, truncated)
	d.LineEnding = detectLineEnding(text)
	if d.LineEnding == CR {
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	if opts.Delimiter != 0 {
		d.Delimiter = opts.Delimiter
	} else {
		d.Delimiter = detectDelimiter(text, truncated, opts.Comment)
	}
	return d, nil
}

// detectEncoding decides by the byte order mark, else by the pattern of NUL
// bytes (UTF-16 without a mark), else by whether the first non-ASCII bytes
// are valid UTF-8 (Windows-1252 when not).
func detectEncoding(f io.ReaderAt, head []byte, truncated bool) (enc string, bom bool, err error) {
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		return UTF8, true, nil
	case bytes.HasPrefix(head, bomUTF16LE):
		return UTF16LE, true, nil
	case bytes.HasPrefix(head, bomUTF16BE):
		return UTF16BE, true, nil
	}
	if enc := sniffUTF16(head); enc != "" {
		return enc, false, nil
	}
	window := head
	i := firstNonASCII(window)
	if i < 0 && truncated {
		// All ASCII so far: look further for the first byte that decides.
		buf := make([]byte, sampleSize)
		for off := len(head); off < asciiScanLimit; off += len(buf) {
			n, err := f.ReadAt(buf, int64(off))
			if err != nil && err != io.EOF {
				return "", false, err
			}
			window = buf[:n]
			if i = firstNonASCII(window); i >= 0 || n < len(buf) {
				break
			}
		}
	}
	if i < 0 {
		return UTF8, false, nil // ASCII, as far as we looked
	}
	rest := window[i:]
	rest = rest[:len(rest)-incompleteTail(rest)]
	if utf8.Valid(rest) {
		return UTF8, false, nil
	}
	return Windows1252, false, nil
}

// sniffUTF16 recognises UTF-16 text without a byte order mark: mostly ASCII
// text has a NUL in every other byte.
func sniffUTF16(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	pairs := len(b) / 2
	switch {
	case odd*10 > pairs*7 && even*10 < pairs:
		return UTF16LE
	case even*10 > pairs*7 && odd*10 < pairs:
		return UTF16BE
	}
	return ""
}

// firstNonASCII returns the index of the first byte >= 0x80, or -1.
func firstNonASCII(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// incompleteTail returns how many bytes at the end of b begin a UTF-8
// sequence that b cuts short.
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return 0
			}
			return len(b) - i
		}
	}
	return 0
}

// decodeSample turns the sample (BOM removed) into UTF-8 text.
func decodeSample(enc string, b []byte, truncated bool) string {
	dec := decoder(enc)
	if dec == nil {
		if truncated {
			b = b[:len(b)-incompleteTail(b)]
		}
		return string(b)
	}
	if (enc == UTF16LE || enc == UTF16BE) && len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	out, err := dec.Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}

func detectLineEnding(text string) LineEnding {
	i := strings.IndexAny(text, "\r\n")
	switch {
	case i < 0:
		return NoLineEnding
	case text[i] == '\n':
		return LF
	case i+1 < len(text) && text[i+1] == '\n':
		return CRLF
	case i+1 == len(text):
		return CRLF // cut between CR and LF; CR-only files are rare
	}
	return CR
}

// detectDelimiter parses the sample with each candidate (quotes respected)
// and picks the one whose records most consistently have the same number of
// fields, more than one; on a tie, the one giving more columns, then the
// earlier candidate. A file of one column gets ','.
func detectDelimiter(text string, truncated bool, comment rune) rune {
	best, bestConsistency, bestColumns := ',', 0.0, 0
	for _, delim := range candidateDelimiters {
		if delim == comment {
			continue
		}
		r := csv.NewReader(strings.NewReader(text))
		r.Comma, r.Comment = delim, comment
		r.LazyQuotes = true
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		var counts []int
		for len(counts) < 200 {
			rec, err := r.Read()
			if err != nil {
				break
			}
			counts = append(counts, len(rec))
		}
		if truncated && len(counts) > 1 {
			counts = counts[:len(counts)-1] // the sample cut it short
		}
		columns, freq := mode(counts)
		if columns < 2 {
			continue
		}
		consistency := float64(freq) / float64(len(counts))
		if consistency > bestConsistency || (consistency == bestConsistency && columns > bestColumns) {
			best, bestConsistency, bestColumns = delim, consistency, columns
		}
	}
	return best
}

// mode returns the most frequent value (the larger one on a tie) and its
// frequency.
func mode(xs []int) (value, freq int) {
	seen := make(map[int]int, 4)
	for _, x := range xs {
		seen[x]++
		if c := seen[x]; c > freq || (c == freq && x > value) {
			value, freq = x, c
		}
	}
	return value, freq
}
