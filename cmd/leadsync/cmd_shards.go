package main

import (
	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/report"
)

// mergeShardsCommand merges the summaries and reports of a job's shards.
func mergeShardsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "merge-shards",
		Usage:     "merge the summary.json (and rejected.csv, written.csv) of a job's shards into one",
		ArgsUsage: "SUMMARY.json...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the merged summary.json, rejected.csv and written.csv to `DIR`"},
			&cli.BoolFlag{Name: "json", Usage: "print the merged summary as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return exitf(ExitUsage, "merge-shards needs the shards' summary.json files: leadsync merge-shards .leadsync/runs/*/summary.json")
			}
			m, err := report.MergeShards(c.Args().Slice(), c.String("out"))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if c.Bool("json") {
				return printJSON(e, m.Summary)
			}
			job.WriteMergedShards(e.stdout, m)
			return nil
		},
	}
}
