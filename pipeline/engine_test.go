package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// deletingFake is a fake vendor that can delete.
type deletingFake struct {
	*fakeSink
	deleted []string
}

func (d *deletingFake) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deleted = append(d.deleted, id)
	delete(d.recs, id)
	return nil
}

// A dry run of a mirror job lists the records a real run would delete,
// deletes none and forgets none; the real run then deletes exactly those.
func TestMirrorDryRunPlansDeletions(t *testing.T) {
	sink := &deletingFake{fakeSink: newFake(true)}
	env := newSyncEnv(t, sink.obj)
	rows := [][]string{{"A", "0401111111", "", ""}, {"B", "0402222222", "", ""}, {"C", "0403333333", "", ""}}
	if _, err := env.sync(t, sink, rows, Policy{}, 2); err != nil {
		t.Fatal(err)
	}
	// B and C leave the source: plan the next run.
	var mu sync.Mutex
	present, kept := map[string]bool{}, 0
	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "dry", ConfigHash: "c", DryRun: true})
	_, err := Sync(context.Background(), SyncConfig{
		Source:  &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows[:1]},
		Mapping: env.m, Sink: sink, Store: env.store, RunID: run.ID, Policy: Policy{DryRun: true},
		OnDecision: func(d Decision) {
			mu.Lock()
			defer mu.Unlock()
			if d.VendorID != "" {
				present[d.VendorID] = true
			}
			kept++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mres, err := MirrorNamed(context.Background(), sink, env.store, present, kept, true)
	if err != nil || len(mres.Deleted) != 2 || len(sink.deleted) != 0 {
		t.Fatalf("dry mirror %+v %v; deleted at the vendor %v", mres, err, sink.deleted)
	}
	if ids, _ := env.store.CreatedRecords(context.Background(), sink.Scope()); len(ids) != 3 {
		t.Fatalf("a dry mirror forgot records: %v", ids)
	}
	// The real run deletes what the plan listed.
	res, err := env.sync(t, sink, rows[:1], Policy{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	runs, _ := env.store.Runs(context.Background(), "t", 1)
	real, err := Mirror(context.Background(), sink, env.store, runs[0].ID, false)
	if err != nil || len(real.Deleted) != 2 || real.Deleted[0] != mres.Deleted[0] || real.Deleted[1] != mres.Deleted[1] {
		t.Fatalf("real mirror %+v %v, planned %v", real, err, mres.Deleted)
	}
}

// A dry run of a multi-step write sends no step and records no intent:
// its decision is a create with no vendor id.
func TestDryRunFlowSendsNoStep(t *testing.T) {
	ff := &flowFake{fakeSink: newFake(false), sent: map[string]int{}, happened: map[string]bool{}, lose: map[string]int{}}
	env := newSyncEnv(t, ff.obj)
	var ds []Decision
	var mu sync.Mutex
	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "f", ConfigHash: "c", DryRun: true})
	w := env.store.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{
		Source:  &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: [][]string{{"A", "0401111111", "", ""}, {"B", "0402222222", "", ""}}},
		Mapping: env.m, Sink: ff, Store: env.store, State: w, RunID: run.ID, Policy: Policy{DryRun: true},
		OnDecision: func(d Decision) { mu.Lock(); ds = append(ds, d); mu.Unlock() },
	})
	w.Close()
	if err != nil || res.Actions[ActionCreate] != 2 || len(ff.sent) != 0 || ff.calls["create"] != 0 {
		t.Fatalf("%+v %v; sent %v", res, err, ff.sent)
	}
	for _, d := range ds {
		if d.VendorID != "" {
			t.Fatalf("a planned create has vendor id %q", d.VendorID)
		}
		if steps, _ := env.store.Steps(context.Background(), ff.Scope(), d.ID); len(steps) != 0 {
			t.Fatalf("a dry run recorded steps %v", steps)
		}
	}
	if n, _ := env.store.SentSteps(context.Background(), ff.Scope()); n != 0 {
		t.Fatalf("%d intents", n)
	}
	if counts, _ := env.store.CountOutcomes(context.Background(), run.ID); len(counts) != 0 {
		t.Fatalf("a dry run recorded outcomes %v", counts)
	}
}

// A dry run of an export writes no file and no outcome, and reports its
// plan: every record it would write.
func TestExportDryRun(t *testing.T) {
	src := &memSource{n: 3000}
	cfg, st, run, sink, _ := setup(t, src)
	cfg.Policy.DryRun = true
	n := 0
	cfg.OnDecision = func(d Decision) {
		if d.Action != ActionExport || len(d.Changes) == 0 {
			t.Errorf("decision %+v", d)
		}
		n++
	}
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.State.Close()
	if res.Plan.Entities != 2640 || n != 2640 || res.Rejected() != 360 || res.Actions[ActionExport] != 2640 {
		t.Fatalf("plan %+v, %d decisions, result %+v", res.Plan, n, res)
	}
	for _, p := range []string{sink.Path(), safefile.PartialName(sink.Path())} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("a dry run created %s", filepath.Base(p))
		}
	}
	if counts, _ := st.CountOutcomes(context.Background(), run.ID); len(counts) != 0 {
		t.Fatalf("a dry run recorded outcomes %v", counts)
	}
}

var _ sinks.Deleter = (*deletingFake)(nil)
