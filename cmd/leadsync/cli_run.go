package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/pipeline/job"
)

func runCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a job, or resume its unfinished run",
		ArgsUsage: "JOB.yaml",
		Description: "Reads the source, maps every row, writes to the sink and records each row's outcome.\n" +
			"Running the same job on the same input continues an unfinished run; --fresh starts over.\n" +
			"Ctrl-C stops reading, commits what is done, and exits with code 3.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "fresh", Usage: "start a new run even if the last one is unfinished"},
			&cli.StringFlag{Name: "input", Usage: "read `FILE` instead of the job's source file, e.g. a corrected rejected.csv (its leadsync_* columns are ignored); a new input, resumable as usual"},
			&cli.BoolFlag{Name: "verify", Usage: "find every entity at the vendor again, even those state says are unchanged"},
			&cli.BoolFlag{Name: "retry-rejected", Usage: "send again the entities the vendor refused before, even when unchanged"},
			&cli.BoolFlag{Name: "dry-run", Usage: "read only: plan every entity (finds, no writes), print the forecast and what would be done"},
			&cli.BoolFlag{Name: "json", Usage: "print the run summary as JSON on stdout (progress and logs stay on stderr)"},
			&cli.StringFlag{Name: "plan", Usage: "apply exactly the plan in `FILE` (from leadsync diff --plan); entities that changed since are set aside"},
			&cli.BoolFlag{Name: "mask-pii", Usage: "mask personal data (PII fields, the local part of emails) in the reports"},
			&cli.IntFlag{Name: "concurrency", Usage: "workers: mapping (export) or entities in flight (vendors)", DefaultText: "the job's, else CPUs for export and 4 for vendors"},
			&cli.IntFlag{Name: "limit", Usage: "stop after `N` data rows", DefaultText: "all"},
			&cli.StringFlag{Name: "report", Usage: "write the run's reports to `DIR` (default: beside the state database)"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
			&cli.StringFlag{Name: "shard", Usage: "run shard `I/N` of the job (0 ≤ I < N): its own state, the entities whose keys hash to I"},
			&cli.DurationFlag{Name: "grace", Value: 15 * time.Second, Usage: "on Ctrl-C, how long entities in flight may finish before the run stops"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "run needs one job file: leadsync run JOB.yaml")
			}
			return runJob(c, e, c.Args().First(), job.RunOptions{
				DryRun: c.Bool("dry-run"), PlanIn: c.String("plan"), MaskPII: c.Bool("mask-pii"), ReportDir: c.String("report"),
			})
		},
	}
}

// runJob runs (run) or plans (diff, run --dry-run) the job at path, with
// the command's flags added to o, and prints the outcome.
func runJob(c *cli.Context, e *env, path string, o job.RunOptions) error {
	logger, err := job.NewLogger(e.stderr, c.String("log-format"), c.Bool("quiet"))
	if err != nil {
		return withCode(ExitUsage, err)
	}
	jsonLogs := c.String("log-format") == "json"
	if jsonLogs {
		c.App.Metadata["logFormat"] = "json" // run() logs the final error as JSON too
	}
	input := c.String("input")
	j, err := job.Load(path, job.LoadOptions{Lookup: e.lookup, Input: input, Vendors: e.vendors})
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer j.Close()
	if err := job.CheckConcurrency(c.Int("concurrency")); err != nil {
		return withCode(ExitUsage, err)
	}
	if j.Empty() {
		fmt.Fprintln(e.stdout, j.NoRows())
		return nil
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o, err = withFlags(c, e, logger, o); err != nil {
		return withCode(ExitUsage, err)
	}
	res, err := j.Run(ctx, o)
	if res == nil {
		return classErr(err)
	}
	switch {
	case o.DryRun:
		if res.Diff != nil {
			if err := printDiff(c, e, res.Diff); err != nil {
				return withCode(ExitUsage, err)
			}
		}
	case c.Bool("json"):
		_ = printJSON(e, res.Summary)
	default:
		res.Summary.WriteText(e.stdout)
	}
	if res.Class != job.Interrupted {
		return classErr(res.Err)
	}
	if input != "" {
		path += " --input " + input
	}
	if jsonLogs {
		logger.Warn("interrupted", "run", res.Summary.RunID, "resume", "leadsync run "+path)
	} else {
		fmt.Fprintf(e.stderr, "interrupted; resume with: leadsync run %s\n", path)
	}
	return &exitError{code: ExitInterrupted, err: errors.New("")}
}

// withFlags adds the run's flags, its logger, progress and plain lines
// to o.
func withFlags(c *cli.Context, e *env, logger *slog.Logger, o job.RunOptions) (_ job.RunOptions, err error) {
	jsonLogs := c.String("log-format") == "json"
	o.Fresh, o.Verify, o.RetryRejected = c.Bool("fresh"), c.Bool("verify"), c.Bool("retry-rejected")
	o.Concurrency, o.Limit, o.Grace, o.Logger = c.Int("concurrency"), c.Int("limit"), c.Duration("grace"), logger
	plain := !c.Bool("quiet") && !jsonLogs // --log-format json: stderr holds JSON lines only
	o.Notify = func(kind, msg string) {
		if plain {
			fmt.Fprintln(e.stderr, kind+":", msg)
		}
	}
	o.Progress = progressFor(e, logger, c.Bool("quiet"), jsonLogs)
	if v := c.String("shard"); v != "" {
		o.Shard, err = pipeline.ParseShard(v)
	}
	return o, err
}

// progressFor shows the run's progress on stderr: with --log-format json
// stderr is not taken for a terminal, so progress comes as log records,
// never a drawn bar.
func progressFor(e *env, logger *slog.Logger, quiet, jsonLogs bool) func(*pipeline.Progress, *budget.Budget) func() {
	w := e.stderr
	if jsonLogs {
		w = struct{ io.Writer }{e.stderr}
	}
	return func(p *pipeline.Progress, b *budget.Budget) func() {
		return job.StartProgress(w, logger, p, quiet, b)
	}
}

// printDiff prints a dry run's plan: diff --json, or the text summary.
func printDiff(c *cli.Context, e *env, d *job.DiffResult) error {
	if c.Bool("json") {
		return printJSON(e, d.Summary)
	}
	d.WriteText(e.stdout)
	return nil
}
