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
func Mirror(ctx context.Context, sink sinks.Sink, store *state.Store, runID int64, dryRun bool) (MirrorResult, error) {
	res := MirrorResult{Failed: map[string]string{}}
	del, ok := sinks.As[sinks.Deleter](sink)
	if !ok {
		return res, fmt.Errorf("mirror: %s cannot delete", sink.Object().Name)
	}
	present, err := store.RunVendorIDs(ctx, runID)
	if err != nil {
		return res, err
	}
	if len(present) == 0 {
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
		if dryRun {
			res.Deleted = append(res.Deleted, id)
			continue
		}
		if err := del.Delete(ctx, id); err != nil {
			if sinks.ClassOf(err) == sinks.Unauthorized {
				return res, sinks.Refused(sinks.SideSink, err)
			}
			res.Failed[id] = err.Error()
			continue
		}
		if err := store.Forget(ctx, sink.Scope(), id); err != nil {
			return res, err
		}
		res.Deleted = append(res.Deleted, id)
	}
	return res, nil
}
