package pipeline

import (
	"context"
	"fmt"
	"sync"

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
}

// NeedsCalls reports whether any entity needs the vendor: a plan that
// state settles entirely makes no call, not even the credential check.
func (pl Plan) NeedsCalls() bool { return pl.Known+pl.Refused+pl.Uncertain < pl.Entities }

// writeCost is the calls the write of e is expected to take: a
// sinks.Coster's declared cost (it knows which steps apply), else a
// Flow's steps, else one call.
func (p *planner) writeCost(e *entity) int {
	if c, ok := sinks.As[sinks.Coster](p.cfg.Sink); ok {
		if n := c.CreateCalls(e.fields); n > 0 {
			return n
		}
	}
	if fl, ok := sinks.As[sinks.Flow](p.cfg.Sink); ok {
		if n := len(fl.Steps(e.fields)); n > 0 {
			return n
		}
	}
	return 1
}

// String reads like "needs ~2,410 calls (1,205 finds + up to 1,205 writes)".
func (p Plan) String() string {
	look := fmt.Sprintf("%d finds", p.NeedFind)
	if p.ListPages > 0 {
		look = fmt.Sprintf("%d list pages instead of %d finds", p.ListPages, p.NeedFind)
	}
	check := ""
	if p.Check > 0 {
		check = " + 1 credential check"
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

// plan checks state for every entity (no call), then decides whether
// listing the vendor's records costs fewer calls than one find per
// entity; when it does, it lists them into an index.
func (p *planner) plan(ctx context.Context, ents []*entity, region string) (Plan, error) {
	pl := Plan{Entities: len(ents)}
	obj := p.cfg.Sink.Object()
	scope := p.cfg.Sink.Scope()
	known, err := p.knownUnchanged(ctx, ents)
	if err != nil {
		return pl, err
	}
	for i, e := range ents {
		id := known[i]
		e.knownID = id
		if id == "" {
			ref, ok, err := p.cfg.Store.Refusal(ctx, scope, entityID(e))
			if err != nil {
				return pl, err
			}
			if ok && ref.ContentHash == ContentHash(e.fields) && !p.cfg.Policy.RetryRejected {
				e.refused = fmt.Sprintf("refused by the vendor in run %d, and unchanged since, so not sent again (run --retry-rejected to send it): %s", ref.RunID, ref.Reason)
				pl.Refused++
				continue
			}
			e.wasRefused = ok
		}
		switch {
		case id != "":
			pl.Known++
			continue
		case obj.CanFind && len(e.keys) > 0:
			pl.NeedFind++
		}
		if left, err := p.leftUncertain(ctx, e); err != nil {
			return pl, err
		} else if left {
			pl.Uncertain++
			continue
		}
		pl.Writes += p.writeCost(e)
	}
	lookups := pl.NeedFind
	lister, ok := sinks.As[sinks.Lister](p.cfg.Sink)
	if ok && pl.NeedFind > 1 {
		cost, err := lister.ListCost(ctx)
		if err == nil && cost < pl.NeedFind {
			// Every match key of the job is a find key: a record found by
			// any of them (phone on Tiledesk, not only the schema's
			// e-mail and lead_id) is a match.
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
				return pl, err
			}
			p.index = ix
			pl.ListPages = pages
			lookups = cost + 1 // the count, then the pages
		}
	}
	if !obj.CanFind {
		lookups = 0
	}
	pl.Calls = lookups + pl.Writes
	if p.cfg.Check != nil && pl.NeedsCalls() { // as Sync checks
		pl.Check = 1
		pl.Calls++
	}
	return pl, nil
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
