package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// streamCursor names a stream's committed progress in the run's cursors:
// "<records read>[;r=<the reports' mark>][;s=<the source's position>]|<the
// sink's checkpoint>", one value, so that all of it commits at once.
// Earlier versions wrote "<records read>|<the sink's checkpoint>" under
// legacyStreamCursor, which is still read when there is no other. The
// name is new so that an earlier version never misreads this value (it
// would take the count for 0 and append every row again): finding none,
// it starts the output over, or resumes its own consistent checkpoint.
const (
	streamCursor       = "stream.2"
	legacyStreamCursor = "stream"
)

// checkpointEvery is how many records a stream writes between two
// checkpoints: a killed export resumed redoes at most these.
const checkpointEvery = 4096

// streamPos is a stream's committed progress (streamCursor).
type streamPos struct {
	read       int
	mark, seek string
	token      string
}

func parseStreamPos(cur string) streamPos {
	head, token, ok := strings.Cut(cur, "|")
	if !ok {
		return streamPos{}
	}
	p := streamPos{token: token}
	parts := strings.Split(head, ";")
	p.read, _ = strconv.Atoi(parts[0])
	for _, part := range parts[1:] {
		if v, ok := strings.CutPrefix(part, "r="); ok {
			p.mark = v
		} else if v, ok := strings.CutPrefix(part, "s="); ok {
			p.seek = v
		}
	}
	return p
}

func (p streamPos) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(p.read))
	if p.mark != "" {
		b.WriteString(";r=" + p.mark)
	}
	if p.seek != "" {
		b.WriteString(";s=" + p.seek)
	}
	return b.String() + "|" + p.token
}

// stream runs a sinks.Stream (a file): every row is its own entity,
// created in source order, with no lookup. Its progress is committed in
// state at each checkpoint, after the outcomes of the rows it covers, so a
// resumed run skips the committed records unmapped and appends after them:
// the file equals an uninterrupted run's. Where the report files go on
// after their committed lines too (a ResumableReporter), a source that can
// seek (sources.Seeker) is not even read up to there; otherwise the
// committed rows are read again for their report lines.
func (p *planner) stream(ctx context.Context, st sinks.Stream, res *SyncResult, count func(Decision)) error {
	cfg := p.cfg
	var pos streamPos
	if cfg.Store != nil && cfg.State != nil {
		for _, name := range []string{streamCursor, legacyStreamCursor} {
			cur, err := cfg.Store.Cursor(ctx, cfg.RunID, name)
			if err != nil {
				return fmt.Errorf("state: %w", err)
			}
			if cur != "" {
				pos = parseStreamPos(cur)
				break
			}
		}
	}
	resumed, err := st.Start(pos.token)
	if err != nil {
		return err
	}
	rep, _ := cfg.Reporter.(ResumableReporter)
	seeker, _ := cfg.Source.(sources.Seeker)
	var skip skipping
	if resumed {
		skip.rows = pos.read
		res.Skipped = pos.read
		reported := cfg.Reporter == nil || (rep != nil && rep.Resume(pos.mark))
		skip.replay = !reported
		if reported && seeker != nil && pos.seek != "" {
			if err := seeker.Seek(pos.seek); err != nil {
				return sinks.Refused(sinks.SideSource, fmt.Errorf("resume: %w", err))
			}
			skip.seeked = true
		}
		cfg.Logger.Info("resuming the output after its committed records", "records", pos.read, "source seeked", skip.seeked, "reports continued", reported)
	} else if rep != nil {
		rep.Resume("") // a new output: new report files too
	}
	names := cfg.Mapping.Fields()
	if rc, ok := sinks.As[sinks.RowCreator](cfg.Sink); ok && slices.Equal(rc.Columns(), names) {
		p.rows = rc
	}
	since := 0
	checkpoint := func(pos int, seek string) error {
		since = 0
		if cfg.State == nil {
			return nil
		}
		cp := streamPos{read: pos}
		t, err := st.Checkpoint()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrOwnFile, err)
		}
		cp.token = t
		if rep != nil {
			if cp.mark, err = rep.Mark(); err != nil {
				return fmt.Errorf("%w: %w", ErrOwnFile, err)
			}
		}
		cp.seek = seek
		cfg.State.Cursor(streamCursor, cp.String())
		return nil
	}
	last, lastSeek := skip.rows, ""
	one := &entity{rows: make([]int, 1), raws: make([][]string, 1)} // reused by every row
	interrupted, err := readRows(ctx, cfg, false, skip, func(m mapped) error {
		res.Rows++
		last, lastSeek = m.pos, m.seek
		if err := p.streamRow(ctx, m, names, one, res, count); err != nil {
			return err
		}
		// With a source that can seek, at the end of a batch: where
		// the next record starts is known there.
		if since++; since >= checkpointEvery && (seeker == nil || m.seek != "") {
			return checkpoint(m.pos, m.seek)
		}
		return nil
	})
	res.Rows += skip.rows
	res.Interrupted = interrupted
	res.Plan = Plan{Entities: res.Entities, Writes: res.Entities}
	if err != nil {
		_ = st.Suspend() // the partial file stays: the same command resumes
		return err
	}
	if interrupted {
		if err := checkpoint(last, lastSeek); err != nil {
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
