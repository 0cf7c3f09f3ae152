package pipeline

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// grouping is a run's valid rows, spilled and grouped into entities.
// Each pass (each) rebuilds the entities one at a time from the spill, in
// the order of their first rows, so no pass holds more than one entity
// (and the planner's batch); what a pass learns of each entity for the
// next (facts) is written to the spill too, in the same order.
type grouping struct {
	cfg   SyncConfig
	sp    *spill
	names []string
	order *fieldOrder // names in ContentHash's order (nil: a name repeats)
	facts *factFile   // the last pass's facts, read by the next
	gen   int
	// settled marks, by first row in the spill, the groups no later pass
	// visits: left out by the first (other shards, done, missing a
	// required field), or recorded by the plan (unchanged). A bit a
	// group, set from more than one goroutine.
	settled []atomic.Uint64
}

// settle marks a group as one no later pass visits.
func (g *grouping) settle(root int32) {
	g.settled[root/64].Or(1 << (root % 64))
}

func (g *grouping) isSettled(root int32) bool {
	return g.settled[root/64].Load()&(1<<(root%64)) != 0
}

func (g *grouping) Close() error {
	if g.facts != nil {
		g.facts.Close()
	}
	return g.sp.Close()
}

// spillDir is where a run's spill goes: beside the state file, or the
// system's temporary folder.
func spillDir(cfg SyncConfig) (dir, base string) {
	if cfg.Store != nil {
		if p := cfg.Store.Path(); p != "" && !strings.HasPrefix(p, ":") && !strings.HasPrefix(p, "file:") {
			return filepath.Dir(p), filepath.Base(p)
		}
	}
	return "", "leadsync"
}

// readAndGroup maps every row, rejects bad ones at once, spills the rest
// and groups them into entities by the union of their keys.
func readAndGroup(ctx context.Context, cfg SyncConfig, res *SyncResult) (*grouping, error) {
	dir, base := spillDir(cfg)
	sp, err := newSpill(dir, base)
	if err != nil {
		return nil, err
	}
	g := &grouping{cfg: cfg, sp: sp, names: cfg.Mapping.Fields()}
	g.order = newFieldOrder(g.names)
	ev := newEventKeyer(cfg)
	keyNames, _ := cfg.Mapping.KeyFields()
	_, err = readRows(ctx, cfg, true, skipping{}, func(m mapped) error {
		res.Rows++
		rowErr := m.err
		if rowErr == nil {
			lead := m.lead
			keys := m.keys
			if ev.fields != nil {
				keys = ev.key(lead)
				if len(keys) == 0 {
					rowErr = &sources.RowError{Row: lead.Row, Raw: m.raw,
						Err: fmt.Errorf("no event key: none of %s has a value, so this %s cannot be told from another", strings.Join(ev.fields, ", "), cfg.Sink.Object().Name)}
				}
			}
			if rowErr == nil && len(keys) == 0 && len(keyNames) > 0 {
				// Written, it could never be matched again: every run
				// would create it anew.
				rowErr = &sources.RowError{Row: lead.Row, Raw: m.raw,
					Err: fmt.Errorf("no match key: none of %s has a value, so the row cannot be matched against existing records", strings.Join(keyNames, ", "))}
			}
			if rowErr == nil {
				return sp.add(lead, m.raw, keys)
			}
		}
		if !cfg.Shard.OwnsRow(rowErr.Row) {
			res.OtherShards++
			return nil
		}
		if cfg.Done.Has(rowErr.Row) {
			res.Skipped++
			return nil
		}
		res.Statuses[state.StatusRejected]++
		return rejectRow(cfg, rowErr.Row, rowErr.Raw, rowErr.Column, rowErr.Err.Error())
	})
	if err == nil {
		err = sp.group()
	}
	if err != nil {
		g.Close()
		return nil, err
	}
	g.settled = make([]atomic.Uint64, sp.parent.len()/64+1)
	return g, nil
}

