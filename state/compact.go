package state

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// schemaVersion is the layout Open writes (PRAGMA user_version). 0 is the
// first layout (text everywhere: scope names, hex hashes, fields as JSON,
// status words); Open migrates such a file in place.
//
// Version 2 stores what change detection and the diff need, once:
//   - scopes are interned (scopes table; entity_keys and records hold the id);
//   - content hashes that are hex are stored as their bytes (a BLOB; any
//     other hash stays text, so every value reads back the same);
//   - records.fields is a field-name set id (fieldsets) and the values,
//     length-prefixed, not JSON, deflated against a dictionary (the first
//     record's values of its name set) when that is smaller; records keep
//     no per-row timestamp (the run's row has it);
//   - outcome statuses and actions are small integers (any word not in the
//     tables below is kept as text).
//
// Version 3 keeps what a lookup compares, not the text:
//   - entity_keys.key is the key's packed form (packKey: its kind as one
//     byte, then its value), a BLOB never read back: shorter, and in the
//     same order as the text, so a batch's sorted keys seek neighbouring
//     pages;
//   - the entity of a settled row (ok, merged) is its digest
//     (entityDigest, 8 bytes): what counting a run's distinct entities
//     needs. Rows that did not settle keep the entity's text, which
//     summaries and show list.
//
// Version 4 keeps a hex content hash's first 128 bits (hashBytes), not
// all 256 of SHA-256: a changed record then passes for unchanged with a
// chance of 2^-128, and each record is 16 bytes smaller.
//
// Version 5 gives each record the digest of the keys that name it
// (records.keys_digest, digest.go): an unchanged entity is then settled
// by one seek, its first key's, not one per key.
const schemaVersion = 5

// hashBytes is how much of a hex content hash records keep.
const hashBytes = 16

const compactSchema = `
CREATE TABLE IF NOT EXISTS scopes (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS fieldsets (
	id    INTEGER PRIMARY KEY,
	names TEXT NOT NULL UNIQUE,
	dict  BLOB NOT NULL DEFAULT x''
);
CREATE TABLE IF NOT EXISTS outcomes (
	run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	row       INTEGER NOT NULL,
	status    INTEGER NOT NULL,
	action    INTEGER NOT NULL DEFAULT 0,
	vendor_id TEXT NOT NULL DEFAULT '',
	entity    TEXT NOT NULL DEFAULT '',
	col       TEXT NOT NULL DEFAULT '',
	error     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_keys (
	scope     INTEGER NOT NULL,
	key       BLOB NOT NULL,
	vendor_id TEXT NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
	scope        INTEGER NOT NULL,
	vendor_id    TEXT NOT NULL,
	content_hash BLOB NOT NULL,
	fields       BLOB,
	run_id       INTEGER NOT NULL,
	created      INTEGER NOT NULL DEFAULT 0,
	keys_digest  INTEGER,
	PRIMARY KEY (scope, vendor_id)
) WITHOUT ROWID;
`

// statusCodes and actionCodes: a word's index is its stored code. Append
// only: stored files hold these numbers.
var (
	statusCodes = []string{StatusOK, StatusRejected, StatusSkipped, StatusMerged, StatusUncertain, StatusFailed}
	actionCodes = []string{"", "create", "update", "unchanged", "export", "ambiguous", "exists", "uncertain", "refused"}
)

// packWord is the stored form of a status or action.
func packWord(codes []string, w string) any {
	if i := slices.Index(codes, w); i >= 0 {
		return int64(i)
	}
	return w
}

