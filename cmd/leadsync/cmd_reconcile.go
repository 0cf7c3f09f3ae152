package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

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
			"Writes reconcile.html, reconcile.json and reconcile.csv (the diff report's formats). Exit code 1\n" +
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
			en := report.Entity{ID: dec.ID, Rows: dec.Rows, MergedOn: dec.MergedOn, VendorID: dec.VendorID, Candidates: dec.Candidates}
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
				d.Entities = append(d.Entities, report.Entity{ID: "vendor:" + r.ID, Action: verdictUnexplained, VendorID: r.ID,
					Reason: "no source record has its keys"})
			}
			return nil
		})
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("list the target: %w", err))
		}
	}
	d.Forecast = report.Forecast{Entities: res.Entities, Calls: conn.budget.Stats().Calls, Budget: conn.desc}
	d.Sort()
	if c.Bool("mask-pii") {
		d.MaskPII(p.object)
	}
	dir := c.String("out")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(job.State), "reconcile")
	}
	for name, fn := range map[string]func(f io.Writer) error{
		"reconcile.json": func(f io.Writer) error { return d.WriteJSON(f) },
		"reconcile.csv":  func(f io.Writer) error { return d.WriteCSV(f) },
		"reconcile.html": func(f io.Writer) error { return d.WriteHTML(f) },
	} {
		if err := writeFileWith(filepath.Join(dir, name), fn); err != nil {
			return withCode(ExitUsage, err)
		}
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
		fmt.Fprintf(w, "  %-11s %d\n", v, d.Counts[v])
	}
	if n := len(d.Rejected); n > 0 {
		fmt.Fprintf(w, "  rejected    %d source rows (bad values; not compared)\n", n)
	}
	fmt.Fprintf(w, "  report    %s (reconcile.html, reconcile.json, reconcile.csv)\n", dir)
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
func (rejectCollector) Written(int, string, string) error { return nil }

func errorsIsUnauthorized(err error) bool { return errors.Is(err, pipeline.ErrUnauthorized) }
