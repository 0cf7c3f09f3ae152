package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/state"
)

// stateFlags are the flags runs and show share; each command gets its own.
func stateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "job", Usage: "the job file whose runs to read (its state path and name)"},
		&cli.StringFlag{Name: "state", Value: filepath.Join(".leadsync", "state.db"), Usage: "state database `FILE` (when no --job)"},
		&cli.BoolFlag{Name: "json", Usage: "print as JSON on stdout"},
	}
}

// openState opens the state named by --job or --state for reading only;
// job is "" with --state. A folder without state gets a hint, not a new
// database.
func openState(c *cli.Context, e *env) (*state.Store, string, error) {
	path, job := c.String("state"), ""
	if jp := c.String("job"); jp != "" {
		j, err := config.LoadJob(jp, func(k string) (string, bool) {
			if v, ok := e.lookup(k); ok {
				return v, true
			}
			return "", true // history needs no secrets
		}, e.vendors)
		if err != nil {
			return nil, "", err
		}
		path, job = j.State, j.Name
	}
	s, err := state.OpenReadOnly(path)
	if errors.Is(err, state.ErrNoState) {
		return nil, "", fmt.Errorf("no state here (%s does not exist): run a job first (leadsync run JOB.yaml), or name its state with --job JOB.yaml or --state FILE", path)
	}
	return s, job, err
}

// runInfo is one run as runs and show print it (--json keys documented
// in the README; every key is always present).
type runInfo struct {
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
func newRunInfo(r state.Run, statePath string) runInfo {
	ri := runInfo{ID: r.ID, Job: r.Job, Status: r.Status, DryRun: r.Status == state.RunDryRun,
		Started: r.StartedAt.UTC().Format(time.RFC3339), Input: r.Input, Sink: r.Sink, Counts: map[string]int{}, Message: r.Message, Calls: -1}
	if !r.EndedAt.IsZero() {
		ri.Ended = r.EndedAt.UTC().Format(time.RFC3339)
		ri.Seconds = r.EndedAt.Sub(r.StartedAt).Seconds()
	}
	for k, v := range r.Counts {
		ri.Counts[k] = v
		_, action, _ := strings.Cut(k, "/")
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
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(statePath), "runs", strconv.FormatInt(r.ID, 10), "summary.json")); err == nil {
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

func (ri runInfo) statusText() string {
	if ri.DryRun {
		return "dry run (wrote nothing)"
	}
	return ri.Status
}

func (ri runInfo) callsText() string {
	if ri.Calls < 0 {
		return "-"
	}
	return strconv.Itoa(ri.Calls)
}

func printJSON(e *env, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, string(b))
	return err
}

func runsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list past runs from the state database (reads only)",
		Flags: append([]cli.Flag{&cli.IntFlag{Name: "n", Value: 20, Usage: "show the last `N` runs"}}, stateFlags()...),
		Action: func(c *cli.Context) error {
			s, job, err := openState(c, e)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer s.Close()
			runs, err := s.Runs(c.Context, job, c.Int("n"))
			if err != nil {
				return withCode(ExitUsage, s.Fault(err))
			}
			infos := make([]runInfo, 0, len(runs))
			for _, r := range runs {
				infos = append(infos, newRunInfo(r, s.Path()))
			}
			if c.Bool("json") {
				return printJSON(e, infos)
			}
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tJOB\tSTARTED\tDURATION\tSTATUS\tROWS\tCREATED\tUPDATED\tUNCHANGED\tREJECTED\tCALLS")
			for _, ri := range infos {
				dur := ""
				if ri.Ended != "" {
					dur = (time.Duration(ri.Seconds * float64(time.Second))).Round(time.Millisecond).String()
				}
				started, _ := time.Parse(time.RFC3339, ri.Started)
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", ri.ID, ri.Job, started.Local().Format("2006-01-02 15:04:05"), dur, ri.statusText(),
					ri.Rows, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected, ri.callsText())
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "state %s: %s (leadsync gc prunes old runs' row outcomes)\n", s.Path(), byteSize(s.Size()))
			return nil
		},
	}
}

