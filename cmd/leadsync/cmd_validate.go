package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/pipeline/online"
	"github.com/leadsync/leadsync/sinks"
)

func validateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check a job: config, mapping against the sink's schema, source header; --online: the vendor's objects too",
		ArgsUsage: "JOB.yaml",
		Description: "Reads no data rows and, without --online, calls no API. Every problem is listed with\n" +
			"file:line:col; the exit code is 2 when there is any (4 when --online finds the credentials refused).\n" +
			"--online reads (never writes) at the vendor: the credentials, and the objects the job names\n" +
			"(LeadDesk calling list and agents, LionDesk sources, lead route and setup items, Tiledesk project),\n" +
			"within the job's budget.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "online", Usage: "also check the credentials and the vendor objects the job names (read calls only)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "validate needs one job file: leadsync validate JOB.yaml")
			}
			return validate(c, e, c.Args().First())
		},
	}
}

// validateOut is validate --json (keys documented in the README).
type validateOut struct {
	File     string          `json:"file"`
	OK       bool            `json:"ok"`
	Source   validateSource  `json:"source"`
	Sink     validateSink    `json:"sink"`
	Fields   int             `json:"fields"`
	Keys     []validateKey   `json:"keys"`
	Warnings []string        `json:"warnings"`
	Problems []validateIssue `json:"problems"`
	Online   *onlineOut      `json:"online"`
}

type validateSource struct {
	Path    string `json:"path"`
	Type    string `json:"type"`
	Columns int    `json:"columns"`
}

type validateSink struct {
	Vendor string `json:"vendor"`
	Object string `json:"object"`
}

type validateKey struct {
	Field string `json:"field"`
	Kind  string `json:"kind"`
}

// validateIssue is one problem: where and what.
type validateIssue struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

type onlineOut struct {
	Checked  bool             `json:"checked"`
	Calls    int              `json:"calls"`
	Findings []online.Finding `json:"findings"`
}

func validate(c *cli.Context, e *env, path string) error {
	out := validateOut{File: path, Keys: []validateKey{}, Warnings: []string{}, Problems: []validateIssue{}}
	asJSON := c.Bool("json")
	finish := func(err error) error {
		if err != nil {
			var es config.Errors
			var ce *config.Error
			switch {
			case errors.As(err, &es):
				for _, x := range es {
					out.Problems = append(out.Problems, validateIssue{x.File, x.Line, x.Col, x.Msg})
				}
			case errors.As(err, &ce):
				out.Problems = append(out.Problems, validateIssue{ce.File, ce.Line, ce.Col, ce.Msg})
			default:
				out.Problems = append(out.Problems, validateIssue{File: path, Message: err.Error()})
			}
		}
		out.OK = err == nil
		if asJSON {
			b, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(e.stdout, string(b))
		}
		return err
	}
	p, err := prepare(e, path)
	if err != nil {
		return finish(withCode(ExitUsage, err))
	}
	defer p.Close()
	job := p.job
	out.File = job.Doc.File
	out.Source = validateSource{Path: job.Source.Path, Type: job.Source.Type}
	out.Sink = validateSink{Vendor: job.Sink.Vendor, Object: p.object.Name}
	var lines []string
	if p.empty {
		w := fmt.Sprintf("%s; its header is unknown, so the mapping's columns could not be checked", p.noRows())
		out.Warnings = append(out.Warnings, w)
		lines = append(lines, fmt.Sprintf("%s: ok, with a warning\n  warning: %s\n", job.Doc.File, w))
	} else {
		names, kinds := p.mapping.KeyFields()
		out.Source.Columns, out.Fields = len(p.mapping.Header()), len(p.mapping.Fields())
		lines = append(lines, fmt.Sprintf("%s: ok\n  source  %s (%s, %d columns)\n  sink    %s %s\n  fields  %d mapped\n",
			job.Doc.File, job.Source.Path, job.Source.Type, out.Source.Columns, job.Sink.Vendor, p.object.Name, out.Fields))
		for i, n := range names {
			out.Keys = append(out.Keys, validateKey{n, string(kinds[i])})
			lines = append(lines, fmt.Sprintf("  key     %s (%s)\n", n, kinds[i]))
		}
		if job.Match.None && job.Sink.Vendor != "export" {
			out.Warnings = append(out.Warnings, matchNoneWarning)
			lines = append(lines, fmt.Sprintf("  warning %s\n", matchNoneWarning))
		}
	}
	if c.Bool("online") {
		res, err := validateOnline(c, e, p)
		if res != nil {
			out.Online = &onlineOut{Checked: res.Checked, Calls: res.Calls, Findings: res.Findings}
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
			return finish(withCode(ExitUsage, errs))
		}
		switch {
		case !res.Checked:
			lines = append(lines, fmt.Sprintf("  online  nothing to check: %s has no vendor connection\n", job.Sink.Vendor))
		default:
			lines = append(lines, fmt.Sprintf("  online  ok: credentials and the objects the job names (%s, no write)\n", plural(res.Calls, "read call")))
		}
		for _, f := range res.Findings {
			lines = append(lines, fmt.Sprintf("  warning %s\n", f.String()))
		}
	}
	if asJSON {
		return finish(nil)
	}
	for _, l := range lines {
		fmt.Fprint(e.stdout, l)
	}
	return nil
}

// validateOnline connects to the job's sink (the sandbox too) and runs
// its online check: read calls only, paced by the job's budget.
func validateOnline(c *cli.Context, e *env, p *prepared) (*online.Result, error) {
	job := p.job
	ve, err := lookupVendor(e.vendors, job.Sink.Vendor)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	if ve.NewSink == nil {
		return &online.Result{}, nil
	}
	conn, err := connect(job, ve, p.object.Name, nil)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	defer conn.close()
	res, err := online.Check(c.Context, job, p.mapping, conn.sink, conn.budget)
	if err != nil {
		if sinks.ClassOf(err) == sinks.Unauthorized {
			return &res, withCode(ExitAuth, fmt.Errorf("%s refused the credentials: %s", ve.Name, credentialHint(e.vendors, job)))
		}
		return &res, withCode(ExitUsage, fmt.Errorf("online check: %w", err))
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
