package state

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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

func TestSettledEntities(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	r, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	w := s.NewWriter(r.ID, nil)
	w.Outcome(Outcome{Row: 2, Status: StatusOK, Action: "create", Entity: "phone:+1"})
	w.Outcome(Outcome{Row: 3, Status: StatusMerged, Action: "create", Entity: "phone:+1"})
	w.Outcome(Outcome{Row: 4, Status: StatusRejected, Action: "create", Entity: "phone:+2"}) // the vendor refused it
	w.Outcome(Outcome{Row: 5, Status: StatusRejected, Action: "create", Entity: "phone:+2"})
	w.Outcome(Outcome{Row: 6, Status: StatusOK, Action: "update", Entity: "phone:+3"})
	w.Outcome(Outcome{Row: 7, Status: StatusRejected, Column: "phone", Error: "bad"})      // no entity
	w.Outcome(Outcome{Row: 8, Status: StatusFailed, Action: "create", Entity: "phone:+4"}) // retried by a resume
	w.Outcome(Outcome{Row: 9, Status: StatusOK, Action: "create"})                         // match: none
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := s.SettledEntities(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"create": 2, "refused": 1, "update": 1}, got); diff != "" {
		t.Fatalf("settled entities (-want +got):\n%s", diff)
	}
}
