package job

import (
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sinks"
)

// writeRunPage writes summary.html beside summary.json: the run's
// outcome cards, its top rejection reasons and its calls per budget
// window with the vendor's pauses. Like summary.json, a failure to write
// it does not fail the run.
func writeRunPage(dir string, s Summary, files *report.RunFiles, tl budget.Timeline, obj sinks.Object, masked bool) {
	page := &report.RunPage{
		Title: fmt.Sprintf("leadsync run %d: %s", s.RunID, s.Job), Kind: "run", Job: s.Job, Sink: s.Sink,
		GeneratedAt: time.Now().UTC().Format(time.RFC3339), PIIMasked: masked, Status: s.Status,
		Calls: s.Calls, Budget: s.Budget, Timeline: tl,
		Links: []string{"summary.json", "written.csv", "rejected.csv"},
	}
	page.Outcomes = append(page.Outcomes,
		report.Outcome{Name: "rows", Count: s.Rows, Class: "plain"},
		report.Outcome{Name: "written", Count: s.Written, Class: "good"},
		report.Outcome{Name: "rejected", Count: s.Rejected, Class: "bad"})
	if s.Uncertain > 0 {
		page.Outcomes = append(page.Outcomes, report.Outcome{Name: "uncertain", Count: s.Uncertain, Class: "warn"})
	}
	if s.Failed > 0 {
		page.Outcomes = append(page.Outcomes, report.Outcome{Name: "failed", Count: s.Failed, Class: "bad"})
	}
	actions := make([]string, 0, len(s.Actions))
	for a := range s.Actions {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		if n := s.Actions[a]; n > 0 {
			page.Outcomes = append(page.Outcomes, report.Outcome{Name: a, Count: n, Class: "plain"})
		}
	}
	if files != nil {
		page.Reasons = files.Reasons
	}
	if note := report.NoFieldsNote(obj); note != "" {
		page.Notes = append(page.Notes, note)
	}
	if s.Message != "" {
		page.Notes = append(page.Notes, s.Message)
	}
	_ = writeFileWith(filepath.Join(dir, "summary.html"), page.WriteHTML)
}
