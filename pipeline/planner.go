package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// planner decides and performs one entity at a time. It holds no entity
// state: each call of process is independent.
type planner struct {
	cfg SyncConfig
	// index, when the planner prefetched the vendor's records, answers
	// first finds without a call.
	index *index
	// recordMu serializes reports: a Reporter is called from one
	// goroutine at a time.
	recordMu sync.Mutex
}

// maxCreateAttempts bounds creates of one entity whose outcome stayed
// unknown and that a Find then did not see.
const maxCreateAttempts = 3

// process plans an entity and, outside a dry run, writes it. A returned
// error is fatal for the run; everything else is in the decision. A
// decision with no Status means the run was interrupted mid-entity.
func (p *planner) process(ctx context.Context, e *entity) (Decision, error) {
	cfg := p.cfg
	sink := cfg.Sink
	obj := sink.Object()
	scope := sink.Scope()
	d := Decision{ID: entityID(e), Rows: e.rows, MergedOn: e.mergedOn, Keys: e.keys, Fields: e.fields}
	if e.knownID != "" {
		// The plan found it unchanged in state: no query, no call.
		d.Action, d.VendorID, d.Status = ActionUnchanged, e.knownID, state.StatusOK
		return d, nil
	}
	hash := ContentHash(e.fields)

	// What state knows: the records the keys name and what was last
	// written to them (the diff's base where the vendor returns no values).
	ids, err := cfg.Store.LookupKeys(ctx, scope, indexKeys(e))
	if err != nil {
		return d, fmt.Errorf("state: %w", err)
	}
	synced := map[string]sinks.Fields{}
	for _, id := range ids {
		rec, ok, err := cfg.Store.Record(ctx, scope, id)
		if err != nil {
			return d, fmt.Errorf("state: %w", err)
		}
		if ok {
			synced[id] = rec.Fields
		}
	}

	var matches []sinks.Record
	switch {
	case obj.CanFind && len(e.keys) > 0 && p.index != nil:
		matches = p.index.find(e.keys) // prefetched: no call
	case obj.CanFind && len(e.keys) > 0:
		matches, err = p.find(ctx, &d, e)
		if err != nil {
			return p.failed(d, err)
		}
	case !obj.CanFind && len(ids) > 0:
		// The vendor cannot find; state knows the record.
		for _, id := range ids {
			matches = append(matches, sinks.Record{ID: id})
		}
	case !obj.CanFind:
		return p.createUnfindable(ctx, d, e, hash)
	}

	sort.Slice(matches, func(i, j int) bool { return lessID(matches[i].ID, matches[j].ID) })
	switch {
	case len(matches) == 0:
		if cfg.Policy.Mode == "update_only" {
			d.Action, d.Status, d.Reason = ActionNotFound, state.StatusSkipped, "not found at the vendor (mode: update_only)"
			return d, nil
		}
		return p.create(ctx, d, e, hash)
	case len(matches) > 1 && cfg.Policy.OnAmbiguous != "first":
		d.Action, d.Status = ActionAmbiguous, state.StatusSkipped
		for _, m := range matches {
			d.Candidates = append(d.Candidates, m.ID)
		}
		d.Reason = fmt.Sprintf("%d vendor records match (%s); not written", len(matches), strings.Join(d.Candidates, ", "))
		if cfg.Policy.OnAmbiguous == "fail" {
			return d, fmt.Errorf("%w: rows %v: %s (on_ambiguous: fail)", ErrAmbiguous, e.rows, d.Reason)
		}
		return d, nil
	}
	if len(matches) > 1 {
		for _, m := range matches {
			d.Candidates = append(d.Candidates, m.ID)
		}
	}
	m := matches[0]
	if cfg.Policy.Mode == "create_only" {
		d.Action, d.VendorID, d.Status, d.Reason = ActionExists, m.ID, state.StatusSkipped, "exists at the vendor (mode: create_only)"
		return d, nil
	}
	d.VendorID = m.ID
	d.Changes = diff(e.fields, m.Fields, synced[m.ID])
	if len(d.Changes) == 0 {
		d.Action, d.Status = ActionUnchanged, state.StatusOK
		p.remember(d, e, hash)
		return d, nil
	}
	d.Action = ActionUpdate
	if cfg.Policy.DryRun {
		d.Status = state.StatusOK
		return d, nil
	}
	if !obj.CanUpdate {
		d.Action, d.Status, d.Reason = ActionExists, state.StatusSkipped, fmt.Sprintf("%s %s cannot be updated at the vendor", obj.Name, m.ID)
		return d, nil
	}
	if aside, ok := p.setAside(d); ok {
		return aside, nil
	}
	changed := sinks.Fields{}
	for _, c := range d.Changes {
		changed[c.Field] = c.New
	}
	d.Calls++
	if err := cfg.Sink.Update(ctx, m.ID, changed); err != nil {
		return p.failed(d, err)
	}
	d.Status = state.StatusOK
	p.remember(d, e, hash)
	return d, nil
}

