package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

func setupCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "setup",
		Usage:     "ensure the job's declared vendor setup exists (LionDesk campaigns, actions, routes, team options)",
		ArgsUsage: "JOB.yaml",
		Description: "Reads the job's setup: section and creates what is missing, corrects what differs, and\n" +
			"never deletes. Running it twice changes nothing the second time. --dry-run only reports.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "report what would be created or changed; write nothing"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "setup needs one job file: leadsync setup JOB.yaml")
			}
			s, err := job.OpenSetup(c.Args().First(), e.lookup, e.vendors)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer s.Close()
			fmt.Fprintf(e.stdout, "setup for %s (%s):\n", s.Vendor(), s.URL())
			changed, err := s.Apply(c.Context, c.Bool("dry-run"), e.stdout)
			if err != nil {
				return classErr(err)
			}
			switch {
			case c.Bool("dry-run") && changed:
				fmt.Fprintln(e.stdout, "dry run: the items above marked created or updated would be written")
			case !changed:
				fmt.Fprintln(e.stdout, "everything was already in place; nothing written")
			}
			return nil
		},
	}
}
