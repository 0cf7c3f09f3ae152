package state

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Known is what the index holds for one entity's keys, without the
// record's fields: the vendor ids the keys name (deduplicated, in key
// order, as LookupKeys gives them) and, for each id, the content hash
// last written ("" with Found false when the index has no record).
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
		if err := s.lookupPacked(ctx, sid, distinct, func(d []byte, id string, hash any) {
			if at, ok := pos[string(d)]; ok {
				hits[at] = hit{id: id, hash: unpackHash(hash), found: hash != nil, known: true}
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
// sid, with its vendor id and its record's content hash (nil: no record),
// in batched queries on one connection, the full batches prepared once.
func (s *Store) lookupPacked(ctx context.Context, sid int64, ds []string, fn func(key []byte, id string, hash any)) error {
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
			var key sql.RawBytes
			var id string
			var hash any
			if err := rows.Scan(&key, &id, &hash); err != nil {
				rows.Close()
				return err
			}
			fn(key, id, hash)
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

func lookupQuery(n int) string {
	var b strings.Builder
	b.WriteString(`SELECT k.key, k.vendor_id, r.content_hash
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
