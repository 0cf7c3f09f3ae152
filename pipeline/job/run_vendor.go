package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
	"github.com/leadsync/leadsync/state"
)

// connection is an open vendor sink with its budget.
type connection struct {
	cfg    sinks.SinkConfig // as resolved (sandbox URL and credentials filled in)
	sink   sinks.Sink
	budget *budget.Budget
	desc   string // "100/1m0s" or "none"
	warn   string // the budget exceeds the vendor's documented limit
	close  func()
	// shut is close returning the error (the sandbox's records unsaved);
	// call one of the two.
	shut func() error
}

// budgetMargin pads the window for timer granularity only: the budget
// stamps each call when its answer arrives, the latest moment the vendor
// can have counted it, so jitter cannot push the vendor over the limit.
// 0.1% of the window costs 0.1% of the budget.
func budgetMargin(per time.Duration) time.Duration {
	return max(per/1000, time.Millisecond)
}

// connect opens the job's sink: the vendor's client, or with url
// "sandbox" the vendor's emulator in-process, with test credentials filled
// in and its records kept beside the state database between runs, so the
// sandbox behaves like one lasting vendor account. A sink with several
// credentials (sink.connections) opens one connection per credential,
// each with its own budget and shared ledger, routed by entity
// (sinks.Route); the connection's budget is their sum.
func connect(job *config.Job, ve sinks.Vendor, object string, logger *slog.Logger) (*connection, error) {
	conn := &connection{close: func() {}, shut: func() error { return nil }}
	onClose := func(stop func()) {
		prev, prevShut := conn.close, conn.shut
		conn.close = func() { stop(); prev() }
		conn.shut = func() error { stop(); return prevShut() }
	}
	var sandboxURL string
	var sandboxCreds sinks.Conn
	var budgets []*budget.Budget
	var routed []sinks.Sink
	for i, sc := range job.Sink.Conns() {
		sandbox := strings.EqualFold(sc.Get("url"), "sandbox")
		if sandbox {
			if sandboxURL == "" {
				url, creds, stop, err := startSandbox(job, ve)
				if err != nil {
					conn.close()
					return nil, err
				}
				sandboxURL, sandboxCreds = url, creds
				prev, prevShut := conn.close, conn.shut
				conn.shut = func() error { _ = prevShut(); return stop() }
				conn.close = func() {
					prev()
					if err := stop(); err != nil {
						logger.Error("the sandbox's records could not be saved", "error", err)
					}
				}
			}
			sc = fillCredentials(sc, sandboxCreds, sandboxURL)
		}
		b, desc := connectionBudget(job.Sink.Budget, ve)
		if !sandbox {
			unshare, err := shareBudget(b, job.Sink.Budget, ve, sc)
			if err != nil {
				conn.close()
				return nil, err
			}
			onClose(unshare)
		}
		budgets = append(budgets, b)
		cfg := sinks.SinkConfig{Conn: sc, Object: object, Region: job.Region, Budget: b}
		if i == 0 {
			conn.cfg, conn.desc = cfg, desc
		}
		if ve.NewSink == nil {
			continue
		}
		s, err := ve.NewSink(cfg)
		if err != nil {
			conn.close()
			return nil, err
		}
		if sandbox {
			s = sandboxSink{Sink: s, scope: ve.Name + "/" + object + "@sandbox"}
		}
		routed = append(routed, s)
	}
	conn.budget = budget.Sum(budgets...)
	if len(budgets) > 1 {
		conn.desc = fmt.Sprintf("%d × %s", len(budgets), conn.desc)
	}
	if len(routed) > 0 {
		conn.sink = sinks.Route(routed)
	}
	if w := budgetAboveVendor(job.Sink.Budget, ve); w != "" {
		logger.Warn(w)
		conn.warn = w
	}
	return conn, nil
}

