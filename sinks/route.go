package sinks

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// Route returns one sink over several connections of one account (the
// same vendor and object, each with its own credential and budget): every
// call of an entity goes through the connection its id (EntityOf, set by
// the engine for each entity) hashes to, so one person always goes
// through one connection, whatever the run or the order of the file.
// Calls that name no entity are routed by what they name: a Find by its
// query's keys, an Update or a Delete by the vendor id; Create and Flow
// steps without an entity, the listing (List, ListCost) and everything
// that only describes the sink (Object, Scope, Steps, Coster, OwnKeyer)
// go to the first connection. Check checks every connection, so a bad
// second key stops the run before any write.
//
// The connections share the account's records, so the index in state is
// the first connection's Scope: adding a credential to a job keeps what
// earlier runs learned.
//
// The routed sink has the optional interfaces (Checker, Lister, Flow,
// OwnKeyer, Deleter, Coster) of the first connection: As finds exactly
// those. With one connection Route returns it unchanged.
func Route(conns []Sink) Sink {
	if len(conns) == 1 {
		return conns[0]
	}
	if len(conns) == 0 {
		panic("sinks.Route: no connection")
	}
	return &routed{conns: append([]Sink(nil), conns...)}
}

// Connections returns the connections of a sink made by Route (nil for
// any other sink).
func Connections(s Sink) []Sink {
	if r, ok := s.(*routed); ok {
		return append([]Sink(nil), r.conns...)
	}
	return nil
}

// RouteIndex is the connection (0 to n-1) an entity id goes through: a
// stable hash (FNV-1a) of the id, the same in every run and process.
func RouteIndex(id string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64() % uint64(n))
}

// routeKeys is the routing basis of a query without an entity: its keys,
// sorted, as the engine names an entity ("kind:value|...").
func routeKeys(keys []Key) string {
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = k.Kind + ":" + k.Value
	}
	sort.Strings(ks)
	return strings.Join(ks, "|")
}

type routed struct {
	conns []Sink
}

// pick returns the connection of the entity in ctx, else of basis ("":
// the first connection).
func (r *routed) pick(ctx context.Context, basis string) Sink {
	if id := EntityOf(ctx); id != "" {
		basis = id
	}
	if basis == "" {
		return r.conns[0]
	}
	return r.conns[RouteIndex(basis, len(r.conns))]
}

func (r *routed) Object() Object { return r.conns[0].Object() }
func (r *routed) Scope() string  { return r.conns[0].Scope() }

func (r *routed) Find(ctx context.Context, q Query) ([]Record, error) {
	return r.pick(ctx, routeKeys(q.Keys)).Find(ctx, q)
}

func (r *routed) Create(ctx context.Context, f Fields) (Record, error) {
	return r.pick(ctx, "").Create(ctx, f)
}

func (r *routed) Update(ctx context.Context, id string, f Fields) error {
	return r.pick(ctx, "id:"+id).Update(ctx, id, f)
}

// Check checks every connection in turn; the first refusal stops it and
// names the connection (1-based, in the job's order).
func (r *routed) Check(ctx context.Context) error {
	for i, c := range r.conns {
		ch, ok := As[Checker](c)
		if !ok {
			continue
		}
		if err := ch.Check(ctx); err != nil {
			return &ConnError{Index: i, Of: len(r.conns), Err: err}
		}
	}
	return nil
}

