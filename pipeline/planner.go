package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// fixed is the plan's calls that belong to no entity (the listing,
	// the sink's one-time lookups, the credential check).
	fixed int
	// once: an entity that fails is not tried again within the run (a
	// dry run reports the failed read as it is).
	once bool
	// rows is a stream's fast path (sinks.RowCreator), when its columns
	// are the mapping's fields.
	rows sinks.RowCreator
	// count counts a decision in the run's result: the writes', and the
	// plan's for the entities it settles as unchanged.
	count func(Decision)
}

// maxCreateAttempts bounds creates of one entity whose outcome stayed
// unknown and that a Find then did not see.
const maxCreateAttempts = 3

// process plans an entity and, outside a dry run, writes it. A returned
// error is fatal for the run; everything else is in the decision. A
// decision with no Status means the run was interrupted mid-entity.
func (p *planner) process(ctx context.Context, e *entity, attempt int) (Decision, error) {
	cfg := p.cfg
	sink := cfg.Sink
	obj := sink.Object()
	scope := sink.Scope()
	d := Decision{ID: entityID(e), Rows: e.rows, MergedOn: e.mergedOn, Keys: e.keys}
	if e.knownID != "" {
		// The plan found it unchanged in state: no query, no call (and
		// its fields are built for OnDecision alone).
		d.Action, d.VendorID, d.Status = ActionUnchanged, e.knownID, state.StatusOK
		if cfg.OnDecision != nil {
			d.Fields = e.Fields()
		}
		return d, nil
	}
	d.Fields = e.Fields()
	if e.refused != "" {
		// Refused before with this very content: not sent again.
		d.Action, d.Status, d.Reason = ActionRefused, state.StatusRejected, e.refused
		return d, nil
	}
	ctx = sinks.WithEntity(ctx, d.ID)
	hash := e.contentHash()
	flow, isFlow := sinks.As[sinks.Flow](sink)

	// What state knows: the records the keys name and what was last
	// written to them (the diff's base where the vendor returns no values).
	ids, err := cfg.Store.LookupKeys(ctx, scope, indexKeys(e))
	if err != nil {
		return d, fmt.Errorf("state: %w", err)
	}

	var matches []sinks.Record
	switch {
	case isFlow && len(ids) == 0:
		return p.runSteps(ctx, d, e, hash, flow)
	case obj.CanFind && len(e.keys) > 0 && p.index != nil && attempt == 1:
		// Prefetched: no call. A retry never trusts the listing: an
		// earlier attempt may have created the record since.
		own := ""
		if ok, isOwn := sinks.As[sinks.OwnKeyer](sink); isOwn {
			own = ok.OwnKey(ctx, e.Fields())
		}
		matches = p.index.find(e.keys, own)
	case obj.CanFind && len(e.keys) > 0:
		matches, err = p.find(ctx, &d, e)
		if err != nil {
			return p.failed(ctx, d, err)
		}
	case !obj.CanFind && len(ids) > 0:
		// The vendor cannot find; state knows the record.
		for _, id := range ids {
			matches = append(matches, sinks.Record{ID: id})
		}
	case !obj.CanFind:
		return p.runSteps(ctx, d, e, hash, nil)
	}

	if obj.CanFind && len(ids) > 0 {
		if matches, err = p.stateMatches(ctx, scope, e, matches); err != nil {
			return d, fmt.Errorf("state: %w", err)
		}
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
		p.markAmbiguous(d)
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
	synced, err := p.synced(ctx, ids, m, e.Fields())
	if err != nil {
		return d, err
	}
	d.Changes = diff(obj, e.Fields(), m.Fields, synced)
	if len(d.Changes) == 0 {
		d.Action, d.Status = ActionUnchanged, state.StatusOK
		if e.createSent && len(matches) == 1 {
			d.Action = ActionCreate // an earlier attempt's create, found whole
		}
		p.remember(d, e, hash)
		return d, nil
	}
	d.Action = ActionUpdate
	if e.createSent && len(matches) == 1 {
		d.Action = ActionCreate // an earlier attempt's create, finished now
	}
	if !obj.CanUpdate {
		d.Action, d.Status, d.Reason = ActionExists, state.StatusSkipped, fmt.Sprintf("%s %s cannot be updated at the vendor", obj.Name, m.ID)
		return d, nil
	}
	if aside, ok := p.setAside(d); ok {
		return aside, nil
	}
	if err := p.update(ctx, &d, d.Changes); err != nil {
		return p.failed(ctx, d, err)
	}
	d.Status = state.StatusOK
	p.remember(d, e, hash)
	return d, nil
}

// synced is what was last written to the matched record, read (and
// decoded) from state only when the diff needs it: when the vendor did
// not return every field the entity has, and state indexes the record.
func (p *planner) synced(ctx context.Context, ids []string, m sinks.Record, want sinks.Fields) (sinks.Fields, error) {
	covered := true
	for k := range want {
		if _, ok := m.Fields[k]; !ok {
			covered = false
			break
		}
	}
	if covered || !slices.Contains(ids, m.ID) {
		return nil, nil
	}
	rec, ok, err := p.cfg.Store.Record(ctx, p.cfg.Sink.Scope(), m.ID)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if !ok {
		return nil, nil
	}
	return rec.Fields, nil
}

// update sends the changed fields of d's record.
func (p *planner) update(ctx context.Context, d *Decision, changes []Change) error {
	changed := sinks.Fields{}
	for _, c := range changes {
		changed[c.Field] = c.New
	}
	d.Calls++
	return p.cfg.Sink.Update(ctx, d.VendorID, changed)
}

// complete finishes a record the create made: what the vendor holds after
// it (have) is compared with what the entity wants, and the rest is sent
// with one Update. have nil with known true means the create set
// everything; with known false (a record found after a lost answer, from
// a vendor that returns ids only) nothing is known, so every field is
// sent: Update is idempotent.
func (p *planner) complete(ctx context.Context, d *Decision, e *entity, have sinks.Fields, known bool) error {
	if have == nil && known {
		return nil
	}
	obj := p.cfg.Sink.Object()
	var missing []Change
	for _, c := range diff(obj, e.Fields(), have, nil) {
		if f, ok := obj.Field(c.Field); ok && isKeyField(obj, f.Name) && have == nil {
			continue // found by it: the record has it
		}
		missing = append(missing, c)
	}
	if len(missing) == 0 {
		return nil
	}
	if !obj.CanUpdate {
		return nil
	}
	return p.update(ctx, d, missing)
}

func isKeyField(obj sinks.Object, name string) bool {
	for _, k := range obj.Keys {
		if k == name {
			return true
		}
	}
	return false
}

func (p *planner) find(ctx context.Context, d *Decision, e *entity) ([]sinks.Record, error) {
	d.Calls++
	return p.cfg.Sink.Find(ctx, sinks.Query{Keys: e.keys, Fields: e.Fields()})
}

// create writes a new record where the vendor can find: a create whose
// outcome is unknown is followed by a Find before any retry.
func (p *planner) create(ctx context.Context, d Decision, e *entity, hash string) (Decision, error) {
	d.Action = ActionCreate
	for name, v := range e.Fields() {
		d.Changes = append(d.Changes, Change{Field: name, New: v})
	}
	sortChanges(d.Changes)
	if aside, ok := p.setAside(d); ok {
		return aside, nil
	}
	for attempt := 1; ; attempt++ {
		d.Calls++
		rec, err := p.cfg.Sink.Create(ctx, e.Fields())
		if err == nil {
			d.VendorID = rec.ID
			if err := p.complete(ctx, &d, e, rec.Fields, true); err != nil {
				// The record exists but is not finished: the next attempt
				// (in this run) finds it and sends what is missing.
				e.createSent = true
				p.rememberUnknown(d, e)
				return p.failed(ctx, d, fmt.Errorf("created %s, but completing it failed: %w", rec.ID, err))
			}
			d.Status = state.StatusOK
			p.remember(d, e, hash)
			return d, nil
		}
		if !sinks.IsUnknownOutcome(err) || !p.cfg.Sink.Object().CanFind || len(e.keys) == 0 {
			return p.failed(ctx, d, err)
		}
		e.createSent = true
		found, ferr := p.find(ctx, &d, e)
		if ferr != nil {
			return p.failed(ctx, d, fmt.Errorf("%w; then find failed: %v", err, ferr))
		}
		switch len(found) {
		case 1:
			// The lost create happened: finish it, never create again.
			d.VendorID = found[0].ID
			if err := p.complete(ctx, &d, e, found[0].Fields, false); err != nil {
				p.rememberUnknown(d, e)
				return p.failed(ctx, d, fmt.Errorf("created %s (its answer was lost), but completing it failed: %w", d.VendorID, err))
			}
			d.Status = state.StatusOK
			p.remember(d, e, hash)
			return d, nil
		case 0:
			e.createSent = false // it was not created
			if attempt < maxCreateAttempts {
				continue // create again
			}
			return p.failed(ctx, d, err)
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

// createStep is the one step of a write the vendor cannot look up
// afterwards (a call log, a callback): Sink.Create, not idempotent.
var createStep = sinks.Step{Name: "create"}

// runSteps writes an entity the vendor cannot look up, or whose write is
// a Flow of several calls. Each step's intent is committed right before
// its call leaves (sinks.BeforeWrite, after the budget admitted it) and
// its result as soon as it is in, so after a lost answer, a failure or a
// kill the write resumes at the first step not known to be done: an
// idempotent step is sent again, a verifiable one checked, any other is
// uncertain (sent, answer lost: it may have happened). A step is never
// sent twice otherwise.
func (p *planner) runSteps(ctx context.Context, d Decision, e *entity, hash string, flow sinks.Flow) (Decision, error) {
	cfg := p.cfg
	scope := cfg.Sink.Scope()
	d.Action = ActionCreate
	for name, v := range e.Fields() {
		d.Changes = append(d.Changes, Change{Field: name, New: v})
	}
	sortChanges(d.Changes)
	steps := []sinks.Step{createStep}
	if flow != nil {
		steps = flow.Steps(e.Fields())
	}
	known, err := cfg.Store.Steps(ctx, scope, d.ID)
	if err != nil {
		return d, fmt.Errorf("state: %w", err)
	}
	done := map[string]string{}
	primary := ""
	approved := false
	for _, st := range steps {
		if primary == "" && (!st.Idempotent || st.Name == steps[len(steps)-1].Name) {
			primary = st.Name
		}
		k := known[st.Name]
		if k.State == state.StepDone {
			done[st.Name] = k.Result
			continue
		}
		if k.State == state.StepSent {
			switch {
			case st.Idempotent:
				// Sent before, answer unknown: sending it again is harmless.
			case st.Verifiable && flow != nil:
				d.Calls++
				res, happened, err := flow.Verify(ctx, st.Name, e.Fields(), done)
				if err != nil {
					return p.failed(ctx, d, fmt.Errorf("checking whether step %q happened: %w", st.Name, err))
				}
				if happened {
					if err := p.markStep(ctx, d.ID, st.Name, state.StepDone, res, hash); err != nil {
						return d, err
					}
					done[st.Name] = res
					continue
				}
			case cfg.Policy.OnUncertain == "retry":
			default:
				d.Action, d.Status = ActionUncertain, state.StatusUncertain
				d.Reason = uncertainReason(st.Name, len(steps), k.RunID, cfg.RunID)
				return d, nil
			}
		}
		if !approved {
			if aside, ok := p.setAside(d); ok {
				return aside, nil
			}
			approved = true
		}
		sent := false
		sctx := sinks.WithBeforeWrite(ctx, func() error {
			sent = true
			return p.markStep(ctx, d.ID, st.Name, state.StepSent, "", hash)
		})
		d.Calls++
		var res string
		if flow != nil {
			res, err = flow.Do(sctx, st.Name, e.Fields(), done)
			var amb *sinks.AmbiguousError
			if errors.As(err, &amb) {
				if cfg.Policy.OnAmbiguous != "first" {
					d.Action, d.Status, d.Candidates = ActionAmbiguous, state.StatusSkipped, amb.Candidates
					d.Reason = fmt.Sprintf("step %q: %v; not written", st.Name, amb)
					p.markAmbiguous(d)
					if cfg.Policy.OnAmbiguous == "fail" {
						return d, fmt.Errorf("%w: rows %v: %s (on_ambiguous: fail)", ErrAmbiguous, e.rows, d.Reason)
					}
					return d, nil
				}
				d.Candidates = amb.Candidates
				d.Calls++
				res, err = flow.Do(sinks.WithPickFirst(sctx), st.Name, e.Fields(), done)
			}
		} else {
			var rec sinks.Record
			rec, err = cfg.Sink.Create(sctx, e.Fields())
			res = rec.ID
		}
		if errors.Is(err, sinks.ErrStepSkipped) {
			err, res = nil, ""
		}
		if err != nil {
			if sinks.IsUnknownOutcome(err) && sent && !st.Idempotent && !st.Verifiable {
				d.Action, d.Status = ActionUncertain, state.StatusUncertain
				d.Reason = fmt.Sprintf("step %q was sent, but the vendor's answer was lost: it may have happened, so it is not sent again (on_uncertain: skip): %v", st.Name, err)
				return d, nil
			}
			if sent && !sinks.IsUnknownOutcome(err) {
				// Refused, or answered as not done: nothing happened.
				if cerr := cfg.Store.ClearStep(context.WithoutCancel(ctx), scope, d.ID, st.Name); cerr != nil {
					return d, fmt.Errorf("state: %w", cerr)
				}
			}
			if len(done) > 0 {
				err = fmt.Errorf("step %q failed (done: %s): %w", st.Name, doneList(steps, done), err)
			}
			return p.failed(ctx, d, err)
		}
		if err := p.markStep(ctx, d.ID, st.Name, state.StepDone, res, hash); err != nil {
			return d, err
		}
		done[st.Name] = res
	}
	d.Status = state.StatusOK
	d.VendorID = done[primary]
	// A write whose steps return no id is known in state by its entity.
	d.entityNamed = d.VendorID == ""
	p.remember(d, e, hash)
	return d, nil
}

func (p *planner) markStep(ctx context.Context, entity, step, st, result, hash string) error {
	if p.cfg.State == nil {
		return nil // no state writer: state is only read (a dry run)
	}
	// Recorded even when the run is being stopped: the call happened.
	ctx = context.WithoutCancel(ctx)
	if err := p.cfg.Store.MarkStep(ctx, p.cfg.RunID, p.cfg.Sink.Scope(), entity, step, state.Step{State: st, Result: result, Hash: hash}); err != nil {
		return fmt.Errorf("state: step %s: %w", step, p.cfg.Store.Fault(err))
	}
	return nil
}

func uncertainReason(step string, steps int, sentIn, now int64) string {
	what := "this record"
	if steps > 1 {
		what = fmt.Sprintf("step %q of this write", step)
	}
	when := "an earlier attempt"
	if sentIn != now {
		when = fmt.Sprintf("run %d", sentIn)
	}
	return fmt.Sprintf("%s sent %s and never saw the answer; it may exist at the vendor, so it is not sent again (on_uncertain: skip). Check, then run with on_uncertain: retry to send it again", when, what)
}

func doneList(steps []sinks.Step, done map[string]string) string {
	var out []string
	for _, st := range steps {
		if r, ok := done[st.Name]; ok {
			if r != "" {
				out = append(out, st.Name+" "+r)
			} else {
				out = append(out, st.Name+" (not needed)")
			}
		}
	}
	return strings.Join(out, ", ")
}

// failed turns a vendor error into the entity's decision, or into a fatal
// error when the credentials are refused. Only the run's own context
// ending is an interruption (no outcome; the next run does it): an HTTP
// client's timeout is also a context.DeadlineExceeded, but it is a failed
// call, tried again like any other.
func (p *planner) failed(ctx context.Context, d Decision, err error) (Decision, error) {
	d.cause = err
	switch {
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		d.Status = "" // interrupted: no outcome; the next run does it
		return d, nil
	case state.IsFault(err):
		return d, err // leadsync's own file failed, not the row: the run stops
	case sinks.ClassOf(err) == sinks.Unauthorized:
		return d, sinks.Refused(sinks.SideSink, err)
	case sinks.ClassOf(err) == sinks.Rejected:
		d.Status, d.Reason = state.StatusRejected, err.Error()
		p.refuse(d, err)
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

// knownUnchanged returns, for each entity, the vendor id when state
// alone settles it (one known record with the same content), else "".
// State answers for all of them in batched queries that read hashes
// only, never the records' fields.
func (p *planner) knownUnchanged(ctx context.Context, ents []*entity) ([]string, error) {
	out := make([]string, len(ents))
	if p.cfg.Policy.Verify || len(ents) == 0 {
		return out, nil
	}
	keys := make([][]string, len(ents))
	hashes := make([]string, len(ents))
	for i, e := range ents {
		keys[i] = indexKeys(e)
		hashes[i] = e.contentHash()
	}
	return p.cfg.Store.Unchanged(ctx, p.cfg.Sink.Scope(), keys, hashes)
}

// stateMatches adds to the vendor's matches the records state's index
// names by the entity's keys that the vendor's find cannot search
// (sinks.KeyFinder: LeadDesk e-mails). Leadsync wrote those records with
// that key; without them a person whose phone changed would be created
// again. A record found both ways counts once; one found each way is
// two, and the entity ambiguous.
func (p *planner) stateMatches(ctx context.Context, scope string, e *entity, matches []sinks.Record) ([]sinks.Record, error) {
	kf, ok := sinks.As[sinks.KeyFinder](p.cfg.Sink)
	if !ok {
		return matches, nil
	}
	var blind []sinks.Key
	for _, k := range e.keys {
		if !kf.FindsBy(k.Kind) {
			blind = append(blind, k)
		}
	}
	if len(blind) == 0 {
		return matches, nil
	}
	ids, err := p.cfg.Store.LookupKeys(ctx, scope, keyStrings(blind))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(matches, func(m sinks.Record) bool { return m.ID == id }) {
			matches = append(matches, sinks.Record{ID: id})
		}
	}
	return matches, nil
}

// rememberUnknown indexes a record whose content is not known.
func (p *planner) rememberUnknown(d Decision, e *entity) {
	if p.cfg.State == nil || d.VendorID == "" {
		return
	}
	p.cfg.State.Entity(state.Entity{Scope: p.cfg.Sink.Scope(), VendorID: d.VendorID, Keys: indexKeys(e), ContentHash: "incomplete",
		Created: d.Action == ActionCreate})
}

// refuse remembers that the vendor refused the entity with this content,
// so an unchanged re-run reports it again without a call.
func (p *planner) refuse(d Decision, err error) {
	if p.cfg.State == nil {
		return
	}
	p.cfg.State.Refusal(state.Refusal{Scope: p.cfg.Sink.Scope(), Entity: d.ID, ContentHash: ContentHash(d.Fields), Reason: err.Error()})
}

// ambiguousMark starts the reason of a remembered ambiguity: kept with
// the refusals (by entity and content), it is no refusal; it tells the
// next run's forecast that this entity costs its finds and no write.
const ambiguousMark = "ambiguous, remembered for the forecast: "

// markAmbiguous remembers that the vendor held several matches for the
// entity's content (a success later forgets it, as it does a refusal).
func (p *planner) markAmbiguous(d Decision) {
	if p.cfg.Policy.DryRun || p.cfg.State == nil {
		return
	}
	p.cfg.State.Refusal(state.Refusal{Scope: p.cfg.Sink.Scope(), Entity: d.ID, ContentHash: ContentHash(d.Fields), Reason: ambiguousMark + d.Reason})
}

// remember queues the index update for a written or confirmed entity.
func (p *planner) remember(d Decision, e *entity, hash string) {
	id := d.recordedID()
	if p.cfg.State == nil || id == "" {
		return
	}
	var values sinks.Fields
	if keepValues(p.cfg.Policy.StateValues) {
		values = e.Fields()
	}
	p.cfg.State.Entity(state.Entity{Scope: p.cfg.Sink.Scope(), VendorID: id, Keys: indexKeys(e), ContentHash: hash, Fields: values,
		Created: d.Action == ActionCreate})
	if e.wasRefused {
		p.cfg.State.Refusal(state.Refusal{Scope: p.cfg.Sink.Scope(), Entity: d.ID})
	}
}

// record commits the decision's row outcomes and report lines.
func (p *planner) record(e *entity, d Decision) error {
	p.recordMu.Lock()
	defer p.recordMu.Unlock()
	cfg := p.cfg
	for i, row := range e.rows {
		if cfg.Done.Has(row) {
			continue
		}
		o := state.Outcome{Row: row, Status: d.Status, Action: d.Action, VendorID: d.recordedID(), Entity: d.ID, Error: d.Reason}
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
		case state.StatusRejected:
			cfg.Progress.Rejected.Add(1)
		}
		if err := reportOutcome(cfg.Reporter, o, e.raws[i]); err != nil {
			return err
		}
	}
	return nil
}

// indexKeys are the keys an entity is known by in state: its match keys,
// or, in a job that declares none, its content.
func indexKeys(e *entity) []string {
	if e.ikeys == nil {
		if len(e.keys) == 0 {
			e.ikeys = []string{entityID(e)}
		} else {
			e.ikeys = keyStrings(e.keys)
		}
	}
	return e.ikeys
}

// diff lists the fields whose values differ from what the vendor has
// (where its API returned the record) or else from what was last synced.
// A field neither side knows counts as a change.
func diff(obj sinks.Object, want, vendor, synced sinks.Fields) []Change {
	var out []Change
	for k, v := range want {
		f, _ := obj.Field(k)
		if old, ok := vendor[k]; ok {
			if !f.Equal(old, v) {
				out = append(out, Change{Field: k, Old: old, New: v, OldKnown: true, OldFrom: OldFromVendor})
			}
			continue
		}
		if old, ok := synced[k]; ok {
			if !f.Equal(old, v) {
				out = append(out, Change{Field: k, Old: old, New: v, OldKnown: true, OldFrom: OldFromSynced})
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
