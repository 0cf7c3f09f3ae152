package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// contentHashV1 is ContentHash as stored states hold it: a faster
// ContentHash must give the very same hashes, or every stored record
// would look changed.
func contentHashV1(f sinks.Fields) string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, k := range names {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(f[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestContentHashStable(t *testing.T) {
	// A pinned value: the hash stored states hold for these fields.
	if got := ContentHash(sinks.Fields{"email": "a@b.fi", "fname": "Anna"}); got != contentHashV1(sinks.Fields{"email": "a@b.fi", "fname": "Anna"}) {
		t.Fatalf("ContentHash changed: %s", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		f := sinks.Fields{}
		n := r.IntN(60) // past the names kept on the stack
		for j := 0; j < n; j++ {
			f[fmt.Sprintf("f%d", r.IntN(100))] = strings.Repeat("x\x00é", r.IntN(40)) // past the stack buffer
		}
		if got, want := ContentHash(f), contentHashV1(f); got != want {
			t.Fatalf("fields %v: ContentHash %s, stored form %s", f, got, want)
		}
	}
	if ContentHash(nil) != contentHashV1(nil) {
		t.Fatal("empty fields hash changed")
	}
}

func BenchmarkContentHash(b *testing.B) {
	f := sinks.Fields{}
	for i := 0; i < 20; i++ {
		f[fmt.Sprintf("field%d", i)] = fmt.Sprintf("value %d-12345", i)
	}
	for b.Loop() {
		ContentHash(f)
	}
}

func BenchmarkContentHashV1(b *testing.B) {
	f := sinks.Fields{}
	for i := 0; i < 20; i++ {
		f[fmt.Sprintf("field%d", i)] = fmt.Sprintf("value %d-12345", i)
	}
	for b.Loop() {
		contentHashV1(f)
	}
}

// An entity's hash from its aligned values is ContentHash of its merged
// fields, for either merge policy, with empty cells, names in any order
// and rows shorter than the mapping.
func TestAlignedHashIsContentHash(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		n := r.IntN(12)
		names := r.Perm(40)[:n]
		ns := make([]string, n)
		for j, k := range names {
			ns[j] = fmt.Sprintf("f%02d", k)
		}
		order := newFieldOrder(ns)
		leads := make([]mapping.Lead, 1+r.IntN(3))
		for j := range leads {
			leads[j].Values = make([]string, r.IntN(n+1))
			for k := range leads[j].Values {
				if r.IntN(3) > 0 {
					leads[j].Values[k] = fmt.Sprintf("v%d", r.IntN(4))
				}
			}
		}
		for _, policy := range []string{"", "first"} {
			want := map[string]string{}
			for _, l := range leads { // the merge rule, spelt out
				for k, v := range l.Values {
					if _, had := want[ns[k]]; v != "" && !(had && policy == "first") {
						want[ns[k]] = v
					}
				}
			}
			e := &entity{vals: mergeValues(nil, n, leads, policy), order: order}
			if got := e.Fields(); !maps.Equal(got, sinks.Fields(want)) {
				t.Fatalf("names %v leads %v policy %q: fields %v, want %v", ns, leads, policy, got, want)
			}
			if got := e.contentHash(); got != contentHashV1(want) {
				t.Fatalf("names %v leads %v policy %q: hash %s, want %s", ns, leads, policy, got, contentHashV1(want))
			}
			if got := mergeFields(ns, leads, policy); !maps.Equal(got, sinks.Fields(want)) {
				t.Fatalf("mergeFields %v, want %v", got, want)
			}
		}
	}
	if newFieldOrder([]string{"a", "b", "a"}) != nil {
		t.Fatal("a repeated name must leave no order")
	}
}

// keyStrings cuts every key from one string: each is still its own
// "kind:value", and an entity's id is its keys sorted and joined.
func TestKeyStrings(t *testing.T) {
	for _, keys := range [][]sinks.Key{nil, {{Kind: "phone", Value: "+358401"}}, {{Kind: "phone", Value: "+358401"}, {Kind: "email", Value: "a@x.fi"}},
		{{Kind: "email", Value: "b@x.fi"}, {Kind: "phone", Value: ""}, {Kind: "id", Value: "7:8"}}} {
		var want []string
		for _, k := range keys {
			want = append(want, k.Kind+":"+k.Value)
		}
		if got := keyStrings(keys); !slices.Equal(got, want) && len(want) > 0 {
			t.Errorf("keyStrings(%v) = %q, want %q", keys, got, want)
		}
		if len(keys) == 0 {
			continue
		}
		sorted := slices.Sorted(slices.Values(want))
		if got := entityID(&entity{keys: keys}); got != strings.Join(sorted, "|") {
			t.Errorf("entityID(%v) = %q, want %q", keys, got, strings.Join(sorted, "|"))
		}
	}
}
