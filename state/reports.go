package state

import (
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultName is the state database's file name when a job sets none.
const DefaultName = "state.db"

// ReportsDir is the folder of run runID's reports for the state database at
// statePath: runs/<id> beside a database named state.db, and <stem>.runs/<id>
// beside any other (state: .st/a.db gives .st/a.runs/1), so two databases
// kept in one folder, whose run ids both start at 1, never write their
// reports into the same folder.
func ReportsDir(statePath string, runID int64) string {
	dir, base := filepath.Split(statePath)
	root := "runs"
	if base != DefaultName {
		root = strings.TrimSuffix(base, filepath.Ext(base)) + ".runs"
	}
	return filepath.Join(dir, root, strconv.FormatInt(runID, 10))
}
