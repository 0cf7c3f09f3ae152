package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
	"github.com/leadsync/leadsync/state"
)

// History reads a state database's past runs, for reading only.
type History struct {
	store   *state.Store
	job     string // the job whose runs these are; "" for all
	jobFile string
}

// OpenHistory opens the state of the job file jobFile (its state path
// and name), or when jobFile is "" the state database statePath, for
// reading only; vs are the vendors the job may name (nil: all). A folder without
// state gets a hint, not a new database.
func OpenHistory(statePath, jobFile string, lookup func(string) (string, bool), vs []sinks.Vendor) (*History, error) {
	path, job := statePath, ""
	if vs == nil {
		vs = vendors.All()
	}
	if jobFile != "" {
		j, err := config.LoadJob(jobFile, func(k string) (string, bool) {
			if lookup != nil {
				if v, ok := lookup(k); ok {
					return v, true
				}
			}
			return "", true // history needs no secrets
		}, vs)
		if err != nil {
			return nil, err
		}
		path, job = j.State, j.Name
	}
	s, err := state.OpenReadOnly(path)
	if errors.Is(err, state.ErrNoState) {
		return nil, fmt.Errorf("no state here (%s does not exist): run a job first (leadsync run JOB.yaml), or name its state with --job JOB.yaml or --state FILE", path)
	}
	if err != nil {
		return nil, err
	}
	return &History{store: s, job: job, jobFile: jobFile}, nil
}

// Path is the state database's file.
func (h *History) Path() string { return h.store.Path() }

// Size is the state database's size in bytes.
func (h *History) Size() int64 { return h.store.Size() }

// Close closes the state database.
func (h *History) Close() error { return h.store.Close() }

// Runs lists the last n runs (of the job, when opened with one), newest first.
func (h *History) Runs(ctx context.Context, n int) ([]RunInfo, error) {
	runs, err := h.store.Runs(ctx, h.job, n)
	if err != nil {
		return nil, h.store.Fault(err)
	}
	infos := make([]RunInfo, 0, len(runs))
	for _, r := range runs {
		infos = append(infos, newRunInfo(h.gone(ctx, r), h.store.Path()))
	}
	return infos, nil
}

// gone shows a run recorded as running whose process ended without
// finishing it (kill -9, a crash) as interrupted, as its resume will.
func (h *History) gone(ctx context.Context, r state.Run) state.Run {
	if r.Status == state.RunRunning && h.store.RunGone(ctx, r.Job, r.ID) {
		r.Status = state.RunInterrupted
		r.Message = "its process ended without finishing it (killed?); run the job again to resume it"
	}
	return r
}

// RunDetail is one run with its problem rows.
type RunDetail struct {
	Info RunInfo
	Run  state.Run
	// Groups are the rejected, failed and uncertain rows, in that order.
	Groups []OutcomeGroup
	// Output is show --json: the run and up to the asked rows of each kind.
	Output ShowOutput
}

// OutcomeGroup is a run's rows of one status.
type OutcomeGroup struct {
	Status string
	Rows   []state.Outcome
}

// Show reads run id, listing up to rows rows of each kind in Output.
func (h *History) Show(ctx context.Context, id int64, rows int) (*RunDetail, error) {
	r, err := h.store.Run(ctx, id)
	if err == nil && h.job != "" && r.Job != h.job {
		err = fmt.Errorf("run %d is a run of job %q, not %q (leadsync runs --job %s lists this job's runs)", id, r.Job, h.job, h.jobFile)
	}
	if err != nil {
		return nil, h.store.Fault(err)
	}
	r = h.gone(ctx, r)
	ri := newRunInfo(r, h.store.Path())
	d := &RunDetail{Info: ri, Run: r, Output: ShowOutput{RunInfo: ri, Rows: []ShowRow{}}}
	d.Output.Pruned, _ = h.store.Pruned(ctx, id)
	for _, st := range []string{state.StatusRejected, state.StatusFailed, state.StatusUncertain} {
		got, err := h.store.Outcomes(ctx, id, st)
		if err != nil {
			return nil, err
		}
		d.Groups = append(d.Groups, OutcomeGroup{st, got})
		for i, o := range got {
			if i == rows {
				break
			}
			d.Output.Rows = append(d.Output.Rows, ShowRow{Row: o.Row, Status: o.Status, Column: o.Column, Reason: o.Error})
		}
	}
	return d, nil
}

