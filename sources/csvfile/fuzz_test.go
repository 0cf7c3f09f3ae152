package csvfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sources"
)

// FuzzCSVOptions: whatever the bytes and options, Open and Next never panic, never hang, and
// every record is aligned with the header; every line is accounted for.
func FuzzCSVOptions(f *testing.F) {
	for _, seed := range []string{
		"name,email\nAino,a@x.fi\n",
		"name,email\nAnna,\"Virtanen,a@x.fi\nBo,b@x.fi\n",
		"name,email\n\"Anna\nMaria\",a@x.fi\n",
		"name;email\r\nJ\xe4rvi;j@x.fi\r\n",
		"\xef\xbb\xbfname,email\nÄ,a\n",
		"\xff\xfen\x00,\x00e\x00\n\x00",
		"\xff\xfe\x00\x00n\x00\x00\x00",
		"name,,email\n",
		"name,email,name\n",
		"name,\"email\nA,b\n",
		"a,b\n1,2,3\n4\n,,\n",
		"PK\x03\x04",
		"a\"b,c\n\"d\"e,f\n",
		"",
		"\n\n\r\n",
		"name,email\rA,a\rB,b\rC,c\r",
		// Classes the fuzzer is slow to reach alone: UTF-16 of odd length
		// and with CR-only lines, a BOM before CRLF, NUL after the sample's
		// first line, CR inside quotes, fields and records at the limits
		// (opt's limits: 128 and 512 bytes), multi-byte delimiters (opt
		// 5<<3: §, 7<<3: €) and comments (opt 1<<6: ¶), a header row below
		// a title (opt 1<<7).
		"\xff\xfen\x00,\x00e\x00\r\x00a\x00,\x00b\x00\r\x00",
		"\xfe\xff\x00n\x00,\x00e\x00\n\x00a\x00,\x00",
		"\xef\xbb\xbfname;email\r\nA;a\r\n",
		"name,email\nA,a\x00b\n",
		"name,email\r\n\"A\r\nB\",\"x\ry\"\r\n",
		"name,email\n" + strings.Repeat("x", 128) + "," + strings.Repeat("y", 129) + "\n",
		"name,email\n\"" + strings.Repeat("x", 509) + "\"\n" + strings.Repeat("z", 512) + "\n",
		"Export 2024-01-01\nname,email\nA,a\n",
		"\"title\"x\nname,email\nA,\"a\"b\nB,b\n",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	for _, seed := range []struct {
		data string
		opt  uint8
	}{
		{"name§email\n\"A\"§\"a§b\"\n\"B\"§b\n", 5 << 3},
		{"name€email\n\"A\"€\"a€b\"\n\"B\"€b\n", 7<<3 | 1},
		{"¶ comment\nname,email\n¶x,y\nA,a\n", 1 << 6},
		{"a,b\n¶xyz\nc,d\n", 1<<6 | 1<<3}, // 15 bytes: read 1 at a time
		{"Export 2024-01-01\nname,email\nA,a\n", 1 << 7},
	} {
		f.Add([]byte(seed.data), seed.opt)
	}
	for _, opt := range []uint8{1, 2, 4, 5 << 3, 7 << 3, 1<<6 | 2, 1 << 7, 1<<7 | 1} {
		f.Add([]byte("name§email€x\n\"A\"§\"a€b\"\n¶ c\n\"B\"x§b\n#c\nC,\"c\"\"\"d\n"), opt)
	}
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := fuzzOptions(opt)
		checkChunking(t, data, opts)
		s, err := Open(path, opts)
		if err != nil {
			if s != nil {
				t.Fatal("a Source with an error")
			}
			return
		}
		defer s.Close()
		header := s.Header()
		n := len(header)
		if s.Empty() != (n == 0) {
			t.Fatalf("Empty %v with %d columns", s.Empty(), n)
		}
		seen := map[string]bool{}
		for _, name := range header {
			if name == "" || name != strings.TrimSpace(name) || !utf8.ValidString(name) || seen[name] {
				t.Fatalf("header name %q in %q", name, header)
			}
			seen[name] = true
		}
		// A CR-only file is read as lines too (crToLF), so a CR counts as a
		// line end. Every outcome consumes at least one line, and its row is
		// the physical line it starts on, after the header's.
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 1
		last := max(opts.HeaderRow, 1)
		for i := 0; ; i++ {
			if i > lines {
				t.Fatalf("more than %d outcomes from %d lines", i, lines)
			}
			rec, err := s.Next(context.Background())
			if err == io.EOF {
				return
			}
			var re *sources.RowError
			row := rec.Row
			switch {
			case errors.As(err, &re):
				row = re.Row
			case err != nil:
				return // fatal, with a message
			case len(rec.Values) != n:
				t.Fatalf("row %d: %d values, header %d", rec.Row, len(rec.Values), n)
			}
			if row <= last || row > lines {
				t.Fatalf("row %d after row %d, in %d lines (%v)", row, last, lines, err)
			}
			last = row
			for _, v := range rec.Values {
				if int64(len(v)) > opts.Limits.MaxFieldBytes || !utf8.ValidString(v) {
					t.Fatalf("row %d: value %q: longer than the limit or not UTF-8", row, v)
				}
			}
		}
	})
}

