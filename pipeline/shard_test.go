package pipeline

import (
	"context"
	"fmt"
	"github.com/leadsync/leadsync/state"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// TestShardsPartition: across N shards every entity and every row has
// exactly one owner, whatever the order of its keys, and the split is
// roughly even.
func TestShardsPartition(t *testing.T) {
	const n = 4
	shards := make([]Shard, n)
	for i := range shards {
		s, err := ParseShard(fmt.Sprintf("%d/%d", i, n))
		if err != nil {
			t.Fatal(err)
		}
		shards[i] = s
	}
	counts := make([]int, n)
	for p := range 4000 {
		keys := []sinks.Key{{Kind: "phone", Value: fmt.Sprintf("+35840%07d", p)}, {Kind: "email", Value: fmt.Sprintf("p%d@x.fi", p)}}
		rev := []sinks.Key{keys[1], keys[0]}
		owners := 0
		for i, s := range shards {
			if s.OwnsKeys(keys) != s.OwnsKeys(rev) {
				t.Fatalf("person %d: shard %d's answer depends on key order", p, i)
			}
			if s.OwnsKeys(keys) {
				owners++
				counts[i]++
			}
		}
		if owners != 1 {
			t.Fatalf("person %d has %d owners", p, owners)
		}
		rowOwners := 0
		for _, s := range shards {
			if s.OwnsRow(p) {
				rowOwners++
			}
		}
		if rowOwners != 1 {
			t.Fatalf("row %d has %d owners", p, rowOwners)
		}
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("shard %d owns %d of 4000: uneven %v", i, c, counts)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, bad := range []string{"", "4/4", "-1/4", "1/0", "a/b", "1", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard(" 3/8 "); err != nil || s != (Shard{3, 8}) || s.String() != "3/8" {
		t.Errorf("ParseShard(3/8) = %v, %v", s, err)
	}
	if (Shard{}).On() || !(Shard{}).OwnsKeys(nil) || !(Shard{}).OwnsRow(7) {
		t.Error("the zero Shard must own everything")
	}
}

// TestSyncShards: four shards of one job, each with its own state, on one
// vendor: every person is written once (in-file duplicates in other
// spellings stay together in one shard), the bad row is rejected by one
// shard only, and every row is accounted for by exactly one shard.
func TestSyncShards(t *testing.T) {
	sink := newFake(true)
	sink.recs["500"] = sinks.Fields{"name": "Old Name", "phone": "+358501111111", "city": "Oulu"}
	rows := [][]string{
		{"Anna", "+358 40 123 4567", "anna@example.fi", "Helsinki"},
		{"Mikko", "050-1111111", "", "Oulu"},
		{"Anna V", "040-1234567", "", ""},
		{"", "358401234567", "ANNA@example.fi", "Espoo"},
		{"Bea", "", "bea@example.fi", "Turku"},
		{"Bad", "12", "", ""},
		{"Cid", "+358 44 999 8888", "anna@example.fi", "Vaasa"},
	}
	for i := 0; i < 40; i++ {
		rows = append(rows, []string{fmt.Sprint("P", i), fmt.Sprintf("+358 45 %07d", i), "", ""})
	}
	entities, rejected, accounted := 0, 0, 0
	for i := range 4 {
		env := newSyncEnv(t, sink.obj) // a state of the shard's own
		run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "f", ConfigHash: "c"})
		w := env.store.NewWriter(run.ID, nil)
		res, err := Sync(context.Background(), SyncConfig{
			Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows}, Mapping: env.m, Sink: sink,
			Store: env.store, State: w, RunID: run.ID, Reporter: env.rec, Concurrency: 4, Shard: Shard{Index: i, Count: 4},
		})
		if cerr := w.Close(); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		entities += res.Entities
		rejected += res.Rejected()
		accounted += res.OtherShards
		for _, n := range res.Statuses {
			accounted += n
		}
	}
	if entities != 43 || rejected != 1 {
		t.Errorf("shards: %d entities, %d rejected; want 43 and 1", entities, rejected)
	}
	if want := 4 * len(rows); accounted != want {
		t.Errorf("rows accounted %d, want %d (each row once per shard: its own or another's)", accounted, want)
	}
	if len(sink.recs) != 43 || sink.calls["create"] != 42 || sink.calls["update"] != 1 {
		t.Errorf("vendor: %d records, calls %v; want 43 records, 42 creates, 1 update", len(sink.recs), sink.calls)
	}
}
