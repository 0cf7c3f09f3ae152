package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show a file's (or a job's vendor source's) columns, detected encoding and delimiter, sample rows and a suggested mapping; --sink: a whole job skeleton",
		ArgsUsage: "FILE | JOB.yaml",
		Description: "Without --sink it suggests a mapping block (for --for VENDOR/OBJECT, else the job's sink, else\n" +
			"leaddesk/contact). With --sink VENDOR[/OBJECT] (or --skeleton, for a job's own sink) it writes a whole\n" +
			"job: the source with its detected delimiter and encoding, the sink's connection keys as ${VAR}\n" +
			"placeholders, region, match keys and the guessed mapping. What it cannot guess is a <FILL IN: ...>\n" +
			"placeholder, which validate refuses, naming each, until it is replaced.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Value: 5, Usage: "sample `N` rows"},
			&cli.StringFlag{Name: "sheet", Usage: "xlsx: sheet name or #index"},
			&cli.IntFlag{Name: "header-row", Value: 1, Usage: "the 1-based row holding the header"},
			&cli.StringFlag{Name: "for", Usage: "suggest a mapping for `VENDOR/OBJECT` (default: the job's sink, else leaddesk/contact)"},
			&cli.StringFlag{Name: "sink", Usage: "write a whole job skeleton for `VENDOR[/OBJECT]`"},
			&cli.BoolFlag{Name: "skeleton", Usage: "write a whole job skeleton for the --for object (with a job: the job's sink)"},
			&cli.StringFlag{Name: "out", Usage: "write the skeleton to `FILE` (refused when it exists) instead of stdout"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "inspect needs one file: leadsync inspect leads.csv")
			}
			var w io.Writer = e.stdout
			if c.Bool("json") {
				w = io.Discard
			}
			out, err := job.Inspect(c.Context, w, c.Args().First(), job.InspectOptions{
				Rows: c.Int("rows"), Sheet: c.String("sheet"), HeaderRow: c.Int("header-row"), For: c.String("for"),
				Sink: c.String("sink"), Skeleton: c.Bool("skeleton"), Out: c.String("out"), Lookup: e.lookup, Vendors: e.vendors,
			})
			if err != nil {
				return classErr(err)
			}
			if c.Bool("json") {
				return printJSON(e, out)
			}
			return nil
		},
	}
}
