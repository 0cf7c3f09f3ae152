package state

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// oldSchema is the layout before schema version 2 (user_version 0), as
// released: text scopes, hex hashes, JSON fields, status words.
const oldSchema = `
CREATE TABLE runs (
	id INTEGER PRIMARY KEY, job TEXT NOT NULL, fingerprint TEXT NOT NULL, config_hash TEXT NOT NULL,
	started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, counts TEXT NOT NULL DEFAULT '{}',
	message TEXT NOT NULL DEFAULT '', input TEXT NOT NULL DEFAULT '', sink TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_job ON runs(job, id);
CREATE TABLE outcomes (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, row INTEGER NOT NULL, status TEXT NOT NULL,
	action TEXT NOT NULL DEFAULT '', vendor_id TEXT NOT NULL DEFAULT '', entity TEXT NOT NULL DEFAULT '',
	col TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, row)
) WITHOUT ROWID;
CREATE TABLE entity_keys (scope TEXT NOT NULL, key TEXT NOT NULL, vendor_id TEXT NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID;
CREATE TABLE records (
	scope TEXT NOT NULL, vendor_id TEXT NOT NULL, content_hash TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '{}',
	run_id INTEGER NOT NULL, synced_at TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (scope, vendor_id)
) WITHOUT ROWID;
CREATE TABLE steps (scope TEXT NOT NULL, entity TEXT NOT NULL, step TEXT NOT NULL, state TEXT NOT NULL,
	result TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL DEFAULT '', run_id INTEGER NOT NULL, at TEXT NOT NULL,
	PRIMARY KEY (scope, entity, step)) WITHOUT ROWID;
CREATE TABLE refusals (scope TEXT NOT NULL, entity TEXT NOT NULL, content_hash TEXT NOT NULL, reason TEXT NOT NULL,
	run_id INTEGER NOT NULL, PRIMARY KEY (scope, entity)) WITHOUT ROWID;
CREATE TABLE cursors (run_id INTEGER NOT NULL, name TEXT NOT NULL, cursor TEXT NOT NULL, PRIMARY KEY (run_id, name)) WITHOUT ROWID;
CREATE TABLE staged (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, vals TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
CREATE TABLE locks (job TEXT PRIMARY KEY, run_id INTEGER NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, acquired_at TEXT NOT NULL);
INSERT INTO runs(id, job, fingerprint, config_hash, started_at, status, counts) VALUES
	(1, 'nightly', 'f1', 'c1', '2026-01-01T00:00:00Z', 'done', '{"ok/create":2}'),
	(2, 'nightly', 'f2', 'c1', '2026-01-02T00:00:00Z', 'interrupted', '{}');
INSERT INTO outcomes VALUES
	(1, 1, 'ok', 'create', '101', 'email:a@x.fi', '', ''),
	(1, 2, 'ok', 'create', '102', 'email:b@x.fi', '', ''),
	(2, 1, 'ok', 'unchanged', '101', 'email:a@x.fi', '', ''),
	(2, 2, 'failed', 'update', '102', 'email:b@x.fi', '', 'timeout'),
	(2, 3, 'rejected', '', '', '', 'phone', 'not a phone number'),
	(2, 4, 'strange', 'odd-action', '', '', '', '');
INSERT INTO entity_keys VALUES
	('v/contact@a', 'email:a@x.fi', '101'), ('v/contact@a', 'phone:+358401', '101'),
	('v/contact@a', 'email:b@x.fi', '102'), ('w/lead@b', 'email:a@x.fi', 'L1');
INSERT INTO records VALUES
	('v/contact@a', '101', 'aa00ff', '{"email":"a@x.fi","fname":"Anna"}', 1, '2026-01-01T00:00:00Z', 1),
	('v/contact@a', '102', 'incomplete', '{}', 1, '2026-01-01T00:00:00Z', 0),
	('w/lead@b', 'L1', 'ABC', 'null', 1, '2026-01-01T00:00:00Z', 0);
`

// oldFile writes a state file in the old layout.
func oldFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(oldSchema); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

type answers struct {
	Outcomes   []Outcome
	Failed     []Outcome
	Done       []int
	Counts     Counts
	IDs        []string
	Other      []string
	Rec101     Entity
	Rec102     Entity
	RecL1      Entity
	Created    []string
	Unchanged  []string
	VendorIDs  map[string]bool
	Settled    map[string]int
	Resumed    bool
	ResumedRun int64
}

