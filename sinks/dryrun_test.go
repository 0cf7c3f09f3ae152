package sinks

import (
	"context"
	"testing"
)

// writer is a sink with every optional interface, counting its calls.
type writer struct{ calls map[string]int }

func (w *writer) Object() Object { return Object{Name: "x", CanFind: true, CanUpdate: true} }
func (w *writer) Scope() string  { return "w/x@test" }
func (w *writer) Find(context.Context, Query) ([]Record, error) {
	w.calls["find"]++
	return []Record{{ID: "1"}}, nil
}
func (w *writer) Create(context.Context, Fields) (Record, error) {
	w.calls["create"]++
	return Record{ID: "9"}, nil
}
func (w *writer) Update(context.Context, string, Fields) error { w.calls["update"]++; return nil }
func (w *writer) Delete(context.Context, string) error         { w.calls["delete"]++; return nil }
func (w *writer) Check(context.Context) error                  { w.calls["check"]++; return nil }
func (w *writer) Steps(Fields) []Step                          { return []Step{{Name: "a"}} }
func (w *writer) Do(context.Context, string, Fields, map[string]string) (string, error) {
	w.calls["do"]++
	return "r", nil
}
func (w *writer) Verify(context.Context, string, Fields, map[string]string) (string, bool, error) {
	w.calls["verify"]++
	return "r", true, nil
}
func (w *writer) List(context.Context, func(Record) error) (int, error) {
	w.calls["list"]++
	return 1, nil
}
func (w *writer) ListCost(context.Context) (int, error) { return 1, nil }

// wrapped stands for a sink wrapping another (the sandbox's scope).
type wrapped struct{ Sink }

func (w wrapped) Unwrap() Sink { return w.Sink }

// A dry run reads through and refuses every write, deletions and steps
// included, even where the writing interface sits on a wrapped sink.
func TestDryRunRefusesEveryWrite(t *testing.T) {
	ctx := context.Background()
	in := &writer{calls: map[string]int{}}
	d := DryRun(wrapped{in})
	if DryRun(d) != d || !IsDryRun(d) || IsDryRun(in) {
		t.Fatal("DryRun of a dry run, IsDryRun")
	}
	if got, _ := d.Find(ctx, Query{}); len(got) != 1 {
		t.Fatal("find not read through")
	}
	if rec, err := d.Create(ctx, Fields{"a": "b"}); err != nil || rec.ID != "" {
		t.Fatalf("create: %+v %v", rec, err)
	}
	d.Update(ctx, "1", Fields{"a": "c"})
	del, ok := As[Deleter](d)
	if !ok {
		t.Fatal("no Deleter through the dry run")
	}
	del.Delete(ctx, "7")
	fl, ok := As[Flow](d)
	if !ok {
		t.Fatal("no Flow through the dry run")
	}
	if len(fl.Steps(nil)) != 1 {
		t.Fatal("steps not read through")
	}
	if r, err := fl.Do(ctx, "a", nil, nil); r != "" || err != nil {
		t.Fatalf("do: %q %v", r, err)
	}
	if _, ok, _ := fl.Verify(ctx, "a", nil, nil); !ok {
		t.Fatal("verify not read through")
	}
	for _, iface := range []bool{as[Checker](d), as[Lister](d)} {
		if !iface {
			t.Fatal("a read-only interface is hidden")
		}
	}
	if as[Stream](d) || as[Coster](d) {
		t.Fatal("an interface the inner sink lacks was found")
	}
	// A writing interface the table does not know is never found.
	type eraser interface {
		Delete(context.Context, string) error
	}
	if as[eraser](d) {
		t.Fatal("an unknown interface leaked through the dry run")
	}
	for _, op := range []string{"create", "update", "delete", "do"} {
		if in.calls[op] != 0 {
			t.Errorf("%s reached the sink %d times", op, in.calls[op])
		}
	}
	if in.calls["find"] != 1 || in.calls["verify"] != 1 {
		t.Errorf("reads %v", in.calls)
	}
	w := d.Writes()
	if w.Creates != 1 || w.Updates != 1 || w.Steps != 1 || len(w.Deleted) != 1 || w.Deleted[0] != "7" || w.Total() != 4 {
		t.Fatalf("recorded %+v", w)
	}
}

func as[T any](s Sink) bool { _, ok := As[T](s); return ok }
