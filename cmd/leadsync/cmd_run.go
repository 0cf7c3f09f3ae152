package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sources/staged"
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
			&cli.DurationFlag{Name: "grace", Value: 15 * time.Second, Usage: "on Ctrl-C, how long entities in flight may finish before the run stops"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "run needs one job file: leadsync run JOB.yaml")
			}
			return runJob(c, e, c.Args().First(), runOpts{
				dryRun: c.Bool("dry-run"), planIn: c.String("plan"), maskPII: c.Bool("mask-pii"), input: c.String("input"),
			})
		},
	}
}

// summary is the run summary written to stdout and summary.json.
type summary struct {
	Job       string `json:"job"`
	RunID     int64  `json:"run_id"`
	Resumed   bool   `json:"resumed"`
	Status    string `json:"status"`
	Sink      string `json:"sink"`
	Rows      int    `json:"rows"`
	Entities  int    `json:"entities"`
	Written   int    `json:"written"`
	Rejected  int    `json:"rejected"`
	Uncertain int    `json:"uncertain"`
	Failed    int    `json:"failed"`
	// Retried counts entities tried again within the run; Failures counts
	// by reason the entities whose retries were spent; Unsettled lists the
	// failed and uncertain rows with their reasons.
	Retried   int            `json:"retried"`
	Failures  map[string]int `json:"failures"`
	Unsettled []unsettledRow `json:"unsettled"`
	Actions   map[string]int `json:"actions"`
	Calls     int            `json:"calls"`
	// ForecastCalls is the plan's forecast of the vendor calls (0: no plan).
	ForecastCalls int `json:"forecast_calls"`
	// PlannedCalls is the forecast shown at the end of planning;
	// ForecastCalls is revised from it as the run observes retries.
	PlannedCalls int            `json:"planned_calls"`
	Budget       string         `json:"budget"`
	Seconds      float64        `json:"seconds"`
	RowsPerS     float64        `json:"rows_per_second"`
	Output       string         `json:"output"`
	Reports      string         `json:"reports"`
	Counts       map[string]int `json:"counts"`
	Message      string         `json:"message"`
	DryRun       bool           `json:"dry_run"`
	// A migration's source connection.
	SourceCalls  int    `json:"source_calls"`
	SourceBudget string `json:"source_budget"`
}

// fillEmpty gives every map and list key a value, so --json keys are
// stable: an empty object or list, never null nor missing.
func (s *summary) fillEmpty() {
	if s.Failures == nil {
		s.Failures = map[string]int{}
	}
	if s.Actions == nil {
		s.Actions = map[string]int{}
	}
	if s.Counts == nil {
		s.Counts = map[string]int{}
	}
	if s.Unsettled == nil {
		s.Unsettled = []unsettledRow{}
	}
}

// unsettledRow is a failed or uncertain row, with why.
type unsettledRow struct {
	Row    int    `json:"row"`
	Status string `json:"status"`
	Entity string `json:"entity"`
	Reason string `json:"reason"`
}

// maxUnsettled bounds the rows listed in a summary (show lists them all).
const maxUnsettled = 1000

func unsettledRows(ctx context.Context, store *state.Store, runID int64, obj sinks.Object, maskPII bool) []unsettledRow {
	var out []unsettledRow
	for _, st := range []string{state.StatusFailed, state.StatusUncertain} {
		os, _ := store.Outcomes(ctx, runID, st)
		for _, o := range os {
			if len(out) >= maxUnsettled {
				return out
			}
			u := unsettledRow{Row: o.Row, Status: o.Status, Entity: o.Entity, Reason: o.Error}
			if maskPII {
				u.Entity = report.MaskKeys(u.Entity, nil)
				u.Reason = report.MaskText(obj, u.Reason, nil)
			}
			out = append(out, u)
		}
	}
	return out
}

// runState is what both kinds of run share once the job is prepared.
type runState struct {
	c         *cli.Context
	e         *env
	p         *prepared
	logger    *slog.Logger
	store     *state.Store
	run       state.Run
	resumed   bool
	files     *report.RunFiles
	reportDir string
	conc      int
	opts      runOpts
	inputHash string
}

// plainLines reports whether plain (non-log) lines may go to stderr:
// not with -q, and not with --log-format json, whose stderr is JSON lines only.
func (rs *runState) plainLines() bool {
	return !rs.c.Bool("quiet") && rs.c.String("log-format") != "json"
}

