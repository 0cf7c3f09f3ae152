package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources/staged"
	"github.com/leadsync/leadsync/state"
)

// Reconciliation verdicts, as entity actions in the report.
const (
	verdictPresent     = "present"     // in both, same values
	verdictDiffers     = "differs"     // in both, values differ
	verdictMissing     = "missing"     // in the source, not in the target
	verdictDuplicated  = "duplicated"  // several target records match one source entity
	verdictUnexplained = "unexplained" // in the target, no source record explains it
)

// Verdicts are the reconcile verdicts, in the order a report lists them.
func Verdicts() []string {
	return []string{verdictPresent, verdictDiffers, verdictMissing, verdictDuplicated, verdictUnexplained}
}

// ReconcileOptions are a reconcile's settings.
type ReconcileOptions struct {
	OutDir      string // the report folder (default: reconcile beside the state)
	MaskPII     bool   // mask personal data in the report
	Concurrency int    // entities checked at once
}

// Reconciliation is a reconcile's outcome: the report (entities by
// verdict, both sides' sizes) and the folder it was written to.
type Reconciliation struct {
	Diff  *report.Diff
	Dir   string
	Input string // the source, as history names it
	// Class is Rejected when anything is missing or duplicated in the
	// target (Err says how many), else Done.
	Class Class
	Err   error
}

// Who names the first few entities of a verdict for a terminal:
// " (Anna Virtanen, email:•••@example.fi, +3 more)"; "" for none.
func (r *Reconciliation) Who(verdict string) string { return whoList(r.Diff.Entities, verdict) }

// Reconcile reads the job's source again, finds every entity in the
// target (reads only), lists the target's records (where it can list) to
// find those no source record explains, and writes the reconcile reports
// anew. Errors have a class: Auth when the target refused the
// credentials, else Usage (or Files).
func (p *Job) Reconcile(ctx context.Context, opts ReconcileOptions) (*Reconciliation, error) {
	if p.empty {
		return nil, classed(Usage, errors.New(p.NoRows()))
	}
	if p.used {
		return nil, classed(Usage, errors.New("this job has run already: its source is read; Load the job again"))
	}
	p.used = true
	job := p.job
	ve, err := lookupVendor(p.vendors, job.Sink.Vendor)
	if err != nil || ve.NewSink == nil {
		return nil, classed(Usage, fmt.Errorf("%s: reconcile needs a vendor sink, not %q", job.Doc.File, job.Sink.Vendor))
	}
	conn, err := connect(job, ve, p.object.Name, discardLogger())
	if err != nil {
		return nil, classed(Usage, err)
	}
	defer conn.close()
	store, err := state.Open(job.State)
	if err != nil {
		return nil, classed(Usage, err)
	}
	defer store.Close()
	if p.api != nil {
		p.source = staged.New(job.Source.Type, p.api.pager, nil, 0) // read once, stage nothing
	}
	d := &report.Diff{SchemaVersion: report.DiffSchemaVersion, Job: job.Name, Sink: job.Sink.Vendor + "/" + p.object.Name,
		Input: sourceDesc(job), GeneratedAt: time.Now().UTC().Format(time.RFC3339), Sides: &report.Sides{}}
	res, err := p.reconcileSource(ctx, d, conn, store, opts.Concurrency)
	if err != nil {
		if isRefused(err) {
			return nil, classed(Auth, refusedCredentials(p.vendors, job, ve.Name, err))
		}
		return nil, classed(Usage, err)
	}
	d.Sides.SourceRows, d.Sides.SourceEntities, d.Sides.TargetRecords = res.Rows, res.Entities, -1
	if err := p.reconcileTarget(ctx, d, conn); err != nil {
		return nil, classed(Usage, err)
	}
	d.Forecast = report.Forecast{Entities: res.Entities, Calls: conn.budget.Stats().Calls, Budget: conn.desc}
	if note := report.NoFieldsNote(p.object); note != "" {
		d.Notes = append(d.Notes, note)
	}
	d.Sort()
	if opts.MaskPII {
		d.MaskPII(p.object)
	}
	dir := opts.OutDir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(job.State), "reconcile")
	}
	page := d.RunPage("reconcile")
	page.Timeline, page.Calls, page.Budget = conn.budget.Timeline(), conn.budget.Stats().Calls, conn.desc
	if err := writeReconcileFiles(dir, d, page); err != nil {
		return nil, classed(Usage, err)
	}
	r := &Reconciliation{Diff: d, Dir: dir, Input: sourceDesc(job)}
	if d.Counts[verdictMissing]+d.Counts[verdictDuplicated] > 0 {
		r.Class = Rejected
		r.Err = classed(Rejected, fmt.Errorf("%d missing, %d duplicated in the target", d.Counts[verdictMissing], d.Counts[verdictDuplicated]))
	}
	return r, nil
}

