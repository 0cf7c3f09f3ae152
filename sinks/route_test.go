package sinks_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// conn is a fake connection that records the calls it got.
type conn struct {
	name  string
	mu    sync.Mutex
	calls []string
	check error
}

func (c *conn) log(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, op)
}

func (c *conn) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *conn) Object() sinks.Object { return sinks.Object{Name: "contact", CanFind: true} }
func (c *conn) Scope() string        { return "fake/contact@" + c.name }
func (c *conn) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	c.log("find " + sinks.EntityOf(ctx))
	return nil, nil
}
func (c *conn) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	c.log("create " + sinks.EntityOf(ctx))
	return sinks.Record{ID: c.name}, nil
}
func (c *conn) Update(ctx context.Context, id string, f sinks.Fields) error {
	c.log("update " + id)
	return nil
}

// full is a connection with every optional interface.
type full struct{ conn }

func (c *full) Check(context.Context) error { c.log("check"); return c.check }
func (c *full) List(_ context.Context, fn func(sinks.Record) error) (int, error) {
	c.log("list")
	return 1, fn(sinks.Record{ID: "1"})
}
func (c *full) ListCost(context.Context) (int, error) { c.log("listcost"); return 1, nil }
func (c *full) Steps(sinks.Fields) []sinks.Step       { return []sinks.Step{{Name: "a", Idempotent: true}} }
func (c *full) Do(ctx context.Context, step string, _ sinks.Fields, _ map[string]string) (string, error) {
	c.log("do " + step + " " + sinks.EntityOf(ctx))
	return c.name, nil
}
func (c *full) Verify(ctx context.Context, step string, _ sinks.Fields, _ map[string]string) (string, bool, error) {
	c.log("verify " + step + " " + sinks.EntityOf(ctx))
	return c.name, true, nil
}
func (c *full) OwnKeyField() string                                              { return "own" }
func (c *full) OwnKey(ctx context.Context, _ sinks.Fields) string                { return "k-" + sinks.EntityOf(ctx) }
func (c *full) Delete(_ context.Context, id string) error                        { c.log("delete " + id); return nil }
func (c *full) CreateCalls(sinks.Fields) int                                     { return 2 }
func (c *full) UpdateCalls(sinks.Fields) int                                     { return 3 }
func (c *full) CheckOnline(context.Context, sinks.Refs) ([]sinks.Problem, error) { return nil, nil }
func (c *full) FindCalls(sinks.Query) int                                        { return 1 }
func (c *full) FindsBy(kind string) bool                                         { return kind == "phone" }
func (c *full) Lookups(sinks.Fields) []sinks.Lookup                              { return nil }
func (c *full) Prepare(ctx context.Context, _ sinks.Fields) error {
	c.log("prepare " + sinks.EntityOf(ctx))
	return nil
}

// optional reports which optional interfaces sinks.As finds on s.
func optional(s sinks.Sink) []string {
	var out []string
	for _, c := range []struct {
		name string
		has  func(sinks.Sink) bool
	}{
		{"Checker", has[sinks.Checker]}, {"Lister", has[sinks.Lister]}, {"Flow", has[sinks.Flow]},
		{"OwnKeyer", has[sinks.OwnKeyer]}, {"Deleter", has[sinks.Deleter]}, {"Coster", has[sinks.Coster]},
		{"FindCoster", has[sinks.FindCoster]}, {"LookupCoster", has[sinks.LookupCoster]},
		{"Preparer", has[sinks.Preparer]}, {"OnlineChecker", has[sinks.OnlineChecker]}, {"KeyFinder", has[sinks.KeyFinder]},
	} {
		if c.has(s) {
			out = append(out, c.name)
		}
	}
	return out
}

func has[T any](s sinks.Sink) bool {
	_, ok := sinks.As[T](s)
	return ok
}

// notOptional are the interfaces of package sinks that are not optional
// interfaces of a sink.
var notOptional = map[string]bool{"Sink": true, "Unwrapper": true, "EmulatorServer": true,
	// One output of their own (the export files): never several
	// connections (an export takes no connection keys), so never routed.
	"Stream": true, "RowCreator": true}

// TestRouteOptionalInterfaces: a routed sink has exactly the optional
// interfaces of one connection, and every optional interface the package
// declares is among those checked (a new one must be forwarded too).
func TestRouteOptionalInterfaces(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, f := range pkgs["sinks"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if _, isIface := ts.Type.(*ast.InterfaceType); isIface && ts.Name.IsExported() && !notOptional[ts.Name.Name] {
					declared = append(declared, ts.Name.Name)
				}
			}
			return true
		})
	}
	sort.Strings(declared)
	one := &full{conn: conn{name: "a"}}
	want := optional(one)
	sorted := append([]string(nil), want...)
	sort.Strings(sorted)
	if fmt.Sprint(sorted) != fmt.Sprint(declared) {
		t.Fatalf("package sinks declares the optional interfaces %v; the test checks %v: forward the new one in route.go and check it here", declared, sorted)
	}
	r := sinks.Route([]sinks.Sink{one, &full{conn: conn{name: "b"}}})
	if got := optional(r); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routed sink has %v, one connection %v", got, want)
	}
	if kf, _ := sinks.As[sinks.KeyFinder](r); !kf.FindsBy("phone") || kf.FindsBy("email") {
		t.Error("the routed sink's FindsBy is not its connections'")
	}
	plain := sinks.Route([]sinks.Sink{&conn{name: "a"}, &conn{name: "b"}})
	if got := optional(plain); len(got) != 0 {
		t.Errorf("routed plain connections claim %v", got)
	}
	// Through a wrapper (the sandbox's scope) as well.
	wrapped := sinks.Route([]sinks.Sink{wrap{&full{conn: conn{name: "a"}}}, wrap{&full{conn: conn{name: "b"}}}})
	if got := optional(wrapped); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routed wrapped connections have %v, want %v", got, want)
	}
}

