package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

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
	return job.OpenHistory(c.String("state"), c.String("job"), e.lookup, e.vendors)
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
			if err := job.WriteRuns(e.stdout, infos); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "state %s: %s (leadsync gc prunes old runs' row outcomes)\n", h.Path(), job.ByteSize(h.Size()))
			return nil
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
			d.WriteText(e.stdout, c.Int("rows"))
			return nil
		},
	}
}
