package main

import (
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks/vendors"

	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files")

// fieldsDoc renders every sink's schema as Markdown, as `leadsync fields
// VENDOR --markdown` prints it.
func fieldsDoc(t *testing.T) []byte {
	var b bytes.Buffer
	b.WriteString("# Sink fields\n\nGenerated from the schemas in code by `go test ./cmd/leadsync -run TestFieldsDoc -update`;\n")
	b.WriteString("`leadsync fields VENDOR [OBJECT]` prints the same. Do not edit by hand.\n")
	for _, v := range vendors.All() {
		r := runApp(t, nil, "fields", "--markdown", v.Name)
		if r.code != 0 {
			t.Fatalf("fields %s: %s", v.Name, r.stderr)
		}
		b.WriteString("\n## " + v.Name + "\n\n")
		b.WriteString(r.stdout)
	}
	return b.Bytes()
}

// The field reference is generated from the schemas; it must not drift.
func TestFieldsDoc(t *testing.T) {
	path := filepath.Join("..", "..", "sinks", "FIELDS.md")
	want := fieldsDoc(t)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("sinks/FIELDS.md is stale: run go test ./cmd/leadsync -run TestFieldsDoc -update (%v)", err)
	}
}

const (
	refBegin = "<!-- config reference: generated from config.JobKeys and the vendors' descriptors by `go test ./cmd/leadsync -run TestConfigReference -update`; do not edit -->\n"
	refEnd   = "<!-- end of config reference -->\n"
)

// The README's config reference is generated from config.JobKeys and the
// vendors' descriptors; it must not drift.
func TestConfigReference(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte(refBegin))
	j := bytes.Index(readme, []byte(refEnd))
	if i < 0 || j < i {
		t.Fatalf("README.md has no generated config reference (markers %q ... %q)", refBegin, refEnd)
	}
	want := append(append(append([]byte{}, readme[:i+len(refBegin)]...), config.ReferenceMarkdown(vendors.All())...), readme[j:]...)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(readme, want) {
		t.Fatal("README.md's config reference is stale: run go test ./cmd/leadsync -run TestConfigReference -update")
	}
}
