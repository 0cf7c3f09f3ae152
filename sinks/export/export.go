// Package export is the file sink: mapped records written as CSV, JSONL or
// XLSX, for previews, staging (vendor -> file -> review -> vendor) and
// backups.
// Output goes to a partial file (".name.partial" beside it) renamed into
// place on Commit (internal/safefile), so an interrupted run never leaves
// half a file where the last good one was, and a link planted at the path
// is replaced, never written through. A resumed run takes the partial
// file up where the interrupted one committed (sinks.Stream).
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/internal/csvsafe"
	"github.com/leadsync/leadsync/internal/safefile"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// Formats the export sink writes.
func Formats() []string { return []string{"csv", "jsonl", "xlsx"} }

// Schema is the export sink's own schema: one open object, "record",
// that accepts any field. A job can instead follow a vendor's schema
// (sink.schema: leaddesk/contact) to preview exactly what would be sent.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor: "export",
		Doc:    "Files of mapped records (CSV, JSONL or XLSX).",
		Objects: []sinks.Object{{
			Name: "record",
			Doc:  "Any fields, written as strings in mapping order.",
			Open: true,
		}},
	}
}

// Sink writes one file. It is a sinks.Sink (each Create appends one
// record; an export cannot find or update) and a sinks.Stream: the engine
// hands it every row in source order and commits its Checkpoints in state,
// so a killed CSV or JSONL export resumes after the rows it committed.
type Sink struct {
	path    string
	format  string
	opts    Options
	tmp     *safefile.File
	buf     *bufio.Writer
	fields  []string
	json    bool
	xlsx    *xlsxWriter
	n       int
	written int64 // bytes in tmp once buf is flushed
	obj     map[string]string
	safe    bool // CSV: cells pass csvsafe
	started bool
}

// writeCSV appends one CSV record to buf, its cells neutralized unless
// RawCells: the bytes encoding/csv's Writer would write for them.
func (s *Sink) writeCSV(v []string) error {
	b := csvsafe.AppendRecord(s.buf.AvailableBuffer(), v, s.safe)
	_, err := s.buf.Write(b)
	return err
}

// Options are an export's settings beyond its path and fields.
type Options struct {
	// Format is csv, jsonl, xlsx, or "" (taken from the extension).
	Format string
	// RawCells writes CSV cells as they are. By default every cell a
	// spreadsheet would evaluate (leading = + - @ TAB CR) is neutralized
	// by the one rule of internal/csvsafe, the header included; RawCells
	// is for files only programs read.
	RawCells bool
}

// New prepares the output for path; format is csv, jsonl, xlsx, or ""
// (taken from the extension). CSV cells are formula-safe.
func New(path, format string, fields []string) (*Sink, error) {
	return Open(path, fields, Options{Format: format})
}

// Open prepares the output for path with opts. Nothing is created until
// the first record, Start or Commit: a dry run of an export (the sink
// wrapped in sinks.DryRun) leaves no trace.
func Open(path string, fields []string, opts Options) (*Sink, error) {
	format := opts.Format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
		if format == "json" || format == "ndjson" {
			format = "jsonl"
		}
	}
	if format != "csv" && format != "jsonl" && format != "xlsx" {
		return nil, fmt.Errorf("export: format %q: use csv, jsonl or xlsx", format)
	}
	return &Sink{path: path, format: format, opts: opts, fields: fields, json: format == "jsonl", safe: !opts.RawCells}, nil
}

// Object is the export's open record object.
func (s *Sink) Object() sinks.Object { return Schema().Objects[0] }

// Scope names the output file.
func (s *Sink) Scope() string { return "export/record@" + s.path }

// Find: an export cannot look records up.
func (s *Sink) Find(context.Context, sinks.Query) ([]sinks.Record, error) {
	return nil, sinks.ErrCannotFind
}

// Update: an export cannot change a record it wrote.
func (s *Sink) Update(context.Context, string, sinks.Fields) error {
	return errors.New("export: records in a file cannot be updated")
}

// Create appends one record, the fields in the export's column order;
// the id is its 1-based record number in the file.
func (s *Sink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	v := make([]string, len(s.fields))
	for i, name := range s.fields {
		v[i] = f[name]
	}
	id, err := s.write(v)
	return sinks.Record{ID: id}, err
}

// Columns are the export's fields in column order (sinks.RowCreator).
func (s *Sink) Columns() []string { return s.fields }

// CreateRow appends one record given in column order (sinks.RowCreator).
func (s *Sink) CreateRow(_ context.Context, values []string) (sinks.Record, error) {
	id, err := s.write(values)
	return sinks.Record{ID: id}, err
}

var (
	_ sinks.Sink       = (*Sink)(nil)
	_ sinks.Stream     = (*Sink)(nil)
	_ sinks.RowCreator = (*Sink)(nil)
)

// checkpoint is a CSV or JSONL export's committed position.
type checkpoint struct {
	Records int   `json:"records"`
	Bytes   int64 `json:"bytes"`
}

