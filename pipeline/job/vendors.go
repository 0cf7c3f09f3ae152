package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/vendors"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/staged"
)

// ObjectFor resolves "vendor" + "object" (or "vendor/object") among vs to
// a schema object; an empty object means the vendor's first.
func ObjectFor(vs []sinks.Vendor, vendor, object string) (sinks.Object, error) {
	return objectFor(vs, vendor, object)
}

// URL shows the job's sink or source URL (side "sink" or "source") as
// history and logs name it, never with a secret.
func URL(job *config.Job, side string) string { return jobURL(job, side) }

// OpenAPIReader opens a job's vendor API source (one of vs) to read once
// (nothing is staged); close releases it (and a sandbox).
func OpenAPIReader(vs []sinks.Vendor, job *config.Job) (src sources.Source, close func(), err error) {
	api, err := openAPISource(vs, job)
	if err != nil {
		return nil, nil, err
	}
	return staged.New(job.Source.Type, api.pager, nil, 0), api.close, nil
}

// Setup is a job's vendor setup, connected and ready to apply.
type Setup struct {
	job  *config.Job
	vs   []sinks.Vendor
	ve   sinks.Vendor
	conn *connection
}

// OpenSetup loads the job file and connects to its sink (one of vs) for
// its setup: section (nil vs: sinks/vendors.All()). Its errors are of
// class Usage.
func OpenSetup(path string, lookup func(string) (string, bool), vs []sinks.Vendor) (*Setup, error) {
	if vs == nil {
		vs = vendors.All()
	}
	job, err := config.LoadJob(path, lookup, vs)
	if err != nil {
		return nil, err
	}
	ve, err := lookupVendor(vs, job.Sink.Vendor)
	if err != nil {
		return nil, err
	}
	if ve.Setup == nil {
		return nil, fmt.Errorf("%s: %s has nothing to set up", job.Doc.File, ve.Name)
	}
	if job.Setup == nil {
		return nil, config.Errors{job.Doc.At(job.Doc.Root, "the job has no setup: section")}
	}
	conn, err := connect(job, ve, job.Sink.Object, discardLogger())
	if err != nil {
		return nil, err
	}
	return &Setup{job: job, vs: vs, ve: ve, conn: conn}, nil
}

// Vendor is the setup's vendor.
func (s *Setup) Vendor() string { return s.ve.Name }

// URL is the sink's URL, as logs show it.
func (s *Setup) URL() string { return jobURL(s.job, "sink") }

// Apply creates what is missing and corrects what differs (with dryRun
// it only reports), writing one line per item to w; changed reports
// whether anything was (or, with dryRun, would be) written. A refused
// credential is an error of class Auth.
func (s *Setup) Apply(ctx context.Context, dryRun bool, w io.Writer) (changed bool, err error) {
	decode := func(v any) error { return s.job.Doc.Decode(s.job.Setup, v) }
	changed, err = s.ve.Setup(ctx, s.conn.cfg, decode, dryRun, w)
	if err := sinks.Refused(sinks.SideSink, err); isRefused(err) {
		return changed, classed(Auth, refusedCredentials(s.vs, s.job, s.ve.Name, err))
	}
	return changed, err
}

// Close closes the connection (and saves a sandbox's records).
func (s *Setup) Close() { s.conn.close() }

// Name is the sandbox vendor's name, the path it is served under.
func (v SandboxVendor) Name() string { return v.name }

// Core is the vendor emulator's shared core (its stats, its clock).
func (v SandboxVendor) Core() *emulator.Core { return v.em.Core() }

// SinkTitles names the vendors of vs a job can write to, as prose does.
func SinkTitles(vs []sinks.Vendor) []string { return sinkTitles(vs) }

// DefaultTarget is inspect's default VENDOR/OBJECT: the first vendor of
// vs one can write to, and its first object.
func DefaultTarget(vs []sinks.Vendor) string { return defaultTarget(vs) }

// AndList joins "a, b and c".
func AndList(s []string) string { return andList(s) }

// CountWord spells a small count ("four").
func CountWord(n int) string { return countWord(n) }

// ServeSandbox serves the vendors' emulators on ln (behind SandboxHandler's
// guard) until ctx is done, then shuts the server down, giving requests in
// flight 5 s.
func ServeSandbox(ctx context.Context, ln net.Listener, vendors []SandboxVendor) error {
	srv := &http.Server{Handler: SandboxHandler(vendors), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
