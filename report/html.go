package report

import (
	_ "embed"
	"html/template"
	"io"
	"sort"
)

//go:embed diff.html.tmpl
var diffHTML string

var diffTemplate = template.Must(template.New("diff").Funcs(template.FuncMap{
	"rows":  joinRows,
	"first": firstOf,
}).Parse(diffHTML))

// firstOf is a row list's first row, 0 when empty: an entity without
// rows (a reconcile's unexplained target record) must not break the page.
func firstOf(rows []int) int {
	if len(rows) == 0 {
		return 0
	}
	return rows[0]
}

type htmlAction struct {
	Name  string
	Count int
}

// WriteHTML writes one self-contained page (inline CSS and JS, no
// network): counts, the forecast, and a filterable, sortable table with
// field changes highlighted. html/template escapes every value. The page
// reads an initial filter from its address (#action=update&q=anna), so a
// link can open it filtered.
func (d *Diff) WriteHTML(w io.Writer) error {
	var actions []htmlAction
	for a, n := range d.Counts {
		if a != "rejected_rows" {
			actions = append(actions, htmlAction{a, n})
		}
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
	return diffTemplate.Execute(w, struct {
		*Diff
		Actions []htmlAction
	}{d, actions})
}
