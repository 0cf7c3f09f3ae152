package job

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/leadsync/leadsync/pipeline"
	"github.com/leadsync/leadsync/state"
)

// fileFault reports whether err means leadsync could not use a file of
// its own (the state database, a report, the export output) rather than
// that the job or a row is wrong: exit code ExitFiles.
func fileFault(err error) bool {
	if err == nil {
		return false
	}
	if state.IsFault(err) || errors.Is(err, pipeline.ErrOwnFile) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EFBIG} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// explainFault adds what to do to a failure of leadsync's own files that
// the state package did not already explain.
func explainFault(err error) error {
	if err == nil || state.IsFault(err) || !fileFault(err) {
		return err
	}
	return fmt.Errorf("%w; no row was rejected for it: make room (or make the folder writable) and run the same command again to resume", err)
}

// stopOnStateFault returns a context cancelled as soon as the state writer
// fails (disk full, the file removed): the run stops taking new rows at
// once instead of going on without a history. The writer's error is then
// the run's (Close returns it).
func stopOnStateFault(ctx context.Context, w *state.Writer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-w.Failed():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
