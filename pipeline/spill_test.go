package pipeline

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// groupInMemory is the reference: union-find over key strings, groups in
// the order of their first rows.
func groupInMemory(rows [][]sinks.Key) [][]int {
	parent := map[string]string{}
	var find func(string) string
	find = func(k string) string {
		for parent[k] != k {
			k = parent[k]
		}
		return k
	}
	for _, ks := range rows {
		if len(ks) == 0 {
			continue
		}
		for _, k := range ks {
			if _, ok := parent[k.Value]; !ok {
				parent[k.Value] = k.Value
			}
		}
		for _, k := range ks[1:] {
			if a, b := find(ks[0].Value), find(k.Value); a != b {
				parent[b] = a
			}
		}
	}
	byRoot := map[string]int{}
	var out [][]int
	for i, ks := range rows {
		if len(ks) == 0 {
			out = append(out, []int{i})
			continue
		}
		r := find(ks[0].Value)
		j, ok := byRoot[r]
		if !ok {
			j = len(out)
			byRoot[r] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], i)
	}
	return out
}

// TestSpillGroupsAsInMemory: rows grouped through the spill (sorted runs
// on disk, merged) form the same entities, in the same order, with the
// same rows and values, as an in-memory union-find; and the spill leaves
// nothing behind.
func TestSpillGroupsAsInMemory(t *testing.T) {
	for _, chunk := range []int{3, 64, edgeChunk} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(chunk)))
			var rows [][]sinks.Key
			for range 3000 {
				var ks []sinks.Key
				for range r.IntN(3) { // 0, 1 or 2 keys from small pools: many joins
					kind := []string{"phone", "email"}[r.IntN(2)]
					ks = append(ks, sinks.Key{Field: kind, Kind: kind, Value: fmt.Sprintf("%s:%d", kind, r.IntN(2500))})
				}
				rows = append(rows, ks)
			}
			dir := t.TempDir()
			sp, err := newSpill(dir, "state.db")
			if err != nil {
				t.Fatal(err)
			}
			sp.chunk = chunk
			for i, ks := range rows {
				lead := mapping.Lead{Row: i + 2, Values: []string{fmt.Sprint(i), "", "ä\x00b"}, Missing: []string{"x"}[:i%2]}
				if err := sp.add(lead, []string{fmt.Sprint(i), "raw"}, ks); err != nil {
					t.Fatal(err)
				}
			}
			if err := sp.group(); err != nil {
				t.Fatal(err)
			}
			if chunk < edgeChunk && len(sp.runs) < 2 {
				t.Fatalf("%d runs: the merge was not exercised", len(sp.runs))
			}
			var got [][]int
			err = sp.scan(nil, func(_ int32, g []spilled) error {
				var ids []int
				for _, s := range g {
					i := s.lead.Row - 2
					if diff := cmp.Diff([]string{fmt.Sprint(i), "", "ä\x00b"}, s.lead.Values); diff != "" {
						return fmt.Errorf("row %d values: %s", i, diff)
					}
					if !slices.Equal(s.raw, []string{fmt.Sprint(i), "raw"}) || len(s.lead.Missing) != i%2 {
						return fmt.Errorf("row %d: raw %q missing %q", i, s.raw, s.lead.Missing)
					}
					if diff := cmp.Diff(rows[i], s.keys, cmp.Comparer(func(a, b []sinks.Key) bool { return slices.Equal(a, b) })); diff != "" && len(rows[i])+len(s.keys) > 0 {
						return fmt.Errorf("row %d keys: %s", i, diff)
					}
					ids = append(ids, i)
				}
				got = append(got, ids)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := groupInMemory(rows)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("groups (-in memory +spill):\n%s", diff)
			}
			if len(want) > len(rows)*9/10 {
				t.Fatalf("only %d groups of %d rows merged: the test joins too little", len(rows)-len(want), len(rows))
			}
			if err := sp.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}

// TestStaleSpillsRemoved: a spill folder no process holds (a killed run's)
// is removed by the next spill beside the same state file; one in use is
// left alone, as are other state files' spills.
func TestStaleSpillsRemoved(t *testing.T) {
	dir := t.TempDir()
	busy, err := newSpill(dir, "state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	stale := filepath.Join(dir, "state.db"+spillPrefix+"123")
	other := filepath.Join(dir, "other.db"+spillPrefix+"9")
	for _, d := range []string{stale, other} {
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "lock"), nil, 0o644)
		os.WriteFile(filepath.Join(d, "rows"), []byte("x"), 0o644)
	}
	sp, err := newSpill(dir, "state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("a killed run's spill stays: %v", err)
	}
	for _, d := range []string{busy.dir, other} {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("%s removed: %v", d, err)
		}
	}
}

// TestSpillWhereStateIsNotWritable: where no folder can be made beside
// the state file (a read-only folder in a dry run; here a path that is not
// a folder, which fails for root too), the spill goes to the temporary
// folder.
func TestSpillWhereStateIsNotWritable(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	sp, err := newSpill(notDir, "state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if filepath.Dir(sp.dir) != filepath.Clean(os.TempDir()) {
		t.Fatalf("spilled into %s", sp.dir)
	}
}

// TestRowInts: across chunk boundaries every row keeps its own value.
func TestRowInts(t *testing.T) {
	var r rowInts
	const n = 3*rowChunk + 7
	for i := range int32(n) {
		r.add(i * 3)
	}
	for i := int32(0); i < n; i += 5 {
		r.set(i, -i)
	}
	if r.len() != n || len(r.chunks) != 4 {
		t.Fatalf("len %d, %d chunks", r.len(), len(r.chunks))
	}
	for i := range int32(n) {
		want := i * 3
		if i%5 == 0 {
			want = -i
		}
		if got := r.at(i); got != want {
			t.Fatalf("row %d: %d, want %d", i, got, want)
		}
	}
	r.free()
	if r.len() != 0 || r.chunks != nil {
		t.Fatalf("after free: len %d, %d chunks", r.len(), len(r.chunks))
	}
}
