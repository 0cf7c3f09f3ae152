package job

import (
	"context"
	"fmt"
	"io"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/staged"
)

// VendorNames are the sinks leadsync knows, "export" first.
func VendorNames() []string {
	var names []string
	for _, v := range registry() {
		names = append(names, v.name)
	}
	return names
}

// Schema is a known sink's schema (an error names the known ones).
func Schema(vendor string) (sinks.Schema, error) {
	ve, err := lookupVendor(vendor)
	if err != nil {
		return sinks.Schema{}, err
	}
	return ve.schema(), nil
}

// ObjectFor resolves "vendor" + "object" (or "vendor/object") to a schema
// object; an empty object means the vendor's first.
func ObjectFor(vendor, object string) (sinks.Object, error) { return objectFor(vendor, object) }

// URL shows the job's sink or source URL (side "sink" or "source") as
// history and logs name it, never with a secret.
func URL(job *config.Job, side string) string { return jobURL(job, side) }

// OpenAPIReader opens a job's vendor API source to read once (nothing is
// staged); close releases it (and a sandbox).
func OpenAPIReader(job *config.Job) (src sources.Source, close func(), err error) {
	api, err := openAPISource(job)
	if err != nil {
		return nil, nil, err
	}
	return staged.New(job.Source.Type, api.pager, nil, 0), api.close, nil
}

// Setup is a job's vendor setup, connected and ready to apply.
type Setup struct {
	job  *config.Job
	ve   vendorEntry
	conn *connection
}

// OpenSetup loads the job file and connects to its sink for its setup:
// section. Its errors are of class Usage.
func OpenSetup(path string, lookup func(string) (string, bool)) (*Setup, error) {
	job, err := config.LoadJob(path, lookup)
	if err != nil {
		return nil, err
	}
	ve, err := lookupVendor(job.Sink.Vendor)
	if err != nil {
		return nil, err
	}
	if ve.setup == nil {
		return nil, fmt.Errorf("%s: %s has nothing to set up", job.Doc.File, ve.name)
	}
	if job.Setup == nil {
		return nil, config.Errors{job.Doc.At(job.Doc.Root, "the job has no setup: section")}
	}
	conn, err := connect(job, ve, job.Sink.Object, discardLogger())
	if err != nil {
		return nil, err
	}
	return &Setup{job: job, ve: ve, conn: conn}, nil
}

// Vendor is the setup's vendor.
func (s *Setup) Vendor() string { return s.ve.name }

// URL is the sink's URL, as logs show it.
func (s *Setup) URL() string { return jobURL(s.job, "sink") }

// Apply creates what is missing and corrects what differs (with dryRun
// it only reports), writing one line per item to w; changed reports
// whether anything was (or, with dryRun, would be) written. A refused
// credential is an error of class Auth.
func (s *Setup) Apply(ctx context.Context, dryRun bool, w io.Writer) (changed bool, err error) {
	decode := func(v any) error { return s.job.Doc.Decode(s.job.Setup, v) }
	changed, err = s.ve.setup(ctx, s.conn.cfg, decode, dryRun, w)
	if err := sinks.Refused(sinks.SideSink, err); isRefused(err) {
		return changed, classed(Auth, refusedCredentials(s.job, s.ve.name, err))
	}
	return changed, err
}

// Close closes the connection (and saves a sandbox's records).
func (s *Setup) Close() { s.conn.close() }

// Name is the sandbox vendor's name, the path it is served under.
func (v SandboxVendor) Name() string { return v.name }

// Core is the vendor emulator's shared core (its stats, its clock).
func (v SandboxVendor) Core() *emulator.Core { return v.core }