// showOutput is show --json.
type showOutput struct {
	runInfo
	Rows []showRow `json:"problem_rows"`
	// Pruned: leadsync gc removed the run's per-row outcomes.
	Pruned bool `json:"pruned"`
}

type showRow struct {
	Row    int    `json:"row"`
	Status string `json:"status"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

func showCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show one run: counts and its rejected, failed and uncertain rows (reads only)",
		ArgsUsage: "RUN",
		Flags:     append([]cli.Flag{&cli.IntFlag{Name: "rows", Value: 20, Usage: "list up to `N` rows of each kind"}}, stateFlags()...),
		Action: func(c *cli.Context) error {
			id, err := strconv.ParseInt(c.Args().First(), 10, 64)
			if c.NArg() != 1 || err != nil {
				return exitf(ExitUsage, "show needs a run number: leadsync show 3")
			}
			s, job, err := openState(c, e)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer s.Close()
			r, err := s.Run(c.Context, id)
			if err == nil && job != "" && r.Job != job {
				err = fmt.Errorf("run %d is a run of job %q, not %q (leadsync runs --job %s lists this job's runs)", id, r.Job, job, c.String("job"))
			}
			if err != nil {
				return withCode(ExitUsage, s.Fault(err))
			}
			ri := newRunInfo(r, s.Path())
			out := showOutput{runInfo: ri, Rows: []showRow{}}
			out.Pruned, _ = s.Pruned(c.Context, id)
			type group struct {
				status string
				rows   []state.Outcome
			}
			var groups []group
			for _, st := range []string{state.StatusRejected, state.StatusFailed, state.StatusUncertain} {
				rows, err := s.Outcomes(c.Context, id, st)
				if err != nil {
					return withCode(ExitUsage, err)
				}
				groups = append(groups, group{st, rows})
				for i, o := range rows {
					if i == c.Int("rows") {
						break
					}
					out.Rows = append(out.Rows, showRow{Row: o.Row, Status: o.Status, Column: o.Column, Reason: o.Error})
				}
			}
			if c.Bool("json") {
				return printJSON(e, out)
			}
			w := e.stdout
			fmt.Fprintf(w, "run %d of job %s: %s\n", r.ID, r.Job, ri.statusText())
			fmt.Fprintf(w, "  input    %s\n  sink     %s\n  started  %s\n", r.Input, r.Sink, r.StartedAt.Local().Format(time.RFC3339))
			if !r.EndedAt.IsZero() {
				fmt.Fprintf(w, "  ended    %s (%s)\n", r.EndedAt.Local().Format(time.RFC3339), r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
			}
			if r.Message != "" {
				fmt.Fprintf(w, "  message  %s\n", r.Message)
			}
			if out.Pruned {
				fmt.Fprintf(w, "  outcomes removed by leadsync gc: the counts below remain, the rows do not\n")
			}
			verb := "written"
			if ri.DryRun {
				verb = "would write"
			}
			fmt.Fprintf(w, "  rows     %d (%s: create %d, update %d, unchanged %d; rejected %d)\n", ri.Rows, verb, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected)
			fmt.Fprintf(w, "  calls    %s\n", ri.callsText())
			keys := make([]string, 0, len(r.Counts))
			for k := range r.Counts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "  %-16s %d\n", k, r.Counts[k])
			}
			for _, g := range groups {
				if len(g.rows) == 0 {
					continue
				}
				fmt.Fprintf(w, "%s rows (%d):\n", g.status, len(g.rows))
				for i, o := range g.rows {
					if i == c.Int("rows") {
						fmt.Fprintf(w, "  ... %d more\n", len(g.rows)-i)
						break
					}
					if o.Column != "" {
						fmt.Fprintf(w, "  row %d, column %q: %s\n", o.Row, o.Column, o.Error)
					} else {
						fmt.Fprintf(w, "  row %d: %s\n", o.Row, o.Error)
					}
				}
			}
			return nil
		},
	}
}
