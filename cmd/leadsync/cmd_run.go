package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/state"
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
			&cli.IntFlag{Name: "concurrency", Usage: "mapping workers (default: number of CPUs)"},
			&cli.IntFlag{Name: "limit", Usage: "stop after `N` data rows"},
			&cli.StringFlag{Name: "report", Usage: "write the run's reports to `DIR` (default: beside the state database)"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "run needs one job file: leadsync run JOB.yaml")
			}
			return runJob(c, e, c.Args().First())
		},
	}
}

// summary is the run summary written to stdout and summary.json.
type summary struct {
	Job      string         `json:"job"`
	RunID    int64          `json:"run_id"`
	Resumed  bool           `json:"resumed"`
	Status   string         `json:"status"`
	Rows     int            `json:"rows"`
	Written  int            `json:"written"`
	Rejected int            `json:"rejected"`
	Seconds  float64        `json:"seconds"`
	RowsPerS float64        `json:"rows_per_second"`
	Output   string         `json:"output,omitempty"`
	Reports  string         `json:"reports"`
	Counts   map[string]int `json:"counts"`
}

func runJob(c *cli.Context, e *env, path string) error {
	logger, err := newLogger(e, c.String("log-format"))
	if err != nil {
		return withCode(ExitUsage, err)
	}
	p, err := prepare(e, path)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer p.Close()
	job := p.job
	if job.Sink.Vendor != "export" {
		return exitf(ExitUsage, "%s: sink vendor %q cannot be written yet; the export sink (vendor: export) is available", job.Doc.File, job.Sink.Vendor)
	}
	if job.Sink.Path == "" {
		return withCode(ExitUsage, config.Errors{job.Doc.At(job.Doc.NodeAt("$.sink"), "sink.path is required for the export sink")})
	}

	fp, err := fingerprint(job.Source.Path)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	store, err := state.Open(job.State)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()

	runRec, resumed, err := store.BeginRun(ctx, state.RunSpec{
		Job: job.Name, Fingerprint: fp, ConfigHash: configHash(job), Fresh: c.Bool("fresh"),
		Input: job.Source.Path, Sink: job.Sink.Vendor + ":" + job.Sink.Path,
	})
	if err != nil {
		return withCode(ExitUsage, err)
	}
	release, err := store.Lock(ctx, job.Name, runRec.ID)
	if err != nil {
		_ = store.FinishRun(context.Background(), runRec.ID, state.RunInterrupted, nil, "not started: "+err.Error())
		return withCode(ExitUsage, err)
	}
	defer release()

	reportDir := c.String("report")
	if reportDir == "" {
		reportDir = filepath.Join(filepath.Dir(job.State), "runs", strconv.FormatInt(runRec.ID, 10))
	}
	files, err := report.NewRunFiles(reportDir, p.mapping.Header())
	if err != nil {
		return withCode(ExitUsage, err)
	}
	sink, err := export.New(job.Sink.Path, job.Sink.Format, p.mapping.Fields())
	if err != nil {
		files.Close()
		return withCode(ExitUsage, err)
	}
	logger.Info("run started", "job", job.Name, "run", runRec.ID, "resumed", resumed, "input", job.Source.Path, "sink", job.Sink.Vendor, "state", job.State)

	writer := store.NewWriter(runRec.ID, nil)
	prog := &pipeline.Progress{}
	stopProgress := startProgress(e, logger, prog, c.Bool("quiet"))
	conc := c.Int("concurrency")
	if conc == 0 {
		conc = job.Concurrency
	}
	res, runErr := pipeline.Run(ctx, pipeline.Config{
		Source: p.source, Mapping: p.mapping, Sink: sink, State: writer, Reporter: files,
		Concurrency: conc, Limit: c.Int("limit"), Progress: prog, Logger: logger,
	})
	stopProgress()
	if runErr == nil && !res.Interrupted {
		runErr = sink.Commit()
	} else {
		_ = sink.Abort()
	}
	if err := files.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if err := writer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	counts, _ := store.CountOutcomes(context.Background(), runRec.ID)
	status := state.RunDone
	switch {
	case runErr != nil:
		status = state.RunFailed
	case res.Interrupted:
		status = state.RunInterrupted
	case res.Rejected > 0:
		status = state.RunRejected
	}
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	if err := store.FinishRun(context.Background(), runRec.ID, status, counts, msg); err != nil && runErr == nil {
		runErr = err
	}

	sum := summary{
		Job: job.Name, RunID: runRec.ID, Resumed: resumed, Status: status, Rows: res.Rows, Written: res.Written,
		Rejected: res.Rejected, Seconds: res.Elapsed.Seconds(), Reports: reportDir, Counts: counts,
	}
	if res.Elapsed > 0 {
		sum.RowsPerS = float64(res.Rows) / res.Elapsed.Seconds()
	}
	if status == state.RunDone || status == state.RunRejected {
		sum.Output = sink.Path()
	}
	writeSummaryJSON(reportDir, sum)
	printSummary(e, sum, files)
	logger.Info("run finished", "run", runRec.ID, "status", status, "rows", res.Rows, "written", res.Written, "rejected", res.Rejected, "elapsed", res.Elapsed.Round(time.Millisecond))

	switch {
	case runErr != nil:
		return withCode(ExitUsage, fmt.Errorf("run %d failed: %w", runRec.ID, runErr))
	case res.Interrupted:
		fmt.Fprintf(e.stderr, "interrupted; resume with: leadsync run %s\n", path)
		return &exitError{code: ExitInterrupted, err: errors.New("")}
	case res.Rejected > 0:
		return &exitError{code: ExitRejected, err: fmt.Errorf("%d rows rejected; fix them in %s and run again", res.Rejected, filepath.Join(reportDir, "rejected.csv"))}
	}
	return nil
}

func writeSummaryJSON(dir string, s summary) {
	b, _ := json.MarshalIndent(s, "", "  ")
	_ = os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
}

func printSummary(e *env, s summary, files *report.RunFiles) {
	w := e.stdout
	fmt.Fprintf(w, "job %s, run %d", s.Job, s.RunID)
	if s.Resumed {
		fmt.Fprint(w, " (resumed)")
	}
	fmt.Fprintf(w, ": %s\n", s.Status)
	fmt.Fprintf(w, "  rows      %d\n  written   %d\n  rejected  %d\n", s.Rows, s.Written, s.Rejected)
	fmt.Fprintf(w, "  time      %.2fs (%.0f rows/s)\n", s.Seconds, s.RowsPerS)
	if s.Output != "" {
		fmt.Fprintf(w, "  output    %s\n", s.Output)
	}
	fmt.Fprintf(w, "  reports   %s (summary.json, written.csv, rejected.csv)\n", s.Reports)
	_ = files
}

func newLogger(e *env, format string) (*slog.Logger, error) {
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(e.stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
