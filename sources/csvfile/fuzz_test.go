package csvfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := Options{LazyQuotes: opt&1 != 0, Limits: sources.Limits{MaxRecordBytes: 512, MaxFieldBytes: 128}}
		if opt&2 != 0 {
			opts.Comment = '#'
		}
		if opt&4 != 0 {
			opts.Encoding = "windows-1252"
		}
		s, err := Open(path, opts)
		if err != nil {
			if s != nil {
				t.Fatal("a Source with an error")
			}
			return
		}
		defer s.Close()
		n := len(s.Header())
		if s.Empty() != (n == 0) {
			t.Fatalf("Empty %v with %d columns", s.Empty(), n)
		}
		// A CR-only file is read as lines too (crToLF), so a CR counts as a line end.
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 2
		last := 0
		for i := 0; ; i++ {
			if i > lines {
				t.Fatalf("more than %d outcomes from %d lines", i, lines)
			}
			rec, err := s.Next(context.Background())
			if err == io.EOF {
				return
			}
			var re *sources.RowError
			if errors.As(err, &re) {
				if re.Row <= 0 {
					t.Fatalf("row error without a row: %v", err)
				}
				continue
			}
			if err != nil {
				return // fatal, with a message
			}
			if len(rec.Values) != n {
				t.Fatalf("row %d: %d values, header %d", rec.Row, len(rec.Values), n)
			}
			if rec.Row <= last {
				t.Fatalf("row %d after %d", rec.Row, last)
			}
			last = rec.Row
		}
	})
}
