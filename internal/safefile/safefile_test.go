package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A link planted at the final name is replaced, its target untouched.
func TestWriteReplacesPlantedLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	os.WriteFile(target, []byte("precious"), 0o600)
	out := filepath.Join(dir, "out.csv")
	if err := os.Symlink(target, out); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(out, []byte("report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Fatalf("the link's target was written: %q", b)
	}
	fi, err := os.Lstat(out)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 {
		t.Fatalf("%s is still a link (%v)", out, err)
	}
	if b, _ := os.ReadFile(out); string(b) != "report" {
		t.Fatalf("out: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

// Nothing is visible before Commit; Abort leaves the old file.
func TestCommitAbort(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x")
	os.WriteFile(out, []byte("old"), 0o644)
	f, err := Create(out, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Fatal("visible before Commit")
	}
	f.Abort()
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Fatal("Abort changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left: %v", entries)
	}
	if err := Write(out, 0o644, func(w io.Writer) error { return errors.New("boom") }); err == nil {
		t.Fatal("fn's error lost")
	}
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Fatal("a failed Write changed the file")
	}
}

func TestRefuseLinks(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	if err := RefuseLinks(db, db+"-wal"); err != nil {
		t.Fatalf("missing files refused: %v", err)
	}
	os.Symlink(filepath.Join(dir, "elsewhere"), db+"-wal")
	if err := RefuseLinks(db, db+"-wal"); !errors.Is(err, ErrLink) {
		t.Fatalf("a link accepted: %v", err)
	}
}

// Sweep removes what a killed writer left, and nothing else.
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rejected.csv")
	f, err := Create(out, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // killed: never committed
	os.WriteFile(filepath.Join(dir, "keep.csv"), nil, 0o644)
	os.WriteFile(out, []byte("old"), 0o644)
	Sweep(out)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("after Sweep: %v", entries)
	}
}