// progressEnv is the env progress sees: with --log-format json its stderr
// is not a terminal, so progress comes as log records, never a drawn bar.
func (rs *runState) progressEnv() *env {
	if rs.c.String("log-format") != "json" {
		return rs.e
	}
	e := *rs.e
	e.stderr = struct{ io.Writer }{rs.e.stderr}
	return &e
}

// runOutcome is what a run reports back for the summary and exit code.
type runOutcome struct {
	rows, written, rejected, entities, calls int
	forecast                                 int // the plan's forecast calls, revised as the run goes
	planned                                  int // the forecast at the end of planning
	actions                                  map[string]int
	unsettled                                int // failed or uncertain rows: the run is not finished
	retried                                  int // entities tried more than once
	failures                                 map[string]int
	dryStatuses                              map[string]int
	srcCalls                                 int
	srcBudget                                string
	interrupted                              bool
	output, budget                           string
	timeline                                 budget.Timeline // calls per window and pauses, for summary.html
	err                                      error
	exit                                     int // a fatal error's exit code
}

// runOpts are what distinguish run, run --dry-run, diff and run --plan.
type runOpts struct {
	dryRun  bool   // plan with reads only, write the diff reports
	planOut string // diff --plan: also write the plan here
	planIn  string // run --plan: apply this plan exactly
	maskPII bool
	outDir  string // diff --out
	input   string // run --input: this file instead of the job's
}

