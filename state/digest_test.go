package state

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// digestModel is what the index should hold: each key's record and each
// record's content hash.
type digestModel struct {
	keyTo map[string]string
	hash  map[string]string
}

// unchanged is Unchanged's contract, from the model: the entity's keys
// the index holds name one record, which holds this very hash.
func (m digestModel) unchanged(keys []string, hash string) string {
	id := ""
	for _, k := range keys {
		v, ok := m.keyTo[k]
		switch {
		case !ok:
		case id == "":
			id = v
		case id != v:
			return ""
		}
	}
	if h, ok := m.hash[id]; ok && h == hash {
		return id
	}
	return ""
}

// keysOf is the record's keys, from the model, sorted.
func (m digestModel) keysOf(id string) []string {
	var ks []string
	for k, v := range m.keyTo {
		if v == id {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// checkDigests fails unless every record's stored key digest is the
// digest of the keys entity_keys points at it, or unknown (NULL) for the
// records of unknown.
func checkDigests(t *testing.T, s *Store, unknown ...string) {
	t.Helper()
	want := map[string]uint64{}
	rows, err := s.db.Query(`SELECT scope, vendor_id, key FROM entity_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var scope int64
		var id string
		var key []byte
		if err := rows.Scan(&scope, &id, &key); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprint(scope, "/", id)] ^= keyHash(key)
	}
	rows.Close()
	rows, err = s.db.Query(`SELECT scope, vendor_id, keys_digest FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var scope int64
		var id string
		var d *int64
		if err := rows.Scan(&scope, &id, &d); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(unknown, id) {
			if d != nil {
				t.Fatalf("record %s: key digest %x, for keys that named it before it was recorded", id, uint64(*d))
			}
			continue
		}
		if d == nil {
			t.Fatalf("record %s has no key digest", id)
		}
		if w := want[fmt.Sprint(scope, "/", id)]; uint64(*d) != w {
			t.Fatalf("record %s: key digest %x, its keys' %x", id, uint64(*d), w)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no records")
	}
}

// The writer keeps each record's key digest as keys come, move to
// another record and go with a forgotten record; Unchanged, seeking one
// key per entity where the digest allows, answers exactly as the model
// (and as its seek per key) does, for entities with a record's very
// keys, a part of them, keys of two records, new keys and keys named
// twice.
func TestKeyDigests(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	const scope = "v/contact@a"
	m := digestModel{keyTo: map[string]string{}, hash: map[string]string{}}
	rng := rand.New(rand.NewPCG(5, 5))
	keyName := func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf("phone:+35840%07d", i)
		}
		return fmt.Sprintf("email:p%d@x.fi", i)
	}
	const ids, keys = 40, 90
	randKeys := func() []string {
		var ks []string
		for range 1 + rng.IntN(3) {
			ks = append(ks, keyName(rng.IntN(keys)))
		}
		if rng.IntN(8) == 0 {
			ks = append(ks, ks[0]) // named twice
		}
		return ks
	}
	hashOf := func(i int) string { return strings.Repeat(fmt.Sprintf("%02x", i), 32) }
	moved := 0
	for round := range 12 {
		w := s.NewWriter(int64(round+1), nil)
		for range 60 {
			id := fmt.Sprint(100 + rng.IntN(ids))
			ks := randKeys()
			h := hashOf(rng.IntN(3))
			for _, k := range ks {
				if was, ok := m.keyTo[k]; ok && was != id {
					moved++
				}
				m.keyTo[k] = id
			}
			m.hash[id] = h
			w.Entity(Entity{Scope: scope, VendorID: id, Keys: ks, ContentHash: h})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if round%3 == 2 {
			id := fmt.Sprint(100 + rng.IntN(ids))
			if err := s.Forget(ctx, scope, id); err != nil {
				t.Fatal(err)
			}
			delete(m.hash, id)
			for k, v := range m.keyTo {
				if v == id {
					delete(m.keyTo, k)
				}
			}
		}
		checkDigests(t, s)
	}
	// A key that named a record before it was recorded (an index entry
	// written alone): that record's digest is unknown, and stays so when
	// the key moves on, so an entity of its keys and the moved one is
	// not taken for unchanged.
	if _, err := s.db.Exec(`INSERT INTO entity_keys(scope, key, vendor_id) VALUES((SELECT id FROM scopes WHERE name=?), ?, '999')`, scope, packKey("email:orphan@x.fi")); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(99, nil)
	w.Entity(Entity{Scope: scope, VendorID: "999", Keys: []string{"email:orphan@x.fi", "email:late@x.fi"}, ContentHash: hashOf(1)})
	w.Entity(Entity{Scope: scope, VendorID: "998", Keys: []string{"email:orphan@x.fi"}, ContentHash: hashOf(1)})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m.keyTo["email:late@x.fi"], m.keyTo["email:orphan@x.fi"] = "999", "998"
	m.hash["999"], m.hash["998"] = hashOf(1), hashOf(1)
	checkDigests(t, s, "999")
	if got, err := s.Unchanged(ctx, scope, [][]string{{"email:late@x.fi", "email:orphan@x.fi"}}, []string{hashOf(1)}); err != nil || got[0] != "" {
		t.Fatalf("keys of two records: Unchanged %q, %v", got, err)
	}

	if moved < 100 {
		t.Fatalf("only %d keys moved between records: the sample does not exercise it", moved)
	}

	ask := func(t *testing.T) {
		t.Helper()
		// Every record by its very keys and hash, another hash, its keys
		// and a new one, a part of its keys; then random entities.
		var ents [][]string
		var hashes []string
		var exact []int
		for id, h := range m.hash {
			ks := m.keysOf(id)
			if len(ks) == 0 {
				continue
			}
			exact = append(exact, len(ents))
			ents = append(ents, ks, ks, append(slices.Clone(ks), keyName(keys+1)), ks[:len(ks)-1])
			hashes = append(hashes, h, hashOf(7), h, h)
		}
		for range 500 {
			ents = append(ents, randKeys())
			hashes = append(hashes, hashOf(rng.IntN(3)))
		}
		before := lookupPerKey.Load()
		got, err := s.Unchanged(ctx, scope, ents, hashes)
		if err != nil {
			t.Fatal(err)
		}
		perKey := lookupPerKey.Load() - before
		lookupOneSeek = false
		slow, err := s.Unchanged(ctx, scope, ents, hashes)
		lookupOneSeek = true
		if err != nil {
			t.Fatal(err)
		}
		settled := 0
		for i := range ents {
			want := m.unchanged(ents[i], hashes[i])
			if got[i] != want || slow[i] != want {
				t.Fatalf("entity %v hash %s…: Unchanged %q (a seek per key: %q), the model %q", ents[i], hashes[i][60:], got[i], slow[i], want)
			}
			if want != "" {
				settled++
			}
		}
		for _, i := range exact {
			if got[i] == "" {
				t.Fatalf("entity %v: a record's very keys and hash not settled", ents[i])
			}
		}
		if settled < len(exact) || perKey == 0 || perKey > int64(len(ents)-len(exact)) {
			t.Fatalf("%d settled, %d of %d entities by a seek per key: one seek settles no record's very keys", settled, perKey, len(ents))
		}
	}
	t.Run("written", ask)

	// A version 4 file (no digests) gets them when opened.
	if _, err := s.db.Exec(`ALTER TABLE records DROP COLUMN keys_digest`); err != nil {
		t.Fatal(err)
	}
	s = reopenAs(t, s, path, 4)
	checkDigests(t, s)
	t.Run("migrated", ask)
}