// ConnError is an error of one of a routed sink's connections.
type ConnError struct {
	Index, Of int // 0-based, of how many
	Err       error
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("connection %d of %d: %v", e.Index+1, e.Of, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

func (r *routed) List(ctx context.Context, fn func(Record) error) (int, error) {
	l, ok := As[Lister](r.conns[0])
	if !ok {
		return 0, errNotOffered("Lister")
	}
	return l.List(ctx, fn)
}

func (r *routed) ListCost(ctx context.Context) (int, error) {
	l, ok := As[Lister](r.conns[0])
	if !ok {
		return 0, errNotOffered("Lister")
	}
	return l.ListCost(ctx)
}

func (r *routed) Steps(f Fields) []Step {
	fl, ok := As[Flow](r.conns[0])
	if !ok {
		return nil
	}
	return fl.Steps(f)
}

func (r *routed) Do(ctx context.Context, step string, f Fields, done map[string]string) (string, error) {
	fl, ok := As[Flow](r.pick(ctx, ""))
	if !ok {
		return "", errNotOffered("Flow")
	}
	return fl.Do(ctx, step, f, done)
}

func (r *routed) Verify(ctx context.Context, step string, f Fields, done map[string]string) (string, bool, error) {
	fl, ok := As[Flow](r.pick(ctx, ""))
	if !ok {
		return "", false, errNotOffered("Flow")
	}
	return fl.Verify(ctx, step, f, done)
}

func (r *routed) OwnKeyField() string {
	o, ok := As[OwnKeyer](r.conns[0])
	if !ok {
		return ""
	}
	return o.OwnKeyField()
}

func (r *routed) OwnKey(ctx context.Context, f Fields) string {
	o, ok := As[OwnKeyer](r.pick(ctx, ""))
	if !ok {
		return ""
	}
	return o.OwnKey(ctx, f)
}

func (r *routed) Delete(ctx context.Context, id string) error {
	d, ok := As[Deleter](r.pick(ctx, "id:"+id))
	if !ok {
		return errNotOffered("Deleter")
	}
	return d.Delete(ctx, id)
}

func (r *routed) CreateCalls(f Fields) int {
	c, ok := As[Coster](r.conns[0])
	if !ok {
		return 1
	}
	return c.CreateCalls(f)
}

func (r *routed) UpdateCalls(f Fields) int {
	c, ok := As[Coster](r.conns[0])
	if !ok {
		return 1
	}
	return c.UpdateCalls(f)
}

// errNotOffered is returned by a routed sink's method of an optional
// interface its connections lack (only a direct type assertion, not As,
// reaches it).
func errNotOffered(iface string) error {
	return fmt.Errorf("sinks.Route: the connections are no %s", iface)
}

// routedHas reports whether s is a routed sink and, if so, whether its
// first connection has the optional interface T: a routed sink offers
// exactly the interfaces of its connections.
func routedHas[T any](s Sink) (isRouted, has bool) {
	r, ok := s.(*routed)
	if !ok {
		return false, false
	}
	_, has = As[T](r.conns[0])
	return true, has
}

// FindsBy is the first connection's: every connection is one vendor's.
func (r *routed) FindsBy(kind string) bool {
	c, _ := As[KeyFinder](r.conns[0])
	return c.FindsBy(kind) // routedHas let only a KeyFinder's routing through
}

func (r *routed) FindCalls(q Query) int {
	c, ok := As[FindCoster](r.conns[0])
	if !ok {
		return 1
	}
	return c.FindCalls(q)
}

// Lookups are the first connection's: each connection caches its own
// reads, so with several the forecast counts each name once where up to
// one read per connection is made.
func (r *routed) Lookups(f Fields) []Lookup {
	c, ok := As[LookupCoster](r.conns[0])
	if !ok {
		return nil
	}
	return c.Lookups(f)
}

// Prepare warms the cache of the connection the entity in ctx writes
// through.
func (r *routed) Prepare(ctx context.Context, f Fields) error {
	p, ok := As[Preparer](r.pick(ctx, ""))
	if !ok {
		return nil
	}
	return p.Prepare(ctx, f)
}

// CheckOnline checks the job's references through the first connection
// (one account: the same references for all).
func (r *routed) CheckOnline(ctx context.Context, refs Refs) ([]Problem, error) {
	c, ok := As[OnlineChecker](r.conns[0])
	if !ok {
		return nil, errNotOffered("OnlineChecker")
	}
	return c.CheckOnline(ctx, refs)
}
