package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

func validateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check a job: config, mapping against the sink's schema, source header; --online: the vendor's objects too",
		ArgsUsage: "JOB.yaml",
		Description: "Reads no data rows and, without --online, calls no API. Every problem is listed with\n" +
			"file:line:col; the exit code is 2 when there is any (4 when --online finds the credentials refused).\n" +
			"--online reads (never writes) at the vendor: the credentials, and the objects the job names\n" +
			"(LeadDesk calling list and agents, LionDesk sources, lead route and setup items, Tiledesk project),\n" +
			"within the job's budget.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "online", Usage: "also check the credentials and the vendor objects the job names (read calls only)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "validate needs one job file: leadsync validate JOB.yaml")
			}
			v, err := job.Validate(c.Context, c.Args().First(), job.LoadOptions{Lookup: e.lookup, Vendors: e.vendors}, c.Bool("online"))
			if c.Bool("json") {
				if perr := printJSON(e, v); perr != nil {
					return perr
				}
			} else if err == nil {
				for _, l := range v.Lines {
					fmt.Fprint(e.stdout, l)
				}
			}
			return classErr(err)
		},
	}
}
