package job

import (
	"testing"

	"github.com/leadsync/leadsync/state"
)

// The runs table's created, updated and unchanged count rows written so:
// a create or update the vendor refused, or whose outcome is unknown or
// failed, created or updated nothing.
func TestRunInfoCountsWrittenRowsOnly(t *testing.T) {
	ri := newRunInfo(state.Run{ID: 1, Job: "j", Counts: state.Counts{
		"ok/create": 2, "merged/create": 1, "rejected/create": 5, "uncertain/create": 1, "failed/create": 1,
		"ok/update": 1, "rejected/update": 2, "ok/unchanged": 3, "merged/unchanged": 1, "rejected": 4,
	}}, t.TempDir()+"/state.db")
	if ri.Created != 3 || ri.Updated != 1 || ri.Unchanged != 4 || ri.Rejected != 11 || ri.Written != 8 || ri.Rows != 21 {
		t.Fatalf("%+v", ri)
	}
}
