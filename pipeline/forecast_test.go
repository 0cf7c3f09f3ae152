package pipeline

import (
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// The forecast revised during a run: before any entity starts it is the
// plan's; once entities have started, the rest are expected at the rate
// the started ones took (retries, finds after lost answers); when every
// entity has started it is the calls made.
func TestReviseForecastFromObservedRate(t *testing.T) {
	made := 0
	prog := &Progress{}
	r := &reviser{calls: func() int { return made }, plan: 101, fixed: 1, entities: 100, prog: prog}
	if f := r.revise(); f != 101 {
		t.Fatalf("before any call: %d, want the plan's 101", f)
	}
	// Half the entities started (50 forecast calls); they took 60 calls
	// (20 % retries), plus the credential check.
	r.started.Store(50)
	made = 61
	if f := r.revise(); f != 61+60 {
		t.Fatalf("half way at 20 %% retries: %d, want %d", f, 61+60)
	}
	if got := prog.Planned.Load(); got != 121 {
		t.Fatalf("progress shows %d, want the revised 121", got)
	}
	r.started.Store(100)
	made = 118
	if f := r.revise(); f != 118 {
		t.Fatalf("all started: %d, want the calls made", f)
	}
	// Without a call count (no budget) the plan's forecast stands.
	if f := (&reviser{plan: 7, prog: prog}).revise(); f != 7 {
		t.Fatalf("no counter: %d", f)
	}
}

// An entity the vendor held several matches for is remembered with its
// content: the next run forecasts its find and no write (it is still
// found again: a vendor edit may settle it), and an unchanged entity that
// state knows costs nothing.
func TestPlanRemembersAmbiguity(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	sink.recs["1"] = sinks.Fields{"phone": "+358401234567"}
	sink.recs["2"] = sinks.Fields{"phone": "+358401234567"}
	rows := [][]string{{"Anna", "040 1234567", "", ""}, {"New", "040 7654321", "", ""}}
	res, err := env.sync(t, sink, rows, Policy{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan.Calls != 4 || res.Actions[ActionAmbiguous] != 1 {
		t.Fatalf("first run: plan %+v, actions %v", res.Plan, res.Actions)
	}
	before := sink.calls["find"]
	res, err = env.sync(t, sink, rows, Policy{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan.Calls != 1 || res.Plan.Writes != 0 || sink.calls["find"]-before != 1 || res.Actions[ActionAmbiguous] != 1 {
		t.Fatalf("re-run: plan %+v (want 1 find, no write), finds %d, actions %v", res.Plan, sink.calls["find"]-before, res.Actions)
	}
}