// startSandbox starts the vendor's emulator in-process with the records
// kept in the job's state folder, and returns how to stop (and save) it.
func startSandbox(job *config.Job, ve sinks.Vendor) (url string, creds sinks.Conn, stop func() error, err error) {
	if ve.NewEmulator == nil {
		return "", nil, nil, fmt.Errorf("%s has no emulator: url: sandbox is not available", ve.Name)
	}
	url, creds, emu := serveEmulator(ve)
	stop, err = persistSandbox(filepath.Join(filepath.Dir(job.State), "sandbox", ve.Name+".json"), emu)
	if err != nil {
		emu.Close()
		return "", nil, nil, err
	}
	return url, creds, stop, nil
}

// connectionBudget builds a connection's budget: the job's, else the
// vendor's documented one, else an adaptive one.
func connectionBudget(b *config.Budget, ve sinks.Vendor) (*budget.Budget, string) {
	calls, per := 0, time.Duration(0)
	if b != nil {
		calls = b.Calls
		per, _ = b.Window()
	} else if ve.DefaultBudget != nil {
		calls, per = ve.DefaultBudget()
	}
	if calls > 0 && per > 0 {
		return budget.New(calls, per, budgetMargin(per), nil), fmt.Sprintf("%d/%s", calls, per)
	}
	// No documented limit: learn it from the vendor's 429s.
	return budget.NewAdaptive(nil), "adaptive (no documented limit: learned from 429s; set a budget to cap calls)"
}

// shareBudget makes a fixed budget count the calls of every other
// process on the same credential (sink.budget.shared: machine by
// default, off, or redis://), so a resumed run inside its predecessor's
// window, or two jobs on one key, never exceed the vendor's window
// between them. The ledger is keyed by the vendor, its address and the
// credential's secret values, hashed (never stored).
func shareBudget(b *budget.Budget, cfg *config.Budget, ve sinks.Vendor, conn sinks.Conn) (unshare func(), err error) {
	if b == nil || b.Adaptive() {
		return func() {}, nil
	}
	setting := ""
	if cfg != nil {
		setting = cfg.Shared
	}
	key := ve.Name + "\x00" + conn.Get("url")
	for _, o := range ve.Options {
		if o.Secret {
			key += "\x00" + conn.Get(o.Key)
		}
	}
	dir, err := budget.DefaultLedgerDir(os.Getenv)
	if err != nil {
		return nil, err
	}
	l, err := budget.OpenLedger(setting, dir, key)
	if err != nil || l == nil {
		return func() {}, err
	}
	b.Share(l)
	return func() { l.Close() }, nil
}

// budgetAboveVendor says when a job's budget allows more calls than the
// vendor documents (LeadDesk 100/60 s, LeadSquared 25/5 s): the vendor
// will answer 429s and the run pauses.
func budgetAboveVendor(b *config.Budget, ve sinks.Vendor) string {
	if b == nil || ve.DefaultBudget == nil {
		return ""
	}
	per, _ := b.Window()
	dcalls, dper := ve.DefaultBudget()
	if b.Calls <= 0 || per <= 0 || dcalls <= 0 || dper <= 0 {
		return ""
	}
	// calls/per > dcalls/dper, without division.
	if float64(b.Calls)*dper.Seconds() <= float64(dcalls)*per.Seconds() {
		return ""
	}
	return fmt.Sprintf("the job's budget %d/%s exceeds %s's documented limit %d/%s: expect 429 pauses", b.Calls, per, ve.Name, dcalls, dper)
}

// sandboxSink gives a sandbox sink a scope that survives the emulator's
// changing port.
type sandboxSink struct {
	sinks.Sink
	scope string
}

func (s sandboxSink) Scope() string { return s.scope }

// Unwrap gives sinks.As the vendor's sink and its optional interfaces.
func (s sandboxSink) Unwrap() sinks.Sink { return s.Sink }

