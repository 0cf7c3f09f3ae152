package job

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/csvfile"
	"github.com/leadsync/leadsync/sources/xlsxfile"
)

// Job is a job ready to run: loaded and validated, its source open, its
// mapping compiled. Close it when done.
type Job struct {
	job     *config.Job
	source  sources.Source // a file source; an API source is staged once the run exists
	api     *apiSource     // the vendor API a migration reads, or nil
	object  sinks.Object
	mapping *mapping.Mapping
	// empty: the file source holds nothing (0 bytes): no header, no rows,
	// and no mapping compiled against it. Commands finish cleanly.
	empty bool
	used  bool // Run or Reconcile read the source
	// vendors are the vendors the job may name.
	vendors []sinks.Vendor
}

// NoRows is the line a command prints for an empty source.
func (p *Job) NoRows() string {
	return fmt.Sprintf("%s: the source holds no rows (an empty file); nothing to do", p.job.Source.Path)
}

// Close closes the job's source.
func (p *Job) Close() error {
	if p.api != nil {
		p.api.close()
	}
	if p.source != nil {
		return p.source.Close()
	}
	return nil
}

// header is the source's column names.
func (p *Job) header() []string {
	if p.api != nil {
		return p.api.pager.Header()
	}
	return p.source.Header()
}

// LoadOptions are what Load takes besides the job file.
type LoadOptions struct {
	// Lookup reads the environment variables the job names (${VAR});
	// nil: os.LookupEnv.
	Lookup func(string) (string, bool)
	// Input replaces the job's input file (a corrected rejected.csv, say);
	// "" keeps the job's.
	Input string
	// Vendors are the vendors the job may name (nil: sinks/vendors.All()).
	Vendors []sinks.Vendor
}

// Load loads a job and everything it needs before the first row. Every
// error it returns is a configuration error (class Usage); problems in
// the job and mapping come all together with file:line:col.
func Load(path string, opts LoadOptions) (*Job, error) {
	if opts.Lookup == nil {
		opts.Lookup = os.LookupEnv
	}
	if opts.Vendors == nil {
		opts.Vendors = vendors.All()
	}
	input := opts.Input
	job, err := config.LoadJob(path, opts.Lookup, opts.Vendors)
	if err != nil {
		return nil, err
	}
	if input != "" {
		if err := useInput(job, input); err != nil {
			return nil, err
		}
	}
	p := &Job{job: job, vendors: opts.Vendors}
	var errs config.Errors
	schemaName := job.Sink.Vendor
	objectName := job.Sink.Object
	if job.Sink.Vendor == "export" && job.Sink.Schema != "" {
		schemaName, objectName = job.Sink.Schema, ""
	}
	p.object, err = objectFor(opts.Vendors, schemaName, objectName)
	if err != nil {
		errs = append(errs, job.Doc.At(job.Doc.NodeAt("$.sink"), "%v", err))
	} else if e := matchMissing(job, p.object); e != nil {
		errs = append(errs, e)
	}
	if job.Source.IsAPI() {
		p.api, err = openAPISource(opts.Vendors, job)
		if err != nil {
			errs = append(errs, job.Doc.At(job.Doc.NodeAt("$.source"), "%v", err))
		}
	} else {
		p.source, err = openSource(job)
		if err != nil {
			p.source = nil
			at := "$.source.path"
			if errors.Is(err, csvfile.ErrUnknownEncoding) {
				at = "$.source.encoding"
			}
			errs = append(errs, job.Doc.At(job.Doc.NodeAt(at), "%v", err))
		} else {
			// A fed-back rejected.csv or written.csv: its leadsync_* columns are ours.
			p.source = withoutReportColumns(p.source)
		}
	}
	if len(errs) > 0 {
		p.Close()
		return nil, errs.Err()
	}
	if p.api == nil && len(p.source.Header()) == 0 {
		p.empty = true // nothing to map: the header is unknown
		return p, nil
	}
	p.mapping, err = mapping.Compile(job.Doc, job.Mapping, p.object, mapping.Options{
		Header:     p.header(),
		SourceFile: sourceName(job),
		Region:     job.Region,
		Keys:       job.Match.Keys,
		KeysNode:   job.Doc.NodeAt("$.match.keys"),
		Lookup:     opts.Lookup,
	})
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Config is the job as loaded.
func (p *Job) Config() *config.Job { return p.job }

// Object is the sink's object the job writes.
func (p *Job) Object() sinks.Object { return p.object }

// Mapping is the compiled mapping (nil when Empty).
func (p *Job) Mapping() *mapping.Mapping { return p.mapping }

// Empty reports whether the file source holds nothing (0 bytes): no
// header, no rows, no mapping. Run refuses it; a command says NoRows.
func (p *Job) Empty() bool { return p.empty }

// sourceName names the source in row errors: the file, or the vendor.
func sourceName(job *config.Job) string {
	if job.Source.IsAPI() {
		return job.Source.Type
	}
	return filepath.Base(job.Source.Path)
}

// OpenSource opens the job's file source (csv or xlsx) with its options.
func OpenSource(job *config.Job) (sources.Source, error) { return openSource(job) }

// openSource opens the job's file source. On error the interface is nil,
// never a typed nil pointer (whose Close would panic).
func openSource(job *config.Job) (sources.Source, error) {
	limits, err := job.Source.SourceLimits()
	if err != nil {
		return nil, err
	}
	switch job.Source.Type {
	case "csv":
		delim, err := parseDelimiter(job.Source.Delimiter)
		if err != nil {
			return nil, err
		}
		s, err := csvfile.Open(job.Source.Path, csvfile.Options{Delimiter: delim, Encoding: job.Source.Encoding, HeaderRow: job.Source.HeaderRow, Limits: limits})
		if err != nil {
			return nil, err
		}
		return s, nil
	case "xlsx":
		tmp := filepath.Join(filepath.Dir(job.State), "tmp")
		xlsxfile.SweepTmp(tmp)
		s, err := xlsxfile.Open(job.Source.Path, xlsxfile.Options{Sheet: job.Source.Sheet, HeaderRow: job.Source.HeaderRow, TmpDir: tmp, Limits: limits})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("source type %q is not supported (csv, xlsx)", job.Source.Type)
}

func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", "\\t", "\t":
		return '\t', nil
	case ",", ";", "|":
		return rune(s[0]), nil
	}
	return 0, fmt.Errorf("delimiter %q: use one of , ; | tab", s)
}

// fingerprint hashes a file's content: the same input resumes a run,
// changed input starts a new one.
func fingerprint(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// configHash hashes the job file and, when the mapping lives in its own
// file, that file too.
func configHash(job *config.Job) string {
	h := sha256.New()
	for _, p := range []string{job.Doc.File, mappingFile(job)} {
		if p == "" {
			continue
		}
		if name, ok := strings.CutPrefix(filepath.Base(p), mapping.PresetPrefix); ok {
			b, _ := mapping.Preset(name) // a preset: its content, as shipped
			h.Write(b)
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mappingFile(job *config.Job) string {
	if s, ok := config.Scalar(job.Mapping); ok && s != "" {
		return job.Resolve(s)
	}
	return ""
}
