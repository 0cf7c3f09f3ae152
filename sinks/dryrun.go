package sinks

import (
	"context"
	"sync"
)

// DrySink is a sink in a dry run: it reads through the sink it wraps
// (Find, List, Check, a Flow's Steps and Verify) and refuses every write
// (Create, Update, Delete, a Flow's Do, a Stream's file), recording what
// would have been written instead. A dry run is this one decorator: the
// engine plans exactly as for a real run, and nothing reaches the vendor
// or the file.
//
// DrySink deliberately does not implement Unwrapper: As looks for
// optional interfaces through it only via its own table, which hands out
// read-only interfaces of the inner sink and refusing versions of the
// writing ones (an optional interface it does not know is not found, so a
// new kind of write can never leak through a dry run).
type DrySink struct {
	inner Sink
	mu    sync.Mutex
	w     DryWrites
}

// DryWrites is what a dry run would have written.
type DryWrites struct {
	Creates, Updates, Steps int
	// Deleted are the record ids a delete was asked for, in order.
	Deleted []string
}

// Total is every write refused.
func (w DryWrites) Total() int { return w.Creates + w.Updates + w.Steps + len(w.Deleted) }

// DryRun wraps s so that nothing is written. Wrapping a DrySink again
// returns it.
func DryRun(s Sink) *DrySink {
	if d, ok := s.(*DrySink); ok {
		return d
	}
	return &DrySink{inner: s}
}

// IsDryRun reports whether s is a dry run's sink.
func IsDryRun(s Sink) bool {
	_, ok := s.(*DrySink)
	return ok
}

// Writes returns what was refused so far.
func (d *DrySink) Writes() DryWrites {
	d.mu.Lock()
	defer d.mu.Unlock()
	w := d.w
	w.Deleted = append([]string(nil), d.w.Deleted...)
	return w
}

func (d *DrySink) count(fn func(w *DryWrites)) {
	d.mu.Lock()
	fn(&d.w)
	d.mu.Unlock()
}

// Object is the inner sink's schema.
func (d *DrySink) Object() Object { return d.inner.Object() }

// Scope is the inner sink's scope.
func (d *DrySink) Scope() string { return d.inner.Scope() }

// Find reads through the inner sink.
func (d *DrySink) Find(ctx context.Context, q Query) ([]Record, error) { return d.inner.Find(ctx, q) }

// Create is refused: it returns a record with no id ("would be created").
func (d *DrySink) Create(_ context.Context, _ Fields) (Record, error) {
	d.count(func(w *DryWrites) { w.Creates++ })
	return Record{}, nil
}

// Update is refused and counted.
func (d *DrySink) Update(_ context.Context, _ string, _ Fields) error {
	d.count(func(w *DryWrites) { w.Updates++ })
	return nil
}

// Delete is refused; the id is recorded.
func (d *DrySink) Delete(_ context.Context, id string) error {
	d.count(func(w *DryWrites) { w.Deleted = append(w.Deleted, id) })
	return nil
}

// optional finds an optional interface for As: target is a pointer to
// the interface variable to fill.
func (d *DrySink) optional(target any) bool {
	switch p := target.(type) {
	case *Checker:
		v, ok := As[Checker](d.inner)
		*p = v
		return ok
	case *Lister:
		v, ok := As[Lister](d.inner)
		*p = v
		return ok
	case *OwnKeyer:
		v, ok := As[OwnKeyer](d.inner)
		*p = v
		return ok
	case *Coster:
		v, ok := As[Coster](d.inner)
		*p = v
		return ok
	case *KeyFinder:
		v, ok := As[KeyFinder](d.inner)
		*p = v
		return ok
	case *Deleter:
		if _, ok := As[Deleter](d.inner); !ok {
			return false
		}
		*p = d
		return true
	case *Flow:
		f, ok := As[Flow](d.inner)
		if !ok {
			return false
		}
		*p = dryFlow{f: f, d: d}
		return true
	case *Stream:
		if _, ok := As[Stream](d.inner); !ok {
			return false
		}
		*p = dryStream{}
		return true
	}
	return false
}

// dryFlow plans a Flow's steps and verifies lost answers (reads), and
// refuses each step's call.
type dryFlow struct {
	f Flow
	d *DrySink
}

func (f dryFlow) Steps(fl Fields) []Step { return f.f.Steps(fl) }

func (f dryFlow) Do(_ context.Context, _ string, _ Fields, _ map[string]string) (string, error) {
	f.d.count(func(w *DryWrites) { w.Steps++ })
	return "", nil
}

func (f dryFlow) Verify(ctx context.Context, step string, fl Fields, done map[string]string) (string, bool, error) {
	return f.f.Verify(ctx, step, fl, done)
}

// dryStream opens no file: a dry run of an export writes nothing.
type dryStream struct{}

func (dryStream) Start(string) (bool, error)  { return false, nil }
func (dryStream) Checkpoint() (string, error) { return "", nil }
func (dryStream) Commit() error               { return nil }
func (dryStream) Suspend() error              { return nil }
func (dryStream) Abort() error                { return nil }
