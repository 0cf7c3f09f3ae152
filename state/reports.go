package state

import (
	"context"
	"fmt"
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

// SettledEntities counts, by action, the entities of run runID that have
// a final outcome (anything but failed): those a resumed run skips, so its
// summary can count the whole run's entities. An entity is its rows' shared
// entity key; a row without one (match: none) with an action is one entity.
// An entity whose create or update the vendor refused counts as refused,
// as the run that refused it counted it.
func (s *Store) SettledEntities(ctx context.Context, runID int64) (map[string]int, error) {
	// Status and action are stored as codes (packWord): compare codes.
	failed, merged, none := packWord(statusCodes, StatusFailed), packWord(statusCodes, StatusMerged), packWord(actionCodes, "")
	action := fmt.Sprintf(`CASE WHEN status = %d AND action IN (%d, %d) THEN %d ELSE action END`,
		packWord(statusCodes, StatusRejected), packWord(actionCodes, "create"), packWord(actionCodes, "update"), packWord(actionCodes, "refused"))
	rows, err := s.db.QueryContext(ctx, `SELECT `+action+` AS a, COUNT(DISTINCT entity) + 0 FROM outcomes
		WHERE run_id=? AND status<>? AND action<>? AND entity<>'' GROUP BY a
		UNION ALL SELECT `+action+` AS a, COUNT(*) FROM outcomes
		WHERE run_id=? AND status NOT IN (?, ?) AND action<>? AND entity='' GROUP BY a`,
		runID, failed, none, runID, failed, merged, none)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var action any
		var n int
		if err := rows.Scan(&action, &n); err != nil {
			return nil, err
		}
		if a := unpackWord(actionCodes, action); a != "" {
			out[a] += n
		}
	}
	return out, rows.Err()
}
