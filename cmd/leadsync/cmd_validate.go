package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
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
			p, err := job.Load(c.Args().First(), job.LoadOptions{Lookup: e.lookup, Vendors: e.vendors})
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer p.Close()
			if p.Empty() {
				fmt.Fprintf(e.stdout, "%s: ok, with a warning\n  warning: %s; its header is unknown, so the mapping's columns could not be checked\n", p.Config().Doc.File, p.NoRows())
				return nil
			}
			cfg, m := p.Config(), p.Mapping()
			names, kinds := m.KeyFields()
			fmt.Fprintf(e.stdout, "%s: ok\n  source  %s (%s, %d columns)\n  sink    %s %s\n  fields  %d mapped\n",
				cfg.Doc.File, cfg.Source.Path, cfg.Source.Type, len(m.Header()),
				cfg.Sink.Vendor, p.Object().Name, len(m.Fields()))
			for i, n := range names {
				fmt.Fprintf(e.stdout, "  key     %s (%s)\n", n, kinds[i])
			}
			if cfg.Match.None && cfg.Sink.Vendor != "export" {
				fmt.Fprintf(e.stdout, "  warning %s\n", job.MatchNoneWarning)
			}
			return nil
		},
	}
}
