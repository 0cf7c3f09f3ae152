package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's generated config reference")

const (
	refBegin = "<!-- config reference: generated from config.JobKeys by `go test ./config -run TestConfigReference -update`; do not edit -->\n"
	refEnd   = "<!-- end of config reference -->\n"
)

// yamlKeys lists the dotted yaml keys of t's fields; a Budget and the
// source limits are one value each.
func yamlKeys(prefix string, t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Budget{}) && ft != reflect.TypeOf(SourceLimits{}) {
			keys = append(keys, yamlKeys(prefix+tag+".", ft)...)
			continue
		}
		keys = append(keys, prefix+tag)
	}
	return keys
}

// Every key a job file may hold is in the reference, and nothing else.
func TestConfigReferenceCoversJob(t *testing.T) {
	documented := map[string]bool{}
	for _, k := range JobKeys {
		for _, s := range k.Keys {
			if documented[s] {
				t.Errorf("%s documented twice", s)
			}
			documented[s] = true
		}
	}
	declared := map[string]bool{}
	for _, k := range yamlKeys("", reflect.TypeOf(Job{})) {
		declared[k] = true
		if !documented[k] {
			t.Errorf("job key %s is not in config.JobKeys", k)
		}
	}
	for k := range documented {
		if !declared[k] {
			t.Errorf("config.JobKeys documents %s, which Job does not have", k)
		}
	}
}

// The README's config reference is generated; it must not drift.
func TestConfigReference(t *testing.T) {
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte(refBegin))
	j := bytes.Index(readme, []byte(refEnd))
	if i < 0 || j < i {
		t.Fatalf("README.md has no generated config reference (markers %q ... %q)", refBegin, refEnd)
	}
	want := append(append(append([]byte{}, readme[:i+len(refBegin)]...), ReferenceMarkdown()...), readme[j:]...)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(readme, want) {
		t.Fatal("README.md's config reference is stale: run go test ./config -run TestConfigReference -update")
	}
}