// persistSandbox loads the emulator's records from path (when there) and
// returns a stop function that saves them and closes the emulator. Only
// what the runs added is saved: entries equal to the fresh emulator's own
// fixtures are left out, so seeding never collides with them. Entries are
// compared as parsed JSON, so a re-saved (re-indented) file keeps its
// records. A file that cannot be read, parsed or taken back is an error:
// the sandbox never silently starts empty under records the state knows.
func persistSandbox(path string, emu sandboxEmulator) (stop func() error, err error) {
	fresh, err := json.Marshal(emu.Dump())
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var b []byte
	if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
		// A link planted at the records' name is not our records: it is
		// neither read nor written through (the save replaces it).
		err = os.ErrNotExist
	} else {
		b, err = os.ReadFile(path)
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("sandbox records: %w", err)
	default:
		added, err := subtractJSON(b, fresh)
		if err != nil {
			return nil, fmt.Errorf("sandbox records %s: %w (fix or delete the file; deleting it forgets the sandbox's records)", path, err)
		}
		if added != nil {
			if err := emu.Seed(added); err != nil {
				return nil, fmt.Errorf("sandbox records %s could not be loaded: %w (fix or delete the file)", path, err)
			}
		}
	}
	return func() error {
		defer emu.Close()
		b, err := json.MarshalIndent(emu.Dump(), "", " ")
		if err != nil {
			return fmt.Errorf("sandbox records: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("sandbox records: %w", err)
		}
		if err := safefile.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("sandbox records: %w", err)
		}
		return nil
	}, nil
}

