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
	type hit struct {
		id, hash string
		found    bool
	}
	hits := map[string]hit{}
	var distinct []string
	for _, ks := range keys {
		for _, k := range ks {
			if _, ok := hits[k]; !ok {
				hits[k] = hit{}
				distinct = append(distinct, k)
			}
		}
	}
	clear(hits) // from here: only the keys the index holds
	// In index order, each query's seeks walk neighbouring pages.
	slices.Sort(distinct)
	sid, known, err := s.scopeID(ctx, scope)
	if err != nil {
		return nil, err
	}
	if len(distinct) > 0 && known {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
		defer conn.Close()
		var full *sql.Stmt
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		args := make([]any, 0, lookupChunk+1)
		for start := 0; start < len(distinct); start += lookupChunk {
			chunk := distinct[start:min(start+lookupChunk, len(distinct))]
			args = append(args[:0], sid)
			for _, k := range chunk {
				args = append(args, k)
			}
			var rows *sql.Rows
			if len(chunk) == lookupChunk {
				if full == nil {
					if full, err = conn.PrepareContext(ctx, lookupQuery(lookupChunk)); err != nil {
						return nil, fmt.Errorf("state: lookup: %w", err)
					}
				}
				rows, err = full.QueryContext(ctx, args...)
			} else {
				rows, err = conn.QueryContext(ctx, lookupQuery(len(chunk)), args...)
			}
			if err != nil {
				return nil, fmt.Errorf("state: lookup: %w", err)
			}
			for rows.Next() {
				var k string
				var h hit
				var hash any
				if err := rows.Scan(&k, &h.id, &hash, &h.found); err != nil {
					rows.Close()
					return nil, fmt.Errorf("state: lookup: %w", err)
				}
				h.hash = unpackHash(hash)
				hits[k] = h
			}
			if err := rows.Close(); err != nil {
				return nil, fmt.Errorf("state: lookup: %w", err)
			}
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("state: lookup: %w", err)
			}
		}
	}
	out := make([]Known, len(keys))
	for i, ks := range keys {
		kn := &out[i]
		for _, k := range ks {
			h, ok := hits[k]
			if !ok {
				continue
			}
			dup := false
			for _, id := range kn.IDs {
				if id == h.id {
					dup = true
					break
				}
			}
			if !dup {
				kn.IDs = append(kn.IDs, h.id)
				kn.Hashes = append(kn.Hashes, h.hash)
				kn.Found = append(kn.Found, h.found)
			}
		}
	}
	return out, nil
}

func lookupQuery(n int) string {
	var b strings.Builder
	b.WriteString(`SELECT k.key, k.vendor_id, COALESCE(r.content_hash, ''), r.vendor_id IS NOT NULL
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