type wrap struct{ sinks.Sink }

func (w wrap) Unwrap() sinks.Sink { return w.Sink }

// TestRouteByEntity: every call of one entity goes through one
// connection, the one its id hashes to; entities spread over all of them.
func TestRouteByEntity(t *testing.T) {
	cs := []*full{{conn: conn{name: "a"}}, {conn: conn{name: "b"}}, {conn: conn{name: "c"}}}
	r := sinks.Route([]sinks.Sink{cs[0], cs[1], cs[2]})
	fl, _ := sinks.As[sinks.Flow](r)
	del, _ := sinks.As[sinks.Deleter](r)
	used := map[int]int{}
	for i := 0; i < 60; i++ {
		id := fmt.Sprintf("phone:+35840%07d", i)
		ctx := sinks.WithEntity(context.Background(), id)
		want := sinks.RouteIndex(id, 3)
		used[want]++
		rec, _ := r.Create(ctx, nil)
		_, _ = r.Find(ctx, sinks.Query{})
		_ = r.Update(ctx, "x", nil)
		res, _ := fl.Do(ctx, "a", nil, nil)
		vres, _, _ := fl.Verify(ctx, "a", nil, nil)
		_ = del.Delete(ctx, "y")
		for _, got := range []string{rec.ID, res, vres} {
			if got != cs[want].name {
				t.Fatalf("entity %s went through %s, want %s", id, got, cs[want].name)
			}
		}
	}
	for i := range cs {
		if used[i] == 0 {
			t.Errorf("connection %d got no entity of 60", i)
		}
		for _, c := range cs[i].got() {
			if c == "update x" || c == "delete y" {
				continue
			}
			var op, step, id string
			if n, _ := fmt.Sscan(c, &op, &step, &id); n == 3 {
				if sinks.RouteIndex(id, 3) != i {
					t.Errorf("%q went through connection %d", c, i)
				}
			}
		}
	}
	// Without an entity: a Find by its keys (order-independent), an
	// Update or Delete by the vendor id, the rest to the first.
	q := sinks.Query{Keys: []sinks.Key{{Kind: "phone", Value: "+1"}, {Kind: "email", Value: "a@b"}}}
	q2 := sinks.Query{Keys: []sinks.Key{q.Keys[1], q.Keys[0]}}
	_, _ = r.Find(context.Background(), q)
	_, _ = r.Find(context.Background(), q2)
	i := sinks.RouteIndex("email:a@b|phone:+1", 3)
	if got := cs[i].got(); len(got) < 2 || got[len(got)-1] != "find " || got[len(got)-2] != "find " {
		t.Errorf("finds by keys went elsewhere than connection %d: %v", i, got)
	}
	if _, err := sinks.As[sinks.Lister](r); !err {
		t.Fatal("no Lister")
	}
	l, _ := sinks.As[sinks.Lister](r)
	if _, err := l.List(context.Background(), func(sinks.Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := cs[0].got(); got[len(got)-1] != "list" {
		t.Errorf("list went elsewhere than the first connection: %v", got)
	}
	if r.Scope() != cs[0].Scope() {
		t.Errorf("scope %q, want the first connection's %q", r.Scope(), cs[0].Scope())
	}
}

// TestRouteCheckEveryConnection: a bad second key stops the run.
func TestRouteCheckEveryConnection(t *testing.T) {
	bad := &sinks.Error{Class: sinks.Unauthorized, Op: "fake: check"}
	cs := []*full{{conn: conn{name: "a"}}, {conn: conn{name: "b", check: bad}}}
	r := sinks.Route([]sinks.Sink{cs[0], cs[1]})
	ch, _ := sinks.As[sinks.Checker](r)
	err := ch.Check(context.Background())
	if sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("check: %v", err)
	}
	var ce *sinks.ConnError
	if !errors.As(err, &ce) || ce.Index != 1 {
		t.Errorf("check error does not name connection 2: %v", err)
	}
	if len(cs[0].got()) != 1 || len(cs[1].got()) != 1 {
		t.Errorf("checks: %v, %v", cs[0].got(), cs[1].got())
	}
}

// TestRouteOne: one connection is returned as it is.
func TestRouteOne(t *testing.T) {
	c := &conn{name: "a"}
	if sinks.Route([]sinks.Sink{c}) != sinks.Sink(c) {
		t.Error("Route of one connection wraps it")
	}
}