// each rebuilds the entities this run writes and calls fn with each. The
// first pass counts and reports what is left out (other shards' entities,
// those a resumed run finished, those missing a required field); later
// passes leave out the same silently.
func (g *grouping) each(ctx context.Context, first bool, res *SyncResult, fn func(*entity) error) error {
	cfg := g.cfg
	n := 0
	return g.sp.scan(g.isSettled, func(root int32, rows []spilled) error {
		if n++; n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		e := newEntity(root, len(rows))
		for i, r := range rows {
			if i == 0 {
				e.keys = slices.Clip(r.keys) // the row's own: a later row's keys copy it
			} else {
				if e.mergedOn == "" {
					e.mergedOn = sharedKey(e.keys, r.keys)
				}
				e.keys = unionKeys(e.keys, r.keys)
			}
			e.rows = append(e.rows, r.lead.Row)
			e.leads = append(e.leads, r.lead)
			e.raws = append(e.raws, r.raw)
		}
		owns := cfg.Shard.OwnsKeys(e.keys)
		if len(e.keys) == 0 {
			owns = cfg.Shard.OwnsRow(e.rows[0])
		}
		if !owns {
			if first {
				res.OtherShards += len(e.rows)
				g.settle(root)
			}
			return nil
		}
		if cfg.Done.Len() > 0 {
			all := true
			for _, r := range e.rows {
				all = all && cfg.Done.Has(r)
			}
			if all {
				if first {
					res.Skipped += len(e.rows)
					g.settle(root)
				}
				return nil
			}
		}
		if g.order != nil {
			e.vals, e.order = mergeValues(nil, len(g.names), e.leads, cfg.Policy.Merge), g.order
		} else {
			e.fields = mergeFields(g.names, e.leads, cfg.Policy.Merge)
		}
		if missing := missingRequired(e); missing != "" {
			if first {
				g.settle(root)
				return g.rejectMissing(e, missing, res)
			}
			return nil
		}
		return fn(e)
	})
}

// newEntity is an empty entity of n rows; one of a single row (most
// entities) is one allocation.
func newEntity(root int32, n int) *entity {
	if n == 1 {
		one := &struct {
			e    entity
			row  [1]int
			lead [1]mapping.Lead
			raw  [1][]string
		}{}
		one.e = entity{group: root, rows: one.row[:0], leads: one.lead[:0], raws: one.raw[:0]}
		return &one.e
	}
	return &entity{group: root, rows: make([]int, 0, n), leads: make([]mapping.Lead, 0, n), raws: make([][]string, 0, n)}
}

// rejectMissing rejects every row of an entity none of whose rows filled
// a required field.
func (g *grouping) rejectMissing(e *entity, missing string, res *SyncResult) error {
	for i, l := range e.leads {
		if g.cfg.Done.Has(l.Row) {
			res.Skipped++
			continue
		}
		col := l.MissingColumn
		if col == "" {
			col = missing
		}
		if err := rejectRow(g.cfg, l.Row, e.raws[i], col, "field "+missing+": "+mapping.ErrRequired.Error()); err != nil {
			return err
		}
		res.Statuses[state.StatusRejected]++
	}
	return nil
}

// newFacts starts the facts of a pass; the previous pass's stay readable
// until the new ones are done.
func (g *grouping) newFacts() (*factFile, error) {
	g.gen++
	f, err := os.Create(filepath.Join(g.sp.dir, fmt.Sprintf("facts-%d", g.gen)))
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &factFile{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// finish makes ff the facts the next pass reads.
func (g *grouping) finish(ff *factFile) error {
	if err := ff.w.Flush(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	if _, err := ff.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	ff.w, ff.r = nil, bufio.NewReaderSize(ff.f, 1<<16)
	if g.facts != nil {
		g.facts.Close()
	}
	g.facts = ff
	return nil
}

// factFile holds, entity by entity, what the plan learned: what state
// settles and the forecast cost.
type factFile struct {
	f   *os.File
	w   *bufio.Writer
	r   *bufio.Reader
	buf []byte
}

func (ff *factFile) Close() error {
	name := ff.f.Name()
	ff.f.Close()
	return os.Remove(name)
}

const (
	factAmbiguous = 1 << iota
	factWasRefused
	factTodo
)

func (ff *factFile) put(e *entity) error {
	var flags uint64
	if e.ambiguous {
		flags |= factAmbiguous
	}
	if e.wasRefused {
		flags |= factWasRefused
	}
	if e.todo {
		flags |= factTodo
	}
	b := binary.AppendUvarint(ff.buf[:0], flags)
	b = binary.AppendUvarint(b, uint64(e.cost))
	b = putString(b, e.refused)
	ff.buf = b
	if _, err := ff.w.Write(b); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

var errFacts = errors.New("spill: the plan's facts ended before the entities")

func (ff *factFile) get(e *entity) error {
	flags, err := binary.ReadUvarint(ff.r)
	if err != nil {
		return errFacts
	}
	cost, err := binary.ReadUvarint(ff.r)
	if err != nil {
		return errFacts
	}
	e.ambiguous, e.wasRefused, e.todo = flags&factAmbiguous != 0, flags&factWasRefused != 0, flags&factTodo != 0
	e.cost = int(cost)
	e.refused, err = ff.str()
	return err
}

func (ff *factFile) str() (string, error) {
	n, err := binary.ReadUvarint(ff.r)
	if err != nil {
		return "", errFacts
	}
	if n == 0 {
		return "", nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(ff.r, b); err != nil {
		return "", errFacts
	}
	return string(b), nil
}
