package state

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Known is what the index holds for one entity's keys, without the
// record's fields: the vendor ids the keys name (deduplicated, in key
// order, as LookupKeys gives them) and, for each id, the content hash
// last written as stored ("" with Found false when the index has no
// record; compare with SameHash).
type Known struct {
	IDs    []string
	Hashes []string
	Found  []bool
}

// lookupChunk keys go into one query.
const lookupChunk = 500

// LookupHashes answers LookupKeys and the records' content hashes for
// many entities at once (keys[i] are entity i's keys), in batched,
// prepared queries on one connection, decoding no fields: what a plan
// needs to tell an unchanged entity without a call. Record gives the
// fields when a diff needs them.
func (s *Store) LookupHashes(ctx context.Context, scope string, keys [][]string) ([]Known, error) {
	// Each distinct key once, packed (as entity_keys holds it).
	type hit struct {
		id, hash string
		found    bool // a record holds the id
		known    bool // the index holds the key
	}
	pos := make(map[string]int, 2*len(keys))
	var distinct []string
	ents := make([][]int, len(keys)) // entity i's keys: indices into distinct
	for i, ks := range keys {
		ents[i] = make([]int, len(ks))
		for j, k := range ks {
			d := string(packKey(k))
			at, ok := pos[d]
			if !ok {
				at = len(distinct)
				pos[d] = at
				distinct = append(distinct, d)
			}
			ents[i][j] = at
		}
	}
	hits := make([]hit, len(distinct))
	sid, known, err := s.scopeID(ctx, scope)
	if err != nil {
		return nil, err
	}
	if len(distinct) > 0 && known {
		if err := s.lookupPacked(ctx, sid, distinct, func(d []byte, id string, hash []byte, blob, found bool) {
			if at, ok := pos[string(d)]; ok {
				h := string(hash)
				if blob {
					h = hex.EncodeToString(hash)
				}
				hits[at] = hit{id: id, hash: h, found: found, known: true}
			}
		}); err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
	}
	out := make([]Known, len(keys))
	for i, ats := range ents {
		kn := &out[i]
		for _, at := range ats {
			h := hits[at]
			if !h.known || slices.Contains(kn.IDs, h.id) {
				continue
			}
			kn.IDs = append(kn.IDs, h.id)
			kn.Hashes = append(kn.Hashes, h.hash)
			kn.Found = append(kn.Found, h.found)
		}
	}
	return out, nil
}

// lookupPacked calls fn for every packed key of ds the index holds in scope
// sid, with its vendor id and its record's content hash as stored (blob:
// as bytes, else text; found false: no record), in batched queries on one
// connection, the full batches prepared once. key and hash are valid
// during the call only.
func (s *Store) lookupPacked(ctx context.Context, sid int64, ds []string, fn func(key []byte, id string, hash []byte, blob, found bool)) error {
	// In index order, each query's seeks walk neighbouring pages.
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, lookupChunk+1)
	for start := 0; start < len(sorted); start += lookupChunk {
		chunk := sorted[start:min(start+lookupChunk, len(sorted))]
		args = append(args[:0], sid)
		for i := range chunk {
			args = append(args, []byte(chunk[i]))
		}
		var rows *sql.Rows
		if len(chunk) == lookupChunk {
			if full == nil {
				if full, err = conn.PrepareContext(ctx, lookupQuery(lookupChunk)); err != nil {
					return err
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = conn.QueryContext(ctx, lookupQuery(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
		for rows.Next() {
			var key, hash sql.RawBytes
			var id string
			var blob, found bool
			if err := rows.Scan(&key, &id, &hash, &blob, &found); err != nil {
				rows.Close()
				return err
			}
			fn(key, id, hash, blob, found)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// SameHash reports whether stored, a content hash as state gives it back
// (Entity.ContentHash, Known.Hashes), is what was stored for hash: a hex
// hash's first 128 bits, any other hash whole.
func SameHash(stored, hash string) bool {
	if lowerHex(hash) {
		hash = hash[:min(len(hash), 2*hashBytes)]
	}
	return stored == hash
}

// lowerHex reports whether s is what packHash stores as bytes: lower-case
// hex of an even length.
func lowerHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func lookupQuery(n int) string {
	var b strings.Builder
	b.WriteString(`SELECT k.key, k.vendor_id, r.content_hash, typeof(r.content_hash) = 'blob', r.vendor_id IS NOT NULL
	FROM entity_keys k LEFT JOIN records r ON r.scope = k.scope AND r.vendor_id = k.vendor_id
	WHERE k.scope = ? AND k.key IN (`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('?')
	}
	b.WriteByte(')')
	return b.String()
}

// Unchanged answers, for many entities at once (keys[i] are entity i's
// keys, hashes[i] its content hash), the vendor id of each entity state
// settles as unchanged: its keys name one record, and that record was
// last written with this very content. "" otherwise. It is what
// LookupHashes tells (one id, found, the same hash), without building
// its lists: the stored hashes are compared as they are read.
func (s *Store) Unchanged(ctx context.Context, scope string, keys [][]string, hashes []string) ([]string, error) {
	out := make([]string, len(keys))
	sid, known, err := s.scopeID(ctx, scope)
	if err != nil || !known || len(keys) == 0 {
		return out, err
	}
	type hit struct {
		id      string
		hash    [2]int32 // the stored hash: its place in stored
		blob    bool     // stored as bytes (else as text)
		found   bool     // a record holds the id
		indexed bool     // the index holds the key
	}
	pos := make(map[string]int32, 2*len(keys))
	distinct := make([]string, 0, 2*len(keys))
	ents := make([]int32, 0, 2*len(keys)) // entity i's keys: ents[starts[i]:starts[i+1]]
	starts := make([]int32, len(keys)+1)
	var pk []byte
	for i, ks := range keys {
		starts[i] = int32(len(ents))
		for _, k := range ks {
			pk = appendPackedKey(pk[:0], k)
			at, ok := pos[string(pk)]
			if !ok {
				at = int32(len(distinct))
				d := string(pk)
				pos[d] = at
				distinct = append(distinct, d)
			}
			ents = append(ents, at)
		}
	}
	starts[len(keys)] = int32(len(ents))
	hits := make([]hit, len(distinct))
	var stored []byte
	err = s.lookupPacked(ctx, sid, distinct, func(key []byte, id string, hash []byte, blob, found bool) {
		if at, ok := pos[string(key)]; ok {
			hits[at] = hit{id: id, hash: [2]int32{int32(len(stored)), int32(len(stored) + len(hash))}, blob: blob, found: found, indexed: true}
			stored = append(stored, hash...)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("state: lookup: %w", err)
	}
	var want [hashBytes]byte
	for i := range keys {
		var one *hit
		for _, at := range ents[starts[i]:starts[i+1]] {
			h := &hits[at]
			if !h.indexed {
				continue
			}
			if one != nil && one.id != h.id {
				one = nil
				break
			}
			one = h
		}
		if one == nil || !one.found {
			continue
		}
		got := stored[one.hash[0]:one.hash[1]]
		h := hashes[i]
		if lowerHex(h) {
			// Stored as its first bytes (packHash).
			n, _ := hex.Decode(want[:], []byte(h[:min(len(h), 2*hashBytes)]))
			if one.blob && string(got) == string(want[:n]) {
				out[i] = one.id
			}
		} else if !one.blob && string(got) == h {
			out[i] = one.id
		}
	}
	return out, nil
}