// subtractJSON returns the tables of saved (an object of arrays) without
// the entries that base holds equally (as parsed JSON, whatever the
// spacing or key order); nil when nothing is left.
func subtractJSON(saved, base []byte) ([]byte, error) {
	var s, b map[string]json.RawMessage
	if err := json.Unmarshal(saved, &s); err != nil {
		return nil, fmt.Errorf("not a JSON object of tables: %w", err)
	}
	if err := json.Unmarshal(base, &b); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for table, raw := range s {
		var entries, baseEntries []json.RawMessage
		if err := json.Unmarshal(raw, &entries); err != nil {
			// A setting, not a table (LeadSquared's DefaultCountryCode):
			// kept when it differs from the emulator's own.
			c, err := canonicalJSON(raw)
			if err != nil {
				return nil, fmt.Errorf("table %q: %w", table, err)
			}
			if bc, err := canonicalJSON(b[table]); err != nil || bc != c {
				out[table] = raw
			}
			continue
		}
		_ = json.Unmarshal(b[table], &baseEntries)
		have := map[string]bool{}
		for _, e := range baseEntries {
			c, err := canonicalJSON(e)
			if err != nil {
				return nil, err
			}
			have[c] = true
		}
		for _, e := range entries {
			c, err := canonicalJSON(e)
			if err != nil {
				return nil, fmt.Errorf("table %q: %w", table, err)
			}
			if !have[c] {
				list, _ := out[table].([]json.RawMessage)
				out[table] = append(list, e)
			}
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return json.Marshal(out)
}

// canonicalJSON re-encodes a JSON value: sorted keys, no spacing, numbers
// as written.
func canonicalJSON(raw json.RawMessage) (string, error) {
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fillCredentials points a sandbox connection (a sink's or a source's) at
// the emulator's url and uses its test credentials where the job has none.
func fillCredentials(have, test sinks.Conn, url string) sinks.Conn {
	c := have.Fill(test)
	c["url"] = url
	return c
}

// credentialHint names the variables the sink's credentials came from,
// never their values.
func credentialHint(vs []sinks.Vendor, job *config.Job) string {
	return credentialHintAt(vs, job, "sink")
}

// isRefused reports a vendor's refusal of the credentials, which carries
// the side that refused (sinks.UnauthorizedError).
func isRefused(err error) bool {
	_, ok := sinks.RefusedSide(err)
	return ok
}

// refusedCredentials is the message for a refusal of the credentials by
// the side err names: the source's vendor (a migration's read side) or
// sinkName.
func refusedCredentials(vs []sinks.Vendor, job *config.Job, sinkName string, err error) error {
	if side, _ := sinks.RefusedSide(err); side == sinks.SideSource {
		return fmt.Errorf("the source %s refused the credentials: %s", job.Source.Type, credentialHintAt(vs, job, "source"))
	}
	var ce *sinks.ConnError
	if errors.As(err, &ce) && ce.Index > 0 {
		// One of sink.connections: name its variables.
		return fmt.Errorf("%s refused the credentials of connection %d of %d: %s", sinkName, ce.Index+1, ce.Of,
			credentialHintPath(vs, job, "sink", fmt.Sprintf("sink.connections[%d]", ce.Index-1)))
	}
	return fmt.Errorf("%s refused the credentials: %s", sinkName, credentialHint(vs, job))
}

// credentialHintAt does it for the sink or the source: the secret options
// of the side's vendor.
func credentialHintAt(vs []sinks.Vendor, job *config.Job, side string) string {
	return credentialHintPath(vs, job, side, side)
}

// credentialHintPath names the variables of the secret keys of the
// section at path ("sink", "sink.connections[0]") of side.
func credentialHintPath(vs []sinks.Vendor, job *config.Job, side, path string) string {
	name := job.Sink.Vendor
	if side == "source" {
		name = job.Source.Type
	}
	ve, _ := lookupVendor(vs, name)
	var parts []string
	for _, o := range ve.Options {
		if !o.Secret {
			continue
		}
		k := o.Key
		if v := job.EnvVar("$." + path + "." + k); v != "" {
			parts = append(parts, fmt.Sprintf("%s.%s from $%s", path, k, v))
		}
	}
	if len(parts) == 0 {
		return "check the " + path + "'s credentials in " + job.Doc.File
	}
	return "check " + strings.Join(parts, ", ")
}

func runVendor(ctx context.Context, rs *runState, ve sinks.Vendor) (out runOutcome) {
	job := rs.p.job
	conn, err := connect(job, ve, rs.p.object.Name, rs.logger)
	if err != nil {
		return runOutcome{err: err, exit: Usage}
	}
	defer func() {
		// The sandbox's records not saved is the run's error, not a warning.
		if err := conn.shut(); err != nil && out.err == nil {
			out.err, out.exit = err, Usage
		}
	}()
	out = runOutcome{budget: conn.desc}
	done, settled, err := rs.resumeState(ctx)
	if err != nil {
		return runOutcome{err: err}
	}
	dry := rs.opts.DryRun
	var diff *diffCollector
	var reporter pipeline.Reporter = rs.files
	if dry {
		diff = newDiffCollector(rs, conn)
		reporter = diff
	}
	var approve func(pipeline.Decision) (bool, string)
	if rs.opts.PlanIn != "" {
		plan, err := loadPlan(rs.opts.PlanIn, rs.inputHash, job.Name)
		if err != nil {
			return runOutcome{err: err, exit: Usage}
		}
		approve = planApprover(plan)
	}
	writer := rs.store.NewWriter(rs.run.ID, nil)
	ctx, stopWatch := stopOnStateFault(ctx, writer)
	defer stopWatch()
	var stateWriter *state.Writer
	if !dry {
		stateWriter = writer
	}
	prog := &pipeline.Progress{}
	if conn.warn != "" {
		rs.notify("warning", conn.warn)
	}
	stopProgress := rs.startProgress(prog, conn.budget)
	var stopCalls func() int
	if !dry {
		stopCalls = rs.countCalls(ctx, writer, conn.budget)
	}
	conc := rs.conc
	if conc <= 0 {
		conc = 4
	}
	retryMax, _ := job.Retry.MaxDuration() // validated when the job was loaded
	res, err := pipeline.Sync(ctx, pipeline.SyncConfig{
		Source: rs.p.source, Mapping: rs.p.mapping, Sink: conn.sink, Store: rs.store, State: stateWriter, RunID: rs.run.ID,
		Reporter: reporter, Concurrency: conc, Limit: rs.opts.Limit, Done: done, Progress: prog, Logger: rs.logger,
		Region: job.Region, Grace: rs.opts.Grace, Shard: rs.opts.Shard,
		Calls: runCalls(conn, dry),
		Check: func(ctx context.Context) error {
			if ch, ok := sinks.As[sinks.Checker](conn.sink); ok {
				return ch.Check(ctx)
			}
			return nil
		},
		OnPlan: rs.onPlan(prog, conn, &out),
		Policy: pipeline.Policy{
			Mode: job.Mode, OnAmbiguous: job.Match.OnAmbiguous, OnUncertain: job.OnUncertain, Merge: job.Merge,
			Verify: rs.opts.Verify, DryRun: dry, Approve: approve, RetryRejected: rs.opts.RetryRejected,
			Retry:       pipeline.Retry{Attempts: job.Retry.Attempts, MaxTime: retryMax},
			StateValues: job.StateValues,
		},
		OnDecision: diff.hook(),
	})
	stopProgress()
	calls := conn.budget.Stats().Calls
	if stopCalls != nil {
		calls = stopCalls() // every invocation's, before the writer closes
	}
	if res.Forecast > 0 {
		out.forecast = res.Forecast // revised as the run went
	}
	if werr := writer.Close(); werr != nil && err == nil {
		err = werr
	}
	if dry {
		return rs.finishDry(ctx, conn, diff, res, err, out)
	}
	if err == nil && !res.Interrupted && job.Mirror {
		err = rs.mirror(ctx, conn, res)
	}
	if res.Actions == nil && len(settled) > 0 {
		res.Actions = map[string]int{}
	}
	for a, n := range settled {
		res.Actions[a] += n
		res.Entities += n
	}
	out.rows, out.entities, out.actions = res.Rows, res.Entities, res.Actions
	out.written = res.Statuses["ok"] + res.Statuses["merged"]
	out.rejected = res.Rejected()
	out.interrupted = res.Interrupted
	out.retried, out.failures = res.Retried, res.Failures
	out.calls = calls
	out.timeline = conn.budget.Timeline()
	switch {
	case isRefused(err):
		out.err, out.exit = refusedCredentials(rs.p.vendors, job, job.Sink.Vendor, err), Auth
	case errors.Is(err, pipeline.ErrAmbiguous):
		out.err, out.exit = err, Rejected
	case err != nil:
		out.err = err
	}
	return out
}

// callsCursor is the state cursor holding a run's vendor calls so far,
// every invocation's: a resumed run's summary counts them all.
const callsCursor = "calls"

// countCalls keeps the run's calls in state while it goes (every 200 ms,
// with the writer's commits, so a killed invocation's count misses at
// most its last fraction of a second) and returns the function that
// stops it and gives the run's total.
func (rs *runState) countCalls(ctx context.Context, w *state.Writer, b *budget.Budget) (stop func() int) {
	prior := 0
	if rs.resumed {
		if c, err := rs.store.Cursor(ctx, rs.run.ID, callsCursor); err == nil {
			prior, _ = strconv.Atoi(c)
		}
	}
	total := func() int { return prior + b.Stats().Calls }
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		last := -1
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if n := total(); n != last {
					w.Cursor(callsCursor, strconv.Itoa(n))
					last = n
				}
			}
		}
	}()
	return func() int {
		close(done)
		<-finished
		n := total()
		w.Cursor(callsCursor, strconv.Itoa(n))
		return n
	}
}

