package job

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/report"
)

// diffCollector gathers a dry run's decisions and rejected rows into a
// report.Diff; it forwards row reports to the run's files as well.
type diffCollector struct {
	rs   *runState
	conn *connection
	mu   sync.Mutex
	d    report.Diff
}

func newDiffCollector(rs *runState, conn *connection) *diffCollector {
	job := rs.p.job
	return &diffCollector{rs: rs, conn: conn, d: report.Diff{
		SchemaVersion: report.DiffSchemaVersion, Job: job.Name, Sink: job.Sink.Vendor + "/" + rs.p.object.Name,
		Input: job.Source.Path, InputHash: rs.inputHash, GeneratedAt: time.Now().UTC().Format(time.RFC3339),
	}}
}

// Rejected records a row rejected before any call (pipeline.Reporter).
func (c *diffCollector) Rejected(row int, raw []string, column, reason string) error {
	c.mu.Lock()
	rr := report.RejectedRow{Row: row, Column: column, Reason: reason}
	if c.rs.opts.MaskPII {
		rr.PII = piiCells(c.rs.p, raw)
	}
	c.d.Rejected = append(c.d.Rejected, rr)
	c.mu.Unlock()
	return c.rs.files.Rejected(row, raw, column, reason)
}

// Written forwards to the run's files (pipeline.Reporter).
func (c *diffCollector) Written(row int, raw []string, action, id string) error {
	return c.rs.files.Written(row, raw, action, id)
}

// hook is the pipeline's OnDecision for c: none without a collector, so
// a run that collects no diff leaves every unchanged entity's fields
// unbuilt (the pipeline builds them only for a hook).
func (c *diffCollector) hook() func(pipeline.Decision) {
	if c == nil {
		return nil
	}
	return c.decision
}

func (c *diffCollector) decision(d pipeline.Decision) {
	e := report.Entity{ID: d.ID, Name: report.DisplayName(c.rs.p.object, d.Fields), Rows: d.Rows, MergedOn: d.MergedOn, Action: d.Action, VendorID: d.VendorID, Candidates: d.Candidates, Reason: d.Reason}
	if len(d.Rows) == 1 {
		e.MergedOn = ""
	}
	if c.rs.opts.MaskPII {
		e.PII = decisionPII(c.rs.p.object, d)
	}
	for _, ch := range d.Changes {
		e.Changes = append(e.Changes, report.Change{Field: ch.Field, Old: ch.Old, New: ch.New, OldKnown: ch.OldKnown, OldFrom: ch.OldFrom})
	}
	c.mu.Lock()
	c.d.Entities = append(c.d.Entities, e)
	c.mu.Unlock()
}

// vendorIDs are the vendor records the planned decisions name (what a
// mirror keeps).
func (c *diffCollector) vendorIDs() (ids map[string]bool, kept int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids = map[string]bool{}
	for _, e := range c.d.Entities {
		if e.VendorID != "" {
			ids[e.VendorID] = true
		}
		if e.Action != "rejected" {
			kept++
		}
	}
	return ids, kept
}

// deletions adds a mirror's planned deletions to the diff.
func (c *diffCollector) deletions(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		c.d.Entities = append(c.d.Entities, report.Entity{ID: "vendor:" + id, Action: report.ActionDelete, VendorID: id,
			Reason: "created by leadsync and no longer in the source (mirror: true)"})
	}
}

// write puts diff.json, diff.csv, diff.html (and review.csv when some
// entity is ambiguous) in the report folder, the plan where asked, and
// returns what was written.
func (c *diffCollector) write(pl pipeline.Plan) (*DiffResult, error) {
	c.d.Forecast = report.Forecast{Entities: pl.Entities, Unchanged: pl.Known, Calls: pl.Calls, Budget: c.conn.desc}
	if !c.conn.budget.Adaptive() {
		c.d.Forecast.Duration = c.conn.budget.Duration(pl.Calls).Round(time.Second).String()
	}
	if note := report.NoFieldsNote(c.rs.p.object); note != "" {
		c.d.Notes = append(c.d.Notes, note)
	}
	if obj := c.rs.p.object; c.rs.p.job.StateValues == pipeline.ValuesNone && obj.CanUpdate && (obj.FindNoFields != "" || !obj.CanFind) {
		c.d.Notes = append(c.d.Notes, "state_values: none: state keeps no last synced values either, so old values are unknown and an update sends every mapped field.")
	}
	c.d.Sort()
	if c.rs.opts.PlanOut != "" {
		// The plan keeps real values: it is matched against the vendor.
		if err := writeFileWith(c.rs.opts.PlanOut, func(f io.Writer) error { return c.d.WriteJSON(f) }); err != nil {
			return nil, err
		}
	}
	if c.rs.opts.MaskPII {
		c.d.MaskPII(c.rs.p.object)
	}
	dir := c.rs.reportDir
	files := map[string]func(f io.Writer) error{
		"diff.json": func(f io.Writer) error { return c.d.WriteJSON(f) },
		"diff.csv":  func(f io.Writer) error { return c.d.WriteCSV(f) },
		"diff.html": func(f io.Writer) error { return c.d.WriteHTML(f) },
		"summary.html": func(f io.Writer) error {
			page := c.d.RunPage("diff")
			page.Timeline = c.conn.budget.Timeline()
			page.Calls = c.conn.budget.Stats().Calls
			page.Budget = c.conn.desc
			return page.WriteHTML(f)
		},
	}
	if c.d.Counts["ambiguous"] > 0 {
		files["review.csv"] = func(f io.Writer) error { return c.d.WriteReviewCSV(f) }
	}
	for name, fn := range files {
		if err := writeFileWith(filepath.Join(dir, name), fn); err != nil {
			return nil, err
		}
	}
	names := []string{"diff.html", "summary.html", "diff.json", "diff.csv"}
	if c.d.Counts["ambiguous"] > 0 {
		names = append(names, "review.csv")
	}
	if c.d.Counts["rejected_rows"] > 0 {
		names = append(names, "rejected.csv")
	}
	return &DiffResult{Diff: &c.d, Dir: dir, Files: names, Summary: c.summary(dir, names)}, nil
}

