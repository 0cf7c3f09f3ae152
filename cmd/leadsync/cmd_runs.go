package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/state"
)

var stateFlags = []cli.Flag{
	&cli.StringFlag{Name: "job", Usage: "the job file whose state to read (its state path and name)"},
	&cli.StringFlag{Name: "state", Value: filepath.Join(".leadsync", "state.db"), Usage: "state database `FILE` (when no --job)"},
}

// openState opens the state named by --job or --state; job is "" with --state.
func openState(c *cli.Context, e *env) (*state.Store, string, error) {
	path, job := c.String("state"), ""
	if jp := c.String("job"); jp != "" {
		j, err := config.LoadJob(jp, func(k string) (string, bool) {
			if v, ok := e.lookup(k); ok {
				return v, true
			}
			return "", true // history needs no secrets
		})
		if err != nil {
			return nil, "", err
		}
		path, job = j.State, j.Name
	}
	s, err := state.Open(path)
	return s, job, err
}

func runsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list past runs from the state database",
		Flags: append([]cli.Flag{&cli.IntFlag{Name: "n", Value: 20, Usage: "show the last `N` runs"}}, stateFlags...),
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
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tJOB\tSTARTED\tDURATION\tSTATUS\tROWS OK\tREJECTED")
			for _, r := range runs {
				dur := ""
				if !r.EndedAt.IsZero() {
					dur = r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
				}
				ok, rej := 0, 0
				for k, v := range r.Counts {
					switch {
					case k == state.StatusRejected:
						rej += v
					case len(k) >= 2 && k[:2] == "ok":
						ok += v
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\n", r.ID, r.Job, r.StartedAt.Local().Format("2006-01-02 15:04:05"), dur, r.Status, ok, rej)
			}
			return tw.Flush()
		},
	}
}

func showCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show one run: counts and its rejected rows",
		ArgsUsage: "RUN",
		Flags:     append([]cli.Flag{&cli.IntFlag{Name: "rows", Value: 20, Usage: "list up to `N` rejected rows"}}, stateFlags...),
		Action: func(c *cli.Context) error {
			id, err := strconv.ParseInt(c.Args().First(), 10, 64)
			if c.NArg() != 1 || err != nil {
				return exitf(ExitUsage, "show needs a run number: leadsync show 3")
			}
			s, _, err := openState(c, e)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer s.Close()
			r, err := s.Run(c.Context, id)
			if err != nil {
				return withCode(ExitUsage, s.Fault(err))
			}
			w := e.stdout
			fmt.Fprintf(w, "run %d of job %s: %s\n", r.ID, r.Job, r.Status)
			fmt.Fprintf(w, "  input    %s\n  sink     %s\n  started  %s\n", r.Input, r.Sink, r.StartedAt.Local().Format(time.RFC3339))
			if !r.EndedAt.IsZero() {
				fmt.Fprintf(w, "  ended    %s (%s)\n", r.EndedAt.Local().Format(time.RFC3339), r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
			}
			if r.Message != "" {
				fmt.Fprintf(w, "  message  %s\n", r.Message)
			}
			keys := make([]string, 0, len(r.Counts))
			for k := range r.Counts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "  %-16s %d\n", k, r.Counts[k])
			}
			for _, st := range []string{state.StatusRejected, state.StatusFailed, state.StatusUncertain} {
				rows, err := s.Outcomes(c.Context, id, st)
				if err != nil {
					return withCode(ExitUsage, s.Fault(err))
				}
				if len(rows) == 0 {
					continue
				}
				fmt.Fprintf(w, "%s rows (%d):\n", st, len(rows))
				for i, o := range rows {
					if i == c.Int("rows") {
						fmt.Fprintf(w, "  ... %d more\n", len(rows)-i)
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
