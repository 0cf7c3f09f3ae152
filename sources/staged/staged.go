// Package staged turns a vendor's paged API (a sources.Pager) into a
// sources.Source that survives a crash: every page is committed to state
// with the cursor of the next page before its records are handed on, so
// a resumed run replays what was already read and continues at the next
// page, never re-reading from page one.
package staged

import (
	"context"
	"fmt"
	"io"

	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// Source reads a Pager through state. Row numbers are record numbers
// (1-based) in the order the vendor listed them.
type Source struct {
	name  string // names the cursor, and the source in messages
	pager sources.Pager
	store *state.Store
	runID int64

	buf     [][]string // records staged but not yet returned
	seq     int        // record number of buf[0]
	cursor  string     // where the next page starts
	started bool       // replay done
	ended   bool
	// Pages counts the pages read from the vendor in this process.
	Pages int
	// Replayed counts records replayed from state.
	Replayed int
}

// New returns a staged source. name identifies it in state ("tiledesk").
// A nil store reads the pager straight through, staging nothing (for
// reading a source once: inspect, reconcile).
func New(name string, p sources.Pager, store *state.Store, runID int64) *Source {
	return &Source{name: name, pager: p, store: store, runID: runID, seq: 1}
}

// Header is the pager's header.
func (s *Source) Header() []string { return s.pager.Header() }

// Close releases nothing: the pager holds no file.
func (s *Source) Close() error { return nil }

func (s *Source) start(ctx context.Context) error {
	s.started = true
	if s.store == nil {
		return nil
	}
	cur, err := s.store.Cursor(ctx, s.runID, "source:"+s.name)
	if err != nil {
		return err
	}
	if cur == state.CursorEnd {
		s.ended = true
	} else {
		s.cursor = cur
	}
	return s.store.Staged(ctx, s.runID, func(seq int, vals []string) error {
		s.buf = append(s.buf, vals)
		s.Replayed++
		return nil
	})
}

// Next returns the next record: staged ones first, then new pages.
func (s *Source) Next(ctx context.Context) (sources.Record, error) {
	if err := ctx.Err(); err != nil {
		return sources.Record{}, err
	}
	if !s.started {
		if err := s.start(ctx); err != nil {
			return sources.Record{}, fmt.Errorf("%s: resume: %w", s.name, err)
		}
	}
	for len(s.buf) == 0 {
		if s.ended {
			return sources.Record{}, io.EOF
		}
		recs, next, err := s.pager.Page(ctx, s.cursor)
		if err != nil {
			return sources.Record{}, fmt.Errorf("%s: page %q: %w", s.name, s.cursor, err)
		}
		s.Pages++
		first := s.seq + len(s.buf)
		if s.store != nil {
			if err := s.store.StagePage(ctx, s.runID, "source:"+s.name, first, recs, next); err != nil {
				return sources.Record{}, fmt.Errorf("%s: stage page: %w", s.name, err)
			}
		}
		s.buf = append(s.buf, recs...)
		s.cursor = next
		if next == "" {
			s.ended = true
		}
	}
	rec := sources.Record{Row: s.seq, Values: s.buf[0]}
	s.buf = s.buf[1:]
	s.seq++
	if n := len(s.Header()); len(rec.Values) != n {
		return sources.Record{}, &sources.RowError{File: s.name, Row: rec.Row, Raw: rec.Values, Err: fmt.Errorf("%w: %d values for %d fields", sources.ErrRaggedRow, len(rec.Values), n)}
	}
	return rec, nil
}
