package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/state"
)

// Plan is the planner's forecast before the first write: how many
// entities need the vendor, and the calls that takes.
type Plan struct {
	Entities  int // after grouping
	Known     int // unchanged by state: no call
	Refused   int // refused before with the same content: no call
	Uncertain int // sent before, answer lost, not resent (on_uncertain: skip): no call
	NeedFind  int // entities the vendor must be asked about
	ListPages int // when the planner lists everything instead (0: it does not)
	// Calls is the estimate: lookups (finds or list pages) plus one write
	// per entity that may need one. Multi-call writes (a Tiledesk create
	// and its PUT, a LionDesk lead submission) cost more.
	Calls int
	// Writes is the forecast write calls (Flow steps and sinks.Coster
	// costs included); Check is the credential check (1 when the plan
	// needs any call).
	Writes int
	Check  int
	// Finds is the calls the finds take (several keys may cost a find
	// each; none where the listing answers them).
	Finds int
	// Lookups is the sink's one-time reads (sinks.LookupCoster: lead
	// routes, source ids, a caller's lead by phone).
	Lookups int
}

// NeedsCalls reports whether any entity needs the vendor: a plan that
// state settles entirely makes no call, not even the credential check.
func (pl Plan) NeedsCalls() bool { return pl.Known+pl.Refused+pl.Uncertain < pl.Entities }

// createCost is the calls a create of e is expected to take: a
// sinks.Coster's declared cost (it knows which steps apply), else a
// Flow's steps, else one call.
func (p *planner) createCost(e *entity) int {
	if c, ok := sinks.As[sinks.Coster](p.cfg.Sink); ok {
		if n := c.CreateCalls(e.Fields()); n > 0 {
			return n
		}
	}
	if fl, ok := sinks.As[sinks.Flow](p.cfg.Sink); ok {
		if n := len(fl.Steps(e.Fields())); n > 0 {
			return n
		}
	}
	return 1
}

// updateCost is the calls an update of the changed fields takes.
func (p *planner) updateCost(changes []Change) int {
	if len(changes) == 0 {
		return 0
	}
	if c, ok := sinks.As[sinks.Coster](p.cfg.Sink); ok {
		changed := sinks.Fields{}
		for _, ch := range changes {
			changed[ch.Field] = ch.New
		}
		return c.UpdateCalls(changed)
	}
	return 1
}

// findCost is the calls a find of e takes (a sinks.FindCoster's, else 1).
func (p *planner) findCost(e *entity) int {
	if c, ok := sinks.As[sinks.FindCoster](p.cfg.Sink); ok {
		return c.FindCalls(sinks.Query{Keys: e.keys, Fields: e.Fields()})
	}
	return 1
}

// stateRecords is what state says was last written to the records e's keys
// name, by vendor id.
func (p *planner) stateRecords(ctx context.Context, e *entity) (map[string]sinks.Fields, []string, error) {
	scope := p.cfg.Sink.Scope()
	ids, err := p.cfg.Store.LookupKeys(ctx, scope, indexKeys(e))
	if err != nil {
		return nil, nil, err
	}
	out := map[string]sinks.Fields{}
	for _, id := range ids {
		rec, ok, err := p.cfg.Store.Record(ctx, scope, id)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			out[id] = rec.Fields
		}
	}
	return out, ids, nil
}

