package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/mapping"
)

func TestCSVAndJSONL(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, want string }{
		{"out.csv", "fname,phone\nAnna,+358401234567\n\"Vir, \"\"T\"\"\",\n"},
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
