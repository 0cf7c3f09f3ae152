package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// planRows are n people, each on two rows (the second by e-mail in
// other spellings), with city as the field a later run changes.
func planRows(n int, city func(i int) string) [][]string {
	var rows [][]string
	for i := range n {
		rows = append(rows,
			[]string{fmt.Sprintf("P%d", i), fmt.Sprintf("+358 40 %07d", i), fmt.Sprintf("p%d@example.fi", i), city(i)},
			[]string{"", "", fmt.Sprintf("P%d@Example.FI", i), ""})
	}
	return rows
}

// TestUnchangedBuildsNoFields: an entity the plan settles as unchanged
// gets no field map unless an OnDecision hook is there to read it (a job
// that collects no diff sets none).
func TestUnchangedBuildsNoFields(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	const people = 300
	rows := planRows(people, func(int) string { return "Oulu" })
	if res, err := env.sync(t, sink, rows, Policy{}, 4); err != nil || res.Actions[ActionCreate] != people {
		t.Fatalf("first run: %+v, %v", res.Actions, err)
	}
	for _, hook := range []bool{false, true} {
		env.onDecision = nil
		if hook {
			env.onDecision = func(Decision) {}
		}
		before := fieldMapsBuilt.Load()
		if res, err := env.sync(t, sink, rows, Policy{}, 4); err != nil || res.Actions[ActionUnchanged] != people {
			t.Fatalf("re-run: %+v, %v", res.Actions, err)
		}
		want := int64(0)
		if hook {
			want = people
		}
		if got := fieldMapsBuilt.Load() - before; got != want {
			t.Errorf("hook %v: %d field maps built for %d unchanged entities, want %d", hook, got, people, want)
		}
	}
}

// An unchanged re-run is decided by the plan: each unchanged entity gets
// its outcomes, its report lines and its decision once, in the plan's
// pass over the spill, and no later pass reads its rows again; the few
// changed entities go on to the writes. Several plan batches are looked
// up at once and must still settle each entity once, in order.
func TestUnchangedDecidedInThePlan(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	const people = 2*planBatch + 300 // three batches, looked up concurrently
	rows := planRows(people, func(int) string { return "Oulu" })
	if res, err := env.sync(t, sink, rows, Policy{}, 8); err != nil || res.Actions[ActionCreate] != people {
		t.Fatalf("first run: %+v, %v", res.Actions, err)
	}
	changed := map[int]bool{7: true, planBatch + 1: true, people - 1: true}
	rows = planRows(people, func(i int) string {
		if changed[i] {
			return "Turku"
		}
		return "Oulu"
	})
	env.rec = &recorder{}
	decided := map[string]int{}
	run, _, err := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "second", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	w := env.store.NewWriter(run.ID, nil)
	reads := spillReads.Load()
	res, err := Sync(context.Background(), SyncConfig{
		Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows}, Mapping: env.m, Sink: sink,
		Store: env.store, State: w, RunID: run.ID, Reporter: env.rec, Concurrency: 8,
		OnDecision: func(d Decision) {
			env.rec.mu.Lock()
			defer env.rec.mu.Unlock()
			decided[d.ID]++
		},
	})
	if cerr := w.Close(); cerr != nil || err != nil {
		t.Fatal(cerr, err)
	}
	if res.Actions[ActionUnchanged] != people-len(changed) || res.Actions[ActionUpdate] != len(changed) || res.Entities != people {
		t.Fatalf("re-run: %+v", res)
	}
	if sink.calls["update"] != len(changed) {
		t.Fatalf("calls %v", sink.calls)
	}
	// The plan reads every row once; the costs and the writes read only
	// the changed entities' rows.
	if got, want := spillReads.Load()-reads, int64(len(rows)+2*2*len(changed)); got != want {
		t.Fatalf("%d rows read from the spill, want %d", got, want)
	}
	if len(decided) != people {
		t.Fatalf("%d entities decided, want %d", len(decided), people)
	}
	for id, n := range decided {
		if n != 1 {
			t.Fatalf("entity %s decided %d times", id, n)
		}
	}
	written := slices.Clone(env.rec.written)
	slices.Sort(written)
	if len(written) != len(rows) || len(slices.Compact(written)) != len(rows) {
		t.Fatalf("%d report lines for %d rows", len(env.rec.written), len(rows))
	}
	outs, err := env.store.Outcomes(context.Background(), run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(rows) {
		t.Fatalf("%d outcomes for %d rows", len(outs), len(rows))
	}
	for i, o := range outs {
		want := state.StatusOK
		if i%2 == 1 {
			want = state.StatusMerged
		}
		if o.Row != i+2 || o.Status != want || o.VendorID == "" || (o.Action == ActionUnchanged) == changed[i/2] {
			t.Fatalf("row %d: %+v", i+2, o)
		}
	}
}

// A state lookup that fails stops the plan with its error: no hang while
// batches are in flight, no entity decided.
func TestPlanLookupFailureStops(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	rows := planRows(2*planBatch+10, func(int) string { return "Oulu" })
	if _, err := env.sync(t, sink, rows, Policy{}, 8); err != nil {
		t.Fatal(err)
	}
	env.store.Close() // every lookup now fails
	decided := 0
	res, err := Sync(context.Background(), SyncConfig{
		Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows}, Mapping: env.m, Sink: sink,
		Store: env.store, Concurrency: 8, OnDecision: func(Decision) { decided++ },
	})
	if err == nil || decided != 0 || res.Actions[ActionUnchanged] != 0 {
		t.Fatalf("a failed lookup: err %v, %d decided, %+v", err, decided, res.Actions)
	}
}
