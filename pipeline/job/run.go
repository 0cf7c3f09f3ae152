package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

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

// Summary is the run summary: summary.json, and what a command prints
// (its JSON keys are documented in the README; every key is always present).
type Summary struct {
	Job string `json:"job"`
	// Shard is "i/N" for one shard of a job ("" for the whole job).
	Shard     string `json:"shard"`
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
	Unsettled []UnsettledRow `json:"unsettled"`
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
func (s *Summary) fillEmpty() {
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
		s.Unsettled = []UnsettledRow{}
	}
}

// UnsettledRow is a failed or uncertain row, with why.
type UnsettledRow struct {
	Row    int    `json:"row"`
	Status string `json:"status"`
	Entity string `json:"entity"`
	Reason string `json:"reason"`
}

// maxUnsettled bounds the rows listed in a summary (show lists them all).
const maxUnsettled = 1000

// unsettledRows lists the failed and uncertain rows of a run, masked when
// asked, at most maxUnsettled.
func unsettledRows(ctx context.Context, store *state.Store, runID int64, obj sinks.Object, maskPII bool) []UnsettledRow {
	var out []UnsettledRow
	for _, st := range []string{state.StatusFailed, state.StatusUncertain} {
		os, _ := store.Outcomes(ctx, runID, st)
		for _, o := range os {
			if len(out) >= maxUnsettled {
				return out
			}
			u := UnsettledRow{Row: o.Row, Status: o.Status, Entity: o.Entity, Reason: o.Error}
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
	p         *Job
	logger    *slog.Logger
	store     *state.Store
	run       state.Run
	resumed   bool
	files     *report.RunFiles
	reportDir string
	conc      int
	opts      RunOptions
	inputHash string
}

// notify passes a plain line to RunOptions.Notify, when set.
func (rs *runState) notify(kind, msg string) {
	if rs.opts.Notify != nil {
		rs.opts.Notify(kind, msg)
	}
}

// startProgress calls RunOptions.Progress, when set; it returns the stop function.
func (rs *runState) startProgress(p *pipeline.Progress, b *budget.Budget) func() {
	if rs.opts.Progress == nil {
		return func() {}
	}
	if stop := rs.opts.Progress(p, b); stop != nil {
		return stop
	}
	return func() {}
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
	diff                                     *DiffResult     // a dry run's plan
	err                                      error
	exit                                     Class // a fatal error's class
}

// RunOptions are what distinguish a run, a dry run (diff), a run of a
// plan and a resumed run. The zero value runs or resumes the job.
type RunOptions struct {
	DryRun  bool   // plan with reads only and write the diff reports; nothing is written to the sink
	PlanOut string // with DryRun: also write the plan to this file
	PlanIn  string // apply exactly the plan in this file (from a dry run's PlanOut)
	MaskPII bool   // mask personal data in the reports
	// ReportDir is where the run's reports go (default: runs/<id> beside the state database).
	ReportDir     string
	Fresh         bool          // start a new run even if the last one is unfinished
	Verify        bool          // find every entity at the vendor again, even those state says are unchanged
	RetryRejected bool          // send again the entities the vendor refused before
	Concurrency   int           // workers (0: the job's, else CPUs for export and 4 for vendors)
	Limit         int           // stop after this many data rows (0: all)
	Grace         time.Duration // once ctx is cancelled, how long entities in flight may finish
	// Logger receives the run's log records (nil: none).
	Logger *slog.Logger
	// Progress, when set, is called once the run's counters (and, for a
	// vendor, its budget; nil for an export) exist; the run calls the
	// returned function when it stops. StartProgress is one such display.
	Progress func(p *pipeline.Progress, b *budget.Budget) (stop func())
	// Notify, when set, receives the plain lines a person running the job
	// wants to see: kind "plan" (the forecast) or "warning".
	Notify func(kind, msg string)
	// Shard, when on, runs one shard of the job (pipeline.Shard): its own
	// state file (state.shard-I-of-N.db beside the job's), lock and
	// reports, and only the entities the shard owns.
	Shard pipeline.Shard
}

// Result is a finished (or stopped) run, as data.
type Result struct {
	// Summary is what summary.json holds.
	Summary Summary
	// Class is how the run ended; Err says why when it is not Done
	// (nil for Done and Interrupted).
	Class Class
	Err   error
	// Diff is a dry run's plan and the files it wrote (nil otherwise).
	Diff *DiffResult
}

// Run runs the job, or resumes its unfinished run. Errors before the run
// starts (the job's sink, the state database, the report folder) come as
// an error with no Result, of class Usage or Files. Once the run has
// started it always returns a Result, and its Err (also returned) is the
// reason the run did not finish cleanly. A Job runs (or reconciles)
// once: its source is read. Run prints nothing: it logs to
// opts.Logger and reports through opts.Progress and opts.Notify.
func (p *Job) Run(ctx context.Context, opts RunOptions) (*Result, error) {
	started := time.Now()
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	if p.empty {
		return nil, classed(Usage, errors.New(p.NoRows()))
	}
	if p.used {
		return nil, classed(Usage, errors.New("this job has run already: its source is read; Load the job again"))
	}
	p.used = true
	ve, err := p.checkRunnable(opts)
	if err != nil {
		return nil, err
	}
	rs, release, err := p.begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer release()
	var out runOutcome
	if p.job.Sink.Vendor == "export" {
		out = runExport(ctx, rs)
	} else {
		out = runVendor(ctx, rs, ve)
	}
	res := rs.finish(out, started)
	return res, res.Err
}

// checkRunnable refuses what the sink cannot do before anything starts.
func (p *Job) checkRunnable(opts RunOptions) (sinks.Vendor, error) {
	job := p.job
	if opts.PlanIn != "" && job.Sink.Vendor == "export" {
		return sinks.Vendor{}, classed(Usage, errors.New("--plan applies reviewed vendor writes; an export sink writes only a file (--dry-run shows what it would write)"))
	}
	if job.Sink.Vendor == "export" {
		if job.Sink.Path == "" {
			return sinks.Vendor{}, classed(Usage, config.Errors{job.Doc.At(job.Doc.NodeAt("$.sink"), "sink.path is required for the export sink")})
		}
		return sinks.Vendor{}, nil
	}
	ve, err := lookupVendor(p.vendors, job.Sink.Vendor)
	if err != nil || ve.NewSink == nil {
		return sinks.Vendor{}, classed(Usage, fmt.Errorf("%s: sink vendor %q cannot be written", job.Doc.File, job.Sink.Vendor))
	}
	return ve, nil
}

// begin opens the state, begins (or resumes) the run, takes the job's
// lock and opens the report files; release closes what begin opened.
func (p *Job) begin(ctx context.Context, opts RunOptions) (rs *runState, release func(), err error) {
	job := p.job
	if opts.Shard.On() {
		if job.Sink.Vendor == "export" {
			return nil, nil, classed(Usage, fmt.Errorf("--shard %s: an export writes one file; shards split vendor jobs", opts.Shard))
		}
		job.State = ShardStatePath(job.State, opts.Shard)
		job.Name += " [shard " + opts.Shard.String() + "]"
	}
	var fp string
	if p.api != nil {
		fp = apiFingerprint(job)
	} else if fp, err = fingerprint(job.Source.Path); err != nil {
		return nil, nil, classed(Usage, err)
	}
	store, err := state.Open(job.State)
	if err != nil {
		return nil, nil, classed(Usage, err)
	}
	// The job's lock first: an invocation refused because another runs
	// the job must not begin, resume or supersede that one's run.
	unlock, err := store.Lock(ctx, job.Name, 0)
	if err != nil {
		store.Close()
		return nil, nil, classed(Usage, store.Fault(err))
	}
	runRec, resumed, err := store.BeginRun(ctx, state.RunSpec{
		Job: job.Name, Fingerprint: fp, ConfigHash: configHash(job), Fresh: opts.Fresh, DryRun: opts.DryRun,
		Input: sourceDesc(job), Sink: p.sinkDesc(),
	})
	if err == nil {
		err = store.LockRun(ctx, job.Name, runRec.ID)
	}
	if err != nil {
		unlock()
		store.Close()
		return nil, nil, classed(Usage, store.Fault(err))
	}
	release = func() { unlock(); store.Close() }
	rs = &runState{p: p, logger: opts.Logger, store: store, run: runRec, resumed: resumed, opts: opts, inputHash: fp}
	if err := rs.openReports(); err != nil {
		release()
		return nil, nil, classed(Usage, err)
	}
	rs.conc = opts.Concurrency
	if rs.conc == 0 {
		rs.conc = job.Concurrency
	}
	rs.logger.Info("run started", "job", job.Name, "run", runRec.ID, "resumed", resumed, "input", sourceDesc(job), "sink", p.sinkDesc(), "state", job.State)
	warnMatchNone(job, rs.logger)
	return rs, release, nil
}

// sinkDesc names the sink for history and logs.
func (p *Job) sinkDesc() string {
	job := p.job
	if job.Sink.Vendor == "export" {
		return job.Sink.Vendor + ":" + job.Sink.Path
	}
	return job.Sink.Vendor + "/" + p.object.Name + " " + jobURL(job, "sink")
}

// openReports picks the report folder and opens the run's report files.
func (rs *runState) openReports() error {
	p, job := rs.p, rs.p.job
	rs.reportDir = rs.opts.ReportDir
	if rs.reportDir == "" {
		rs.reportDir = state.ReportsDir(job.State, rs.run.ID)
	}
	if p.api != nil {
		// Pages are staged in this run's state: a resumed run replays them.
		p.source = staged.New(job.Source.Type, p.api.pager, rs.store, rs.run.ID)
	}
	newFiles := report.NewRunFiles
	if rs.opts.DryRun {
		newFiles = report.NewPlanFiles // a plan writes nothing: no success file
	}
	files, err := newFiles(rs.reportDir, p.mapping.Header())
	if err != nil {
		return err
	}
	if rs.opts.MaskPII {
		files.Mask = columnMask(p)
		files.MaskReason = func(raw []string, reason string) string {
			return report.MaskText(p.object, reason, piiCells(p, raw))
		}
	}
	rs.files = files
	return nil
}

// finish records the run's status, writes summary.json and summary.html
// and returns the result.
func (rs *runState) finish(out runOutcome, started time.Time) *Result {
	p, store, runID := rs.p, rs.store, rs.run.ID
	if err := rs.files.Close(); err != nil && out.err == nil {
		out.err = err
	}
	out.err = explainFault(store.Fault(out.err))
	if p.api != nil {
		out.srcCalls, out.srcBudget = p.api.budget.Stats().Calls, p.api.desc
	}
	// The run's totals come from state, so a resumed run reports all its
	// rows, not only this invocation's.
	counts, _ := store.CountOutcomes(context.Background(), runID)
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
	status := runStatus(out, tot)
	msg := ""
	if out.err != nil {
		msg = out.err.Error()
	}
	if err := store.FinishRun(context.Background(), runID, status, counts, msg); err != nil && out.err == nil {
		out.err = store.Fault(err)
	}
	if keep := p.job.KeepRuns; keep > 0 && !rs.opts.DryRun {
		if res, err := store.GC(context.Background(), keep, false); err != nil {
			rs.logger.Warn("keep_runs: old runs' rows were not pruned", "error", err)
		} else if res.Runs > 0 {
			rs.logger.Info("keep_runs: pruned old runs' rows", "runs", res.Runs, "outcomes", res.Outcomes)
		}
	}
	sum := rs.summary(out, tot, counts, status, msg, time.Since(started))
	writeSummaryJSON(rs.reportDir, sum)
	if !rs.opts.DryRun { // a dry run's summary.html is the diff's
		writeRunPage(rs.reportDir, sum, rs.files, out.timeline, p.object, rs.opts.MaskPII)
	}
	rs.logger.Info("run finished", "run", runID, "status", status, "rows", out.rows, "written", out.written, "rejected", out.rejected, "calls", out.calls)
	res := &Result{Summary: sum, Diff: out.diff}
	res.Class, res.Err = rs.endClass(out, tot)
	return res
}

// runStatus is the run's status in history.
func runStatus(out runOutcome, tot outcomeTotals) string {
	switch {
	case out.dryStatuses != nil && out.err == nil:
		return state.RunDryRun
	case out.err != nil || out.unsettled > 0:
		return state.RunFailed
	case out.interrupted:
		return state.RunInterrupted
	case tot.uncertain > 0:
		return state.RunUncertain
	case out.rejected > 0:
		return state.RunRejected
	}
	return state.RunDone
}

// summary builds the run's summary.
func (rs *runState) summary(out runOutcome, tot outcomeTotals, counts state.Counts, status, msg string, elapsed time.Duration) Summary {
	sum := Summary{
		Shard: rs.opts.Shard.String(), Job: rs.p.job.Name, RunID: rs.run.ID, Resumed: rs.resumed, Status: status, Sink: rs.p.sinkDesc(), Rows: max(out.rows, tot.rows), Entities: out.entities,
		Written: out.written, Rejected: out.rejected, Uncertain: tot.uncertain, Failed: tot.failed, Actions: out.actions, Calls: out.calls, Budget: out.budget,
		ForecastCalls: out.forecast, PlannedCalls: out.planned,
		Retried: out.retried, Failures: out.failures,
		SourceCalls: out.srcCalls, SourceBudget: out.srcBudget,
		Seconds: elapsed.Seconds(), Reports: rs.reportDir, Counts: counts, Message: msg, DryRun: rs.opts.DryRun,
	}
	if elapsed > 0 {
		sum.RowsPerS = float64(out.rows) / elapsed.Seconds()
	}
	if status == state.RunDone || status == state.RunRejected || status == state.RunUncertain {
		sum.Output = out.output
	}
	if tot.failed+tot.uncertain > 0 && out.dryStatuses == nil {
		sum.Unsettled = unsettledRows(context.Background(), rs.store, rs.run.ID, rs.p.object, rs.opts.MaskPII)
	}
	sum.fillEmpty()
	return sum
}

// endClass is how the run ended and why.
func (rs *runState) endClass(out runOutcome, tot outcomeTotals) (Class, error) {
	id := rs.run.ID
	switch {
	case out.err != nil:
		c := out.exit
		if c == Done {
			c = Usage
		}
		if fileFault(out.err) {
			c = Files
		}
		return c, classed(c, fmt.Errorf("run %d stopped: %w", id, out.err))
	case out.interrupted:
		return Interrupted, nil
	case out.unsettled > 0:
		return Rejected, classed(Rejected, fmt.Errorf("%d rows failed after their retries were spent (reasons in leadsync show %d and rejected.csv)", out.unsettled, id))
	case tot.uncertain > 0:
		return Rejected, classed(Rejected, fmt.Errorf("%d rows are uncertain: sent, but the answer was lost, and the vendor cannot be asked (see leadsync show %d; on_uncertain: retry sends them again)", tot.uncertain, id))
	case out.rejected > 0:
		return Rejected, classed(Rejected, fmt.Errorf("%d rows rejected; fix them in %s and run again", out.rejected, filepath.Join(rs.reportDir, "rejected.csv")))
	}
	return Done, nil
}

func runExport(ctx context.Context, rs *runState) runOutcome {
	job := rs.p.job
	sink, err := export.Open(job.Sink.Path, rs.p.mapping.Fields(), export.Options{
		Format: job.Sink.Format, RawCells: job.Sink.FormulaSafe != nil && !*job.Sink.FormulaSafe,
	})
	if err != nil {
		return runOutcome{err: err}
	}
	dry := rs.opts.DryRun
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
	stopProgress := rs.startProgress(prog, nil)
	res, runErr := pipeline.Sync(ctx, pipeline.SyncConfig{
		Source: rs.p.source, Mapping: rs.p.mapping, Sink: sink, Store: rs.store, RunID: rs.run.ID, State: writer, Reporter: reporter,
		Concurrency: rs.conc, Limit: rs.opts.Limit, Progress: prog, Logger: rs.logger,
		Policy:     pipeline.Policy{DryRun: dry},
		OnDecision: diff.hook(),
	})
	stopProgress()
	if err := writer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	out := runOutcome{rows: res.Rows, written: res.Statuses[state.StatusOK], rejected: res.Rejected(), interrupted: res.Interrupted, output: sink.Path(), err: runErr}
	if dry {
		out.actions, out.dryStatuses, out.output = res.Actions, res.Statuses, ""
		if runErr == nil && !res.Interrupted {
			out.diff, out.err = diff.write(res.Plan)
		}
	}
	return out
}

// columnMask masks the source columns that feed PII or email fields.
func columnMask(p *Job) func(int, string) string {
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
func piiColumns(p *Job) []int {
	var cols []int
	for _, name := range p.mapping.Fields() {
		if f, ok := p.object.Field(name); ok && (f.PII || f.Type == sinks.Email) {
			cols = append(cols, p.mapping.ColumnsOf(name)...)
		}
	}
	return cols
}

// piiCells are a row's personal cells, for masking its reasons.
func piiCells(p *Job, raw []string) []string {
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

func writeSummaryJSON(dir string, s Summary) {
	b, _ := json.MarshalIndent(s, "", "  ")
	_ = safefile.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
}

// ShardStatePath is the state file of one shard: state.db becomes
// state.shard-2-of-4.db, in the same folder.
func ShardStatePath(path string, s pipeline.Shard) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.shard-%d-of-%d%s", strings.TrimSuffix(path, ext), s.Index, s.Count, ext)
}
