package job

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadsync/leadsync/report"
)

// The results' text forms, as the leadsync command prints them. The
// library never prints on its own: these write where they are told.

// WriteText writes the summary as a command prints it after a run.
func (s Summary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "job %s, run %d", s.Job, s.RunID)
	if s.Resumed {
		fmt.Fprint(w, " (resumed)")
	}
	fmt.Fprintf(w, ": %s\n", s.Status)
	fmt.Fprintf(w, "  rows      %d\n", s.Rows)
	if s.Entities > 0 {
		fmt.Fprintf(w, "  entities  %d%s\n", s.Entities, actionList(s.Actions))
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

// actionList reads " (create 3, update 1)"; "" for none.
func actionList(actions map[string]int) string {
	names := make([]string, 0, len(actions))
	for k := range actions {
		names = append(names, k)
	}
	sort.Strings(names)
	s := ""
	for i, k := range names {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		s += fmt.Sprintf("%s%s %d", sep, k, actions[k])
	}
	if len(names) > 0 {
		s += ")"
	}
	return s
}

// WriteText writes the reconciliation as the reconcile command prints it.
func (r *Reconciliation) WriteText(w io.Writer) {
	d := r.Diff
	fmt.Fprintf(w, "reconcile %s: %s -> %s\n", d.Job, r.Input, d.Sink)
	fmt.Fprintf(w, "  source    %d rows, %d entities\n", d.Sides.SourceRows, d.Sides.SourceEntities)
	if d.Sides.TargetListed {
		fmt.Fprintf(w, "  target    %d records\n", d.Sides.TargetRecords)
	} else {
		fmt.Fprintf(w, "  target    cannot be listed; unexplained records not checked\n")
	}
	for _, v := range Verdicts() {
		fmt.Fprintf(w, "  %-11s %d%s\n", v, d.Counts[v], r.Who(v))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note      %s\n", n)
	}
	if n := len(d.Rejected); n > 0 {
		fmt.Fprintf(w, "  rejected    %d source rows (bad values; not compared)\n", n)
	}
	fmt.Fprintf(w, "  report    %s (reconcile.html, summary.html, reconcile.json, reconcile.csv)\n", r.Dir)
}

// WriteRuns writes runs as a table, as the runs command prints them.
func WriteRuns(w io.Writer, infos []RunInfo) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tJOB\tSTARTED\tDURATION\tSTATUS\tROWS\tCREATED\tUPDATED\tUNCHANGED\tREJECTED\tCALLS")
	for _, ri := range infos {
		dur := ""
		if ri.Ended != "" {
			dur = (time.Duration(ri.Seconds * float64(time.Second))).Round(time.Millisecond).String()
		}
		started, _ := time.Parse(time.RFC3339, ri.Started)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", ri.ID, ri.Job, started.Local().Format("2006-01-02 15:04:05"), dur, ri.StatusText(),
			ri.Rows, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected, ri.CallsText())
	}
	return tw.Flush()
}

// WriteText writes the run as show prints it, up to limit rows of each kind.
func (d *RunDetail) WriteText(w io.Writer, limit int) {
	r, ri := d.Run, d.Info
	fmt.Fprintf(w, "run %d of job %s: %s\n", r.ID, r.Job, ri.StatusText())
	fmt.Fprintf(w, "  input    %s\n  sink     %s\n  started  %s\n", r.Input, r.Sink, r.StartedAt.Local().Format(time.RFC3339))
	if !r.EndedAt.IsZero() {
		fmt.Fprintf(w, "  ended    %s (%s)\n", r.EndedAt.Local().Format(time.RFC3339), r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	if r.Message != "" {
		fmt.Fprintf(w, "  message  %s\n", r.Message)
	}
	if d.Output.Pruned {
		fmt.Fprintf(w, "  outcomes removed by leadsync gc: the counts below remain, the rows do not\n")
	}
	verb := "written"
	if ri.DryRun {
		verb = "would write"
	}
	fmt.Fprintf(w, "  rows     %d (%s: create %d, update %d, unchanged %d; rejected %d)\n", ri.Rows, verb, ri.Created, ri.Updated, ri.Unchanged, ri.Rejected)
	fmt.Fprintf(w, "  calls    %s\n", ri.CallsText())
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-16s %d\n", k, r.Counts[k])
	}
	for _, g := range d.Groups {
		if len(g.Rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s rows (%d):\n", g.Status, len(g.Rows))
		for i, o := range g.Rows {
			if i == limit {
				fmt.Fprintf(w, "  ... %d more\n", len(g.Rows)-i)
				break
			}
			if o.Column != "" {
				fmt.Fprintf(w, "  row %d, column %q: %s\n", o.Row, o.Column, o.Error)
			} else {
				fmt.Fprintf(w, "  row %d: %s\n", o.Row, o.Error)
			}
		}
	}
}

// WriteMergedShards writes a merge of shards' summaries as the
// merge-shards command prints it.
func WriteMergedShards(w io.Writer, m *report.MergedShards) {
	s := m.Summary
	fmt.Fprintf(w, "job %v, %d shards: %v\n", s["job"], m.Shards, s["status"])
	for _, k := range []string{"rows", "entities", "written", "rejected", "uncertain", "failed", "calls"} {
		if v, ok := s[k]; ok {
			fmt.Fprintf(w, "  %-9s %v\n", k, v)
		}
	}
	if acts, ok := s["actions"].(map[string]any); ok && len(acts) > 0 {
		names := make([]string, 0, len(acts))
		for k := range acts {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "  %-9s %v\n", k, acts[k])
		}
	}
	for _, f := range m.Files {
		fmt.Fprintf(w, "  wrote     %s\n", f)
	}
}

// WriteText writes a dry run's plan as diff prints it: the diff's
// summary and the report files.
func (d *DiffResult) WriteText(w io.Writer) {
	d.Diff.WriteText(w)
	fmt.Fprintf(w, "  report     %s (%s)\n", d.Dir, strings.Join(d.Files, ", "))
}
