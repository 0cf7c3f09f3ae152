package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFixturesAreCurrent regenerates the fixtures and compares
// them with testdata/sources. When it fails, run `go generate ./sources`.
func TestCommittedFixturesAreCurrent(t *testing.T) {
	fresh := t.TempDir()
	if err := generate(fresh); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "testdata", "sources")
	err := filepath.WalkDir(fresh, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fresh, path)
		same, err := equalFiles(path, filepath.Join(committed, rel))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./sources)", rel, err)
			return nil
		}
		if !same {
			t.Errorf("%s is stale: run go generate ./sources", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
