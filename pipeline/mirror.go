package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// ErrEmptySource refuses a mirror of a source with no valid row: an empty
// or broken export must never wipe the vendor.
var ErrEmptySource = errors.New("mirror: the source has no valid row; nothing is deleted")

// MirrorResult says what a mirror pass deleted.
type MirrorResult struct {
	Deleted []string
	Failed  map[string]string // vendor id -> reason
}

// Mirror deletes the records leadsync created in the sink's scope that
// the run no longer names: the source dropped them. Records created by
// anyone else are never touched. It refuses when the run wrote nothing.
// With dryRun, nothing is deleted and state is left alone: the sink is
// wrapped in sinks.DryRun, and Deleted lists the planned deletions.
func Mirror(ctx context.Context, sink sinks.Sink, store *state.Store, runID int64, dryRun bool) (MirrorResult, error) {
	present, err := store.RunVendorIDs(ctx, runID)
	if err != nil {
		return MirrorResult{Failed: map[string]string{}}, err
	}
	return MirrorNamed(ctx, sink, store, present, len(present), dryRun)
}

// MirrorNamed is Mirror for a run whose outcomes are not in state (a dry
// run's, from its decisions): present are the vendor ids the run names,
// and written how many entities it writes or keeps (0: ErrEmptySource).
func MirrorNamed(ctx context.Context, sink sinks.Sink, store *state.Store, present map[string]bool, written int, dryRun bool) (MirrorResult, error) {
	res := MirrorResult{Failed: map[string]string{}}
	forget := store.Forget
	if dryRun {
		sink = sinks.DryRun(sink)
		forget = func(context.Context, string, string) error { return nil }
	}
	del, ok := sinks.As[sinks.Deleter](sink)
	if !ok {
		return res, fmt.Errorf("mirror: %s cannot delete", sink.Object().Name)
	}
	if written == 0 {
		return res, ErrEmptySource
	}
	created, err := store.CreatedRecords(ctx, sink.Scope())
	if err != nil {
		return res, err
	}
	for _, id := range created {
		if present[id] {
			continue
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err := del.Delete(ctx, id); err != nil {
			if sinks.ClassOf(err) == sinks.Unauthorized {
				return res, sinks.Refused(sinks.SideSink, err)
			}
			res.Failed[id] = err.Error()
			continue
		}
		if err := forget(ctx, sink.Scope(), id); err != nil {
			return res, err
		}
		res.Deleted = append(res.Deleted, id)
	}
	return res, nil
}
