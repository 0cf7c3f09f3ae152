package main

import (
	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

func diffCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "dry run: what a run would create, update, leave alone, reject or find ambiguous (reads only)",
		ArgsUsage: "JOB.yaml",
		Description: "The same as run --dry-run. Finds every entity at the vendor (reads only; nothing is\n" +
			"written to the vendor or to the entity index), then writes diff.html, diff.json, diff.csv\n" +
			"(and review.csv for ambiguous entities) and prints a summary with the calls the real run\n" +
			"needs and its time at the budget. --plan FILE saves a plan that `run --plan FILE` applies\n" +
			"exactly, setting aside any entity whose vendor record changed in between.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the reports to `DIR` (default: the run's report folder)"},
			&cli.StringFlag{Name: "plan", Usage: "also save the plan to `FILE` for run --plan"},
			&cli.BoolFlag{Name: "mask-pii", Usage: "mask personal data (PII fields, the local part of emails) in the reports"},
			&cli.BoolFlag{Name: "json", Usage: "print the run summary as JSON on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
			&cli.IntFlag{Name: "concurrency", Usage: "entities in flight", DefaultText: "the job's, else 4"},
			&cli.IntFlag{Name: "limit", Usage: "plan only the first `N` data rows", DefaultText: "all"},
			&cli.BoolFlag{Name: "verify", Usage: "find every entity, even those state says are unchanged"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "diff needs one job file: leadsync diff JOB.yaml")
			}
			return runJob(c, e, c.Args().First(), job.RunOptions{DryRun: true, PlanOut: c.String("plan"), MaskPII: c.Bool("mask-pii"), ReportDir: c.String("out")})
		},
	}
}
