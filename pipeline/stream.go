package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// streamCursor names a stream's committed progress in the run's cursors:
// "<records read>|<the sink's checkpoint>".
const streamCursor = "stream"

// checkpointEvery is how many records a stream writes between two
// checkpoints: a killed export resumed redoes at most these.
const checkpointEvery = 4096

// stream runs a sinks.Stream (a file): every row is its own entity,
// created in source order, with no lookup. Its progress is committed in
// state at each checkpoint, after the outcomes of the rows it covers, so a
// resumed run skips the committed records unmapped and appends after them:
// the file equals an uninterrupted run's.
func (p *planner) stream(ctx context.Context, st sinks.Stream, res *SyncResult, count func(Decision)) error {
	cfg := p.cfg
	read, token := 0, ""
	if cfg.Store != nil && cfg.State != nil {
		cur, err := cfg.Store.Cursor(ctx, cfg.RunID, streamCursor)
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
		if n, t, ok := strings.Cut(cur, "|"); ok {
			read, _ = strconv.Atoi(n)
			token = t
		}
	}
	resumed, err := st.Start(token)
	if err != nil {
		return err
	}
	skip := 0
	if resumed {
		skip = read
		res.Skipped = read
		cfg.Logger.Info("resuming the output after its committed records", "records", read)
	}
	names := cfg.Mapping.Fields()
	if rc, ok := sinks.As[sinks.RowCreator](cfg.Sink); ok && slices.Equal(rc.Columns(), names) {
		p.rows = rc
	}
	since := 0
	checkpoint := func(pos int) error {
		since = 0
		if cfg.State == nil {
			return nil
		}
		t, err := st.Checkpoint()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrOwnFile, err)
		}
		cfg.State.Cursor(streamCursor, strconv.Itoa(pos)+"|"+t)
		return nil
	}
	last := skip
	one := &entity{rows: make([]int, 1), raws: make([][]string, 1)} // reused by every row
	interrupted, err := readRows(ctx, cfg, false, skip, func(m mapped) error {
		res.Rows++
		last = m.pos
		if err := p.streamRow(ctx, m, names, one, res, count); err != nil {
			return err
		}
		if since++; since >= checkpointEvery {
			return checkpoint(m.pos)
		}
		return nil
	})
	res.Rows += skip
	res.Interrupted = interrupted
	res.Plan = Plan{Entities: res.Entities, Writes: res.Entities}
	if err != nil {
		_ = st.Suspend() // the partial file stays: the same command resumes
		return err
	}
	if interrupted {
		if err := checkpoint(last); err != nil {
			_ = st.Suspend()
			return err
		}
		return st.Suspend()
	}
	return st.Commit()
}

// streamRow writes one record of a stream, or rejects it. one is the
// row's entity, reused from row to row (record and count keep nothing of
// it; a decision handed to OnDecision gets rows of its own).
func (p *planner) streamRow(ctx context.Context, m mapped, names []string, one *entity, res *SyncResult, count func(Decision)) error {
	cfg := p.cfg
	if m.err != nil {
		res.Statuses[state.StatusRejected]++
		return rejectRow(cfg, m.err.Row, m.raw, m.err.Column, m.err.Err.Error())
	}
	l := m.lead
	var f sinks.Fields
	var rec sinks.Record
	var err error
	if p.rows != nil {
		rec, err = p.rows.CreateRow(ctx, l.Values)
	} else {
		f = make(sinks.Fields, len(names))
		for i, v := range l.Values {
			f[names[i]] = v
		}
		rec, err = cfg.Sink.Create(ctx, f)
	}
	if err != nil && ownFileFault(err) {
		return fmt.Errorf("%w: %w", ErrOwnFile, err)
	}
	if err != nil {
		res.Statuses[state.StatusRejected]++
		return rejectRow(cfg, l.Row, m.raw, "", err.Error())
	}
	res.Entities++
	one.rows[0], one.raws[0] = l.Row, m.raw
	d := Decision{Rows: one.rows, Fields: f, Action: ActionExport, VendorID: rec.ID, Status: state.StatusOK, Calls: 1, Attempts: 1}
	if len(l.Keys) > 0 {
		d.ID = l.Keys[0]
	}
	if err := p.record(one, d); err != nil {
		return err
	}
	count(d)
	if cfg.OnDecision != nil {
		if f == nil {
			f = make(sinks.Fields, len(names))
			for i, v := range l.Values {
				f[names[i]] = v
			}
		}
		d.Fields = f
		d.Rows = []int{l.Row}
		for _, name := range names {
			if v := f[name]; v != "" {
				d.Changes = append(d.Changes, Change{Field: name, New: v})
			}
		}
		cfg.OnDecision(d)
	}
	return nil
}
