package csvfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/leadsync/leadsync/sources"
)

// nextOutcome is one Next call as an outcome (ok false at the end).
func nextOutcome(t *testing.T, s *Source) (outcome, bool) {
	t.Helper()
	rec, err := s.Next(context.Background())
	var rowErr *sources.RowError
	switch {
	case errors.As(err, &rowErr):
		return outcome{Row: rowErr.Row, Values: rowErr.Raw, Err: err.Error()}, true
	case err != nil:
		return outcome{}, false
	}
	return outcome{Row: rec.Row, Values: rec.Values}, true
}

// A source seeked to the Position it gave after k records reads exactly
// what the rest of an uninterrupted read gives: the same records, row
// numbers and row errors, for every encoding, line ending and quoting,
// and past the reader's buffer (where its offsets shift).
func TestSeekGoesOnWhereThePositionWasTaken(t *testing.T) {
	dir := t.TempDir()
	var big strings.Builder
	big.WriteString("name,note,phone\n")
	for i := range 6000 {
		switch {
		case i%97 == 0:
			fmt.Fprintf(&big, "\"Name %d\",\"two\nlines, and \"\"quotes\"\"\",040%07d\n", i, i)
		case i%101 == 0:
			fmt.Fprintf(&big, "bad \"quote %d,x,y\n", i)
		case i%89 == 0:
			big.WriteString("\n,,\n")
		default:
			fmt.Fprintf(&big, "Näme %d,%s,040%07d\n", i, strings.Repeat("x", i%50), i)
		}
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(big.String())
	cp1252, _ := charmap.Windows1252.NewEncoder().String(big.String())
	files := map[string]string{
		"big.csv":       write("big.csv", []byte(big.String())),
		"big-bom.csv":   write("big-bom.csv", append([]byte("\xef\xbb\xbf"), big.String()...)),
		"big-crlf.csv":  write("big-crlf.csv", []byte(strings.ReplaceAll(big.String(), "\n", "\r\n"))),
		"big-cr.csv":    write("big-cr.csv", []byte(strings.ReplaceAll(big.String(), "\n", "\r"))),
		"big-utf16.csv": write("big-utf16.csv", []byte(utf16)),
		"big-1252.csv":  write("big-1252.csv", []byte(cp1252)),
	}
	for _, name := range []string{"bad_quote.csv", "comment.csv", "cr.csv", "crlf.csv", "pipe.csv", "quoted.csv", "semicolon.csv",
		"tab.tsv", "title_lines.csv", "trailing_delimiter.csv", "utf16be_bom.csv", "utf16le_bom.txt", "utf8.csv", "utf8_bom.csv", "windows1252.csv"} {
		files[name] = fixture(name)
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			opts := Options{}
			if name == "comment.csv" {
				opts.Comment = '#'
			}
			if name == "title_lines.csv" {
				opts.HeaderRow = 3
			}
			whole, err := Open(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			var all []outcome
			var pos []string // pos[k]: the position after k outcomes
			for {
				pos = append(pos, whole.Position())
				o, ok := nextOutcome(t, whole)
				if !ok {
					break
				}
				all = append(all, o)
			}
			if len(all) == 0 {
				t.Fatal("no rows")
			}
			step := max(1, len(all)/40)
			for k := 0; k <= len(all); k += step {
				s, err := Open(path, opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Seek(pos[k]); err != nil {
					t.Fatal(err)
				}
				got := readAll(t, s)
				s.Close()
				if diff := cmp.Diff(all[k:], got, cmpEmpty); diff != "" {
					t.Fatalf("after a seek to %s (record %d): (-want +got)\n%.2000s", pos[k], k, diff)
				}
			}
		})
	}
}

// cmpEmpty: a nil and an empty list of outcomes are the same.
var cmpEmpty = cmp.FilterValues(func(a, b []outcome) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func TestSeekRefusesABadPosition(t *testing.T) {
	s, err := Open(fixture("utf8.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{"", "12", "x:1", "1:x", "-1:2", "5:0"} {
		if err := s.Seek(p); err == nil || !strings.Contains(err.Error(), "utf8.csv") {
			t.Errorf("Seek(%q) = %v, want an error naming the file", p, err)
		}
	}
}
