package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
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
			job, err := config.LoadJob(c.Args().First(), e.lookup, e.vendors)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			ve, err := lookupVendor(e.vendors, job.Sink.Vendor)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if ve.Setup == nil {
				return exitf(ExitUsage, "%s: %s has nothing to set up", job.Doc.File, ve.Name)
			}
			if job.Setup == nil {
				return withCode(ExitUsage, config.Errors{job.Doc.At(job.Doc.Root, "the job has no setup: section")})
			}
			conn, err := connect(job, ve, job.Sink.Object, nil)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer conn.close()
			fmt.Fprintf(e.stdout, "setup for %s (%s):\n", ve.Name, jobURL(job, "sink"))
			decode := func(v any) error { return job.Doc.Decode(job.Setup, v) }
			changed, err := ve.Setup(c.Context, conn.cfg, decode, c.Bool("dry-run"), e.stdout)
			if err != nil {
				if err := sinks.Refused(sinks.SideSink, err); isRefused(err) {
					return withCode(ExitAuth, refusedCredentials(e.vendors, job, ve.Name, err))
				}
				return withCode(ExitUsage, err)
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
