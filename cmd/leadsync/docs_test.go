package main

import (
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
	for _, v := range registry() {
		r := runApp(t, nil, "fields", "--markdown", v.name)
		if r.code != 0 {
			t.Fatalf("fields %s: %s", v.name, r.stderr)
		}
		b.WriteString("\n## " + v.name + "\n\n")
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
