package report

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed reconcile.html.tmpl
var reconcileHTML string

var reconcileTemplate = template.Must(template.New("reconcile").Funcs(template.FuncMap{
	"rows": joinRows,
}).Parse(reconcileHTML))

// Reconciliation verdicts, in the order the page shows them.
var reconcileVerdicts = []struct{ Name, Class, Doc string }{
	{"missing", "bad", "in the source, not found in the target"},
	{"duplicated", "bad", "several target records match one source entity"},
	{"unexplained", "warn", "in the target, no source record has its keys"},
	{"differs", "warn", "in both, but values differ"},
	{"present", "good", "in both, with the same values"},
}

type reconcileGroup struct {
	Name, Class, Doc string
	Entities         []Entity
}

// WriteReconcileHTML writes reconcile.html: the two sides' counts, then
// who is missing, duplicated, unexplained, different and present. Any
// verdict, alone or with others, renders (an entity without rows is a
// target record). html/template escapes every value.
func (d *Diff) WriteReconcileHTML(w io.Writer) error {
	var groups []reconcileGroup
	for _, v := range reconcileVerdicts {
		g := reconcileGroup{Name: v.Name, Class: v.Class, Doc: v.Doc}
		for _, e := range d.Entities {
			if e.Action == v.Name {
				g.Entities = append(g.Entities, e)
			}
		}
		groups = append(groups, g)
	}
	sides := Sides{TargetRecords: -1}
	if d.Sides != nil {
		sides = *d.Sides
	}
	return reconcileTemplate.Execute(w, struct {
		*Diff
		S      Sides
		Groups []reconcileGroup
	}{d, sides, groups})
}

// RunPage builds the summary page of a diff or a reconcile (kind "diff"
// or "reconcile").
func (d *Diff) RunPage(kind string) *RunPage {
	p := &RunPage{Kind: kind, Job: d.Job, Sink: d.Sink, Input: d.Input, GeneratedAt: d.GeneratedAt, PIIMasked: d.PIIMasked,
		Notes: d.Notes, Calls: d.Forecast.Calls, Budget: d.Forecast.Budget}
	switch kind {
	case "reconcile":
		p.Title = "leadsync reconcile: " + d.Job
		for _, v := range reconcileVerdicts {
			p.Outcomes = append(p.Outcomes, Outcome{v.Name, d.Counts[v.Name], v.Class})
		}
		p.Links = []string{"reconcile.html", "reconcile.json", "reconcile.csv"}
	default:
		p.Title = "leadsync diff: " + d.Job
		class := map[string]string{"create": "good", "update": "warn", "unchanged": "plain", "ambiguous": "bad", "uncertain": "bad", "rejected": "bad"}
		for _, a := range []string{"create", "update", "unchanged", "ambiguous", "not_found", "exists", "uncertain", "rejected"} {
			if n := d.Counts[a]; n > 0 {
				c := class[a]
				if c == "" {
					c = "plain"
				}
				p.Outcomes = append(p.Outcomes, Outcome{a, n, c})
			}
		}
		p.Links = []string{"diff.html", "diff.json", "diff.csv"}
	}
	if len(d.Rejected) > 0 {
		p.Outcomes = append(p.Outcomes, Outcome{"rejected rows", len(d.Rejected), "bad"})
	}
	for _, r := range d.Rejected {
		p.Reasons.Add(r.Row, "", r.Column, r.Reason)
	}
	for _, e := range d.Entities {
		if e.Action == "rejected" && e.Reason != "" {
			p.Reasons.Add(firstRow(e), e.Name, "", e.Reason)
		}
	}
	return p
}
