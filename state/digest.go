package state

import (
	"context"
	"database/sql"
)

// A record's key digest (records.keys_digest) is the XOR of keyHash over
// the packed keys entity_keys points at it, each once. The writer keeps
// it as keys come and go (a key pointed at another record leaves this
// one's digest and joins that one's), so an entity whose keys hash to its
// first key's record's digest has exactly that record's keys: every key
// of it names that record, and one seek (its first key, joined to the
// record) settles what seeking every key would. An entity whose digest
// differs (a new key, a key of two records, a record with more keys)
// takes the seek per key. NULL is a digest not known (a record that keys
// named before it was recorded); no flip makes it known (NULL | x is
// NULL).

// keyHash is one packed key's part of a key digest: FNV-1a, then a
// 64-bit finalizer so that every bit of the key reaches every bit of the
// digest (XOR of raw FNV values would keep its weak low bits).
func keyHash(packed []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range packed {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// xorSQL is a ^ b in SQLite, which has no XOR operator.
func xorSQL(a, b string) string { return "((" + a + ") | (" + b + ")) & ~((" + a + ") & (" + b + "))" }

// migrateKeyDigests gives every record its key digest (version 5), from
// entity_keys read once in record order (SQLite sorts it on disk as
// needed), each record's digest written as soon as its keys are read:
// memory stays flat whatever the file's size.
func migrateKeyDigests(ctx context.Context, tx *sql.Tx) error {
	var has int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('records') WHERE name = 'keys_digest'`).Scan(&has); err != nil {
		return err
	}
	if has == 0 {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE records ADD COLUMN keys_digest INTEGER`); err != nil {
			return err
		}
	}
	// A record no key names has the empty set's digest.
	if _, err := tx.ExecContext(ctx, `UPDATE records SET keys_digest = 0`); err != nil {
		return err
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE records SET keys_digest = ? WHERE scope = ? AND vendor_id = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	rows, err := tx.QueryContext(ctx, `SELECT scope, vendor_id, key FROM entity_keys ORDER BY scope, vendor_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		scope int64
		id    string
		sum   uint64
		have  bool
	)
	put := func() error {
		if !have {
			return nil
		}
		_, err := upd.ExecContext(ctx, int64(sum), scope, id)
		return err
	}
	for rows.Next() {
		var s int64
		var v string
		var key []byte
		if err := rows.Scan(&s, &v, &key); err != nil {
			return err
		}
		if !have || s != scope || v != id {
			if err := put(); err != nil {
				return err
			}
			scope, id, sum, have = s, v, 0, true
		}
		sum ^= keyHash(key)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return put()
}
