package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
)

func reconcileCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "reconcile",
		Usage:     "after a migration: what the source has that the target lacks, and the reverse",
		ArgsUsage: "JOB.yaml",
		Description: "Reads the job's source again, finds every entity in the target (reads only), and lists\n" +
			"the target's records to find those no source record explains (where the target can list).\n" +
			"Writes reconcile.html, summary.html, reconcile.json and reconcile.csv anew (a previous reconcile's\n" +
			"files are replaced). Exit code 1\n" +
			"when anything is missing or duplicated in the target.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the report to `DIR` (default: .leadsync/reconcile beside the state)"},
			&cli.BoolFlag{Name: "mask-pii", Usage: "mask personal data in the report"},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "entities checked at once"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "reconcile needs one job file: leadsync reconcile JOB.yaml")
			}
			return reconcile(c, e, c.Args().First())
		},
	}
}

func reconcile(c *cli.Context, e *env, path string) error {
	j, err := job.Load(path, job.LoadOptions{Lookup: e.lookup, Vendors: e.vendors})
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer j.Close()
	if j.Empty() {
		fmt.Fprintln(e.stdout, j.NoRows())
		return nil
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := j.Reconcile(ctx, job.ReconcileOptions{OutDir: c.String("out"), MaskPII: c.Bool("mask-pii"), Concurrency: c.Int("concurrency")})
	if err != nil {
		return classErr(err)
	}
	r.WriteText(e.stdout)
	return classErr(r.Err)
}