func (p *planner) find(ctx context.Context, d *Decision, e *entity) ([]sinks.Record, error) {
	d.Calls++
	return p.cfg.Sink.Find(ctx, sinks.Query{Keys: e.keys, Fields: e.fields})
}

// create writes a new record where the vendor can find: a create whose
// outcome is unknown is followed by a Find before any retry.
func (p *planner) create(ctx context.Context, d Decision, e *entity, hash string) (Decision, error) {
	d.Action = ActionCreate
	for name, v := range e.fields {
		d.Changes = append(d.Changes, Change{Field: name, New: v})
	}
	sortChanges(d.Changes)
	if p.cfg.Policy.DryRun {
		d.Status = state.StatusOK
		return d, nil
	}
	if aside, ok := p.setAside(d); ok {
		return aside, nil
	}
	for attempt := 1; ; attempt++ {
		d.Calls++
		rec, err := p.cfg.Sink.Create(ctx, e.fields)
		if err == nil {
			d.VendorID, d.Status = rec.ID, state.StatusOK
			p.remember(d, e, hash)
			return d, nil
		}
		if rec.ID != "" {
			// Created, but not completely (a follow-up call failed): the
			// record exists; what it holds is unknown, so the next run
			// diffs every field and finishes it with an update.
			d.VendorID = rec.ID
			p.rememberUnknown(d, e)
			return p.failed(d, err)
		}
		if !sinks.IsUnknownOutcome(err) || !p.cfg.Sink.Object().CanFind || len(e.keys) == 0 {
			return p.failed(d, err)
		}
		found, ferr := p.find(ctx, &d, e)
		if ferr != nil {
			return p.failed(d, fmt.Errorf("%w; then find failed: %v", err, ferr))
		}
		switch len(found) {
		case 1:
			d.VendorID, d.Status = found[0].ID, state.StatusOK
			p.remember(d, e, hash)
			return d, nil
		case 0:
			if attempt < maxCreateAttempts {
				continue // it was not created: create again
			}
			return p.failed(d, err)
		default:
			ids := make([]string, len(found))
			for i, f := range found {
				ids[i] = f.ID
			}
			d.Action, d.Status, d.Candidates = ActionAmbiguous, state.StatusSkipped, ids
			d.Reason = fmt.Sprintf("after an unanswered create, %d records match (%s)", len(found), strings.Join(ids, ", "))
			return d, nil
		}
	}
}

// createUnfindable writes a record the vendor cannot look up afterwards
// (a call log, a callback): an intent is committed first, so a crash
// after the call leaves an uncertain entity instead of a silent duplicate.
func (p *planner) createUnfindable(ctx context.Context, d Decision, e *entity, hash string) (Decision, error) {
	cfg := p.cfg
	d.Action = ActionCreate
	for name, v := range e.fields {
		d.Changes = append(d.Changes, Change{Field: name, New: v})
	}
	sortChanges(d.Changes)
	id := entityID(e)
	open, err := cfg.Store.OpenIntent(ctx, id, ActionCreate)
	if err != nil {
		return d, fmt.Errorf("state: %w", err)
	}
	if open && cfg.Policy.OnUncertain != "retry" {
		d.Action, d.Status = ActionUncertain, state.StatusUncertain
		d.Reason = "an earlier run sent this record and never saw the answer; it may exist at the vendor (on_uncertain: skip). Check, then run with on_uncertain: retry to send it again"
		return d, nil
	}
	if cfg.Policy.DryRun {
		d.Status = state.StatusOK
		return d, nil
	}
	if aside, ok := p.setAside(d); ok {
		return aside, nil
	}
	if err := cfg.Store.PutIntent(ctx, cfg.RunID, id, ActionCreate, hash); err != nil {
		return d, fmt.Errorf("state: intent: %w", err)
	}
	d.Calls++
	rec, err := cfg.Sink.Create(ctx, e.fields)
	if err != nil && rec.ID != "" {
		// Created, and a follow-up step failed: never send it again.
		d.VendorID = rec.ID
		cfg.State.IntentDone(id, ActionCreate)
		p.remember(d, e, hash)
		d.Status, d.Reason = state.StatusFailed, fmt.Sprintf("created as %s, but a follow-up step failed (not repeated): %v", rec.ID, err)
		return d, nil
	}
	if err != nil {
		if sinks.IsUnknownOutcome(err) {
			d.Action, d.Status = ActionUncertain, state.StatusUncertain
			d.Reason = "sent, but the vendor's answer was lost: " + err.Error()
			return d, nil
		}
		if sinks.ClassOf(err) == sinks.Rejected || sinks.ClassOf(err) == sinks.RateLimited {
			cfg.State.IntentDone(id, ActionCreate) // certainly not written
		}
		return p.failed(d, err)
	}
	d.VendorID, d.Status = rec.ID, state.StatusOK
	cfg.State.IntentDone(id, ActionCreate)
	p.remember(d, e, hash)
	return d, nil
}

