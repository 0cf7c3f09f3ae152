package state

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// lookupChunk keys go into one query (a plan batch of 1,024 entities is
// two); a shorter chunk is padded to the next power of two from
// minChunk, so that a few prepared queries serve every size.
const (
	lookupChunk = 512
	minChunk    = 16
)

// chunkSize is the query size a chunk of n keys is padded to.
func chunkSize(n int) int {
	size := minChunk
	for size < n {
		size *= 2
	}
	return min(size, lookupChunk)
}

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
// hex of an even length. A table, not two range tests per byte: a hash's
// digits and letters come in random order, which a branch mispredicts.
func lowerHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if hexDigit[s[i]] == 0 {
			return false
		}
	}
	return true
}

// hexDigit is 1 + the value of each lower-case hex digit, 0 for any other
// byte.
var hexDigit = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c-'0') + 1
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 11
	}
	return t
}()

// decodeHex decodes the first 2*len(dst) digits of h, which is
// lowerHex and that long at least, into dst.
func decodeHex(dst []byte, h string) []byte {
	for k := range dst {
		dst[k] = (hexDigit[h[2*k]]-1)<<4 | (hexDigit[h[2*k+1]] - 1)
	}
	return dst
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
	l := &lookup{s: s, sid: sid, hashes: hashes, ents: make([]packedEnt, len(keys))}
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
		rest, err = l.byDigest(ctx, todo, out)
	}
	if err == nil && len(rest) > 0 {
		lookupPerKey.Add(int64(len(rest)))
		err = l.pass(ctx, rest, out)
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
	s      *Store
	sid    int64
	hashes []string
	buf    []byte     // every distinct key of every entity, packed
	spans  [][2]int32 // each key's place in buf
	ents   []packedEnt
}

// packedEnt is one entity's keys (spans[first:end]) and their digest.
type packedEnt struct {
	first, end int32
	digest     uint64
}

func (l *lookup) key(sp [2]int32) []byte { return l.buf[sp[0]:sp[1]] }

// hashArg is entity i's content hash as records compare it: a hex
// hash's first bytes (packHash, decoded into dst), any other as text.
func (l *lookup) hashArg(i int32, dst []byte) any {
	h := l.hashes[i]
	if !lowerHex(h) {
		return h
	}
	return decodeHex(dst[:min(len(h)/2, len(dst))], h)
}

