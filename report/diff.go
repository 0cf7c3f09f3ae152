package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/internal/csvsafe"
	"github.com/leadsync/leadsync/sinks"
)

// DiffSchemaVersion is the version of the diff JSON schema. Fields are
// only ever added; a change that breaks readers bumps it.
const DiffSchemaVersion = 1

// Diff is the dry-run report: what a run would do to every entity. Its
// JSON form is documented in README ("Diff report") and is also the plan
// file that `run --plan` applies.
type Diff struct {
	SchemaVersion int            `json:"schema_version"`
	Job           string         `json:"job"`
	Sink          string         `json:"sink"`  // vendor/object
	Input         string         `json:"input"` // the source file
	InputHash     string         `json:"input_sha256"`
	GeneratedAt   string         `json:"generated_at"` // RFC 3339, UTC
	PIIMasked     bool           `json:"pii_masked"`
	Forecast      Forecast       `json:"forecast"`
	Counts        map[string]int `json:"counts"` // entities by action, plus "rejected_rows"
	Entities      []Entity       `json:"entities"`
	Rejected      []RejectedRow  `json:"rejected"`
	// Sides is set by reconcile: how many entities each side holds.
	Sides *Sides `json:"sides,omitempty"`
	// Notes say what the report cannot show (a vendor whose find returns
	// ids only).
	Notes []string `json:"notes,omitempty"`
}

// Sides counts a reconciliation's two sides.
type Sides struct {
	SourceRows     int  `json:"source_rows"`
	SourceEntities int  `json:"source_entities"`
	TargetRecords  int  `json:"target_records"` // -1 when the target cannot be listed
	TargetListed   bool `json:"target_listed"`
}

// Forecast is the calls the real run needs and their time at the budget.
type Forecast struct {
	Entities  int    `json:"entities"`
	Unchanged int    `json:"unchanged"`
	Calls     int    `json:"calls"`
	Budget    string `json:"budget"`
	Duration  string `json:"duration,omitempty"` // "24m0s"; empty when the budget adapts
}

// Entity is one planned entity.
type Entity struct {
	ID         string   `json:"id"`             // the entity's keys, as the engine names it
	Name       string   `json:"name,omitempty"` // who: the display name from the mapped fields, else the email
	Rows       []int    `json:"rows"`           // the first is the entity's own; others merged into it
	MergedOn   string   `json:"merged_on,omitempty"`
	Action     string   `json:"action"` // create, update, unchanged, ambiguous, rejected, not_found, exists, uncertain
	VendorID   string   `json:"vendor_id,omitempty"`
	Changes    []Change `json:"changes,omitempty"`
	Candidates []string `json:"candidates,omitempty"` // ambiguous: the vendor ids that match
	Reason     string   `json:"reason,omitempty"`
	// PII are the entity's personal values (its PII fields and keys), for
	// MaskPII to find in ids and reasons; never written.
	PII []string `json:"-"`
}

// Change is one field's planned change; Old is empty and OldKnown false
// when the vendor returns no record and nothing was synced before.
type Change struct {
	Field    string `json:"field"`
	Old      string `json:"old"`
	New      string `json:"new"`
	OldKnown bool   `json:"old_known"`
	// OldFrom is where Old came from: "vendor" (read at the vendor) or
	// "synced" (the value leadsync last synced; the vendor's may differ).
	OldFrom string `json:"old_from,omitempty"`
}

// RejectedRow is a row the run would reject before any call.
type RejectedRow struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
	// PII are the row's personal cells, for MaskPII; never written.
	PII []string `json:"-"`
}

// ActionDelete is a mirror job's planned deletion: a record leadsync
// created that the source no longer names (no rows; VendorID says which).
const ActionDelete = "delete"

// Sort orders entities by their first row (planned deletions, which have
// none, last) and fills Counts.
func (d *Diff) Sort() {
	sort.SliceStable(d.Entities, func(i, j int) bool {
		a, b := d.Entities[i], d.Entities[j]
		if (len(a.Rows) == 0) != (len(b.Rows) == 0) {
			return len(b.Rows) == 0
		}
		return firstRow(a) < firstRow(b)
	})
	sort.Slice(d.Rejected, func(i, j int) bool { return d.Rejected[i].Row < d.Rejected[j].Row })
	d.Counts = map[string]int{}
	for _, e := range d.Entities {
		d.Counts[e.Action]++
	}
	if len(d.Rejected) > 0 {
		d.Counts["rejected_rows"] = len(d.Rejected)
	}
}

func firstRow(e Entity) int {
	if len(e.Rows) == 0 {
		return 0
	}
	return e.Rows[0]
}

