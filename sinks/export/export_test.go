package export

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/internal/csvsafe"
	"github.com/leadsync/leadsync/mapping"
)

func TestCSVAndJSONL(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, want string }{
		{"out.csv", "fname,phone\nAnna,'+358401234567\n\"Vir, \"\"T\"\"\",\n"},
		{"out.jsonl", "{\"fname\":\"Anna\",\"phone\":\"+358401234567\"}\n{\"fname\":\"Vir, \\\"T\\\"\",\"phone\":\"\"}\n"},
	} {
		path := filepath.Join(dir, "sub", tc.file)
		s, err := New(path, "", []string{"fname", "phone"})
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := s.Write(context.Background(), mapping.Lead{Values: []string{"Anna", "+358401234567"}}); id != "1" {
			t.Fatalf("id %q", id)
		}
		s.Write(context.Background(), mapping.Lead{Values: []string{`Vir, "T"`, ""}})
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatal("output visible before Commit")
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if string(b) != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.file, b, tc.want)
		}
	}
	if _, err := New(filepath.Join(dir, "x.xml"), "", nil); err == nil {
		t.Fatal("xml accepted")
	}
	// Abort keeps an earlier good file and leaves no temporary behind.
	path := filepath.Join(dir, "sub", "out.csv")
	s, _ := New(path, "", []string{"fname"})
	s.Write(context.Background(), mapping.Lead{Values: []string{"new"}})
	s.Abort()
	if b, _ := os.ReadFile(path); string(b[:5]) != "fname" || len(b) < 20 {
		t.Fatalf("abort touched the old output: %q", b)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	if len(entries) != 2 {
		t.Fatalf("left files: %v", entries)
	}
}

// A CSV export neutralizes every cell a spreadsheet would evaluate, the
// header included, unless RawCells asks for the values as they are.
func TestCSVFormulaSafe(t *testing.T) {
	dir := t.TempDir()
	hostile := []string{"=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "-3", "+1", "+358 40 100 4003", "\t=1", "\r=1", "'=1", "Anna"}
	fields := make([]string, len(hostile))
	for i := range fields {
		fields[i] = "f" + string(rune('a'+i))
	}
	fields[0] = "=header"
	for _, raw := range []bool{false, true} {
		path := filepath.Join(dir, "out.csv")
		s, err := Open(path, fields, Options{RawCells: raw})
		if err != nil {
			t.Fatal(err)
		}
		s.Write(context.Background(), mapping.Lead{Values: hostile})
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%v %v", recs, err)
		}
		for i, want := range hostile {
			got := recs[1][i]
			if raw {
				if got != want {
					t.Errorf("raw: cell %q written as %q", want, got)
				}
				continue
			}
			if got != csvsafe.Cell(want) || (want != "Anna" && got[0] != '\'') {
				t.Errorf("cell %q written as %q", want, got)
			}
		}
		if h := recs[0][0]; raw != (h == "=header") {
			t.Errorf("raw %v: header cell %q", raw, h)
		}
	}
}
