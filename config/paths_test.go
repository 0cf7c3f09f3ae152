package config

import (
	"strings"
	"testing"
)

// An export whose output is its own input would replace the source file
// with the mapped rows (the source is lost), and a state database at the
// input or output path would be opened as SQLite over the user's file: the
// job is refused before anything is read or written.
func TestJobRefusesPathsThatCollide(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"sink is the source":  {"source: {path: in.csv}\nsink: {vendor: export, path: ./in.csv}\n", "sink.path is the source file"},
		"state is the source": {"source: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nstate: in.csv\n", "state is the source file"},
		"state is the sink":   {"source: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nstate: sub/../out.csv\n", "state is the sink.path file"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadJob(writeJob(t, c.body+"mapping: {name: name}\n"), env(nil), testVendors())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := LoadJob(writeJob(t, "source: {path: in.csv}\nsink: {vendor: export, path: out.csv}\nmapping: {name: name}\n"), env(nil), testVendors()); err != nil {
		t.Fatalf("distinct paths: %v", err)
	}
}
