package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

// stateFlags are the flags runs and show share; each command gets its own.
func stateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "job", Usage: "the job file whose runs to read (its state path and name)"},
		&cli.StringFlag{Name: "state", Value: filepath.Join(".leadsync", "state.db"), Usage: "state database `FILE` (when no --job)"},
		&cli.BoolFlag{Name: "json", Usage: "print as JSON on stdout"},
	}
}

// openHistory opens the state named by --job or --state for reading only.
func openHistory(c *cli.Context, e *env) (*job.History, error) {
	return job.OpenHistory(c.String("state"), c.String("job"), e.lookup)
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
			h, err := openHistory(c, e)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer h.Close()
			infos, err := h.Runs(c.Context, c.Int("n"))
			if err != nil {
				return withCode(ExitUsage, err)
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
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", ri.ID, ri.Job, started.Local().Format("2006-01-02 15:04:05"), dur, ri.StatusText(),
					ri.Rows, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected, ri.CallsText())
			}
			return tw.Flush()
		},
	}
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
			h, err := openHistory(c, e)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer h.Close()
			d, err := h.Show(c.Context, id, c.Int("rows"))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if c.Bool("json") {
				return printJSON(e, d.Output)
			}
			printRun(e, d, c.Int("rows"))
			return nil
		},
	}
}

// printRun prints one run for show, up to limit rows of each kind.
func printRun(e *env, d *job.RunDetail, limit int) {
	w, r, ri := e.stdout, d.Run, d.Info
	fmt.Fprintf(w, "run %d of job %s: %s\n", r.ID, r.Job, ri.StatusText())
	fmt.Fprintf(w, "  input    %s\n  sink     %s\n  started  %s\n", r.Input, r.Sink, r.StartedAt.Local().Format(time.RFC3339))
	if !r.EndedAt.IsZero() {
		fmt.Fprintf(w, "  ended    %s (%s)\n", r.EndedAt.Local().Format(time.RFC3339), r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	if r.Message != "" {
		fmt.Fprintf(w, "  message  %s\n", r.Message)
	}
	verb := "written"
	if ri.DryRun {
		verb = "would write"
	}
	fmt.Fprintf(w, "  rows     %d (%s: create %d, update %d, unchanged %d; rejected %d)\n", ri.Rows, verb, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected)
	fmt.Fprintf(w, "  calls    %s\n", ri.CallsText())
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-16s %d\n", k, r.Counts[k])
	}
	for _, g := range d.Groups {
		if len(g.Rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s rows (%d):\n", g.Status, len(g.Rows))
		for i, o := range g.Rows {
			if i == limit {
				fmt.Fprintf(w, "  ... %d more\n", len(g.Rows)-i)
				break
			}
			if o.Column != "" {
				fmt.Fprintf(w, "  row %d, column %q: %s\n", o.Row, o.Column, o.Error)
			} else {
				fmt.Fprintf(w, "  row %d: %s\n", o.Row, o.Error)
			}
		}
	}
}