// MaskPII masks the personal data of the object's PII fields everywhere
// in the diff: field changes (an email keeps its domain,
// "•••@example.fi"; anything else becomes "•••"), entity ids and
// merged_on, reasons of entities and rejected rows (with the values in
// their PII lists, and any quoted value of a PII field's reason).
func (d *Diff) MaskPII(obj sinks.Object) {
	d.PIIMasked = true
	mask := func(field, v string) string {
		if v == "" || !isPII(obj, field) {
			return v
		}
		f, _ := obj.Field(field)
		return MaskValue(f.Type, v)
	}
	for i := range d.Entities {
		e := &d.Entities[i]
		values := e.PII
		for j := range e.Changes {
			c := &e.Changes[j]
			if isPII(obj, c.Field) {
				values = append(values, c.Old, c.New)
			}
			c.Old, c.New = mask(c.Field, c.Old), mask(c.Field, c.New)
		}
		e.ID = MaskKeys(e.ID, values)
		e.Name = maskName(obj, e.Name)
		e.MergedOn = MaskKeys(e.MergedOn, values)
		e.Reason = MaskText(obj, e.Reason, values)
		e.PII = nil
	}
	for i := range d.Rejected {
		r := &d.Rejected[i]
		r.Reason = MaskText(obj, r.Reason, r.PII)
		r.PII = nil
	}
}

// WriteJSON writes the documented JSON form.
func (d *Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// ReadDiff reads a diff (a plan file).
func ReadDiff(r io.Reader) (*Diff, error) {
	var d Diff
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if d.SchemaVersion != DiffSchemaVersion {
		return nil, fmt.Errorf("plan: schema version %d, this leadsync reads %d", d.SchemaVersion, DiffSchemaVersion)
	}
	return &d, nil
}

// CSV columns of the diff: one line per changed field, one line for an
// entity without field changes, one line per rejected row.
var diffCSVHeader = []string{"rows", "action", "vendor_id", "field", "old", "new", "candidates", "merged_on", "reason"}

// WriteCSV writes the diff as CSV, every cell formula-safe.
func (d *Diff) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(diffCSVHeader); err != nil {
		return err
	}
	for _, e := range d.Entities {
		base := []string{joinRows(e.Rows), e.Action, e.VendorID}
		tail := []string{strings.Join(e.Candidates, " "), e.MergedOn, e.Reason}
		if len(e.Changes) == 0 {
			if err := cw.Write(csvsafe.Row(append(append(base, "", "", ""), tail...))); err != nil {
				return err
			}
			continue
		}
		for _, c := range e.Changes {
			old := c.Old
			if !c.OldKnown {
				old = ""
			}
			if err := cw.Write(csvsafe.Row(append(append(append([]string{}, base...), c.Field, old, c.New), tail...))); err != nil {
				return err
			}
		}
	}
	for _, r := range d.Rejected {
		if err := cw.Write(csvsafe.Row([]string{strconv.Itoa(r.Row), "rejected", "", r.Column, "", "", "", "", r.Reason})); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteReviewCSV writes the ambiguous entities for a person to decide:
// the rows, the candidate vendor ids and the reason. Nothing ambiguous is
// ever guessed into a create.
func (d *Diff) WriteReviewCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rows", "keys", "candidates", "reason"})
	for _, e := range d.Entities {
		if e.Action != "ambiguous" {
			continue
		}
		cw.Write(csvsafe.Row([]string{joinRows(e.Rows), e.ID, strings.Join(e.Candidates, " "), e.Reason}))
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes the terminal summary.
func (d *Diff) WriteText(w io.Writer) {
	fmt.Fprintf(w, "diff of job %s -> %s (%s)\n", d.Job, d.Sink, d.Input)
	order := []string{"create", "update", "unchanged", "ambiguous", "not_found", "exists", "uncertain", "rejected", "export", ActionDelete}
	for _, a := range order {
		if n := d.Counts[a]; n > 0 {
			fmt.Fprintf(w, "  %-10s %d\n", a, n)
		}
	}
	if n := d.Counts["rejected_rows"]; n > 0 {
		fmt.Fprintf(w, "  %-10s %d rows (bad values)\n", "rejected", n)
	}
	merged := 0
	for _, e := range d.Entities {
		if len(e.Rows) > 1 {
			merged += len(e.Rows) - 1
		}
	}
	if merged > 0 {
		fmt.Fprintf(w, "  %-10s %d rows merged into other rows' entities\n", "merged", merged)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  %-10s %s\n", "note", n)
	}
	f := d.Forecast
	fmt.Fprintf(w, "  forecast   ~%d calls", f.Calls)
	if f.Duration != "" {
		fmt.Fprintf(w, ": about %s at %s", f.Duration, f.Budget)
	}
	fmt.Fprintln(w)
}

func joinRows(rows []int) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = strconv.Itoa(r)
	}
	return strings.Join(s, " ")
}
