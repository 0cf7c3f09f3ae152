package state

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Unchanged settles exactly the entities LookupKeys and Record, one at a
// time, say are unchanged (one id, a record, the same hash), for hashes stored as bytes (hex) and
// as text, asked with the stored hash, another one, and none.
func TestUnchangedAgreesWithLookupKeys(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	run, _, _ := s.BeginRun(ctx, RunSpec{Job: "j", Fingerprint: "f", ConfigHash: "c"})
	w := s.NewWriter(run.ID, nil)
	hashOf := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("text-%d", i) // stored as text
		}
		return fmt.Sprintf("%064x", i) // stored as bytes
	}
	const n = 1300
	for i := 0; i < n; i++ {
		keys := []string{fmt.Sprintf("phone:+35840%07d", i), fmt.Sprintf("email:p%d@x.fi", i)}
		if i%10 == 3 {
			keys = append(keys, fmt.Sprintf("phone:+35840%07d", i+1))
		}
		id := fmt.Sprint(1000 + i)
		if i%7 == 0 { // ids the digest answer must not misread
			id = fmt.Sprintf("%d -1 %d ü", i, i+1)
		}
		w.Entity(Entity{Scope: "v/contact@a", VendorID: id, Keys: keys, ContentHash: hashOf(i), Fields: map[string]string{"x": "y"}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO entity_keys(scope, key, vendor_id) VALUES((SELECT id FROM scopes WHERE name='v/contact@a'), ?, '999999')`, packKey("email:orphan@x.fi")); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	var ents [][]string
	var hashes []string
	for i := 0; i < 3*n; i++ {
		var ks []string
		j := rng.IntN(n + 100)
		for range 1 + rng.IntN(3) {
			switch k := j + rng.IntN(3) - 1; {
			case k >= n || k < 0:
				ks = append(ks, "email:orphan@x.fi", fmt.Sprintf("email:nobody%d@x.fi", k))
			case rng.IntN(2) == 0:
				ks = append(ks, fmt.Sprintf("phone:+35840%07d", k))
			default:
				ks = append(ks, fmt.Sprintf("email:p%d@x.fi", k))
			}
		}
		ents = append(ents, ks)
		switch rng.IntN(4) {
		case 0:
			hashes = append(hashes, hashOf(j+1))
		case 1:
			hashes = append(hashes, "")
		default:
			hashes = append(hashes, hashOf(j))
		}
	}
	ents, hashes = append(ents, nil), append(hashes, "x")
	got, err := s.Unchanged(ctx, "v/contact@a", ents, hashes)
	if err != nil {
		t.Fatal(err)
	}
	settled := 0
	for i, ks := range ents {
		ids, err := s.LookupKeys(ctx, "v/contact@a", ks)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		if len(ids) == 1 {
			rec, found, err := s.Record(ctx, "v/contact@a", ids[0])
			if err != nil {
				t.Fatal(err)
			}
			if found && SameHash(rec.ContentHash, hashes[i]) {
				want = ids[0]
				settled++
			}
		}
		if got[i] != want {
			t.Fatalf("entity %v hash %q: Unchanged %q, LookupKeys %q", ents[i], hashes[i], got[i], ids)
		}
	}
	if settled < 200 || settled > 3*n-200 {
		t.Fatalf("%d of %d settled: the sample does not exercise both answers", settled, 3*n)
	}
	if got, err := s.Unchanged(ctx, "no/such@scope", ents[:3], hashes[:3]); err != nil || got[0]+got[1]+got[2] != "" {
		t.Fatalf("unknown scope: %q %v", got, err)
	}
}

// lookupBench is the lookup benchmarks' state: n known entities of two
// keys each, and their content hashes.
func lookupBench(b *testing.B, n int) (*Store, [][]string, []string) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	w := s.NewWriter(1, nil)
	keys := make([][]string, n)
	hashes := make([]string, n)
	for i := range keys {
		keys[i] = []string{fmt.Sprintf("phone:+35840%07d", i), fmt.Sprintf("email:lead.%d@example.fi", i)}
		hashes[i] = strings.Repeat("ab", 32)
		w.Entity(Entity{Scope: "v/contact@a", VendorID: fmt.Sprint(i + 1), Keys: keys[i], ContentHash: hashes[i], Fields: map[string]string{"x": "y"}})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return s, keys, hashes
}

// benchLookups times ask over n entities, 1,000 at a time, and reports
// the process's CPU time per entity.
func benchLookups(b *testing.B, n int, ask func(at int) error) {
	var cpu time.Duration
	for b.Loop() {
		t0 := cpuNow()
		for at := 0; at < n; at += 1000 {
			if err := ask(at); err != nil {
				b.Fatal(err)
			}
		}
		cpu += cpuNow() - t0
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/entity")
}

// BenchmarkUnchanged answers an unchanged re-run's lookups: 100,000
// known entities of two keys each, asked 1,000 at a time through
// Unchanged, the plan's query.
func BenchmarkUnchanged(b *testing.B) {
	const n = 100_000
	s, keys, hashes := lookupBench(b, n)
	benchLookups(b, n, func(at int) error {
		ids, err := s.Unchanged(context.Background(), "v/contact@a", keys[at:at+1000], hashes[at:at+1000])
		if err == nil && ids[0] == "" {
			err = errors.New("not settled")
		}
		return err
	})
}

// A damaged digest answer is an error, never a wrong id.
func TestParseDigestAnswer(t *testing.T) {
	chunk := []int32{4, 2, 0}
	settled, out := make([]bool, 5), make([]string, 5)
	if err := parseDigestAnswer([]byte("0 5 a b c2 -1 1 3 x y"), chunk, settled, out); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", "", "x y", "", "a b c"}; !slices.Equal(out, want) {
		t.Fatalf("ids %q", out)
	}
	if want := []bool{true, false, true, false, true}; !slices.Equal(settled, want) {
		t.Fatalf("settled %v", settled)
	}
	for _, bad := range []string{"0 9 ab", "3 1 a", "x 1 a", "0", "0 1", "-1 1 a"} {
		if err := parseDigestAnswer([]byte(bad), chunk, make([]bool, 5), make([]string, 5)); err == nil {
			t.Errorf("%q read without an error", bad)
		}
	}
}

// packKey is one-to-one (a key of no known kind, or one that looks like
// a packed form, never meets another key's form) and keeps the order of
// keys of one kind.
func TestPackKey(t *testing.T) {
	keys := []string{"phone:+358401", "email:a@x.fi", "id:7", "hash:0123", "event:x", "", "phone:", "\x01+358401", "\x00phone:+358401", "phonex:1", "email:b@x.fi"}
	seen := map[string]string{}
	for _, k := range keys {
		p := string(packKey(k))
		if other, dup := seen[p]; dup {
			t.Errorf("%q and %q pack alike", k, other)
		}
		seen[p] = k
	}
	if a, b := string(packKey("email:a@x.fi")), string(packKey("email:b@x.fi")); a >= b {
		t.Errorf("packed keys out of order: %q %q", a, b)
	}
}

// A record keeps the first 128 bits of a hex content hash (16 bytes, not
// 32): an entity is unchanged when its hash begins with them, changed
// when its first 128 bits differ; other hashes stay text. A version 3
// file's 32-byte hashes are cut to 16 when it is opened, and still
// answer the same.
func TestRecordsKeep128BitHashes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	full := strings.Repeat("0123456789abcdef", 4) // 256 bits
	other := "f" + full[1:]                       // differs in the first 128
	late := full[:32] + strings.Repeat("0", 32)   // differs in the last 128 only
	w := s.NewWriter(1, nil)
	w.Entity(Entity{Scope: "v/c@a", VendorID: "1", Keys: []string{"phone:+3584011"}, ContentHash: full})
	w.Entity(Entity{Scope: "v/c@a", VendorID: "2", Keys: []string{"phone:+3584022"}, ContentHash: "incomplete"})
	w.Entity(Entity{Scope: "v/c@a", VendorID: "3", Keys: []string{"phone:+3584033"}, ContentHash: "abc"}) // odd length: text
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sizes := func(s *Store) map[string]int64 {
		out := map[string]int64{}
		rows, err := s.db.Query(`SELECT vendor_id, length(content_hash) FROM records`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var n int64
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			out[id] = n
		}
		return out
	}
	check := func(s *Store, when string) {
		t.Helper()
		if got := sizes(s); got["1"] != 16 || got["2"] != int64(len("incomplete")) || got["3"] != 3 {
			t.Errorf("%s: stored hash sizes %v", when, got)
		}
		keys := [][]string{{"phone:+3584011"}, {"phone:+3584011"}, {"phone:+3584011"}, {"phone:+3584022"}, {"phone:+3584033"}, {"phone:+3584033"}}
		ids, err := s.Unchanged(ctx, "v/c@a", keys, []string{full, other, late, "incomplete", "abc", "abd"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"1", "", "1", "2", "3", ""}; !slices.Equal(ids, want) {
			t.Errorf("%s: unchanged %q, want %q", when, ids, want)
		}
	}
	check(s, "written")
	// The same file as version 3 wrote it: the whole 32-byte hash.
	whole, err := hex.DecodeString(full)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE records SET content_hash = ? WHERE vendor_id = '1'`, whole); err != nil {
		t.Fatal(err)
	}
	s = reopenAs(t, s, path, 3)
	defer s.Close()
	if v := userVersion(t, path); v != schemaVersion {
		t.Errorf("user_version %d", v)
	}
	check(s, "migrated from version 3")
}

// reopenAs marks s's file as schema version v wrote it, closes it and
// opens it again (migrating it).
func reopenAs(t *testing.T, s *Store, path string, v int) *Store {
	t.Helper()
	if _, err := s.db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unchanged answers alike for every chunk size it pads to: each of n
// exact entities settled, with its own id, and a changed one not.
func TestUnchangedChunkSizes(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	w := s.NewWriter(1, nil)
	const total = 1100
	keys := make([][]string, total)
	hashes := make([]string, total)
	for i := range keys {
		keys[i] = []string{fmt.Sprintf("phone:+35840%07d", i), fmt.Sprintf("email:l%d@x.fi", i)}
		hashes[i] = fmt.Sprintf("%032x%032x", i+1, 0) // the stored part differs
		w.Entity(Entity{Scope: "v/contact@a", VendorID: fmt.Sprint(i + 1), Keys: keys[i], ContentHash: hashes[i]})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 15, 16, 17, 100, 511, 512, 513, 1025, total} {
		hs := slices.Clone(hashes[:n])
		hs[n-1] = strings.Repeat("f", 64) // the last one changed
		before := lookupPerKey.Load()
		got, err := s.Unchanged(ctx, "v/contact@a", keys[:n], hs)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range got {
			if want := fmt.Sprint(i + 1); i < n-1 && id != want || i == n-1 && id != "" {
				t.Fatalf("n=%d: entity %d settled as %q", n, i, id)
			}
		}
		if d := lookupPerKey.Load() - before; d != 0 {
			t.Fatalf("n=%d: %d entities took the per-key path", n, d)
		}
	}
	for n, want := range map[int]int{1: 16, 16: 16, 17: 32, 300: 512, 512: 512, 513: 512} {
		if got := chunkSize(n); got != want {
			t.Errorf("chunkSize(%d) = %d, want %d", n, got, want)
		}
	}
}