func ask(t *testing.T, s *Store, resume bool) answers {
	t.Helper()
	ctx := context.Background()
	var a answers
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	a.Outcomes, err = s.Outcomes(ctx, 2, "")
	must(err)
	a.Failed, err = s.Outcomes(ctx, 2, StatusFailed)
	must(err)
	done, err := s.DoneRows(ctx, 2)
	must(err)
	a.Done = done.Rows()
	a.Counts, err = s.CountOutcomes(ctx, 2)
	must(err)
	a.IDs, err = s.LookupKeys(ctx, "v/contact@a", []string{"phone:+358401", "email:a@x.fi", "email:b@x.fi", "email:none"})
	must(err)
	a.Other, err = s.LookupKeys(ctx, "w/lead@b", []string{"email:a@x.fi"})
	must(err)
	a.Rec101, _, err = s.Record(ctx, "v/contact@a", "101")
	must(err)
	a.Rec102, _, err = s.Record(ctx, "v/contact@a", "102")
	must(err)
	a.RecL1, _, err = s.Record(ctx, "w/lead@b", "L1")
	must(err)
	a.Created, err = s.CreatedRecords(ctx, "v/contact@a")
	must(err)
	a.Unchanged, err = s.Unchanged(ctx, "v/contact@a", [][]string{{"email:a@x.fi"}, {"email:b@x.fi", "phone:+358401"}, {"email:none"}, {"email:a@x.fi"}}, []string{"aa00ff", "aa00ff", "aa00ff", "aa00fe"})
	must(err)
	a.VendorIDs, err = s.RunVendorIDs(ctx, 2)
	must(err)
	a.Settled, err = s.SettledEntities(ctx, 2)
	must(err)
	if resume {
		r, resumed, err := s.BeginRun(ctx, RunSpec{Job: "nightly", Fingerprint: "f2", ConfigHash: "c1"})
		must(err)
		a.Resumed, a.ResumedRun = resumed, r.ID
	}
	return a
}

// TestMigrateOldFile: a file in the old layout, opened by this code (read
// only, then read-write), answers exactly what it answered before, and
// is migrated to the compact layout.
func TestMigrateOldFile(t *testing.T) {
	testMigrate(t, oldFile(t), 0)
}

// TestMigrateV2File: the same for a file in the version 2 layout (text
// keys and entities).
func TestMigrateV2File(t *testing.T) {
	testMigrate(t, v2File(t, 0), 2)
}

