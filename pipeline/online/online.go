// Package online runs a job's online check (`leadsync validate --online`):
// with reads only, the sink checks its credentials and the vendor objects
// the job names, and every problem gets the job file's position.
package online

import (
	"context"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// Finding is a sinks.Problem placed in the job file.
type Finding struct {
	sinks.Problem
	File string `json:"file"`
	Line int    `json:"line"` // 0: no position
	Col  int    `json:"col"`
}

// String is the finding as validate prints it: file:line:col: message.
func (f Finding) String() string {
	return (&config.Error{File: f.File, Line: f.Line, Col: f.Col, Msg: f.Msg}).Error()
}

// Result is what the check found.
type Result struct {
	// Checked is false when the sink has nothing to check online (an
	// export); Findings is then empty.
	Checked  bool
	Findings []Finding
	// Calls is how many calls the check made (counted by the
	// connection's budget, so they were paced like a run's).
	Calls int
}

// Failed reports whether any finding is an error (not a warning).
func (r Result) Failed() bool {
	for _, f := range r.Findings {
		if !f.Warning {
			return true
		}
	}
	return false
}

// Errors are the failing findings as config errors (for the exit code
// and message of a validation failure).
func (r Result) Errors() config.Errors {
	var out config.Errors
	for _, f := range r.Findings {
		if !f.Warning {
			out = append(out, &config.Error{File: f.File, Line: f.Line, Col: f.Col, Msg: f.Msg})
		}
	}
	return out
}

// Check runs sink's online check for job and its compiled mapping m (nil
// when the source is empty). b is the connection's budget, for the count
// of calls. A sink without an online check but with a credential check
// gets that. The error is a failed read or refused credentials
// (sinks.ClassOf(err) == sinks.Unauthorized).
func Check(ctx context.Context, job *config.Job, m *mapping.Mapping, sink sinks.Sink, b *budget.Budget) (Result, error) {
	before := b.Stats().Calls
	var res Result
	var probs []sinks.Problem
	var err error
	if oc, ok := sinks.As[sinks.OnlineChecker](sink); ok {
		res.Checked = true
		refs := sinks.Refs{Constants: sinks.Fields{}}
		if m != nil {
			refs.Constants, refs.Columns = m.Constants(), m.PerRow()
		}
		if job.Setup != nil {
			refs.Setup = func(v any) error { return job.Doc.Decode(job.Setup, v) }
		}
		probs, err = oc.CheckOnline(ctx, refs)
	} else if ch, ok := sinks.As[sinks.Checker](sink); ok {
		res.Checked = true
		err = ch.Check(ctx)
	}
	res.Calls = b.Stats().Calls - before
	if err != nil {
		return res, err
	}
	for _, p := range probs {
		f := Finding{Problem: p, File: job.Doc.File}
		if p.Path != "" {
			e := job.Doc.At(job.Doc.NodeAt(p.Path), "%s", p.Msg)
			f.Line, f.Col = e.Line, e.Col
		}
		res.Findings = append(res.Findings, f)
	}
	return res, nil
}
