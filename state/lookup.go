package state

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
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
	return keysQuery(`SELECT k.key, k.vendor_id, r.content_hash, typeof(r.content_hash) = 'blob', r.vendor_id IS NOT NULL`, n)
}

// keysQuery is sel over n keys of a scope, each joined to its record.
func keysQuery(sel string, n int) string {
	var b strings.Builder
	b.WriteString(sel + `
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
// its lists.
//
// It seeks each entity's first key only, joined to its record: when the
// record's key digest is the digest of the entity's keys (digest.go),
// every key names that record, and the hash settles it. The entities
// that leaves (a key new or of another record, a record with more keys)
// take a seek per key, as before version 5.
func (s *Store) Unchanged(ctx context.Context, scope string, keys [][]string, hashes []string) ([]string, error) {
	out := make([]string, len(keys))
	sid, known, err := s.scopeID(ctx, scope)
	if err != nil || !known || len(keys) == 0 {
		return out, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("state: lookup: %w", err)
	}
	defer conn.Close()
	l := &lookup{conn: conn, sid: sid, hashes: hashes, ents: make([]packedEnt, len(keys))}
	defer l.close()
	todo := make([]int32, 0, len(keys))
	for i, ks := range keys {
		e := &l.ents[i]
		e.first = int32(len(l.spans))
		for _, k := range ks {
			start := len(l.buf)
			l.buf = appendPackedKey(l.buf, k)
			pk := l.buf[start:]
			if slices.ContainsFunc(l.spans[e.first:], func(sp [2]int32) bool { return bytes.Equal(l.key(sp), pk) }) {
				l.buf = l.buf[:start] // named twice: once is what the index holds
				continue
			}
			l.spans = append(l.spans, [2]int32{int32(start), int32(len(l.buf))})
			e.digest ^= keyHash(pk)
		}
		e.end = int32(len(l.spans))
		if e.end > e.first {
			todo = append(todo, int32(i))
		}
	}
	rest := todo
	if lookupOneSeek.Load() { // tests compare with the seek per key alone
		rest, err = l.pass(ctx, todo, true, out)
	}
	if err == nil && len(rest) > 0 {
		lookupPerKey.Add(int64(len(rest)))
		_, err = l.pass(ctx, rest, false, out)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lookupOneSeek lets Unchanged settle an entity by its first key's seek
// (tests turn it off); lookupPerKey counts the entities that took a seek
// per key instead.
var (
	lookupOneSeek atomic.Bool
	lookupPerKey  atomic.Int64
)

func init() { lookupOneSeek.Store(true) }

// lookup is one Unchanged call's packed keys and prepared queries.
type lookup struct {
	conn   *sql.Conn
	sid    int64
	hashes []string
	buf    []byte     // every distinct key of every entity, packed
	spans  [][2]int32 // each key's place in buf
	ents   []packedEnt
	full   *sql.Stmt // the full chunk's query, prepared
}

// packedEnt is one entity's keys (spans[first:end]) and their digest.
type packedEnt struct {
	first, end int32
	digest     uint64
}

func (l *lookup) key(sp [2]int32) []byte { return l.buf[sp[0]:sp[1]] }

func (l *lookup) close() {
	if l.full != nil {
		l.full.Close()
	}
}

// pass seeks, for the entities ents, their first key (first) or every
// key, and sets out[i] for each it settles as unchanged. A first-key
// pass returns the entities it could not settle either way.
func (l *lookup) pass(ctx context.Context, ents []int32, first bool, out []string) ([]int32, error) {
	// The keys sought, each with its entity, sorted: equal keys are
	// neighbours (sought once), and each chunk's seeks walk the index in
	// order.
	type ref struct {
		sp  [2]int32
		ent int32
	}
	refs := make([]ref, 0, 2*len(ents))
	for _, i := range ents {
		e := l.ents[i]
		end := e.end
		if first {
			end = e.first + 1
		}
		for _, sp := range l.spans[e.first:end] {
			refs = append(refs, ref{sp, i})
		}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if c := bytes.Compare(l.key(a.sp), l.key(b.sp)); c != 0 {
			return c
		}
		return cmp.Compare(a.ent, b.ent)
	})
	starts := make([]int32, 0, len(refs)+1) // where distinct key j's refs begin
	for i := range refs {
		if i == 0 || !bytes.Equal(l.key(refs[i].sp), l.key(refs[i-1].sp)) {
			starts = append(starts, int32(i))
		}
	}
	starts = append(starts, int32(len(refs)))
	distinct := len(starts) - 1
	keyAt := func(j int) []byte { return l.key(refs[starts[j]].sp) }

	// Each entity's verdict so far, from the rows of its keys.
	type verdict struct {
		id       string
		seen     bool // a key of it is indexed
		conflict bool // its keys name two records
		same     bool // the record holds this very content
		all      bool // the record's keys are the entity's (first pass)
	}
	verdicts := make([]verdict, len(l.ents)) // by entity
	var want [hashBytes]byte
	same := func(ent int32, hash []byte, code int64) bool {
		h := l.hashes[ent]
		if lowerHex(h) {
			// Stored as its first bytes (packHash).
			n, _ := hex.Decode(want[:], []byte(h[:min(len(h), 2*hashBytes)]))
			return code == foundBlob && string(hash) == string(want[:n])
		}
		return code == foundText && string(hash) == h
	}
	fold := func(j int, id, hash []byte, code int64, digest sql.NullInt64) {
		for _, r := range refs[starts[j]:starts[j+1]] {
			v := &verdicts[r.ent]
			switch {
			case v.conflict:
			case !v.seen:
				v.seen, v.id = true, string(id)
				v.same = code != notFound && same(r.ent, hash, code)
				v.all = digest.Valid && uint64(digest.Int64) == l.ents[r.ent].digest
			case v.id != string(id):
				v.conflict = true
			}
		}
	}

	args := make([]any, 0, lookupChunk+1)
	for lo := 0; lo < distinct; lo += lookupChunk {
		hi := min(lo+lookupChunk, distinct)
		args = append(args[:0], l.sid)
		for j := lo; j < hi; j++ {
			args = append(args, keyAt(j))
		}
		rows, err := l.query(ctx, hi-lo, args)
		if err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
		next := lo // rows come in key order: look from the last one on
		for rows.Next() {
			var key, id, hash sql.RawBytes
			var code int64
			var digest sql.NullInt64
			if err := rows.Scan(&key, &id, &hash, &code, &digest); err != nil {
				rows.Close()
				return nil, fmt.Errorf("state: lookup: %w", err)
			}
			j := next
			for j < hi && !bytes.Equal(keyAt(j), key) {
				j++
			}
			if j == hi { // out of order after all: search the chunk
				at, ok := slices.BinarySearchFunc(starts[lo:hi], []byte(key), func(st int32, k []byte) int { return bytes.Compare(l.key(refs[st].sp), k) })
				if !ok {
					continue
				}
				j = lo + at
			}
			fold(j, id, hash, code, digest)
			next = j + 1
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
	}
	var rest []int32
	for _, i := range ents {
		v := verdicts[i]
		switch {
		case first && v.seen && v.all:
			// Every key names this record: the hash says it all.
			if v.same {
				out[i] = v.id
			}
		case first:
			rest = append(rest, i)
		case v.seen && !v.conflict && v.same:
			out[i] = v.id
		}
	}
	return rest, nil
}

// query runs unchangedQuery for n keys; the full chunk's is prepared once.
func (l *lookup) query(ctx context.Context, n int, args []any) (*sql.Rows, error) {
	if n < lookupChunk {
		return l.conn.QueryContext(ctx, unchangedQuery(n), args...)
	}
	if l.full == nil {
		var err error
		if l.full, err = l.conn.PrepareContext(ctx, unchangedQuery(lookupChunk)); err != nil {
			return nil, err
		}
	}
	return l.full.QueryContext(ctx, args...)
}

// What unchangedQuery says of a key's record.
const (
	notFound  = 0 // no record holds the key's vendor id
	foundText = 1 // its content hash is text
	foundBlob = 2 // its content hash is bytes (packHash)
)

func unchangedQuery(n int) string {
	return keysQuery(`SELECT k.key, k.vendor_id, r.content_hash,
		CASE WHEN r.vendor_id IS NULL THEN 0 WHEN typeof(r.content_hash) = 'blob' THEN 2 ELSE 1 END, r.keys_digest`, n)
}