// v2File writes a state file in the version 2 layout holding what
// oldFile holds (version 3 differs in entity_keys and settled outcomes'
// entities only), plus extra keys and settled outcomes of a run 3: more
// than a migration page of each.
func v2File(t *testing.T, extra int) string {
	t.Helper()
	path := oldFile(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`DROP TABLE entity_keys`,
		`CREATE TABLE entity_keys (scope INTEGER NOT NULL, key TEXT NOT NULL, vendor_id TEXT NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID`,
		`INSERT INTO entity_keys SELECT s.id, k.column2, k.column3 FROM (VALUES
			('v/contact@a', 'email:a@x.fi', '101'), ('v/contact@a', 'phone:+358401', '101'),
			('v/contact@a', 'email:b@x.fi', '102'), ('w/lead@b', 'email:a@x.fi', 'L1')) AS k
			JOIN scopes s ON s.name = k.column1`,
		`UPDATE outcomes SET entity = 'email:a@x.fi' WHERE row = 1`,
		`UPDATE outcomes SET entity = 'email:b@x.fi' WHERE run_id = 1 AND row = 2`,
		`PRAGMA user_version = 2`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if extra > 0 {
		if _, err := db.Exec(`INSERT INTO runs(id, job, fingerprint, config_hash, started_at, status) VALUES(3, 'big', 'f', 'c', '2026-01-03T00:00:00Z', 'done')`); err != nil {
			t.Fatal(err)
		}
		tx, _ := db.Begin()
		for i := 0; i < extra; i++ {
			if _, err := tx.Exec(`INSERT INTO entity_keys(scope, key, vendor_id) VALUES(1, ?, ?)`, fmt.Sprintf("email:%d@big.fi", i), fmt.Sprint(5000+i)); err != nil {
				t.Fatal(err)
			}
			// Every third row merged into the one before: one entity.
			st, ent := StatusOK, fmt.Sprintf("email:%d@big.fi", i-i%3)
			if i%3 != 0 {
				st = StatusMerged
			}
			if _, err := tx.Exec(`INSERT INTO outcomes(run_id, row, status, action, vendor_id, entity) VALUES(3, ?, ?, 3, ?, ?)`, i+2, packWord(statusCodes, st), fmt.Sprint(5000+i), ent); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestMigrateV2Paged: a version 2 file with more keys and outcomes than
// a migration page answers every key and counts every entity.
func TestMigrateV2Paged(t *testing.T) {
	const n = 2*migratePage + 17
	s, err := Open(v2File(t, n))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range n {
		ids, err := s.LookupKeys(ctx, "v/contact@a", []string{fmt.Sprintf("email:%d@big.fi", i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || ids[0] != fmt.Sprint(5000+i) {
			t.Fatalf("key %d: %q", i, ids)
		}
	}
	settled, err := s.SettledEntities(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := (n + 2) / 3; settled["unchanged"] != want {
		t.Errorf("settled %v, want %d unchanged entities", settled, want)
	}
	var text int
	if err := s.db.QueryRow(`SELECT count(*) FROM outcomes WHERE run_id = 3 AND typeof(entity) = 'text'`).Scan(&text); err != nil || text != 0 {
		t.Errorf("%d settled outcomes keep their entity's text (%v)", text, err)
	}
}

func testMigrate(t *testing.T, path string, version int) {
	want := answers{
		Outcomes: []Outcome{
			{Row: 1, Status: "ok", Action: "unchanged", VendorID: "101"}, // a settled row's entity: a digest
			{Row: 2, Status: "failed", Action: "update", VendorID: "102", Entity: "email:b@x.fi", Error: "timeout"},
			{Row: 3, Status: "rejected", Column: "phone", Error: "not a phone number"},
			{Row: 4, Status: "strange", Action: "odd-action"},
		},
		Failed:    []Outcome{{Row: 2, Status: "failed", Action: "update", VendorID: "102", Entity: "email:b@x.fi", Error: "timeout"}},
		Done:      []int{1, 3, 4},
		Counts:    Counts{"ok/unchanged": 1, "failed/update": 1, "rejected": 1, "strange/odd-action": 1},
		IDs:       []string{"101", "102"},
		Other:     []string{"L1"},
		Rec101:    Entity{Scope: "v/contact@a", VendorID: "101", ContentHash: "aa00ff", Fields: map[string]string{"email": "a@x.fi", "fname": "Anna"}},
		Rec102:    Entity{Scope: "v/contact@a", VendorID: "102", ContentHash: "incomplete", Fields: map[string]string{}},
		RecL1:     Entity{Scope: "w/lead@b", VendorID: "L1", ContentHash: "ABC"},
		Created:   []string{"101"},
		Unchanged: []string{"101", "", "", ""},
		VendorIDs: map[string]bool{"101": true, "102": true},
		Settled:   map[string]int{"unchanged": 1, "odd-action": 1},
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	got := ask(t, ro, false)
	ro.Close()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read-only open of an old file (-want +got):\n%s", d)
	}
	if v := userVersion(t, path); v != version {
		t.Errorf("read-only open changed the file: user_version %d", v)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := userVersion(t, path); v != schemaVersion {
		t.Errorf("user_version %d after open, want %d", v, schemaVersion)
	}
	want.Resumed, want.ResumedRun = true, 2
	if d := cmp.Diff(want, ask(t, s, true)); d != "" {
		t.Errorf("migrated file (-want +got):\n%s", d)
	}
	// Written after the migration, read back the same.
	w := s.NewWriter(2, nil)
	w.Outcome(Outcome{Row: 2, Status: StatusOK, Action: "update", VendorID: "102", Entity: "email:b@x.fi"})
	w.Entity(Entity{Scope: "v/contact@a", VendorID: "102", Keys: []string{"email:b@x.fi"}, ContentHash: "0123456789abcdef", Fields: map[string]string{"email": "b@x.fi", "z": "", "a": "1\x002"}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := s.Record(context.Background(), "v/contact@a", "102")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if d := cmp.Diff(Entity{Scope: "v/contact@a", VendorID: "102", ContentHash: "0123456789abcdef", Fields: map[string]string{"email": "b@x.fi", "z": "", "a": "1\x002"}}, rec); d != "" {
		t.Errorf("record (-want +got):\n%s", d)
	}
	if done, _ := s.DoneRows(context.Background(), 2); done.Len() != 4 {
		t.Errorf("done rows %v", done)
	}
	s.Close()
	// Opening again is a no-op migration.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFieldsRoundTrip: records' fields read back exactly, whether stored
// deflated against their name set's dictionary or as they are, and take
// less room than their JSON.
func TestFieldsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	w := s.NewWriter(1, nil)
	want := map[string]map[string]string{}
	for i := 0; i < 50; i++ {
		f := map[string]string{}
		for j := 0; j < 20; j++ {
			f[fmt.Sprintf("other%d", j)] = fmt.Sprintf("value %d-%d", j, i)
		}
		f["email"] = fmt.Sprintf("lead.%d@example.fi", i)
		if i%7 == 3 {
			f = map[string]string{"only": strings.Repeat("x", i)} // another name set
		}
		id := fmt.Sprint(100 + i)
		want[id] = f
		w.Entity(Entity{Scope: "v/contact@a", VendorID: id, Keys: []string{"k" + id}, ContentHash: strings.Repeat("ab", 32), Fields: f})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var deflated int
	if err := s.db.QueryRow(`SELECT count(*) FROM records WHERE substr(fields, 2, 1) = x'01'`).Scan(&deflated); err != nil {
		t.Fatal(err)
	}
	if deflated == 0 {
		t.Error("no record's fields were deflated")
	}
	fresh, err := Open(s.Path()) // no cached dictionaries
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for id, f := range want {
		rec, ok, err := fresh.Record(ctx, "v/contact@a", id)
		if err != nil || !ok {
			t.Fatalf("record %s: %v %v", id, ok, err)
		}
		if d := cmp.Diff(f, rec.Fields); d != "" {
			t.Errorf("record %s (-want +got):\n%s", id, d)
		}
		if rec.ContentHash != strings.Repeat("ab", hashBytes) || !SameHash(rec.ContentHash, strings.Repeat("ab", 32)) {
			t.Errorf("record %s: hash %q", id, rec.ContentHash)
		}
	}
}