func runJob(c *cli.Context, e *env, path string, opts runOpts) error {
	started := time.Now()
	logger, err := newLogger(e, c.String("log-format"), c.Bool("quiet"))
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if c.String("log-format") == "json" {
		c.App.Metadata["logFormat"] = "json" // run() logs the final error as JSON too
	}
	p, err := prepareInput(e, path, opts.input)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer p.Close()
	if err := checkConcurrency(c.Int("concurrency")); err != nil {
		return withCode(ExitUsage, err)
	}
	if p.empty {
		fmt.Fprintln(e.stdout, p.noRows())
		return nil
	}
	job := p.job
	var ve sinks.Vendor
	if opts.planIn != "" && job.Sink.Vendor == "export" {
		return exitf(ExitUsage, "--plan applies reviewed vendor writes; an export sink writes only a file (--dry-run shows what it would write)")
	}
	if job.Sink.Vendor == "export" {
		if job.Sink.Path == "" {
			return withCode(ExitUsage, config.Errors{job.Doc.At(job.Doc.NodeAt("$.sink"), "sink.path is required for the export sink")})
		}
	} else if ve, err = lookupVendor(e.vendors, job.Sink.Vendor); err != nil || ve.NewSink == nil {
		return exitf(ExitUsage, "%s: sink vendor %q cannot be written", job.Doc.File, job.Sink.Vendor)
	}

	var fp string
	if p.api != nil {
		fp = apiFingerprint(job)
	} else if fp, err = fingerprint(job.Source.Path); err != nil {
		return withCode(ExitUsage, err)
	}
	store, err := state.Open(job.State)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	c.Context = ctx

	sinkDesc := job.Sink.Vendor + ":" + job.Sink.Path
	if job.Sink.Vendor != "export" {
		sinkDesc = job.Sink.Vendor + "/" + p.object.Name + " " + jobURL(job, "sink")
	}
	runRec, resumed, err := store.BeginRun(ctx, state.RunSpec{
		Job: job.Name, Fingerprint: fp, ConfigHash: configHash(job), Fresh: c.Bool("fresh"), DryRun: opts.dryRun,
		Input: sourceDesc(job), Sink: sinkDesc,
	})
	if err != nil {
		return withCode(ExitUsage, store.Fault(err))
	}
	release, err := store.Lock(ctx, job.Name, runRec.ID)
	if err != nil {
		err = store.Fault(err)
		_ = store.FinishRun(context.Background(), runRec.ID, state.RunInterrupted, nil, "not started: "+err.Error())
		return withCode(ExitUsage, err)
	}
	defer release()

	reportDir := c.String("report")
	if opts.outDir != "" {
		reportDir = opts.outDir
	}
	if reportDir == "" {
		reportDir = filepath.Join(filepath.Dir(job.State), "runs", strconv.FormatInt(runRec.ID, 10))
	}
	if p.api != nil {
		// Pages are staged in this run's state: a resumed run replays them.
		p.source = staged.New(job.Source.Type, p.api.pager, store, runRec.ID)
	}
	newFiles := report.NewRunFiles
	if opts.dryRun {
		newFiles = report.NewPlanFiles // a plan writes nothing: no success file
	}
	files, err := newFiles(reportDir, p.mapping.Header())
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if opts.maskPII {
		files.Mask = columnMask(p)
		files.MaskReason = func(raw []string, reason string) string {
			return report.MaskText(p.object, reason, piiCells(p, raw))
		}
	}
	conc := c.Int("concurrency")
	if conc == 0 {
		conc = job.Concurrency
	}
	rs := &runState{c: c, e: e, p: p, logger: logger, store: store, run: runRec, resumed: resumed, files: files, reportDir: reportDir, conc: conc,
		opts: opts, inputHash: fp}
	logger.Info("run started", "job", job.Name, "run", runRec.ID, "resumed", resumed, "input", sourceDesc(job), "sink", sinkDesc, "state", job.State)
	warnMatchNone(job, logger)

	var out runOutcome
	if job.Sink.Vendor == "export" {
		out = runExport(ctx, rs)
	} else {
		out = runVendor(ctx, rs, ve)
	}
	if err := files.Close(); err != nil && out.err == nil {
		out.err = err
	}
	out.err = explainFault(store.Fault(out.err))
	if p.api != nil {
		out.srcCalls, out.srcBudget = p.api.budget.Stats().Calls, p.api.desc
	}
	// The run's totals come from state, so a resumed run reports all its
	// rows, not only this invocation's.
	counts, _ := store.CountOutcomes(context.Background(), runRec.ID)
	if out.dryStatuses != nil {
		counts = state.Counts{}
		for k, v := range out.dryStatuses {
			if v > 0 {
				counts[k] = v
			}
		}
	}
	tot := totals(counts)
	out.written, out.rejected, out.unsettled = tot.written, tot.rejected, tot.failed
	status := state.RunDone
	switch {
	case out.dryStatuses != nil && out.err == nil:
		status = state.RunDryRun
	case out.err != nil || out.unsettled > 0:
		status = state.RunFailed
	case out.interrupted:
		status = state.RunInterrupted
	case tot.uncertain > 0:
		status = state.RunUncertain
	case out.rejected > 0:
		status = state.RunRejected
	}
	msg := ""
	if out.err != nil {
		msg = out.err.Error()
	}
	if err := store.FinishRun(context.Background(), runRec.ID, status, counts, msg); err != nil && out.err == nil {
		out.err = store.Fault(err)
	}
	elapsed := time.Since(started)
	sum := summary{
		Job: job.Name, RunID: runRec.ID, Resumed: resumed, Status: status, Sink: sinkDesc, Rows: max(out.rows, tot.rows), Entities: out.entities,
		Written: out.written, Rejected: out.rejected, Uncertain: tot.uncertain, Failed: tot.failed, Actions: out.actions, Calls: out.calls, Budget: out.budget,
		ForecastCalls: out.forecast, PlannedCalls: out.planned,
		Retried: out.retried, Failures: out.failures,
		SourceCalls: out.srcCalls, SourceBudget: out.srcBudget,
		Seconds: elapsed.Seconds(), Reports: reportDir, Counts: counts, Message: msg, DryRun: opts.dryRun,
	}
	if elapsed > 0 {
		sum.RowsPerS = float64(out.rows) / elapsed.Seconds()
	}
	if status == state.RunDone || status == state.RunRejected || status == state.RunUncertain {
		sum.Output = out.output
	}
	if tot.failed+tot.uncertain > 0 && out.dryStatuses == nil {
		sum.Unsettled = unsettledRows(context.Background(), store, runRec.ID, p.object, opts.maskPII)
	}
	sum.fillEmpty()
	writeSummaryJSON(reportDir, sum)
	if !opts.dryRun { // a dry run's summary.html is the diff's
		writeRunPage(reportDir, sum, files, out.timeline, p.object, opts.maskPII)
	}
	switch {
	case opts.dryRun:
		// The diff printed its own summary (diff.go); a plan wrote nothing.
	case c.Bool("json"):
		b, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Fprintln(e.stdout, string(b))
	default:
		printSummary(e, sum)
	}
	logger.Info("run finished", "run", runRec.ID, "status", status, "rows", out.rows, "written", out.written, "rejected", out.rejected, "calls", out.calls)

	switch {
	case out.err != nil:
		code := out.exit
		if code == 0 {
			code = ExitUsage
		}
		return withCode(code, fmt.Errorf("run %d stopped: %w", runRec.ID, out.err))
	case out.interrupted:
		if opts.input != "" {
			path += " --input " + opts.input
		}
		if c.String("log-format") == "json" {
			logger.Warn("interrupted", "run", runRec.ID, "resume", "leadsync run "+path)
		} else {
			fmt.Fprintf(e.stderr, "interrupted; resume with: leadsync run %s\n", path)
		}
		return &exitError{code: ExitInterrupted, err: errors.New("")}
	case out.unsettled > 0:
		return &exitError{code: ExitRejected, err: fmt.Errorf("%d rows failed after their retries were spent (reasons in leadsync show %d and rejected.csv)", out.unsettled, runRec.ID)}
	case tot.uncertain > 0:
		return &exitError{code: ExitRejected, err: fmt.Errorf("%d rows are uncertain: sent, but the answer was lost, and the vendor cannot be asked (see leadsync show %d; on_uncertain: retry sends them again)", tot.uncertain, runRec.ID)}
	case out.rejected > 0:
		return &exitError{code: ExitRejected, err: fmt.Errorf("%d rows rejected; fix them in %s and run again", out.rejected, filepath.Join(reportDir, "rejected.csv"))}
	}
	return nil
}