// Start opens the partial output (sinks.Stream). A CSV or JSONL export
// resumes at resume's position when the partial file a killed run left
// holds it; anything else starts anew. Files a killed writer left beside
// the output (temporary files, XLSX spill folders) are removed.
func (s *Sink) Start(resume string) (bool, error) {
	if s.started {
		return false, errors.New("export: started twice")
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	sweep(s.path)
	var cp checkpoint
	if resume != "" && s.xlsx == nil && s.format != "xlsx" && json.Unmarshal([]byte(resume), &cp) == nil && cp.Bytes > 0 {
		if tmp, err := safefile.ResumePartial(s.path, cp.Bytes); err == nil {
			s.started, s.tmp, s.n, s.written = true, tmp, cp.Records, cp.Bytes
			s.buf = bufio.NewWriterSize(countWriter{tmp, &s.written}, 1<<20)
			if s.json {
				s.obj = make(map[string]string, len(s.fields))
			}
			return true, nil
		}
	}
	return false, s.start()
}

// sweep removes what killed writers of path left: safefile's temporary
// files and XLSX spill folders.
func sweep(path string) {
	safefile.Sweep(path)
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+globEscape(filepath.Base(path))+".*.tmpdir"))
	for _, d := range dirs {
		if fi, err := os.Lstat(d); err == nil && fi.IsDir() {
			os.RemoveAll(d)
		}
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// start creates the output anew.
func (s *Sink) start() error {
	s.started = true
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tmp, err := safefile.CreatePartial(s.path, 0o644)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	s.tmp, s.n, s.written = tmp, 0, 0
	s.buf = bufio.NewWriterSize(countWriter{tmp, &s.written}, 1<<20)
	switch {
	case s.format == "xlsx":
		// excelize's spill file goes beside the output, not to a /tmp that
		// may be memory, in a folder of its own that Commit and Abort remove.
		dir, err := os.MkdirTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*.tmpdir")
		if err != nil {
			s.Abort()
			return fmt.Errorf("export: %w", err)
		}
		if s.xlsx, err = newXLSX(dir, s.fields); err != nil { // removes dir
			s.Abort()
			return fmt.Errorf("export: %w", err)
		}
	case !s.json:
		if err := s.writeCSV(s.fields); err != nil {
			s.Abort()
			return fmt.Errorf("export: %w", err)
		}
	default:
		s.obj = make(map[string]string, len(s.fields))
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n *int64
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// Checkpoint flushes what was written to the partial file and returns
// its position (sinks.Stream). An XLSX workbook cannot be appended to: its
// checkpoint is empty, and a resumed XLSX export starts anew.
func (s *Sink) Checkpoint() (string, error) {
	if !s.started || s.xlsx != nil || s.format == "xlsx" {
		return "", nil
	}
	if err := s.buf.Flush(); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	b, _ := json.Marshal(checkpoint{Records: s.n, Bytes: s.written})
	return string(b), nil
}

// Suspend flushes and closes the partial file, keeping it for a resume
// (sinks.Stream).
func (s *Sink) Suspend() error {
	if !s.started {
		return nil
	}
	if s.xlsx != nil {
		return s.Abort()
	}
	_, err := s.Checkpoint()
	if cerr := s.tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// Write appends one mapped record; the id is its 1-based record number
// in the file.
func (s *Sink) Write(_ context.Context, l mapping.Lead) (string, error) {
	return s.write(l.Values)
}

func (s *Sink) write(values []string) (string, error) {
	if !s.started {
		if err := s.start(); err != nil {
			return "", err
		}
	}
	if s.xlsx != nil {
		if err := s.xlsx.write(values); err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		s.n++
		return strconv.Itoa(s.n), nil
	}
	s.n++
	if s.json {
		// encoding/json sorts map keys: stable output whatever the order.
		for i, f := range s.fields {
			s.obj[f] = values[i]
		}
		b, err := json.Marshal(s.obj)
		if err != nil {
			return "", err
		}
		b = append(b, '\n')
		if _, err := s.buf.Write(b); err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
	} else if err := s.writeCSV(values); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return strconv.Itoa(s.n), nil
}

// Commit flushes and renames the file into place.
func (s *Sink) Commit() error {
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	if s.xlsx != nil {
		err := s.xlsx.save(s.buf)
		if err == nil {
			// The workbook is all in buf and tmp now: drop excelize's
			// temporary files before the rename.
			err = s.xlsx.close()
			s.xlsx = nil
		}
		if err != nil {
			s.Abort()
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := s.buf.Flush(); err != nil {
		s.Abort()
		return fmt.Errorf("export: %w", err)
	}
	if err := s.tmp.Commit(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// Abort removes the partial file (and an XLSX export's temporary folder).
func (s *Sink) Abort() error {
	if !s.started {
		return nil
	}
	var xerr error
	if s.xlsx != nil {
		xerr = s.xlsx.close()
		s.xlsx = nil
	}
	err := s.tmp.Abort()
	if err == nil {
		err = xerr
	}
	return err
}

// Path is the final output path.
func (s *Sink) Path() string { return s.path }
