package pipeline

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// What state keeps of a record's values (Policy.StateValues) decides where
// a later diff's old values come from and what an update sends: all (the
// default) keeps them, the old values where the vendor's find returns ids
// only; none keeps only the content hash, so there a changed record is
// updated with every mapped field, its old values unknown.
func TestStateValues(t *testing.T) {
	rows := [][]string{{"Anna", "+358 40 123 4567", "anna@example.fi", "Helsinki"}}
	moved := [][]string{{"Anna", "+358 40 123 4567", "anna@example.fi", "Espoo"}}
	all := sinks.Fields{"name": "Anna", "phone": "+358401234567", "email": "anna@example.fi", "city": "Espoo"}
	city := Change{Field: "city", New: "Espoo", Old: "Helsinki", OldKnown: true}
	cases := []struct {
		name    string
		values  string
		idsOnly bool // the vendor's find returns ids only
		kept    bool // state keeps the record's values
		sent    sinks.Fields
		oldFrom string // where the city change's old value came from; "" unknown
		changes int
	}{
		{"default, find returns fields", "", false, true, sinks.Fields{"city": "Espoo"}, OldFromVendor, 1},
		{"default, find returns ids only", "", true, true, sinks.Fields{"city": "Espoo"}, OldFromSynced, 1},
		{"all, find returns ids only", "all", true, true, sinks.Fields{"city": "Espoo"}, OldFromSynced, 1},
		{"none, find returns fields", "none", false, false, sinks.Fields{"city": "Espoo"}, OldFromVendor, 1},
		{"none, find returns ids only", "none", true, false, all, "", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := newFake(true)
			if c.idsOnly {
				sink.obj.FindNoFields = "ids only"
			}
			env := newSyncEnv(t, sink.obj)
			var mu sync.Mutex
			var updates []Decision
			env.onDecision = func(d Decision) {
				mu.Lock()
				defer mu.Unlock()
				if d.Action == ActionUpdate {
					updates = append(updates, d)
				}
			}
			pol := Policy{StateValues: c.values}
			if res, err := env.sync(t, sink, rows, pol, 2); err != nil || res.Actions[ActionCreate] != 1 {
				t.Fatalf("first run: %+v, %v", res, err)
			}
			rec, ok, err := env.store.Record(context.Background(), sink.Scope(), "1001")
			if err != nil || !ok || rec.ContentHash == "" {
				t.Fatalf("state record: %+v %v %v", rec, ok, err)
			}
			if kept := len(rec.Fields) > 0; kept != c.kept {
				t.Fatalf("state keeps values %v (%v), want %v", kept, rec.Fields, c.kept)
			}
			if c.kept && !maps.Equal(rec.Fields, sinks.Fields{"name": "Anna", "phone": "+358401234567", "email": "anna@example.fi", "city": "Helsinki"}) {
				t.Fatalf("state values %v", rec.Fields)
			}
			// The same file again costs nothing, values kept or not.
			if res, err := env.sync(t, sink, rows, pol, 2); err != nil || res.Actions[ActionUnchanged] != 1 || sink.calls["find"] != 1 {
				t.Fatalf("unchanged re-run: %+v, %v, calls %v", res, err, sink.calls)
			}
			if res, err := env.sync(t, sink, moved, pol, 2); err != nil || res.Actions[ActionUpdate] != 1 {
				t.Fatalf("changed run: %+v, %v", res, err)
			}
			if len(sink.updates) != 1 || !maps.Equal(sink.updates[0], c.sent) {
				t.Fatalf("updates sent %v, want [%v]", sink.updates, c.sent)
			}
			if !maps.Equal(sink.recs["1001"], all) {
				t.Fatalf("vendor holds %v", sink.recs["1001"])
			}
			if len(updates) != 1 || len(updates[0].Changes) != c.changes {
				t.Fatalf("update decisions %+v", updates)
			}
			var got Change
			for _, ch := range updates[0].Changes {
				if ch.Field == "city" {
					got = ch
				}
			}
			want := city
			want.OldFrom = c.oldFrom
			if c.oldFrom == "" {
				want.Old, want.OldKnown = "", false
			}
			if got != want {
				t.Fatalf("city change %+v, want %+v", got, want)
			}
			// And the moved file again: nothing to do.
			if res, err := env.sync(t, sink, moved, pol, 2); err != nil || res.Actions[ActionUnchanged] != 1 || len(sink.updates) != 1 {
				t.Fatalf("re-run after the update: %+v, %v, updates %v", res, err, sink.updates)
			}
		})
	}
}
