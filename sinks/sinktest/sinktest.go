// Package sinktest is the conformance suite every sink passes against its
// vendor's emulator: the Sink contract (find, create, update), error
// classes, and the behaviours the engine's crash safety relies on (a
// dropped create is an unknown outcome that Find then discovers; a rate
// limit is retried; a 500 on a write is never retried blindly).
package sinktest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
)

// Harness is what a vendor's test gives the suite.
type Harness struct {
	// New returns a sink for the object under test, talking to a fresh
	// emulator, and that emulator's core (counters, fault injection).
	New func(t *testing.T) (sinks.Sink, *emulator.Core)
	// NewUnauthorized returns a sink with credentials the emulator refuses.
	NewUnauthorized func(t *testing.T) sinks.Sink
	// Sample returns valid fields for record i, with keys unique to i.
	Sample func(i int) sinks.Fields
	// Change returns new values for some fields of record i (CanUpdate).
	Change func(i int) sinks.Fields
	// Keys returns the normalized match keys of Sample(i) as the engine
	// would compute them.
	Keys func(i int) []sinks.Key
	// CreateOp and FindOp are the emulator's operation names, for
	// InjectNext.
	CreateOp, FindOp string
	// Error500NotDone says the vendor documents its (non-refusal) 500 as
	// a call that failed and did nothing (LeadSquared: "the API call
	// failed"): the sink classifies it NotSent, so httpc sends the create
	// again and it is stored once. Otherwise a 500 on a create is never
	// resent.
	Error500NotDone bool
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	t.Run("schema", func(t *testing.T) {
		s, _ := h.New(t)
		obj := s.Object()
		if err := (sinks.Schema{Vendor: "x", Objects: []sinks.Object{obj}}).Check(); err != nil {
			t.Fatal(err)
		}
		if s.Scope() == "" || strings.ContainsAny(s.Scope(), " \n") {
			t.Fatalf("scope %q", s.Scope())
		}
		for k, v := range h.Sample(1) {
			if _, ok := obj.Field(k); !ok {
				t.Errorf("sample field %s=%q is not in the schema", k, v)
			}
		}
	})

	t.Run("create then find", func(t *testing.T) {
		s, core := h.New(t)
		rec, err := s.Create(ctx, h.Sample(1))
		if err != nil {
			t.Fatal(err)
		}
		if rec.ID == "" {
			t.Fatal("create returned no id")
		}
		if w := core.Stats().Writes[h.CreateOp]; w != 1 {
			t.Fatalf("emulator creates %d, want 1", w)
		}
		writes := core.Stats().TotalWrites()
		if !s.Object().CanFind {
			if _, err := s.Find(ctx, sinks.Query{Keys: h.Keys(1), Fields: h.Sample(1)}); !errors.Is(err, sinks.ErrCannotFind) {
				t.Fatalf("find on an object that cannot be found: %v", err)
			}
			return
		}
		got, err := s.Find(ctx, sinks.Query{Keys: h.Keys(1), Fields: h.Sample(1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != rec.ID {
			t.Fatalf("find after create: %+v, want id %s", got, rec.ID)
		}
		// Each key alone finds it.
		for _, k := range h.Keys(1) {
			got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{k}, Fields: h.Sample(1)})
			if err != nil || len(got) != 1 || got[0].ID != rec.ID {
				t.Fatalf("find by %s alone: %+v %v", k.Kind, got, err)
			}
		}
		none, err := s.Find(ctx, sinks.Query{Keys: h.Keys(2), Fields: h.Sample(2)})
		if err != nil || len(none) != 0 {
			t.Fatalf("find of an absent record: %+v %v", none, err)
		}
		if w := core.Stats().TotalWrites(); w != writes {
			t.Fatalf("finds wrote: %d writes", w-writes)
		}
	})

	t.Run("update", func(t *testing.T) {
		s, core := h.New(t)
		if !s.Object().CanUpdate {
			t.Skip("the object cannot be updated")
		}
		rec, err := s.Create(ctx, h.Sample(3))
		if err != nil {
			t.Fatal(err)
		}
		change := h.Change(3)
		before := core.Stats().TotalWrites()
		if err := s.Update(ctx, rec.ID, change); err != nil {
			t.Fatal(err)
		}
		if w := core.Stats().TotalWrites() - before; w < 1 {
			t.Fatalf("update wrote nothing")
		}
		got, err := s.Find(ctx, sinks.Query{Keys: h.Keys(3), Fields: h.Sample(3)})
		if err != nil || len(got) != 1 {
			t.Fatalf("find after update: %+v %v", got, err)
		}
		// Fields hold what the API returns: a field it does not return
		// is absent, not empty.
		for k, v := range change {
			if old, ok := got[0].Fields[k]; ok && old != v {
				t.Errorf("after update %s = %q, want %q", k, old, v)
			}
		}
	})

	t.Run("unauthorized", func(t *testing.T) {
		s := h.NewUnauthorized(t)
		_, err := s.Create(ctx, h.Sample(4))
		if sinks.ClassOf(err) != sinks.Unauthorized {
			t.Fatalf("create with bad credentials: %v (class %v)", err, sinks.ClassOf(err))
		}
		if c, ok := s.(sinks.Checker); ok {
			if err := c.Check(ctx); sinks.ClassOf(err) != sinks.Unauthorized {
				t.Fatalf("check with bad credentials: %v", err)
			}
		}
	})

	t.Run("dropped create is an unknown outcome", func(t *testing.T) {
		s, core := h.New(t)
		core.InjectNext(h.CreateOp, emulator.FaultDropAfterWrite)
		_, err := s.Create(ctx, h.Sample(5))
		if !sinks.IsUnknownOutcome(err) {
			t.Fatalf("dropped create: %v, want an unknown outcome", err)
		}
		if w := core.Stats().Writes[h.CreateOp]; w != 1 {
			t.Fatalf("creates %d: a dropped create was retried", w)
		}
		if s.Object().CanFind {
			got, err := s.Find(ctx, sinks.Query{Keys: h.Keys(5), Fields: h.Sample(5)})
			if err != nil || len(got) != 1 {
				t.Fatalf("find after a dropped create: %+v %v", got, err)
			}
		}
	})

	t.Run("500 on create", func(t *testing.T) {
		s, core := h.New(t)
		core.InjectNext(h.CreateOp, emulator.FaultError500)
		before := core.Stats().Requests[h.CreateOp]
		_, err := s.Create(ctx, h.Sample(6))
		if h.Error500NotDone {
			if err != nil {
				t.Fatalf("create after a 500 that did nothing: %v", err)
			}
			if n := core.Stats().Requests[h.CreateOp] - before; n != 2 {
				t.Fatalf("create sent %d times, want 2 (the failed call, then again)", n)
			}
			if w := core.Stats().Writes[h.CreateOp]; w != 1 {
				t.Fatalf("%d creates stored, want 1", w)
			}
			return
		}
		if sinks.ClassOf(err) != sinks.Transient {
			t.Fatalf("create answered 500: %v", err)
		}
		if n := core.Stats().Requests[h.CreateOp] - before; n != 1 {
			t.Fatalf("create sent %d times", n)
		}
	})

	t.Run("rate limit is retried", func(t *testing.T) {
		s, core := h.New(t)
		core.InjectNext(h.CreateOp, emulator.FaultExtra429)
		if _, err := s.Create(ctx, h.Sample(7)); err != nil {
			t.Fatalf("create after a 429: %v", err)
		}
		st := core.Stats()
		if st.RateLimited != 1 || st.Writes[h.CreateOp] != 1 {
			t.Fatalf("429s %d, creates %d", st.RateLimited, st.Writes[h.CreateOp])
		}
	})

	t.Run("transient read is retried", func(t *testing.T) {
		s, core := h.New(t)
		if !s.Object().CanFind {
			t.Skip("no find")
		}
		core.InjectNext(h.FindOp, emulator.FaultError500)
		if _, err := s.Find(ctx, sinks.Query{Keys: h.Keys(8), Fields: h.Sample(8)}); err != nil {
			t.Fatalf("find after a 500: %v", err)
		}
	})

	t.Run("dry run writes nothing", func(t *testing.T) {
		real, core := h.New(t)
		rec, err := real.Create(ctx, h.Sample(9))
		if err != nil {
			t.Fatal(err)
		}
		before := core.Stats()
		s := sinks.DryRun(real)
		if _, err := s.Create(ctx, h.Sample(10)); err != nil {
			t.Fatal(err)
		}
		if h.Change != nil {
			if err := s.Update(ctx, rec.ID, h.Change(9)); err != nil {
				t.Fatal(err)
			}
		}
		if del, ok := sinks.As[sinks.Deleter](s); ok {
			if err := del.Delete(ctx, rec.ID); err != nil {
				t.Fatal(err)
			}
		}
		if fl, ok := sinks.As[sinks.Flow](s); ok {
			done := map[string]string{}
			for _, st := range fl.Steps(h.Sample(11)) {
				r, err := fl.Do(ctx, st.Name, h.Sample(11), done)
				if err != nil {
					t.Fatalf("step %s: %v", st.Name, err)
				}
				done[st.Name] = r
			}
		}
		after := core.Stats()
		if w, r := after.TotalWrites()-before.TotalWrites(), after.TotalRequests()-before.TotalRequests(); w != 0 || r != 0 {
			t.Fatalf("a dry run sent %d requests (%d writes) to the emulator", r, w)
		}
		if s.Writes().Total() == 0 {
			t.Fatal("the dry run recorded nothing")
		}
	})
}
