package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
)

//go:embed summary.html.tmpl
var summaryHTML string

var summaryTemplate = template.Must(template.New("summary").Parse(summaryHTML))

// RunPage is the one-page summary of a run, a diff or a reconcile
// (summary.html): outcome cards, the top rejection reasons with example
// rows, and the calls per budget window against the budget's limit, with
// the vendor's 429 pauses. Self-contained: inline CSS and SVG, no script,
// no network.
type RunPage struct {
	Title       string // "leadsync run 12: import-leads"
	Kind        string // run, diff, reconcile
	Job         string
	Sink        string
	Input       string
	GeneratedAt string
	PIIMasked   bool
	Status      string
	Outcomes    []Outcome
	Reasons     ReasonTally
	Notes       []string // what the vendor cannot show, and the like
	Calls       int
	Budget      string
	Timeline    budget.Timeline
	Links       []string // the other report files beside the page
}

// Outcome is one card: a count under a name. Class picks its colour:
// good, bad, warn or plain.
type Outcome struct {
	Name  string
	Count int
	Class string
}

// ReasonTally counts rejection reasons and keeps a few example rows of
// each. The zero value is ready to use.
type ReasonTally struct {
	byReason map[string]*Reason
	order    []string
}

// Reason is one rejection reason, its count and example rows.
type Reason struct {
	Reason   string
	Column   string
	Count    int
	Examples []Example
}

// Example is a row that shows a reason: its number and, where known, who.
type Example struct {
	Row int
	Who string
}

// maxExamples is how many example rows a reason keeps.
const maxExamples = 5

// Add counts one rejected row.
func (t *ReasonTally) Add(row int, who, column, reason string) {
	if t.byReason == nil {
		t.byReason = map[string]*Reason{}
	}
	k := column + "\x00" + reason
	r := t.byReason[k]
	if r == nil {
		r = &Reason{Reason: reason, Column: column}
		t.byReason[k] = r
		t.order = append(t.order, k)
	}
	r.Count++
	if len(r.Examples) < maxExamples {
		r.Examples = append(r.Examples, Example{row, who})
	}
}

// Total is the number of rows counted.
func (t *ReasonTally) Total() int {
	n := 0
	for _, r := range t.byReason {
		n += r.Count
	}
	return n
}

// Top returns the n most frequent reasons, most frequent first (ties in
// the order first seen).
func (t *ReasonTally) Top(n int) []Reason {
	out := make([]Reason, 0, len(t.order))
	for _, k := range t.order {
		out = append(out, *t.byReason[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// chart is the inline SVG's geometry, computed here so the template only
// prints numbers.
type chart struct {
	W, H, Left, Bottom, Top, PlotH int
	Bars                           []bar
	Pauses                         []rect
	Limit                          string // the budget line's polyline points
	Ticks                          []tick
	Max                            int
	Window                         string
	Windows                        int
	PauseCount                     int
	PauseTotal                     string
}

type bar struct {
	X, Y, W, H int
	Title      string
	Over       bool
}

type rect struct {
	X, W  int
	Title string
}

type tick struct {
	Y     int
	Label string
}

func (p *RunPage) chart() *chart {
	tl := p.Timeline
	if len(tl.Counts) == 0 || tl.Window <= 0 {
		return nil
	}
	c := &chart{W: 720, H: 220, Left: 44, Bottom: 190, Top: 14, Window: tl.Window.String(), Windows: len(tl.Counts), PauseCount: len(tl.Pauses)}
	for _, n := range tl.Counts {
		c.Max = max(c.Max, n)
	}
	for _, n := range tl.Limits {
		c.Max = max(c.Max, n)
	}
	c.Max = max(c.Max, 1)
	plotW := c.W - c.Left - 10
	plotH := c.Bottom - c.Top
	c.PlotH = plotH
	slot := float64(plotW) / float64(len(tl.Counts))
	y := func(v int) int { return c.Bottom - int(float64(v)/float64(c.Max)*float64(plotH)+0.5) }
	span := time.Duration(len(tl.Counts)) * tl.Window
	x := func(d time.Duration) int { return c.Left + int(float64(d)/float64(span)*float64(plotW)+0.5) }
	var pts []string
	for i, n := range tl.Counts {
		x0 := c.Left + int(float64(i)*slot+0.5)
		x1 := c.Left + int(float64(i+1)*slot+0.5)
		w := max(1, x1-x0-max(1, (x1-x0)/5))
		lim := 0
		if i < len(tl.Limits) {
			lim = tl.Limits[i]
		}
		title := fmt.Sprintf("window %d (from %s): %d calls", i+1, (time.Duration(i) * tl.Window).String(), n)
		if lim > 0 {
			title += fmt.Sprintf(" of %d", lim)
			pts = append(pts, fmt.Sprintf("%d,%d %d,%d", x0, y(lim), x1, y(lim)))
		}
		c.Bars = append(c.Bars, bar{X: x0, Y: y(n), W: w, H: c.Bottom - y(n), Title: title, Over: lim > 0 && n > lim})
	}
	c.Limit = strings.Join(pts, " ")
	var paused time.Duration
	for _, s := range tl.Pauses {
		x0, x1 := x(s.From), x(s.To)
		x1 = min(x1, c.Left+plotW)
		paused += s.To - s.From
		c.Pauses = append(c.Pauses, rect{X: x0, W: max(2, x1-x0), Title: fmt.Sprintf("paused by the vendor (429) from %s to %s", s.From.Round(time.Millisecond), s.To.Round(time.Millisecond))})
	}
	c.PauseTotal = paused.Round(time.Second).String()
	for _, v := range []int{0, c.Max / 2, c.Max} {
		c.Ticks = append(c.Ticks, tick{Y: y(v), Label: fmt.Sprint(v)})
	}
	return c
}

// WriteHTML writes summary.html. html/template escapes every value.
func (p *RunPage) WriteHTML(w io.Writer) error {
	return summaryTemplate.Execute(w, struct {
		*RunPage
		Top      []Reason
		Rejected int
		Chart    *chart
	}{p, p.Reasons.Top(10), p.Reasons.Total(), p.chart()})
}
