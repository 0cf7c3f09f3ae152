package state

import (
	"path/filepath"
	"testing"
)

func TestReportsDirApartPerDatabase(t *testing.T) {
	for _, c := range []struct {
		path string
		want string
	}{
		{filepath.Join("x", ".leadsync", "state.db"), filepath.Join("x", ".leadsync", "runs", "3")},
		{filepath.Join("x", "a.db"), filepath.Join("x", "a.runs", "3")},
		{filepath.Join("x", "b.sqlite"), filepath.Join("x", "b.runs", "3")},
		{filepath.Join("x", "noext"), filepath.Join("x", "noext.runs", "3")},
	} {
		if got := ReportsDir(c.path, 3); got != c.want {
			t.Errorf("ReportsDir(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}