// entityCost forecasts the calls of one entity that state does not
// settle: its finds (none where the prefetched listing answers them) and
// its writes. With a listing the decision is known already (create,
// update of the changed fields, unchanged, ambiguous); without one a
// found record is expected to need an update, a new one a create.
func (p *planner) entityCost(ctx context.Context, e *entity) (finds, writes int, err error) {
	cfg := p.cfg
	obj := cfg.Sink.Object()
	findable := obj.CanFind && len(e.keys) > 0
	flow, isFlow := sinks.As[sinks.Flow](cfg.Sink)
	if e.ambiguous {
		// Found ambiguous before with this content: the finds again (a
		// flow's first), no write.
		if findable && !isFlow {
			return p.findCost(e), 0, nil
		}
		return 0, 1, nil
	}
	synced, ids, err := p.stateRecords(ctx, e)
	if err != nil {
		return 0, 0, err
	}
	if isFlow && len(ids) == 0 || !obj.CanFind && len(ids) == 0 {
		return 0, p.stepsCost(ctx, e, flow), nil
	}
	var matches []sinks.Record
	switch {
	case findable && p.index != nil:
		own := ""
		if ok, isOwn := sinks.As[sinks.OwnKeyer](cfg.Sink); isOwn {
			own = ok.OwnKey(sinks.WithEntity(ctx, entityID(e)), e.Fields())
		}
		matches = p.index.find(e.keys, own)
	case findable:
		finds = p.findCost(e)
		if len(ids) == 0 {
			if cfg.Policy.Mode == "update_only" {
				return finds, 0, nil
			}
			return finds, p.createCost(e), nil
		}
		for _, id := range ids {
			matches = append(matches, sinks.Record{ID: id})
		}
	default:
		for _, id := range ids {
			matches = append(matches, sinks.Record{ID: id})
		}
	}
	sort.Slice(matches, func(i, j int) bool { return lessID(matches[i].ID, matches[j].ID) })
	switch {
	case len(matches) == 0:
		if cfg.Policy.Mode == "update_only" {
			return finds, 0, nil
		}
		return finds, p.createCost(e), nil
	case len(matches) > 1 && cfg.Policy.OnAmbiguous != "first", cfg.Policy.Mode == "create_only", !obj.CanUpdate:
		return finds, 0, nil
	}
	m := matches[0]
	return finds, p.updateCost(diff(obj, e.Fields(), m.Fields, synced[m.ID])), nil
}

// stepsCost is the calls of a write that runs as steps (a Flow, or the
// one create of an object the vendor cannot look up), given what state
// knows of its steps: done steps cost nothing, a sent verifiable step
// one check, and a sent step that may not be sent again ends the write
// uncertain.
func (p *planner) stepsCost(ctx context.Context, e *entity, flow sinks.Flow) int {
	known, err := p.cfg.Store.Steps(ctx, p.cfg.Sink.Scope(), entityID(e))
	if err != nil || len(known) == 0 {
		return p.createCost(e)
	}
	steps := []sinks.Step{createStep}
	if flow != nil {
		steps = flow.Steps(e.Fields())
	}
	n := 0
	for _, st := range steps {
		switch k := known[st.Name]; {
		case k.State == state.StepDone:
		case k.State == state.StepSent && st.Verifiable && flow != nil:
			n++ // assumed to have happened
		case k.State == state.StepSent && !st.Idempotent && p.cfg.Policy.OnUncertain != "retry":
			return n
		default:
			n++
		}
	}
	return n
}

// String reads like "needs ~2,410 calls (1,205 finds + up to 1,205 writes)".
func (p Plan) String() string {
	look := fmt.Sprintf("%d finds", p.Finds)
	if p.ListPages > 0 {
		look = fmt.Sprintf("%d list pages instead of %d finds", p.ListPages, p.NeedFind)
	}
	check := ""
	if p.Check > 0 {
		check = " + 1 credential check"
	}
	if p.Lookups > 0 {
		check = fmt.Sprintf(" + %d lookups", p.Lookups) + check
	}
	return fmt.Sprintf("%d entities, %d unchanged by state; needs ~%d calls (%s + up to %d writes%s)", p.Entities, p.Known, p.Calls, look, p.Writes, check)
}

// index is a prefetched listing of the vendor's records by match key.
type index struct {
	mu    sync.Mutex
	byKey map[string][]sinks.Record
}

// ownPrefix keys the index by a sink's own stamp (sinks.OwnKeyer).
const ownPrefix = "own:"

