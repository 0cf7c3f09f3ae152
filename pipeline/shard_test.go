package pipeline

import (
	"fmt"
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