// RunInfo is one run as runs and show print it (--json keys documented
// in the README; every key is always present).
type RunInfo struct {
	ID        int64          `json:"run_id"`
	Job       string         `json:"job"`
	Status    string         `json:"status"`
	DryRun    bool           `json:"dry_run"`
	Started   string         `json:"started"`
	Ended     string         `json:"ended"`
	Seconds   float64        `json:"seconds"`
	Input     string         `json:"input"`
	Sink      string         `json:"sink"`
	Rows      int            `json:"rows"`
	Written   int            `json:"written"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
	Rejected  int            `json:"rejected"`
	Uncertain int            `json:"uncertain"`
	Failed    int            `json:"failed"`
	Calls     int            `json:"calls"`
	Counts    map[string]int `json:"counts"`
	Message   string         `json:"message"`
}

// newRunInfo sums a run's counts. Calls are the run's summary.json's
// (in the default report folder beside the state); -1 when unknown.
func newRunInfo(r state.Run, statePath string) RunInfo {
	ri := RunInfo{ID: r.ID, Job: r.Job, Status: r.Status, DryRun: r.Status == state.RunDryRun,
		Started: r.StartedAt.UTC().Format(time.RFC3339), Input: r.Input, Sink: r.Sink, Counts: map[string]int{}, Message: r.Message, Calls: -1}
	if !r.EndedAt.IsZero() {
		ri.Ended = r.EndedAt.UTC().Format(time.RFC3339)
		ri.Seconds = r.EndedAt.Sub(r.StartedAt).Seconds()
	}
	for k, v := range r.Counts {
		ri.Counts[k] = v
		status, action, _ := strings.Cut(k, "/")
		if status != state.StatusOK && status != state.StatusMerged {
			continue // refused, failed or unknown: nothing written
		}
		switch action {
		case "create":
			ri.Created += v
		case "update":
			ri.Updated += v
		case "unchanged":
			ri.Unchanged += v
		}
	}
	t := totals(r.Counts)
	ri.Rows, ri.Written, ri.Rejected, ri.Uncertain, ri.Failed = t.rows, t.written, t.rejected, t.uncertain, t.failed
	if ri.DryRun {
		ri.Written = 0 // a dry run's counts are its plan
	}
	if b, err := os.ReadFile(filepath.Join(state.ReportsDir(statePath, r.ID), "summary.json")); err == nil {
		var s struct {
			RunID   int64          `json:"run_id"`
			Calls   *int           `json:"calls"`
			Actions map[string]int `json:"actions"`
		}
		if json.Unmarshal(b, &s) == nil && s.RunID == r.ID {
			if s.Calls != nil {
				ri.Calls = *s.Calls
			}
			if ri.DryRun {
				ri.Created, ri.Updated, ri.Unchanged = s.Actions["create"], s.Actions["update"], s.Actions["unchanged"]
			}
		}
	}
	return ri
}

// StatusText is the status as runs and show print it.
func (ri RunInfo) StatusText() string {
	if ri.DryRun {
		return "dry run (wrote nothing)"
	}
	return ri.Status
}

// CallsText is the calls as runs and show print them ("-": unknown).
func (ri RunInfo) CallsText() string {
	if ri.Calls < 0 {
		return "-"
	}
	return strconv.Itoa(ri.Calls)
}

// ShowOutput is show --json.
type ShowOutput struct {
	RunInfo
	Rows []ShowRow `json:"problem_rows"`
	// Pruned: leadsync gc removed the run's per-row outcomes.
	Pruned bool `json:"pruned"`
}

type ShowRow struct {
	Row    int    `json:"row"`
	Status string `json:"status"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}