func runExport(ctx context.Context, rs *runState) runOutcome {
	job := rs.p.job
	sink, err := export.Open(job.Sink.Path, rs.p.mapping.Fields(), export.Options{
		Format: job.Sink.Format, RawCells: job.Sink.FormulaSafe != nil && !*job.Sink.FormulaSafe,
	})
	if err != nil {
		return runOutcome{err: err}
	}
	dry := rs.opts.dryRun
	var diff *diffCollector
	var reporter pipeline.Reporter = rs.files
	if dry {
		diff = newDiffCollector(rs, &connection{budget: budget.NewAdaptive(nil), desc: "none (a file)"})
		reporter = diff
	}
	writer := rs.store.NewWriter(rs.run.ID, nil)
	ctx, stopWatch := stopOnStateFault(ctx, writer)
	defer stopWatch()
	prog := &pipeline.Progress{}
	stopProgress := startProgress(rs.progressEnv(), rs.logger, prog, rs.c.Bool("quiet"), nil)
	res, runErr := pipeline.Sync(ctx, pipeline.SyncConfig{
		Source: rs.p.source, Mapping: rs.p.mapping, Sink: sink, Store: rs.store, RunID: rs.run.ID, State: writer, Reporter: reporter,
		Concurrency: rs.conc, Limit: rs.c.Int("limit"), Progress: prog, Logger: rs.logger,
		Policy: pipeline.Policy{DryRun: dry},
		OnDecision: func(d pipeline.Decision) {
			if diff != nil {
				diff.decision(d)
			}
		},
	})
	stopProgress()
	if err := writer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	out := runOutcome{rows: res.Rows, written: res.Statuses[state.StatusOK], rejected: res.Rejected(), interrupted: res.Interrupted, output: sink.Path(), err: runErr}
	if dry {
		out.actions, out.dryStatuses, out.output = res.Actions, res.Statuses, ""
		if runErr == nil && !res.Interrupted {
			out.err = diff.write(res.Plan)
		}
	}
	return out
}

// columnMask masks the source columns that feed PII or email fields.
func columnMask(p *prepared) func(int, string) string {
	kinds := map[int]sinks.FieldType{}
	for _, name := range p.mapping.Fields() {
		f, ok := p.object.Field(name)
		if !ok || !(f.PII || f.Type == sinks.Email) {
			continue
		}
		for _, i := range p.mapping.ColumnsOf(name) {
			kinds[i] = f.Type
		}
	}
	return func(i int, v string) string {
		if t, ok := kinds[i]; ok && v != "" {
			return report.MaskValue(t, v)
		}
		return v
	}
}

// piiColumns are the source columns that feed PII or email fields.
func piiColumns(p *prepared) []int {
	var cols []int
	for _, name := range p.mapping.Fields() {
		if f, ok := p.object.Field(name); ok && (f.PII || f.Type == sinks.Email) {
			cols = append(cols, p.mapping.ColumnsOf(name)...)
		}
	}
	return cols
}

