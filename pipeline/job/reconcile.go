package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

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
	p, err := prepare(e, path)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer p.Close()
	if p.empty {
		fmt.Fprintln(e.stdout, p.noRows())
		return nil
	}
	job := p.job
	ve, err := lookupVendor(job.Sink.Vendor)
	if err != nil || ve.open == nil {
		return exitf(ExitUsage, "%s: reconcile needs a vendor sink, not %q", job.Doc.File, job.Sink.Vendor)
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	conn, err := connect(job, ve, p.object.Name, discardLogger())
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer conn.close()
	store, err := state.Open(job.State)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer store.Close()
	if p.api != nil {
		p.source = staged.New(job.Source.Type, p.api.pager, nil, 0) // read once, stage nothing
	}

	d := report.Diff{SchemaVersion: report.DiffSchemaVersion, Job: job.Name, Sink: job.Sink.Vendor + "/" + p.object.Name,
		Input: sourceDesc(job), GeneratedAt: time.Now().UTC().Format(time.RFC3339), Sides: &report.Sides{}}
	matched := map[string]bool{}
	var collect = make(chan report.Entity, 64)
	done := make(chan struct{})
	go func() {
		for en := range collect {
			d.Entities = append(d.Entities, en)
		}
		close(done)
	}()
	res, err := pipeline.Sync(ctx, pipeline.SyncConfig{
		Source: p.source, Mapping: p.mapping, Sink: conn.sink, Store: store, Region: job.Region,
		Concurrency: c.Int("concurrency"),
		Policy:      pipeline.Policy{DryRun: true, Verify: true, Mode: "upsert", OnAmbiguous: "skip", OnUncertain: "skip"},
		Reporter:    rejectCollector{&d},
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
	if err != nil {
		if sinks.ClassOf(err) == sinks.Unauthorized || errorsIsUnauthorized(err) {
			return withCode(ExitAuth, fmt.Errorf("%s refused the credentials: %s", ve.name, credentialHint(job)))
		}
		return withCode(ExitUsage, err)
	}
	for _, en := range d.Entities {
		if en.VendorID != "" {
			matched[en.VendorID] = true
		}
		for _, id := range en.Candidates {
			matched[id] = true
		}
	}
	d.Sides.SourceRows, d.Sides.SourceEntities, d.Sides.TargetRecords = res.Rows, res.Entities, -1
	if lister, ok := sinks.As[sinks.Lister](conn.sink); ok {
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
			return withCode(ExitUsage, fmt.Errorf("list the target: %w", err))
		}
	}
	d.Forecast = report.Forecast{Entities: res.Entities, Calls: conn.budget.Stats().Calls, Budget: conn.desc}
	if note := report.NoFieldsNote(p.object); note != "" {
		d.Notes = append(d.Notes, note)
	}
	d.Sort()
	if c.Bool("mask-pii") {
		d.MaskPII(p.object)
	}
	dir := c.String("out")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(job.State), "reconcile")
	}
	page := d.RunPage("reconcile")
	page.Timeline, page.Calls, page.Budget = conn.budget.Timeline(), conn.budget.Stats().Calls, conn.desc
	if err := writeReconcileFiles(dir, &d, page); err != nil {
		return withCode(ExitUsage, err)
	}
	w := e.stdout
	fmt.Fprintf(w, "reconcile %s: %s -> %s\n", job.Name, sourceDesc(job), d.Sink)
	fmt.Fprintf(w, "  source    %d rows, %d entities\n", d.Sides.SourceRows, d.Sides.SourceEntities)
	if d.Sides.TargetListed {
		fmt.Fprintf(w, "  target    %d records\n", d.Sides.TargetRecords)
	} else {
		fmt.Fprintf(w, "  target    cannot be listed; unexplained records not checked\n")
	}
	for _, v := range []string{verdictPresent, verdictDiffers, verdictMissing, verdictDuplicated, verdictUnexplained} {
		fmt.Fprintf(w, "  %-11s %d%s\n", v, d.Counts[v], whoList(d.Entities, v))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note      %s\n", n)
	}
	if n := len(d.Rejected); n > 0 {
		fmt.Fprintf(w, "  rejected    %d source rows (bad values; not compared)\n", n)
	}
	fmt.Fprintf(w, "  report    %s (reconcile.html, summary.html, reconcile.json, reconcile.csv)\n", dir)
	if d.Counts[verdictMissing]+d.Counts[verdictDuplicated] > 0 {
		return &exitError{code: ExitRejected, err: fmt.Errorf("%d missing, %d duplicated in the target", d.Counts[verdictMissing], d.Counts[verdictDuplicated])}
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

func errorsIsUnauthorized(err error) bool { return errors.Is(err, pipeline.ErrUnauthorized) }

// reconcileOutputs are the files a reconcile writes; each run writes all
// of them anew.
var reconcileOutputs = []string{"reconcile.json", "reconcile.csv", "reconcile.html", "summary.html"}

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
	for _, name := range reconcileOutputs {
		var b bytes.Buffer
		if err := render[name](&b); err != nil {
			return fmt.Errorf("reconcile report %s: %w", name, err)
		}
		out[name] = b.Bytes()
	}
	if err := safefile.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range append(reconcileOutputs, "review.csv") {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, name := range reconcileOutputs {
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