// DiffResult is a dry run's plan: the diff (masked when asked), the
// report folder and the files written there, and the plan's figures.
type DiffResult struct {
	Diff    *report.Diff
	Dir     string
	Files   []string
	Summary DiffSummary
}

// DiffSummary is diff --json (and run --dry-run --json): the plan's own
// figures. Every key is always present (README: "diff --json").
type DiffSummary struct {
	Job      string         `json:"job"`
	RunID    int64          `json:"run_id"`
	DryRun   bool           `json:"dry_run"`
	Sink     string         `json:"sink"`
	Input    string         `json:"input"`
	Counts   map[string]int `json:"counts"`
	Forecast DiffForecast   `json:"forecast"`
	Reads    int            `json:"reads"`
	Reports  string         `json:"reports"`
	Files    []string       `json:"files"`
	Plan     string         `json:"plan"`
}

type DiffForecast struct {
	Entities  int    `json:"entities"`
	Unchanged int    `json:"unchanged"`
	Calls     int    `json:"calls"`
	Budget    string `json:"budget"`
	Duration  string `json:"duration"`
}

// diffCountKeys are the keys diff --json's counts always has.
func diffCountKeys() []string {
	return []string{"create", "update", "unchanged", "ambiguous", "not_found", "exists", "uncertain", "rejected", "rejected_rows"}
}

func (c *diffCollector) summary(dir string, files []string) DiffSummary {
	counts := map[string]int{}
	for _, k := range diffCountKeys() {
		counts[k] = 0
	}
	for k, v := range c.d.Counts {
		counts[k] = v
	}
	f := c.d.Forecast
	return DiffSummary{
		Job: c.d.Job, RunID: c.rs.run.ID, DryRun: true, Sink: c.d.Sink, Input: c.d.Input, Counts: counts,
		Forecast: DiffForecast{Entities: f.Entities, Unchanged: f.Unchanged, Calls: f.Calls, Budget: f.Budget, Duration: f.Duration},
		Reads:    c.conn.budget.Stats().Calls, Reports: dir, Files: files, Plan: c.rs.opts.PlanOut,
	}
}

// writeFileWith writes a file leadsync leaves behind, in place only when
// fn succeeds and never through a link planted at path.
func writeFileWith(path string, fn func(w io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return safefile.Write(path, 0o644, fn)
}

// loadPlan reads a plan and checks it was made for this job and input.
func loadPlan(path, inputHash, job string) (*report.Diff, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	plan, err := report.ReadDiff(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if plan.Job != job {
		return nil, fmt.Errorf("%s is a plan for job %q, not %q", path, plan.Job, job)
	}
	if plan.InputHash != inputHash {
		return nil, fmt.Errorf("%s was made for another version of the input file; make a new plan with leadsync diff --plan", path)
	}
	if plan.PIIMasked {
		return nil, fmt.Errorf("%s has masked values and cannot be applied; make the plan without --mask-pii", path)
	}
	return plan, nil
}

// planApprover allows a write only when the entity's decision now is the
// one the plan foresaw: the same action, the same vendor record, the same
// field changes. Anything else is set aside and reported.
func planApprover(plan *report.Diff) func(pipeline.Decision) (bool, string) {
	byID := map[string]report.Entity{}
	for _, e := range plan.Entities {
		byID[e.ID] = e
	}
	return func(d pipeline.Decision) (bool, string) {
		want, ok := byID[d.ID]
		if !ok {
			return false, "not in the plan"
		}
		got := describe(d.Action, d.VendorID, changesOf(d))
		planned := describe(want.Action, want.VendorID, want.Changes)
		if got != planned {
			return false, fmt.Sprintf("changed since the plan: planned %s, now %s", planned, got)
		}
		return true, ""
	}
}

func changesOf(d pipeline.Decision) []report.Change {
	var out []report.Change
	for _, c := range d.Changes {
		out = append(out, report.Change{Field: c.Field, Old: c.Old, New: c.New, OldKnown: c.OldKnown, OldFrom: c.OldFrom})
	}
	return out
}

// describe renders an action for comparison and messages:
// "update 48001 (city Oulu->Espoo)".
func describe(action, id string, changes []report.Change) string {
	parts := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.OldKnown {
			parts = append(parts, fmt.Sprintf("%s %q->%q", c.Field, c.Old, c.New))
		} else {
			parts = append(parts, fmt.Sprintf("%s ->%q", c.Field, c.New))
		}
	}
	sort.Strings(parts)
	s := action
	if id != "" {
		s += " " + id
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}
