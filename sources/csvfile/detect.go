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
	// ErrUnsupportedEncoding: the file is in an encoding this package
	// recognises but does not read (UTF-32).
	ErrUnsupportedEncoding = errors.New("unsupported encoding")
	// ErrNotText: the file is binary (a spreadsheet, an archive, random
	// bytes), not delimited text.
	ErrNotText = errors.New("not a text file")
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF32LE = []byte{0xFF, 0xFE, 0x00, 0x00}
	bomUTF32BE = []byte{0x00, 0x00, 0xFE, 0xFF}
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
	return "", fmt.Errorf("%w %q in source.encoding (want utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-15; UTF-32 is not read: save the file as UTF-8)", ErrUnknownEncoding, name)
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
	if err := checkText(head, opts.Encoding); err != nil {
		return Dialect{}, err
	}

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
	if i := strings.IndexByte(text, 0); i >= 0 {
		return Dialect{}, fmt.Errorf("%w: it holds a NUL byte near byte %d, which no CSV export writes; if it is a spreadsheet, set source.type: xlsx (or save it as CSV)", ErrNotText, i+1)
	}
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
	valid, invalid := countUTF8(head, truncated)
	if truncated && valid+invalid < decidingSequences {
		// Little non-ASCII so far: look further for bytes that decide.
		buf := make([]byte, sampleSize)
		for off := len(head); off < asciiScanLimit && valid+invalid < decidingSequences; off += len(buf) {
			n, err := f.ReadAt(buf, int64(off))
			if err != nil && err != io.EOF {
				return "", false, err
			}
			v, inv := countUTF8(buf[:n], n == len(buf))
			valid, invalid = valid+v, invalid+inv
			if n < len(buf) {
				break
			}
		}
	}
	// A file that holds valid multi-byte UTF-8 is UTF-8, even with a few bad
	// bytes (those rows are rejected, naming the column): reading it as
	// Windows-1252 would turn every "ä" into "Ã¤". Only a file whose
	// non-ASCII bytes are mostly not UTF-8 is Windows-1252.
	if invalid == 0 || valid >= invalid {
		return UTF8, false, nil
	}
	return Windows1252, false, nil
}

// decidingSequences is how many non-ASCII sequences encoding detection
// wants to see before it decides.
const decidingSequences = 64

// countUTF8 counts valid multi-byte UTF-8 sequences and invalid bytes in b.
// A sequence cut by the end of a truncated b is not counted.
func countUTF8(b []byte, truncated bool) (valid, invalid int) {
	if truncated {
		b = b[:len(b)-incompleteTail(b)]
	}
	for {
		i := firstNonASCII(b)
		if i < 0 {
			return valid, invalid
		}
		b = b[i:]
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			invalid++
			size = 1
		} else {
			valid++
		}
		b = b[size:]
	}
}

// checkText refuses what is certainly not delimited text: UTF-32, archives
// and spreadsheets, binary data.
func checkText(head []byte, forced string) error {
	switch {
	case bytes.HasPrefix(head, bomUTF32LE):
		return fmt.Errorf("%w: the file is UTF-32 (little-endian, with a byte order mark); save it as UTF-8 or UTF-16", ErrUnsupportedEncoding)
	case bytes.HasPrefix(head, bomUTF32BE):
		return fmt.Errorf("%w: the file is UTF-32 (big-endian, with a byte order mark); save it as UTF-8 or UTF-16", ErrUnsupportedEncoding)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return fmt.Errorf("%w: it is a zip archive (an .xlsx workbook?); set source.type: xlsx, or save the sheet as CSV", ErrNotText)
	case bytes.HasPrefix(head, oleMagic):
		return fmt.Errorf("%w: it is an Office document in the old binary format (.xls, or a password-protected workbook); save it as .xlsx or CSV", ErrNotText)
	}
	if forced == "" && sniffUTF32(head) != "" {
		return fmt.Errorf("%w: the file looks like UTF-32 (%s, no byte order mark); save it as UTF-8 or UTF-16", ErrUnsupportedEncoding, sniffUTF32(head))
	}
	return nil
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// sniffUTF32 recognises mostly-ASCII UTF-32 text: three NULs in every four
// bytes.
func sniffUTF32(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	var le, be, groups int
	for i := 0; i+3 < len(b); i += 4 {
		groups++
		if b[i] != 0 && b[i+1] == 0 && b[i+2] == 0 && b[i+3] == 0 {
			le++
		}
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 0 && b[i+3] != 0 {
			be++
		}
	}
	switch {
	case le*10 > groups*7:
		return "UTF-32LE"
	case be*10 > groups*7:
		return "UTF-32BE"
	}
	return ""
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