// piiCells are a row's personal cells, for masking its reasons.
func piiCells(p *prepared, raw []string) []string {
	var v []string
	for _, i := range piiColumns(p) {
		if i < len(raw) {
			v = append(v, raw[i])
		}
	}
	return v
}

// decisionPII are an entity's personal values: its PII fields' mapped
// values and its phone, email and PII keys.
func decisionPII(obj sinks.Object, d pipeline.Decision) []string {
	var v []string
	for name, val := range d.Fields {
		if f, ok := obj.Field(name); ok && (f.PII || f.Type == sinks.Email) {
			v = append(v, val)
		}
	}
	for _, k := range d.Keys {
		f, ok := obj.Field(k.Field)
		if k.Kind == "phone" || k.Kind == "email" || ok && f.PII {
			v = append(v, k.Value)
		}
	}
	return v
}

// sourceDesc names the input for history and logs.
func sourceDesc(job *config.Job) string {
	if job.Source.IsAPI() {
		return job.Source.Type + " " + jobURL(job, "source")
	}
	return job.Source.Path
}

// outcomeTotals sums a run's outcome counts ("ok/create": 3, ...).
type outcomeTotals struct{ rows, written, rejected, uncertain, failed int }

func totals(counts state.Counts) outcomeTotals {
	var t outcomeTotals
	for k, n := range counts {
		t.rows += n
		st, _, _ := strings.Cut(k, "/")
		switch st {
		case state.StatusOK, state.StatusMerged:
			t.written += n
		case state.StatusRejected:
			t.rejected += n
		case state.StatusUncertain:
			t.uncertain += n
		case state.StatusFailed:
			t.failed += n
		}
	}
	return t
}

func writeSummaryJSON(dir string, s summary) {
	b, _ := json.MarshalIndent(s, "", "  ")
	_ = safefile.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
}

func printSummary(e *env, s summary) {
	w := e.stdout
	fmt.Fprintf(w, "job %s, run %d", s.Job, s.RunID)
	if s.Resumed {
		fmt.Fprint(w, " (resumed)")
	}
	fmt.Fprintf(w, ": %s\n", s.Status)
	fmt.Fprintf(w, "  rows      %d\n", s.Rows)
	if s.Entities > 0 {
		fmt.Fprintf(w, "  entities  %d", s.Entities)
		names := make([]string, 0, len(s.Actions))
		for k := range s.Actions {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			sep := ", "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(w, "%s%s %d", sep, k, s.Actions[k])
		}
		if len(names) > 0 {
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
	if s.Rows == 0 && s.Message == "" {
		fmt.Fprintln(w, "  no rows   the source has a header but no data rows; nothing was written")
	}
	fmt.Fprintf(w, "  written   %d\n  rejected  %d\n", s.Written, s.Rejected)
	if s.Retried > 0 {
		fmt.Fprintf(w, "  retried   %d entities (transient failures, within this run)\n", s.Retried)
	}
	if s.Uncertain > 0 {
		fmt.Fprintf(w, "  uncertain %d\n", s.Uncertain)
	}
	if s.Failed > 0 {
		fmt.Fprintf(w, "  failed    %d (retries spent; reasons in rejected.csv and leadsync show %d)\n", s.Failed, s.RunID)
		for reason, n := range s.Failures {
			fmt.Fprintf(w, "            %d × %s\n", n, reason)
		}
	}
	if s.Calls > 0 || s.Budget != "" {
		fmt.Fprintf(w, "  calls     %d (budget %s)\n", s.Calls, s.Budget)
	}
	if s.SourceBudget != "" {
		fmt.Fprintf(w, "  source    %d calls (budget %s)\n", s.SourceCalls, s.SourceBudget)
	}
	fmt.Fprintf(w, "  time      %.2fs (%.0f rows/s)\n", s.Seconds, s.RowsPerS)
	if s.Output != "" {
		fmt.Fprintf(w, "  output    %s\n", s.Output)
	}
	fmt.Fprintf(w, "  reports   %s (summary.json, written.csv, rejected.csv)\n", s.Reports)
}

// newLogger logs on stderr in text or JSON lines; quiet keeps warnings
// and errors only.
func newLogger(e *env, format string, quiet bool) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{}
	if quiet {
		opts.Level = slog.LevelWarn
	}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