// find returns the records with any of keys, or with the entity's own
// stamp (own, "" for none).
func (ix *index) find(keys []sinks.Key, own string) []sinks.Record {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var out []sinks.Record
	seen := map[string]bool{}
	names := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		names = append(names, k.Kind+":"+k.Value)
	}
	if own != "" {
		names = append(names, ownPrefix+own)
	}
	for _, k := range names {
		for _, r := range ix.byKey[k] {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// planBatch entities are looked up in state at a time, planLookups
// batches at once.
const (
	planBatch   = 1024
	planLookups = 2
)

// errLookupFailed stops reading for the plan once a batch's lookup or
// settling failed.
var errLookupFailed = errors.New("plan: a state lookup failed")

// lookedUp is a batch's knownUnchanged answer.
type lookedUp struct {
	ids []string
	err error
}

// plan checks state for every entity (no call), then decides whether
// listing the vendor's records costs fewer calls than one find per
// entity; when it does, it lists them into an index. It passes over the
// grouped entities once for state and, when some need calls, once more
// for their costs; what it learns of each is in g.facts for the writes.
func (p *planner) plan(ctx context.Context, g *grouping, res *SyncResult, region string) (Plan, error) {
	var pl Plan
	scope := p.cfg.Sink.Scope()
	facts, err := g.newFacts()
	if err != nil {
		return pl, err
	}
	todo := 0 // entities that may need a call
	// The state lookups of a batch run while the next batches are read
	// (planLookups at a time, each on a connection of its own); the
	// batches are settled in their order, as the facts file needs.
	type looked struct {
		batch []*entity
		known chan lookedUp
	}
	queue := make(chan looked, planLookups)
	var failed atomic.Bool
	settled := make(chan error, 1)
	go func() {
		var err error
		for lk := range queue {
			r := <-lk.known
			if err != nil {
				continue // drain
			}
			if err = r.err; err != nil {
				continue
			}
			for i, e := range lk.batch {
				if err = p.settle(ctx, e, r.ids[i], scope, &pl); err == nil {
					if e.knownID != "" {
						// Unchanged: decided now, and no later pass
						// reads it again.
						err = p.unchanged(e)
						g.settle(e.group)
					} else {
						err = facts.put(e)
					}
				}
				if err != nil {
					failed.Store(true)
					break
				}
				if e.todo {
					todo++
				}
			}
		}
		settled <- err
	}()
	sem := make(chan struct{}, planLookups)
	send := func(batch []*entity) {
		lk := looked{batch: batch, known: make(chan lookedUp, 1)}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			ids, err := p.knownUnchanged(ctx, batch)
			if err != nil {
				failed.Store(true)
			}
			lk.known <- lookedUp{ids, err}
		}()
		queue <- lk
	}
	batch := make([]*entity, 0, planBatch)
	err = g.each(ctx, true, res, func(e *entity) error {
		if failed.Load() {
			return errLookupFailed // the settled error says why
		}
		pl.Entities++
		if batch = append(batch, e); len(batch) == planBatch {
			send(batch)
			batch = make([]*entity, 0, planBatch)
		}
		return nil
	})
	if len(batch) > 0 {
		send(batch)
	}
	close(queue)
	if serr := <-settled; serr != nil && (err == nil || errors.Is(err, errLookupFailed)) {
		err = serr
	}
	if err == nil {
		err = g.finish(facts)
	}
	if err != nil {
		facts.Close()
		return pl, err
	}
	listCalls, err := p.prefetch(ctx, &pl, region)
	if err != nil {
		return pl, err
	}
	if todo > 0 {
		if err := p.costs(ctx, g, res, &pl); err != nil {
			return pl, err
		}
	}
	pl.Calls = listCalls + pl.Finds + pl.Writes + pl.Lookups
	if _, checks := sinks.As[sinks.Checker](p.cfg.Sink); checks && p.cfg.Check != nil && pl.NeedsCalls() { // as Sync checks
		pl.Check = 1
		pl.Calls++
	}
	p.fixed = pl.Calls - pl.Finds - pl.Writes
	return pl, nil
}

// unchanged records the decision of an entity state settles as
// unchanged, as a write worker would (no query, no call).
func (p *planner) unchanged(e *entity) error {
	d, err := p.process(context.Background(), e, 1)
	if err != nil {
		return err
	}
	d.Attempts = 1
	if err := p.record(e, d); err != nil {
		return err
	}
	p.count(d)
	if p.cfg.OnDecision != nil {
		p.cfg.OnDecision(d)
	}
	return nil
}

// settle decides what state alone says of an entity: unchanged (known is
// its vendor id), refused before with this very content, left uncertain
// by an earlier run; else it is todo, and may need calls.
func (p *planner) settle(ctx context.Context, e *entity, known, scope string, pl *Plan) error {
	e.knownID = known
	if known != "" {
		pl.Known++
		return nil
	}
	ref, ok, err := p.cfg.Store.Refusal(ctx, scope, entityID(e))
	if err != nil {
		return err
	}
	if ok && ref.ContentHash == e.contentHash() && strings.HasPrefix(ref.Reason, ambiguousMark) {
		e.ambiguous = true // for the forecast only
	} else if ok && ref.ContentHash == e.contentHash() && !p.cfg.Policy.RetryRejected {
		e.refused = fmt.Sprintf("refused by the vendor in run %d, and unchanged since, so not sent again (run --retry-rejected to send it): %s", ref.RunID, ref.Reason)
		pl.Refused++
		return nil
	}
	e.wasRefused = ok
	if p.cfg.Sink.Object().CanFind && len(e.keys) > 0 {
		pl.NeedFind++
	}
	left, err := p.leftUncertain(ctx, e)
	if err != nil {
		return err
	}
	if left {
		pl.Uncertain++
		return nil
	}
	e.todo = true
	return nil
}

// prefetch lists the vendor's records into the index when that costs
// fewer calls than the plan's finds, and returns the listing's calls.
func (p *planner) prefetch(ctx context.Context, pl *Plan, region string) (int, error) {
	lister, ok := sinks.As[sinks.Lister](p.cfg.Sink)
	if !ok || pl.NeedFind <= 1 {
		return 0, nil
	}
	cost, err := lister.ListCost(ctx)
	if err != nil || cost >= pl.NeedFind {
		return 0, nil
	}
	// Every match key of the job is a find key: a record found by any of
	// them (phone on Tiledesk, not only the schema's e-mail and lead_id)
	// is a match.
	ix := &index{byKey: map[string][]sinks.Record{}}
	names, kinds := p.cfg.Mapping.KeyFields()
	own, _ := sinks.As[sinks.OwnKeyer](p.cfg.Sink)
	pages, err := lister.List(ctx, func(r sinks.Record) error {
		for i, name := range names {
			if key, ok := keys.Key(kinds[i], r.Fields[name], region); ok {
				ix.byKey[key] = append(ix.byKey[key], r)
			}
		}
		if own != nil {
			if v := r.Fields[own.OwnKeyField()]; v != "" {
				ix.byKey[ownPrefix+v] = append(ix.byKey[ownPrefix+v], r)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	p.index = ix
	pl.ListPages = pages
	return cost + 1, nil // the count, then the pages
}

// costs forecasts the calls of every todo entity (a second pass), into
// pl and the entities' facts.
func (p *planner) costs(ctx context.Context, g *grouping, res *SyncResult, pl *Plan) error {
	facts, err := g.newFacts()
	if err != nil {
		return err
	}
	lc, hasLookups := sinks.As[sinks.LookupCoster](p.cfg.Sink)
	pr, prepares := sinks.As[sinks.Preparer](p.cfg.Sink)
	names := map[string]int{} // writes naming each lookup
	max := map[string]int{}
	err = g.each(ctx, false, res, func(e *entity) error {
		if err := g.facts.get(e); err != nil {
			return err
		}
		if !e.todo {
			return facts.put(e)
		}
		var before []sinks.Lookup
		if hasLookups {
			before = lc.Lookups(e.Fields())
		}
		if prepares {
			// The reads the first write would make, now: the costs
			// depend on them.
			if err := pr.Prepare(sinks.WithEntity(ctx, entityID(e)), e.Fields()); err != nil && (sinks.ClassOf(err) == sinks.Unauthorized || ctx.Err() != nil) {
				return err
			}
		}
		finds, writes, err := p.entityCost(ctx, e)
		if err != nil {
			return err
		}
		e.cost = finds + writes
		pl.Finds += finds
		pl.Writes += writes
		if hasLookups && (writes > 0 || prepares) {
			seen := map[string]bool{}
			for _, l := range append(before, lc.Lookups(e.Fields())...) {
				if !seen[l.Name] {
					seen[l.Name] = true
					names[l.Name]++
					max[l.Name] = l.Max
				}
			}
		}
		return facts.put(e)
	})
	if err == nil {
		err = g.finish(facts)
	}
	if err != nil {
		facts.Close()
		return err
	}
	for name, n := range names {
		switch m := max[name]; {
		case m < 0:
			pl.Lookups += n
		case m == 0:
			pl.Lookups++
		default:
			pl.Lookups += min(n, m)
		}
	}
	return nil
}

// leftUncertain reports an entity a single-call unfindable write left
// uncertain (sent, answer lost) that this run will not send again: it
// costs no call. (A Flow may still verify its steps: not counted.)
func (p *planner) leftUncertain(ctx context.Context, e *entity) (bool, error) {
	if p.cfg.Sink.Object().CanFind || p.cfg.Policy.OnUncertain == "retry" {
		return false, nil
	}
	if _, isFlow := sinks.As[sinks.Flow](p.cfg.Sink); isFlow {
		return false, nil
	}
	st, err := p.cfg.Store.Steps(ctx, p.cfg.Sink.Scope(), entityID(e))
	if err != nil {
		return false, err
	}
	return st[createStep.Name].State == state.StepSent, nil
}