// failed turns a vendor error into the entity's decision, or into a fatal
// error when the credentials are refused.
func (p *planner) failed(d Decision, err error) (Decision, error) {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		d.Status = "" // interrupted: no outcome; the next run does it
		return d, nil
	case sinks.ClassOf(err) == sinks.Unauthorized:
		return d, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	case sinks.ClassOf(err) == sinks.Rejected:
		d.Status, d.Reason = state.StatusRejected, err.Error()
	default:
		d.Status, d.Reason = state.StatusFailed, err.Error()
	}
	return d, nil
}

// ActionSetAside is an entity a plan did not foresee as it is now.
const ActionSetAside = "set_aside"

// setAside asks Policy.Approve about a write; ok is true when the entity
// is set aside instead.
func (p *planner) setAside(d Decision) (Decision, bool) {
	if p.cfg.Policy.Approve == nil {
		return d, false
	}
	ok, reason := p.cfg.Policy.Approve(d)
	if ok {
		return d, false
	}
	d.Action, d.Status, d.Reason = ActionSetAside, state.StatusSkipped, reason
	return d, true
}

// knownUnchanged returns the vendor id when state alone settles the
// entity (one known record with the same content), else "".
func (p *planner) knownUnchanged(ctx context.Context, e *entity) (string, error) {
	if p.cfg.Policy.Verify {
		return "", nil
	}
	scope := p.cfg.Sink.Scope()
	ids, err := p.cfg.Store.LookupKeys(ctx, scope, indexKeys(e))
	if err != nil || len(ids) != 1 {
		return "", err
	}
	rec, ok, err := p.cfg.Store.Record(ctx, scope, ids[0])
	if err != nil || !ok || rec.ContentHash != ContentHash(e.fields) {
		return "", err
	}
	return ids[0], nil
}

// rememberUnknown indexes a record whose content is not known.
func (p *planner) rememberUnknown(d Decision, e *entity) {
	if p.cfg.Policy.DryRun || p.cfg.State == nil || d.VendorID == "" {
		return
	}
	p.cfg.State.Entity(state.Entity{Scope: p.cfg.Sink.Scope(), VendorID: d.VendorID, Keys: indexKeys(e), ContentHash: "incomplete",
		Created: d.Action == ActionCreate})
}

// remember queues the index update for a written or confirmed entity.
func (p *planner) remember(d Decision, e *entity, hash string) {
	if p.cfg.Policy.DryRun || p.cfg.State == nil || d.VendorID == "" {
		return
	}
	p.cfg.State.Entity(state.Entity{Scope: p.cfg.Sink.Scope(), VendorID: d.VendorID, Keys: indexKeys(e), ContentHash: hash, Fields: e.fields,
		Created: d.Action == ActionCreate})
}

// record commits the decision's row outcomes and report lines.
func (p *planner) record(e *entity, d Decision) error {
	p.recordMu.Lock()
	defer p.recordMu.Unlock()
	cfg := p.cfg
	for i, row := range e.rows {
		if cfg.Done[row] {
			continue
		}
		o := state.Outcome{Row: row, Status: d.Status, Action: d.Action, VendorID: d.VendorID, Entity: entityID(e), Error: d.Reason}
		if i > 0 && d.Status == state.StatusOK {
			o.Status = state.StatusMerged
			o.Error = fmt.Sprintf("merged into row %d on %s", e.rows[0], e.mergedOn)
		}
		if cfg.State != nil {
			cfg.State.Outcome(o)
		}
		switch d.Status {
		case state.StatusOK:
			cfg.Progress.Written.Add(1)
			if cfg.Reporter != nil {
				action := d.Action
				if i > 0 {
					action = "merged:" + d.Action
				}
				if err := cfg.Reporter.Written(row, action, d.VendorID); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
		case state.StatusRejected:
			cfg.Progress.Rejected.Add(1)
			if cfg.Reporter != nil {
				if err := cfg.Reporter.Rejected(row, e.raws[i], "", d.Reason); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
		}
	}
	return nil
}

// indexKeys are the keys an entity is known by in state: its match keys,
// or, in a job that declares none, its content.
func indexKeys(e *entity) []string {
	if len(e.keys) == 0 {
		return []string{entityID(e)}
	}
	return keyStrings(e.keys)
}

// diff lists the fields whose values differ from what the vendor has
// (where its API returned the record) or else from what was last synced.
// A field neither side knows counts as a change.
func diff(want, vendor, synced sinks.Fields) []Change {
	var out []Change
	for k, v := range want {
		if old, ok := vendor[k]; ok {
			if old != v {
				out = append(out, Change{Field: k, Old: old, New: v, OldKnown: true})
			}
			continue
		}
		if old, ok := synced[k]; ok {
			if old != v {
				out = append(out, Change{Field: k, Old: old, New: v, OldKnown: true})
			}
			continue
		}
		out = append(out, Change{Field: k, New: v})
	}
	sortChanges(out)
	return out
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Field < cs[j].Field })
}

// lessID orders vendor ids numerically when they are numbers.
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