// byDigest settles the entities ents by their first key alone, where
// that key's record has the digest of the entity's keys: every key names
// that record, and its content hash settles the entity (out[i] is the
// record's id when it is this content). SQLite compares them all and
// answers a chunk in one row (digestSQL); the entities it could not
// settle are returned.
func (l *lookup) byDigest(ctx context.Context, ents []int32, out []string) ([]int32, error) {
	first := func(i int32) []byte { return l.key(l.spans[l.ents[i].first]) }
	order := slices.Clone(ents) // by first key: the seeks walk the index in order
	slices.SortFunc(order, func(a, b int32) int { return bytes.Compare(first(a), first(b)) })
	settled := make([]bool, len(l.ents))
	args := make([]any, 0, 1+3*lookupChunk)
	hashes := make([]byte, hashBytes*min(lookupChunk, len(order)))
	for lo := 0; lo < len(order); lo += lookupChunk {
		chunk := order[lo:min(lo+lookupChunk, len(order))]
		args = append(args[:0], l.sid)
		for k, i := range chunk {
			args = append(args, first(i), int64(l.ents[i].digest), l.hashArg(i, hashes[k*hashBytes:(k+1)*hashBytes]))
		}
		size := chunkSize(len(chunk))
		for range size - len(chunk) {
			args = append(args, noKey, 0, nil)
		}
		var answer sql.RawBytes
		rows, err := l.s.queryPrepared(ctx, sizedQuery("digest", digestSQL, size), args)
		if err == nil {
			if rows.Next() {
				err = rows.Scan(&answer)
			} else {
				err = rows.Err()
			}
			if err == nil {
				err = parseDigestAnswer(answer, chunk, settled, out)
			}
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
	}
	var rest []int32
	for _, i := range ents {
		if !settled[i] {
			rest = append(rest, i)
		}
	}
	return rest, nil
}

// parseDigestAnswer reads digestSQL's answer for chunk: for each
// entity it settles, its place in the chunk, the length of the record's
// id (-1: the record holds other content) and the id.
func parseDigestAnswer(a []byte, chunk []int32, settled []bool, out []string) error {
	num := func() (int, bool) {
		sp := bytes.IndexByte(a, ' ')
		if sp < 0 {
			return 0, false
		}
		n, err := strconv.Atoi(string(a[:sp]))
		a = a[sp+1:]
		return n, err == nil
	}
	for len(a) > 0 {
		k, ok1 := num()
		n, ok2 := num()
		if !ok1 || !ok2 || k < 0 || k >= len(chunk) || n > len(a) {
			return errors.New("a damaged digest answer")
		}
		i := chunk[k]
		settled[i] = true
		if n >= 0 {
			out[i] = string(a[:n])
			a = a[n:]
		}
	}
	return nil
}

// digestSQL is byDigest's query for n entities, each given as its first
// key, its keys' digest and its content hash: one row, the entities
// whose first key's record has their digest, each as "k n id" (n the
// id's length in bytes) when the record holds this content, "k -1 "
// when it holds other content. A NULL (unknown) digest equals nothing.
// CROSS JOIN keeps SQLite's join order (each entity seeks its key, then
// its record): left to choose, it scans the scope's keys against an
// index it builds on the entities.
func digestSQL(n int) string {
	var b strings.Builder
	b.WriteString(`WITH w(i, key, digest, hash) AS (VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "(%d,?%d,?%d,?%d)", i, 2+3*i, 3+3*i, 4+3*i)
	}
	b.WriteString(`)
	SELECT ifnull(group_concat(CASE WHEN r.content_hash = w.hash
			THEN w.i || ' ' || length(CAST(k.vendor_id AS BLOB)) || ' ' || k.vendor_id
			ELSE w.i || ' -1 ' END, ''), '')
	FROM w CROSS JOIN entity_keys k ON k.scope = ?1 AND k.key = w.key
	CROSS JOIN records r ON r.scope = k.scope AND r.vendor_id = k.vendor_id
	WHERE r.keys_digest = w.digest`)
	return b.String()
}

// pass seeks every key of the entities ents and sets out[i] for each it
// settles as unchanged.
func (l *lookup) pass(ctx context.Context, ents []int32, out []string) error {
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
		for _, sp := range l.spans[e.first:e.end] {
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
	}
	verdicts := make([]verdict, len(l.ents)) // by entity
	var want [hashBytes]byte
	same := func(ent int32, hash []byte, code int64) bool {
		h := l.hashes[ent]
		if lowerHex(h) {
			// Stored as its first bytes (packHash).
			return code == foundBlob && string(hash) == string(decodeHex(want[:min(len(h)/2, hashBytes)], h))
		}
		return code == foundText && string(hash) == h
	}
	fold := func(j int, id, hash []byte, code int64) {
		for _, r := range refs[starts[j]:starts[j+1]] {
			v := &verdicts[r.ent]
			switch {
			case v.conflict:
			case !v.seen:
				v.seen, v.id = true, string(id)
				v.same = code != notFound && same(r.ent, hash, code)
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
		size := chunkSize(hi - lo)
		for range size - (hi - lo) {
			args = append(args, noKey)
		}
		rows, err := l.s.queryPrepared(ctx, sizedQuery("per key", unchangedQuery, size), args)
		if err != nil {
			return fmt.Errorf("state: lookup: %w", err)
		}
		next := lo // rows come in key order: look from the last one on
		for rows.Next() {
			var key, id, hash sql.RawBytes
			var code int64
			if err := rows.Scan(&key, &id, &hash, &code); err != nil {
				rows.Close()
				return fmt.Errorf("state: lookup: %w", err)
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
			fold(j, id, hash, code)
			next = j + 1
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("state: lookup: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("state: lookup: %w", err)
		}
	}
	for _, i := range ents {
		if v := verdicts[i]; v.seen && !v.conflict && v.same {
			out[i] = v.id
		}
	}
	return nil
}

// sizedQuery is write(size), written once for each query (by name) and
// size.
func sizedQuery(name string, write func(int) string, size int) string {
	key := sizedKey{name, size}
	sizedMu.Lock()
	defer sizedMu.Unlock()
	q, ok := sized[key]
	if !ok {
		q = write(size)
		sized[key] = q
	}
	return q
}

type sizedKey struct {
	name string
	size int
}

var (
	sizedMu sync.Mutex
	sized   = map[sizedKey]string{}
)

// noKey pads a chunk's query: no packed key is empty.
var noKey = []byte{}

// queryPrepared runs query, prepared once for the store (on each of its
// connections as database/sql needs).
func (s *Store) queryPrepared(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	s.stmtMu.Lock()
	st, ok := s.stmts[query]
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, query); err != nil {
			s.stmtMu.Unlock()
			return nil, err
		}
		if s.stmts == nil {
			s.stmts = map[string]*sql.Stmt{}
		}
		s.stmts[query] = st
	}
	s.stmtMu.Unlock()
	return st.QueryContext(ctx, args...)
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
		CASE WHEN r.vendor_id IS NULL THEN 0 WHEN typeof(r.content_hash) = 'blob' THEN 2 ELSE 1 END
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