// resumeState is what a resumed run finished before: its done rows, and
// its settled entities by action (the summary counts the whole run).
func (rs *runState) resumeState(ctx context.Context) (*state.RowSet, map[string]int, error) {
	if !rs.resumed {
		return nil, nil, nil
	}
	done, err := rs.store.DoneRows(ctx, rs.run.ID)
	if err != nil {
		return nil, nil, err
	}
	settled, err := rs.store.SettledEntities(ctx, rs.run.ID)
	return done, settled, err
}

// onPlan hears the forecast: progress, the outcome's figures, the log
// and the plan line.
func (rs *runState) onPlan(prog *pipeline.Progress, conn *connection, out *runOutcome) func(pipeline.Plan) {
	return func(pl pipeline.Plan) {
		prog.Planned.Store(int64(pl.Calls))
		prog.Total.Store(int64(pl.Entities - pl.Known))
		out.forecast, out.planned = pl.Calls, pl.Calls
		msg := pl.String()
		if !conn.budget.Adaptive() {
			msg += fmt.Sprintf(": about %s at %s", conn.budget.Duration(pl.Calls).Round(time.Second), conn.desc)
		}
		rs.logger.Info("plan", "entities", pl.Entities, "unchanged", pl.Known, "need_find", pl.NeedFind, "list_pages", pl.ListPages, "calls", pl.Calls)
		rs.notify("plan", msg)
	}
}

