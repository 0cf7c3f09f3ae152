package job

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// GCOptions say which state file to collect and how much to keep.
type GCOptions struct {
	// State is the state database; JobFile, when set, names it instead
	// (the job's state path). Lookup and Vendors read the job file.
	State, JobFile string
	Lookup         func(string) (string, bool)
	Vendors        []sinks.Vendor
	Keep           int  // each job's newest runs kept whole
	Vacuum         bool // shrink the file afterwards
}

// GCResult is what a collection removed, with the state file's path.
type GCResult struct {
	Path string
	state.GCResult
}

// CollectGarbage removes old runs' per-row outcomes from a state file
// (state.Store.GC): each job keeps its Keep newest runs and every run that
// can still resume whole. A missing state file is an error (class Usage).
func CollectGarbage(ctx context.Context, opts GCOptions) (*GCResult, error) {
	path := opts.State
	if opts.JobFile != "" {
		h, err := OpenHistory(opts.State, opts.JobFile, opts.Lookup, opts.Vendors) // resolves the job's state path
		if err != nil {
			return nil, classed(Usage, err)
		}
		path = h.Path()
		h.Close()
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, classed(Usage, fmt.Errorf("no state here (%s does not exist): nothing to collect", path))
	}
	s, err := state.Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res, err := s.GC(ctx, opts.Keep, opts.Vacuum)
	if err != nil {
		return nil, err
	}
	return &GCResult{Path: path, GCResult: res}, nil
}
