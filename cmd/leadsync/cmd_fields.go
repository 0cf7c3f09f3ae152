package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sinks/vendors"
)

func fieldsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "fields",
		Usage:     "print a sink's schema: objects, fields, types, limits",
		ArgsUsage: "VENDOR [OBJECT]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "markdown", Usage: "print Markdown tables (as in the README)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				var names []string
				for _, v := range e.vendors {
					names = append(names, v.Name)
				}
				return exitf(ExitUsage, "fields needs a vendor (%s) and optionally an object", strings.Join(names, ", "))
			}
			ve, err := vendors.Lookup(e.vendors, c.Args().Get(0))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			object := ""
			if c.NArg() == 2 {
				object = c.Args().Get(1)
			}
			return withCode(ExitUsage, job.WriteFields(e.stdout, ve, object, c.Bool("markdown")))
		},
	}
}