// finishDry is a dry run's outcome: its counts are the plan's (it writes
// no outcome), a mirror job's planned deletions join the diff, and the
// diff reports are written.
func (rs *runState) finishDry(ctx context.Context, conn *connection, diff *diffCollector, res pipeline.SyncResult, err error, out runOutcome) runOutcome {
	out.rows, out.entities, out.actions = res.Rows, res.Entities, res.Actions
	out.calls = conn.budget.Stats().Calls
	out.timeline = conn.budget.Timeline()
	out.dryStatuses = res.Statuses
	if err == nil && !res.Interrupted && rs.p.job.Mirror && res.Rows > 0 {
		present, kept := diff.vendorIDs()
		mres, merr := pipeline.MirrorNamed(ctx, conn.sink, rs.store, present, kept, true)
		diff.deletions(mres.Deleted)
		err = merr
	}
	if err == nil && !res.Interrupted {
		var werr error
		if out.diff, werr = diff.write(res.Plan); werr != nil {
			err = werr
		}
	}
	if err != nil {
		out.err = err
	}
	return out
}

// mirror deletes the vendor records this run's source no longer has; a
// source with no rows deletes nothing.
func (rs *runState) mirror(ctx context.Context, conn *connection, res pipeline.SyncResult) error {
	if res.Rows == 0 {
		rs.logger.Info("mirror: the source has no rows; nothing is deleted")
		return nil
	}
	mres, err := pipeline.Mirror(ctx, conn.sink, rs.store, rs.run.ID, false)
	for _, id := range mres.Deleted {
		res.Actions["deleted"]++
		rs.logger.Info("mirror: deleted", "vendor_id", id)
	}
	for id, why := range mres.Failed {
		rs.logger.Warn("mirror: could not delete", "vendor_id", id, "error", why)
	}
	return err
}

// jobURL shows the sink's or the source's URL ("sink", "source") for
// history, logs and summaries; a URL that does not parse is named by the
// variable it came from, never echoed.
func jobURL(job *config.Job, side string) string {
	raw := job.Sink.Conn.Get("url")
	if side == "source" {
		raw = job.Source.Conn.Get("url")
	}
	if strings.TrimSpace(raw) == "" || strings.TrimSpace(raw) == "sandbox" {
		return "sandbox" // the built-in emulator (also the default)
	}
	shown := httpc.RedactURL(raw)
	if strings.HasPrefix(shown, "<") {
		where := side + ".url"
		if v := job.EnvVar("$." + side + ".url"); v != "" {
			where = "$" + v
		}
		return strings.TrimSuffix(shown, ">") + " from " + where + ">"
	}
	return shown
}

// runCalls counts a run's vendor calls for the forecast's revision (none
// in a dry run: its forecast is the real run's).
func runCalls(conn *connection, dry bool) func() int {
	if dry {
		return nil
	}
	return func() int { return conn.budget.Stats().Calls }
}