// reconcileSource finds every source entity in the target, with a
// verdict for each.
func (p *Job) reconcileSource(ctx context.Context, d *report.Diff, conn *connection, store *state.Store, conc int) (pipeline.SyncResult, error) {
	if conc == 0 {
		conc = 4
	}
	var collect = make(chan report.Entity, 64)
	done := make(chan struct{})
	go func() {
		for en := range collect {
			d.Entities = append(d.Entities, en)
		}
		close(done)
	}()
	res, err := pipeline.Sync(ctx, pipeline.SyncConfig{
		Source: p.source, Mapping: p.mapping, Sink: conn.sink, Store: store, Region: p.job.Region,
		Concurrency: conc,
		Policy:      pipeline.Policy{DryRun: true, Verify: true, Mode: "upsert", OnAmbiguous: "skip", OnUncertain: "skip"},
		Reporter:    rejectCollector{d},
		OnDecision: func(dec pipeline.Decision) {
			en := report.Entity{ID: dec.ID, Name: report.DisplayName(p.object, dec.Fields), Rows: dec.Rows, MergedOn: dec.MergedOn, VendorID: dec.VendorID, Candidates: dec.Candidates}
			switch dec.Action {
			case pipeline.ActionCreate:
				en.Action = verdictMissing
			case pipeline.ActionUpdate:
				en.Action = verdictDiffers
				en.Changes = changesOf(dec)
			case pipeline.ActionAmbiguous:
				en.Action, en.Reason = verdictDuplicated, dec.Reason
			default:
				en.Action = verdictPresent
			}
			collect <- en
		},
	})
	close(collect)
	<-done
	return res, err
}

// reconcileTarget lists the target's records, when it can, and adds
// those no source entity matched.
func (p *Job) reconcileTarget(ctx context.Context, d *report.Diff, conn *connection) error {
	matched := map[string]bool{}
	for _, en := range d.Entities {
		if en.VendorID != "" {
			matched[en.VendorID] = true
		}
		for _, id := range en.Candidates {
			matched[id] = true
		}
	}
	lister, ok := sinks.As[sinks.Lister](conn.sink)
	if !ok {
		return nil
	}
	d.Sides.TargetListed, d.Sides.TargetRecords = true, 0
	_, err := lister.List(ctx, func(r sinks.Record) error {
		d.Sides.TargetRecords++
		if !matched[r.ID] {
			d.Entities = append(d.Entities, report.Entity{ID: "vendor:" + r.ID, Name: report.DisplayName(p.object, r.Fields),
				Action: verdictUnexplained, VendorID: r.ID, Reason: "no source record has its keys"})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list the target: %w", err)
	}
	return nil
}

// rejectCollector records source rows rejected before any call.
type rejectCollector struct{ d *report.Diff }

func (r rejectCollector) Rejected(row int, raw []string, column, reason string) error {
	r.d.Rejected = append(r.d.Rejected, report.RejectedRow{Row: row, Column: column, Reason: reason})
	return nil
}
func (rejectCollector) Written(int, []string, string, string) error { return nil }

// reconcileOutputs are the files a reconcile writes; each run writes all
// of them anew.
func reconcileOutputs() []string {
	return []string{"reconcile.json", "reconcile.csv", "reconcile.html", "summary.html"}
}

// writeReconcileFiles renders every output in memory first, so a failure
// leaves no page cut short, then removes the previous reconcile's files
// and writes this one's.
func writeReconcileFiles(dir string, d *report.Diff, page *report.RunPage) error {
	render := map[string]func(w io.Writer) error{
		"reconcile.json": d.WriteJSON,
		"reconcile.csv":  d.WriteCSV,
		"reconcile.html": d.WriteReconcileHTML,
		"summary.html":   page.WriteHTML,
	}
	out := map[string][]byte{}
	for _, name := range reconcileOutputs() {
		var b bytes.Buffer
		if err := render[name](&b); err != nil {
			return fmt.Errorf("reconcile report %s: %w", name, err)
		}
		out[name] = b.Bytes()
	}
	if err := safefile.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range append(reconcileOutputs(), "review.csv") {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, name := range reconcileOutputs() {
		b := out[name]
		if err := writeFileWith(filepath.Join(dir, name), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
	}
	return nil
}

// whoList names the first few entities of a verdict for the terminal:
// " (Anna Virtanen, email:•••@example.fi, +3 more)".
func whoList(es []report.Entity, verdict string) string {
	const show = 3
	var names []string
	n := 0
	for _, e := range es {
		if e.Action != verdict || verdict == verdictPresent {
			continue
		}
		n++
		if len(names) < show {
			who := e.Name
			if who == "" {
				who = e.ID
			}
			names = append(names, who)
		}
	}
	if n == 0 {
		return ""
	}
	if n > show {
		names = append(names, fmt.Sprintf("+%d more", n-show))
	}
	return " (" + strings.Join(names, ", ") + ")"
}
