package job

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/pipeline/online"
	"github.com/leadsync/leadsync/sinks"
)

// Validation is the result of Validate: what validate --json prints
// (keys documented in the README).
type Validation struct {
	// Lines are the text form, as validate prints it (not in the JSON).
	Lines    []string          `json:"-"`
	File     string            `json:"file"`
	OK       bool              `json:"ok"`
	Source   ValidationSource  `json:"source"`
	Sink     ValidationSink    `json:"sink"`
	Fields   int               `json:"fields"`
	Keys     []ValidationKey   `json:"keys"`
	Warnings []string          `json:"warnings"`
	Problems []ValidationIssue `json:"problems"`
	Online   *OnlineValidation `json:"online"`
}

type ValidationSource struct {
	Path    string `json:"path"`
	Type    string `json:"type"`
	Columns int    `json:"columns"`
}

type ValidationSink struct {
	Vendor string `json:"vendor"`
	Object string `json:"object"`
}

type ValidationKey struct {
	Field string `json:"field"`
	Kind  string `json:"kind"`
}

// ValidationIssue is one problem: where and what.
type ValidationIssue struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

type OnlineValidation struct {
	Checked  bool             `json:"checked"`
	Calls    int              `json:"calls"`
	Findings []online.Finding `json:"findings"`
}

// Validate loads and checks the job at path without reading data rows:
// config, mapping against the sink's schema, the source header; with
// online, also the credentials and the vendor objects the job names (read
// calls only, paced by the job's budget). The Validation is filled as far
// as the check got, also with an error.
func Validate(ctx context.Context, path string, opts LoadOptions, checkOnline bool) (*Validation, error) {
	out := &Validation{File: path, Keys: []ValidationKey{}, Warnings: []string{}, Problems: []ValidationIssue{}}
	finish := func(err error) (*Validation, error) {
		if err != nil {
			var es config.Errors
			var ce *config.Error
			switch {
			case errors.As(err, &es):
				for _, x := range es {
					out.Problems = append(out.Problems, ValidationIssue{x.File, x.Line, x.Col, x.Msg})
				}
			case errors.As(err, &ce):
				out.Problems = append(out.Problems, ValidationIssue{ce.File, ce.Line, ce.Col, ce.Msg})
			default:
				out.Problems = append(out.Problems, ValidationIssue{File: path, Message: err.Error()})
			}
		}
		out.OK = err == nil
		return out, err
	}
	p, err := Load(path, opts)
	if err != nil {
		return finish(classed(Usage, err))
	}
	defer p.Close()
	job := p.job
	out.File = job.Doc.File
	out.Source = ValidationSource{Path: job.Source.Path, Type: job.Source.Type}
	out.Sink = ValidationSink{Vendor: job.Sink.Vendor, Object: p.object.Name}
	if p.empty {
		w := fmt.Sprintf("%s; its header is unknown, so the mapping's columns could not be checked", p.NoRows())
		out.Warnings = append(out.Warnings, w)
		out.Lines = append(out.Lines, fmt.Sprintf("%s: ok, with a warning\n  warning: %s\n", job.Doc.File, w))
	} else {
		names, kinds := p.mapping.KeyFields()
		out.Source.Columns, out.Fields = len(p.mapping.Header()), len(p.mapping.Fields())
		out.Lines = append(out.Lines, fmt.Sprintf("%s: ok\n  source  %s (%s, %d columns)\n  sink    %s %s\n  fields  %d mapped\n",
			job.Doc.File, job.Source.Path, job.Source.Type, out.Source.Columns, job.Sink.Vendor, p.object.Name, out.Fields))
		for i, n := range names {
			out.Keys = append(out.Keys, ValidationKey{n, string(kinds[i])})
			out.Lines = append(out.Lines, fmt.Sprintf("  key     %s (%s)\n", n, kinds[i]))
		}
		if job.Match.None && job.Sink.Vendor != "export" {
			out.Warnings = append(out.Warnings, MatchNoneWarning)
			out.Lines = append(out.Lines, fmt.Sprintf("  warning %s\n", MatchNoneWarning))
		}
	}
	if checkOnline {
		res, err := p.validateOnline(ctx)
		if res != nil {
			out.Online = &OnlineValidation{Checked: res.Checked, Calls: res.Calls, Findings: res.Findings}
			if out.Online.Findings == nil {
				out.Online.Findings = []online.Finding{}
			}
		}
		if err != nil {
			return finish(err)
		}
		for _, f := range res.Findings {
			if f.Warning {
				out.Warnings = append(out.Warnings, f.String())
			}
		}
		if errs := res.Errors(); len(errs) > 0 {
			return finish(classed(Usage, errs))
		}
		switch {
		case !res.Checked:
			out.Lines = append(out.Lines, fmt.Sprintf("  online  nothing to check: %s has no vendor connection\n", job.Sink.Vendor))
		default:
			out.Lines = append(out.Lines, fmt.Sprintf("  online  ok: credentials and the objects the job names (%s, no write)\n", plural(res.Calls, "read call")))
		}
		for _, f := range res.Findings {
			out.Lines = append(out.Lines, fmt.Sprintf("  warning %s\n", f.String()))
		}
	}
	return finish(nil)
}

// validateOnline connects to the job's sink (the sandbox too) and runs
// its online check: read calls only, paced by the job's budget.
func (p *Job) validateOnline(ctx context.Context) (*online.Result, error) {
	job := p.job
	ve, err := lookupVendor(p.vendors, job.Sink.Vendor)
	if err != nil {
		return nil, classed(Usage, err)
	}
	if ve.NewSink == nil {
		return &online.Result{}, nil
	}
	conn, err := connect(job, ve, p.object.Name, nil)
	if err != nil {
		return nil, classed(Usage, err)
	}
	defer conn.close()
	res, err := online.Check(ctx, job, p.mapping, conn.sink, conn.budget)
	if err != nil {
		if sinks.ClassOf(err) == sinks.Unauthorized {
			return &res, classed(Auth, fmt.Errorf("%s refused the credentials: %s", ve.Name, credentialHint(p.vendors, job)))
		}
		return &res, classed(Usage, fmt.Errorf("online check: %w", err))
	}
	return &res, nil
}

// plural is "1 read call", "2 read calls".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
