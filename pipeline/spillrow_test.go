package pipeline

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// A spilled row reads back as it was written, whatever its values equal:
// source cells, other values, nothing; hints learned on early rows that
// later rows no longer follow; empty values and lists. A record cut
// anywhere is an error, never a panic or a row.
func TestSpilledRowRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h refHints
	pick := func(list []string, i int) string {
		switch r.IntN(5) {
		case 0:
			return ""
		case 1:
			return fmt.Sprintf("own %d", r.IntN(3))
		default:
			if len(list) == 0 {
				return "x"
			}
			if i < 3 { // early places follow one cell, then stop
				return list[i%len(list)]
			}
			return list[r.IntN(len(list))]
		}
	}
	for n := range 3000 {
		raw := make([]string, r.IntN(6))
		for i := range raw {
			raw[i] = fmt.Sprintf("cell %d", r.IntN(4))
		}
		lead := mapping.Lead{Row: n + 2, Values: make([]string, r.IntN(7))}
		for i := range lead.Values {
			lead.Values[i] = pick(raw, i)
			if n > refSearchRows && i < 3 && r.IntN(2) == 0 {
				lead.Values[i] = "changed later"
			}
		}
		if r.IntN(4) == 0 {
			lead.Missing, lead.MissingColumn = []string{"phone"}, "Puhelin"
		}
		var keys []sinks.Key
		for range r.IntN(3) {
			keys = append(keys, sinks.Key{Field: "phone", Kind: "phone", Value: pick(lead.Values, 0)})
		}
		if len(raw) == 0 {
			raw = nil
		}
		if len(lead.Values) == 0 {
			lead.Values = nil
		}
		b := encodeRow(nil, lead, raw, keys, &h)
		got, err := decodeRow(b)
		if err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		want := spilled{lead: lead, raw: raw, keys: keys}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(spilled{})); d != "" {
			t.Fatalf("row %d (-want +got):\n%s", n, d)
		}
		for cut := range len(b) {
			if _, err := decodeRow(b[:cut]); err == nil {
				t.Fatalf("row %d cut at %d of %d bytes read without an error", n, cut, len(b))
			}
		}
	}
	if len(h.values) == 0 {
		t.Fatal("no hints learned")
	}
}
