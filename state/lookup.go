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

// lookupChunk keys go into one query.
const lookupChunk = 500

// SameHash reports whether stored, a content hash as state gives it back
// (Entity.ContentHash), is what was stored for hash: a hex
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

// Unchanged answers, for many entities at once (keys[i] are entity i's
// keys, hashes[i] its content hash), the vendor id of each entity state
// settles as unchanged: its keys name one record, and that record was
// last written with this very content. "" otherwise: what LookupKeys
// and Record tell one entity at a time (one id, a record, SameHash), for
// a batch in prepared queries that read no fields.
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
	if lookupOneSeek { // tests compare with the seek per key alone
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
	lookupOneSeek = true
	lookupPerKey  atomic.Int64
)

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
	var b strings.Builder
	b.WriteString(`SELECT k.key, k.vendor_id, r.content_hash,
		CASE WHEN r.vendor_id IS NULL THEN 0 WHEN typeof(r.content_hash) = 'blob' THEN 2 ELSE 1 END, r.keys_digest
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