// unpackWord reads a stored status or action back.
func unpackWord(codes []string, v any) string {
	switch x := v.(type) {
	case int64:
		if x >= 0 && int(x) < len(codes) {
			return codes[x]
		}
		return fmt.Sprint(x)
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// wordCase is an SQL expression mapping the text column col to its code.
func wordCase(codes []string, col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, w := range codes {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", w, i)
	}
	b.WriteString(" ELSE " + col + " END")
	return b.String()
}

// keyKinds are the key kinds packKey writes as one byte (their index);
// 0 stands for none: the whole key follows. Append only: stored files
// hold these numbers.
var keyKinds = []string{"", "phone:", "email:", "id:", "hash:"}

// packKey is a match key as entity_keys holds it: one-to-one (a kind's
// byte, or 0 and the whole key) and, within a kind, in the key's order.
func packKey(key string) []byte {
	return appendPackedKey(make([]byte, 0, 1+len(key)), key)
}

// appendPackedKey appends key's packed form (packKey) to b.
func appendPackedKey(b []byte, key string) []byte {
	for i := 1; i < len(keyKinds); i++ {
		if strings.HasPrefix(key, keyKinds[i]) {
			return append(append(b, byte(i)), key[len(keyKinds[i]):]...)
		}
	}
	return append(append(b, 0), key...)
}

// entityDigest is the entity of a settled row as outcomes hold it.
func entityDigest(entity string) []byte {
	sum := sha256.Sum256([]byte(entity))
	return sum[:8]
}

// packEntity is the stored form of an outcome's entity.
func packEntity(status, entity string) any {
	if entity != "" && (status == StatusOK || status == StatusMerged) {
		return entityDigest(entity)
	}
	return entity
}

// unpackEntity reads an outcome's entity back: "" for a digest.
func unpackEntity(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// packHash stores a lower-case hex hash as its first hashBytes bytes,
// anything else as text.
func packHash(h string) any {
	if lowerHex(h) {
		b, _ := hex.DecodeString(h[:min(len(h), 2*hashBytes)])
		return b
	}
	return h
}

func unpackHash(v any) string {
	switch x := v.(type) {
	case []byte:
		return hex.EncodeToString(x)
	case string:
		return x
	}
	return ""
}

// interned caches the ids of scopes and field-name sets. Ids are only
// cached once committed (a rolled-back batch's ids are never seen).
type interned struct {
	mu     sync.Mutex
	scopes map[string]int64
	sets   map[string]int64
	names  map[int64][]string
	dicts  map[int64][]byte
	flate  map[int64]*flate.Writer // idle compressors, by set
}

func newInterned() *interned {
	return &interned{scopes: map[string]int64{}, sets: map[string]int64{}, names: map[int64][]string{},
		dicts: map[int64][]byte{}, flate: map[int64]*flate.Writer{}}
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// scopeID returns a scope's id; ok is false when no row names it.
func (s *Store) scopeID(ctx context.Context, name string) (int64, bool, error) {
	s.ids.mu.Lock()
	id, ok := s.ids.scopes[name]
	s.ids.mu.Unlock()
	if ok {
		return id, true, nil
	}
	err := s.db.QueryRowContext(ctx, `SELECT id FROM scopes WHERE name=?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("state: scope: %w", err)
	}
	s.ids.mu.Lock()
	s.ids.scopes[name] = id
	s.ids.mu.Unlock()
	return id, true, nil
}

// pendingIDs are ids a writer's transaction made or read, cached after it commits.
type pendingIDs struct {
	scopes map[string]int64
	sets   map[string]int64
	dicts  map[int64][]byte
}

func (s *Store) internTx(ctx context.Context, tx querier, table, col, val string, cache map[string]int64, pend *map[string]int64) (int64, error) {
	s.ids.mu.Lock()
	id, ok := cache[val]
	s.ids.mu.Unlock()
	if ok {
		return id, nil
	}
	if id, ok := (*pend)[val]; ok {
		return id, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO `+table+`(`+col+`) VALUES(?)`, val); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE `+col+`=?`, val).Scan(&id); err != nil {
		return 0, err
	}
	if *pend == nil {
		*pend = map[string]int64{}
	}
	(*pend)[val] = id
	return id, nil
}

func (s *Store) commitIDs(p *pendingIDs) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	for k, v := range p.scopes {
		s.ids.scopes[k] = v
	}
	for k, v := range p.sets {
		s.ids.sets[k] = v
		s.ids.names[v] = splitNames(k)
		s.ids.dicts[v] = p.dicts[v]
	}
}

// internSet returns the id and dictionary of a field-name set, making it
// (with vals as its dictionary) when new.
func (s *Store) internSet(ctx context.Context, tx querier, p *pendingIDs, names string, vals []byte) (int64, []byte, error) {
	s.ids.mu.Lock()
	id, ok := s.ids.sets[names]
	dict := s.ids.dicts[id]
	s.ids.mu.Unlock()
	if ok {
		return id, dict, nil
	}
	if id, ok := p.sets[names]; ok {
		return id, p.dicts[id], nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO fieldsets(names, dict) VALUES(?, ?)`, names, vals); err != nil {
		return 0, nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT id, dict FROM fieldsets WHERE names=?`, names).Scan(&id, &dict); err != nil {
		return 0, nil, err
	}
	if p.sets == nil {
		p.sets, p.dicts = map[string]int64{}, map[int64][]byte{}
	}
	p.sets[names], p.dicts[id] = id, dict
	return id, dict, nil
}

// Field encodings (after the set id).
const (
	fieldsRaw     = 0 // the values as they are
	fieldsDeflate = 1 // deflated, with the set's dictionary
)

func (s *Store) deflate(set int64, dict, vals []byte) []byte {
	s.ids.mu.Lock()
	fw := s.ids.flate[set]
	delete(s.ids.flate, set)
	s.ids.mu.Unlock()
	var buf bytes.Buffer
	if fw == nil {
		var err error
		if fw, err = flate.NewWriterDict(&buf, flate.DefaultCompression, dict); err != nil {
			return nil
		}
	} else {
		fw.Reset(&buf)
	}
	if _, err := fw.Write(vals); err != nil || fw.Close() != nil {
		return nil
	}
	s.ids.mu.Lock()
	s.ids.flate[set] = fw
	s.ids.mu.Unlock()
	return buf.Bytes()
}

func splitNames(joined string) []string {
	if joined == "" {
		return []string{}
	}
	return strings.Split(joined, "\x00")
}

// packFields encodes fields (nil stays NULL): the id of its sorted name
// set, then each value as a uvarint length and its bytes.
func (s *Store) packFields(ctx context.Context, tx querier, p *pendingIDs, f map[string]string) (any, error) {
	if f == nil {
		return nil, nil
	}
	names := make([]string, 0, len(f))
	size := 0
	for k, v := range f {
		names = append(names, k)
		size += len(v) + 2
	}
	slices.Sort(names)
	vals := make([]byte, 0, size)
	for _, k := range names {
		vals = binary.AppendUvarint(vals, uint64(len(f[k])))
		vals = append(vals, f[k]...)
	}
	set, dict, err := s.internSet(ctx, tx, p, strings.Join(names, "\x00"), vals)
	if err != nil {
		return nil, fmt.Errorf("state: field names: %w", err)
	}
	b := binary.AppendUvarint(make([]byte, 0, len(vals)+2*binary.MaxVarintLen64), uint64(set))
	if z := s.deflate(set, dict, vals); z != nil && len(z) < len(vals) {
		b = binary.AppendUvarint(b, fieldsDeflate)
		return append(b, z...), nil
	}
	b = binary.AppendUvarint(b, fieldsRaw)
	return append(b, vals...), nil
}

func (s *Store) unpackFields(ctx context.Context, v any) (map[string]string, error) {
	b, ok := v.([]byte)
	if !ok {
		if str, isStr := v.(string); isStr { // a text value: JSON
			var f map[string]string
			_ = json.Unmarshal([]byte(str), &f)
			return f, nil
		}
		return nil, nil
	}
	set, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, fmt.Errorf("state: fields: bad encoding")
	}
	b = b[n:]
	mode, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, fmt.Errorf("state: fields: bad encoding")
	}
	b = b[n:]
	s.ids.mu.Lock()
	names, ok := s.ids.names[int64(set)]
	dict := s.ids.dicts[int64(set)]
	s.ids.mu.Unlock()
	if !ok {
		var joined string
		if err := s.db.QueryRowContext(ctx, `SELECT names, dict FROM fieldsets WHERE id=?`, int64(set)).Scan(&joined, &dict); err != nil {
			return nil, fmt.Errorf("state: field names %d: %w", set, err)
		}
		names = splitNames(joined)
		s.ids.mu.Lock()
		s.ids.names[int64(set)], s.ids.dicts[int64(set)] = names, dict
		s.ids.mu.Unlock()
	}
	switch mode {
	case fieldsRaw:
	case fieldsDeflate:
		raw, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(b), dict))
		if err != nil {
			return nil, fmt.Errorf("state: fields: %w", err)
		}
		b = raw
	default:
		return nil, fmt.Errorf("state: fields: unknown encoding %d", mode)
	}
	f := make(map[string]string, len(names))
	for _, k := range names {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return nil, fmt.Errorf("state: fields: bad encoding")
		}
		f[k] = string(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	return f, nil
}

// migrate brings the database to schemaVersion (creating it when empty),
// in one transaction: a crash leaves the old layout whole.
func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == schemaVersion {
		return nil
	}
	if v > schemaVersion {
		return fmt.Errorf("state: %s has schema version %d, newer than this leadsync's %d", s.path, v, schemaVersion)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == schemaVersion { // another process migrated it meanwhile
		return nil
	}
	var old int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='outcomes'`).Scan(&old); err != nil {
		return err
	}
	// v0: the first layout (migrated to version 2, then to 3); v > 0: a
	// compact layout (version 2, migrated to 3).
	v0 := old > 0 && v == 0
	if v0 {
		for _, t := range []string{"outcomes", "entity_keys", "records"} {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t+` RENAME TO old_`+t); err != nil {
				return fmt.Errorf("state: migrate: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, schema+compactSchema); err != nil {
		return fmt.Errorf("state: migrate: %w", err)
	}
	if v0 {
		stmts := []string{
			`INSERT OR IGNORE INTO scopes(name) SELECT scope FROM old_entity_keys UNION SELECT scope FROM old_records`,
			`INSERT INTO entity_keys(scope, key, vendor_id) SELECT s.id, k.key, k.vendor_id FROM old_entity_keys k JOIN scopes s ON s.name = k.scope`,
			`INSERT INTO outcomes(run_id, row, status, action, vendor_id, entity, col, error)
			 SELECT run_id, row, ` + wordCase(statusCodes, "status") + `, ` + wordCase(actionCodes, "action") + `, vendor_id, entity, col, error FROM old_outcomes`,
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("state: migrate: %w", err)
			}
		}
		if err := s.migrateRecords(ctx, tx); err != nil {
			return err
		}
		for _, t := range []string{"outcomes", "entity_keys", "records"} {
			if _, err := tx.ExecContext(ctx, `DROP TABLE old_`+t); err != nil {
				return fmt.Errorf("state: migrate: %w", err)
			}
		}
	}
	if old > 0 && v < 3 {
		if err := migrateDigests(ctx, tx); err != nil {
			return fmt.Errorf("state: migrate: %w", err)
		}
	}
	if old > 0 {
		// Version 4: hashes cut to hashBytes (packHash).
		if _, err := tx.ExecContext(ctx, `UPDATE records SET content_hash = substr(content_hash, 1, ?)
			WHERE typeof(content_hash) = 'blob' AND length(content_hash) > ?`, hashBytes, hashBytes); err != nil {
			return fmt.Errorf("state: migrate: %w", err)
		}
	}
	if old > 0 && v < 5 {
		if err := migrateKeyDigests(ctx, tx); err != nil {
			return fmt.Errorf("state: migrate: key digests: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state: migrate: %w", err)
	}
	return nil
}

// migratePage rows are read, then written, at a time: a migration's
// memory is bounded whatever the file's size.
const migratePage = 10000

// migrateDigests brings a version 2 layout to version 3: entity_keys
// rebuilt with the keys' packed forms, settled outcomes' entities
// replaced by their digests.
func migrateDigests(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		`ALTER TABLE entity_keys RENAME TO old_entity_keys`,
		`CREATE TABLE entity_keys (scope INTEGER NOT NULL, key BLOB NOT NULL, vendor_id TEXT NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	type keyRow struct {
		scope       int64
		key, vendor string
	}
	err := migratePaged(ctx, tx, keyRow{scope: -1 << 62},
		// In key order, each page after the last (a seek, not a scan).
		func(last keyRow) (string, []any) {
			return `SELECT scope, key, vendor_id FROM old_entity_keys
			WHERE (scope, key) > (?, ?) ORDER BY scope, key LIMIT ?`, []any{last.scope, last.key, migratePage}
		},
		func(rows *sql.Rows) (r keyRow, err error) { return r, rows.Scan(&r.scope, &r.key, &r.vendor) },
		func(r keyRow) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO entity_keys(scope, key, vendor_id) VALUES(?,?,?)`, r.scope, packKey(r.key), r.vendor)
			return err
		})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE old_entity_keys`); err != nil {
		return err
	}
	return migrateOutcomeEntities(ctx, tx)
}

// migrateOutcomeEntities replaces the entity text of settled outcomes
// with its digest (packEntity).
func migrateOutcomeEntities(ctx context.Context, tx *sql.Tx) error {
	ok, merged := packWord(statusCodes, StatusOK), packWord(statusCodes, StatusMerged)
	type outRow struct {
		run, row int64
		entity   string
	}
	return migratePaged(ctx, tx, outRow{run: -1 << 62},
		// In (run, row) order, each page after the last.
		func(last outRow) (string, []any) {
			return `SELECT run_id, row, entity FROM outcomes
			WHERE (run_id, row) > (?, ?) AND status IN (?, ?) AND typeof(entity) = 'text' AND entity <> ''
			ORDER BY run_id, row LIMIT ?`, []any{last.run, last.row, ok, merged, migratePage}
		},
		func(rows *sql.Rows) (r outRow, err error) { return r, rows.Scan(&r.run, &r.row, &r.entity) },
		func(r outRow) error {
			_, err := tx.ExecContext(ctx, `UPDATE outcomes SET entity=? WHERE run_id=? AND row=?`, entityDigest(r.entity), r.run, r.row)
			return err
		})
}

// migratePaged reads a query migratePage rows at a time, each page after
// the last row of the one before (query builds it from that row), and
// applies each row of a page before reading the next.
func migratePaged[T any](ctx context.Context, tx *sql.Tx, first T, query func(last T) (string, []any), scan func(*sql.Rows) (T, error), apply func(T) error) error {
	last := first
	for {
		q, args := query(last)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var page []T
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			if err := apply(r); err != nil {
				return err
			}
		}
		if len(page) < migratePage {
			return nil
		}
		last = page[len(page)-1]
	}
}

func (s *Store) migrateRecords(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, r.vendor_id, r.content_hash, r.fields, r.run_id, r.created FROM old_records r JOIN scopes s ON s.name = r.scope`)
	if err != nil {
		return fmt.Errorf("state: migrate records: %w", err)
	}
	type rec struct {
		scope         int64
		id, hash, raw string
		run           int64
		created       int
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.scope, &r.id, &r.hash, &r.raw, &r.run, &r.created); err != nil {
			rows.Close()
			return fmt.Errorf("state: migrate records: %w", err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("state: migrate records: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO records(scope, vendor_id, content_hash, fields, run_id, created) VALUES(?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	var p pendingIDs
	for _, r := range recs {
		var f map[string]string
		_ = json.Unmarshal([]byte(r.raw), &f)
		packed, err := s.packFields(ctx, tx, &p, f)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, r.scope, r.id, packHash(r.hash), packed, r.run, r.created); err != nil {
			return fmt.Errorf("state: migrate records: %w", err)
		}
	}
	return nil
}

// readOnlyCopy makes a migrated private copy of an old-layout database
// opened read-only (the file itself is never changed); "" when the file
// is current.
func (s *Store) readOnlyCopy(ctx context.Context) (string, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return "", err
	}
	var old int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='outcomes'`).Scan(&old); err != nil {
		return "", err
	}
	if v == schemaVersion || old == 0 {
		return "", nil
	}
	f, err := os.CreateTemp("", "leadsync-state-*.db")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp)
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return "", fmt.Errorf("state: copy %s: %w", s.path, err)
	}
	return tmp, nil
}
