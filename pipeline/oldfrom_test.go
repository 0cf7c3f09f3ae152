package pipeline

import (
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// An old value read at the vendor is marked as the vendor's; one known
// only from state is marked as last synced; none is unknown.
func TestDiffMarksWhereOldCameFrom(t *testing.T) {
	obj := sinks.Object{Fields: []sinks.Field{{Name: "city", Type: sinks.String}, {Name: "name", Type: sinks.String}, {Name: "note", Type: sinks.String}}}
	got := diff(obj, sinks.Fields{"city": "Espoo", "name": "Anna", "note": "x"}, sinks.Fields{"city": "Oulu"}, sinks.Fields{"name": "Ann", "city": "Turku"})
	want := []Change{
		{Field: "city", Old: "Oulu", New: "Espoo", OldKnown: true, OldFrom: OldFromVendor},
		{Field: "name", Old: "Ann", New: "Anna", OldKnown: true, OldFrom: OldFromSynced},
		{Field: "note", New: "x"},
	}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
