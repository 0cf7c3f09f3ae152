package pipeline

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// taps records, for a sink of several connections (sinks.Route) over one
// account, which connection each call of each entity went through.
type taps struct {
	mu   sync.Mutex
	by   map[string]map[int]bool // entity -> connections
	bare []string                // calls that named no entity
}

func (t *taps) note(i int, ctx context.Context, op string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := sinks.EntityOf(ctx)
	if id == "" {
		t.bare = append(t.bare, op)
		return
	}
	if t.by[id] == nil {
		t.by[id] = map[int]bool{}
	}
	t.by[id][i] = true
}

// tap is connection i of the account inner.
type tap struct {
	inner sinks.Sink
	i     int
	t     *taps
}

func (s tap) Object() sinks.Object { return s.inner.Object() }
func (s tap) Scope() string        { return s.inner.Scope() }
func (s tap) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	s.t.note(s.i, ctx, "find")
	return s.inner.Find(ctx, q)
}
func (s tap) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	s.t.note(s.i, ctx, "create")
	return s.inner.Create(ctx, f)
}
func (s tap) Update(ctx context.Context, id string, f sinks.Fields) error {
	s.t.note(s.i, ctx, "update")
	return s.inner.Update(ctx, id, f)
}

type tapLister struct{ tap }

func (s tapLister) List(ctx context.Context, fn func(sinks.Record) error) (int, error) {
	s.t.note(s.i, ctx, "list")
	return s.inner.(sinks.Lister).List(ctx, fn)
}
func (s tapLister) ListCost(ctx context.Context) (int, error) {
	return s.inner.(sinks.Lister).ListCost(ctx)
}

type tapFlow struct{ tap }

func (s tapFlow) Steps(f sinks.Fields) []sinks.Step { return s.inner.(sinks.Flow).Steps(f) }
func (s tapFlow) Do(ctx context.Context, step string, f sinks.Fields, done map[string]string) (string, error) {
	s.t.note(s.i, ctx, "do "+step)
	return s.inner.(sinks.Flow).Do(ctx, step, f, done)
}
func (s tapFlow) Verify(ctx context.Context, step string, f sinks.Fields, done map[string]string) (string, bool, error) {
	s.t.note(s.i, ctx, "verify "+step)
	return s.inner.(sinks.Flow).Verify(ctx, step, f, done)
}

// check fails unless every call named its entity (but the listing) and
// each entity went through exactly one connection, and both connections
// were used.
func (t *taps) check(tb testing.TB) {
	tb.Helper()
	for _, op := range t.bare {
		if op != "list" {
			tb.Errorf("a %s named no entity", op)
		}
	}
	used := map[int]int{}
	for id, cs := range t.by {
		if len(cs) != 1 {
			tb.Errorf("entity %s went through connections %v", id, cs)
		}
		for i := range cs {
			used[i]++
			if want := sinks.RouteIndex(id, 2); i != want {
				tb.Errorf("entity %s went through connection %d, its hash names %d", id, i, want)
			}
		}
	}
	if used[0] == 0 || used[1] == 0 {
		tb.Errorf("connections used: %v", used)
	}
}

func peopleRows(n int) [][]string {
	var rows [][]string
	for i := 0; i < n; i++ {
		rows = append(rows, []string{fmt.Sprintf("P%d", i), fmt.Sprintf("040 %07d", 1000000+i), "", "Oulu"})
		if i%5 == 0 { // the same person again, by e-mail and phone
			rows = append(rows, []string{fmt.Sprintf("P%d", i), fmt.Sprintf("+35840%07d", 1000000+i), fmt.Sprintf("p%d@example.fi", i), ""})
		}
	}
	return rows
}

// Every path of the engine names the entity of its calls (find, create,
// update, the find after a lost create answer, retries, a prefetched
// listing's updates), so a routed sink sends each person through one
// connection, and no person is created twice.
func TestRouteEveryPathNamesTheEntity(t *testing.T) {
	f := newFake(true)
	f.drop = 0.3    // creates whose answer is lost: find, then retry
	f.notDone = 0.1 // writes failed before acting: retried
	f.recs["1"] = sinks.Fields{"name": "Old", "phone": "+358401000003", "city": "Turku"}
	tp := &taps{by: map[string]map[int]bool{}}
	sink := sinks.Route([]sinks.Sink{tap{f, 0, tp}, tap{f, 1, tp}})
	env := newSyncEnv(t, f.obj)
	res, err := env.sync(t, sink, peopleRows(60), Policy{}, 8)
	if err != nil {
		t.Fatal(err)
	}
	if res.Statuses[state.StatusOK]+res.Statuses[state.StatusMerged] == 0 || res.Actions[ActionUpdate] == 0 {
		t.Fatalf("result %+v", res)
	}
	phones := map[string]int{}
	for _, r := range f.recs {
		phones[r["phone"]]++
	}
	for p, n := range phones {
		if n > 1 {
			t.Errorf("%s created %d times", p, n)
		}
	}
	tp.check(t)

	// Prefetched: the listing goes to the first connection; the writes
	// still name their entity.
	f2 := newFake(true)
	f2.recs["1"] = sinks.Fields{"name": "Old", "phone": "+358401000003", "city": "Turku"}
	tp2 := &taps{by: map[string]map[int]bool{}}
	l := listingFake{f2}
	sink2 := sinks.Route([]sinks.Sink{tapLister{tap{l, 0, tp2}}, tapLister{tap{l, 1, tp2}}})
	env2 := newSyncEnv(t, f2.obj)
	if _, err := env2.sync(t, sink2, peopleRows(40), Policy{}, 4); err != nil {
		t.Fatal(err)
	}
	if f2.calls["list"] == 0 {
		t.Fatal("no prefetch: the test proves nothing")
	}
	tp2.check(t)
}

// A Flow's steps, resumed and verified after lost answers, name their
// entity too.
func TestRouteFlowStepsNameTheEntity(t *testing.T) {
	ff := &flowFake{fakeSink: newFake(false), sent: map[string]int{}, happened: map[string]bool{}, lose: map[string]int{"contact": 3, "offers": 3}}
	tp := &taps{by: map[string]map[int]bool{}}
	sink := sinks.Route([]sinks.Sink{tapFlow{tap{ff, 0, tp}}, tapFlow{tap{ff, 1, tp}}})
	if _, ok := sinks.As[sinks.Flow](sink); !ok {
		t.Fatal("the routed sink lost the Flow")
	}
	env := newSyncEnv(t, ff.obj)
	res, err := env.sync(t, sink, peopleRows(20), Policy{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if ff.sent["offers"] == 0 || res.Statuses[state.StatusOK]+res.Statuses[state.StatusMerged] == 0 {
		t.Fatalf("%+v sent %v", res, ff.sent)
	}
	tp.check(t)
	var ops []string
	for id := range tp.by {
		ops = append(ops, id)
	}
	sort.Strings(ops)
	if len(ops) < 20 {
		t.Errorf("%d entities seen, want 20", len(ops))
	}
}
