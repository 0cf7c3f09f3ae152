package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/internal/safefile"
)

// statusRank orders run statuses from best to worst: a merged run is as
// bad as its worst shard.
var statusRank = map[string]int{"dry_run": 0, "done": 1, "done_with_rejects": 2, "done_with_uncertain": 3, "interrupted": 4, "failed": 5}

// MergedShards is the one summary of a job's shards.
type MergedShards struct {
	Summary map[string]any // summary.json's keys, merged
	Shards  int
	Files   []string // the merged report files written
}

// MergeShards merges the summary.json of each shard of one job (and the
// rejected.csv and written.csv beside each, when present) into one: counts
// and calls are summed, maps of counts summed key by key, lists joined,
// the wall time is the longest shard's, the status the worst shard's.
// With outDir set, the merged summary.json, rejected.csv and written.csv
// are written there (the CSVs' data rows in row order).
func MergeShards(paths []string, outDir string) (*MergedShards, error) {
	if len(paths) == 0 {
		return nil, errors.New("merge: no summary.json given")
	}
	m := &MergedShards{Summary: map[string]any{}}
	var runIDs []any
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		var s map[string]any
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("merge: %s is not a run's summary.json: %v", p, err)
		}
		// A shard's run is named "job [shard i/N]".
		name, _, _ := strings.Cut(fmt.Sprint(s["job"]), " [shard ")
		s["job"] = name
		delete(s, "shard")
		if job, ok := m.Summary["job"]; ok && name != job {
			return nil, fmt.Errorf("merge: %s is a run of job %v, the others of %v", p, name, job)
		}
		runIDs = append(runIDs, s["run_id"])
		mergeInto(m.Summary, s)
		m.Shards++
	}
	delete(m.Summary, "run_id")
	m.Summary["run_ids"] = runIDs
	m.Summary["shards"] = m.Shards
	if secs, _ := m.Summary["seconds"].(float64); secs > 0 {
		rows, _ := m.Summary["rows"].(float64)
		m.Summary["rows_per_second"] = rows / secs
	}
	if outDir == "" {
		return m, nil
	}
	if err := safefile.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	b, _ := json.MarshalIndent(m.Summary, "", "  ")
	out := filepath.Join(outDir, "summary.json")
	if err := safefile.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	m.Files = append(m.Files, out)
	for _, name := range []string{"rejected.csv", "written.csv"} {
		var parts []string
		for _, p := range paths {
			if f := filepath.Join(filepath.Dir(p), name); fileExists(f) {
				parts = append(parts, f)
			}
		}
		if len(parts) == 0 {
			continue
		}
		dst := filepath.Join(outDir, name)
		if err := mergeCSV(dst, parts); err != nil {
			return nil, fmt.Errorf("merge: %s: %w", name, err)
		}
		m.Files = append(m.Files, dst)
	}
	return m, nil
}

// mergeInto folds shard s into the merged summary m.
func mergeInto(m, s map[string]any) {
	for k, v := range s {
		have, seen := m[k]
		if !seen {
			m[k] = v
			continue
		}
		switch x := v.(type) {
		case float64:
			h, _ := have.(float64)
			if k == "seconds" || k == "rows" { // every shard reads every row
				m[k] = max(h, x)
			} else {
				m[k] = h + x
			}
		case map[string]any:
			h, _ := have.(map[string]any)
			if h == nil {
				h = map[string]any{}
			}
			for kk, vv := range x {
				a, _ := h[kk].(float64)
				b, ok := vv.(float64)
				if ok {
					h[kk] = a + b
				} else if _, there := h[kk]; !there {
					h[kk] = vv
				}
			}
			m[k] = h
		case []any:
			h, _ := have.([]any)
			m[k] = append(h, x...)
		case string:
			if k == "status" {
				if statusRank[x] > statusRank[have.(string)] {
					m[k] = x
				}
			} else if have != x && x != "" {
				if have == "" {
					m[k] = x
				} else {
					m[k] = fmt.Sprintf("%v; %s", have, x)
				}
			}
		case bool:
			h, _ := have.(bool)
			m[k] = h || x
		}
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// mergeCSV writes the data rows of parts (one header, the same in each)
// to dst, in the order of their "row" column when they have one.
func mergeCSV(dst string, parts []string) error {
	var header []string
	var rows [][]string
	for _, p := range parts {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		h, err := r.Read()
		if err == io.EOF {
			f.Close()
			continue
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %v", p, err)
		}
		if header == nil {
			header = h
		} else if !slices.Equal(header, h) {
			f.Close()
			return fmt.Errorf("%s has other columns than %s", p, parts[0])
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return fmt.Errorf("%s: %v", p, err)
			}
			rows = append(rows, rec)
		}
		f.Close()
	}
	if header == nil {
		return nil
	}
	col := -1
	for i, h := range header {
		if h == ColRow {
			col = i
		}
	}
	if col >= 0 {
		sort.SliceStable(rows, func(i, j int) bool { return rowNum(rows[i], col) < rowNum(rows[j], col) })
	}
	return safefile.Write(dst, 0o644, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		// Cells are copied as the shards wrote them (already formula-safe).
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

func rowNum(rec []string, col int) int {
	if col >= len(rec) {
		return 0
	}
	n, _ := strconv.Atoi(rec[col])
	return n
}