// fuzzOptions: opt's bit 0 is LazyQuotes, 1 comment '#', 2 Windows-1252,
// 3-5 the delimiter (0 and 6 detect), 6 comment '¶', 7 header row 2.
func fuzzOptions(opt uint8) Options {
	opts := Options{LazyQuotes: opt&1 != 0, Limits: sources.Limits{MaxRecordBytes: 512, MaxFieldBytes: 128}}
	if opt&2 != 0 {
		opts.Comment = '#'
	}
	if opt&(1<<6) != 0 {
		opts.Comment = '¶'
	}
	if opt&4 != 0 {
		opts.Encoding = "windows-1252"
	}
	opts.Delimiter = []rune{0, ',', ';', '\t', '|', '§', 0, '€'}[opt>>3&7]
	if opt&(1<<7) != 0 {
		opts.HeaderRow = 2
	}
	return opts
}

// checkChunking: the record reader gives the same records and errors
// whatever the sizes of the reads that feed it. A file is read in 128 KiB
// reads and a decoded one in 4 KiB ones, so record boundaries fall
// between reads only in large files; reads of 1 to 5 bytes put them there
// in small ones.
func checkChunking(t *testing.T, data []byte, opts Options) {
	if len(data) > 8<<10 {
		return // quadratic in the record size with tiny reads
	}
	delim := opts.Delimiter
	if delim == 0 {
		delim = ','
	}
	whole := readRecords(bytes.NewReader(data), delim, opts)
	chunked := readRecords(&chunkReader{data: data, size: 1 + len(data)%5}, delim, opts)
	if !slices.Equal(whole, chunked) {
		t.Fatalf("read whole:\n%s\nread %d bytes at a time:\n%s", strings.Join(whole, "\n"), 1+len(data)%5, strings.Join(chunked, "\n"))
	}
}

func readRecords(r io.Reader, delim rune, opts Options) []string {
	rr := newRecordReader(r, delim, opts.Comment, opts.LazyQuotes, 1<<20)
	var out []string
	for range 1 << 14 {
		fields, line, err := rr.next()
		var pe *parseError
		switch {
		case err == io.EOF:
			return append(out, fmt.Sprintf("%d: EOF", line))
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("%d: error at line %d (from %d, multi-line %v) byte %d: %v; raw %q", line, pe.line, pe.startLine, pe.multiLine, pe.col, pe.err, pe.raw))
		case err != nil:
			return append(out, fmt.Sprintf("%d: %v", line, err))
		default:
			out = append(out, fmt.Sprintf("%d: %q", line, fields))
		}
	}
	return append(out, "no EOF")
}
