package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func validateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check a job: config, mapping against the sink's schema, source header",
		ArgsUsage: "JOB.yaml",
		Description: "Reads no data rows and calls no API. Every problem is listed with file:line:col;\n" +
			"the exit code is 2 when there is any.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "validate needs one job file: leadsync validate JOB.yaml")
			}
			p, err := prepare(e, c.Args().First())
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer p.Close()
			if p.empty {
				fmt.Fprintf(e.stdout, "%s: ok, with a warning\n  warning: %s; its header is unknown, so the mapping's columns could not be checked\n", p.job.Doc.File, p.noRows())
				return nil
			}
			names, kinds := p.mapping.KeyFields()
			fmt.Fprintf(e.stdout, "%s: ok\n  source  %s (%s, %d columns)\n  sink    %s %s\n  fields  %d mapped\n",
				p.job.Doc.File, p.job.Source.Path, p.job.Source.Type, len(p.mapping.Header()),
				p.job.Sink.Vendor, p.object.Name, len(p.mapping.Fields()))
			for i, n := range names {
				fmt.Fprintf(e.stdout, "  key     %s (%s)\n", n, kinds[i])
			}
			if p.job.Match.None && p.job.Sink.Vendor != "export" {
				fmt.Fprintf(e.stdout, "  warning %s\n", matchNoneWarning)
			}
			return nil
		},
	}
}
