// Package export is the file sink: mapped records written as CSV, JSONL or
// XLSX, for previews, staging (vendor -> file -> review -> vendor) and
// backups.
// Output goes to a temporary file renamed into place on Commit
// (internal/safefile), so an interrupted run never leaves half a file
// where the last good one was, and a link planted at the path is replaced,
// never written through.
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
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
var Formats = []string{"csv", "jsonl", "xlsx"}

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

// Sink writes one file.
type Sink struct {
	path   string
	tmp    *safefile.File
	buf    *bufio.Writer
	csv    *csv.Writer
	fields []string
	json   bool
	xlsx   *xlsxWriter
	n      int
	obj    map[string]string
	safe   bool // CSV: cells pass csvsafe
}

// cells returns a CSV record as it is written.
func (s *Sink) cells(v []string) []string {
	if !s.safe {
		return v
	}
	return csvsafe.Row(v)
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

// New creates the temporary output for path; format is csv, jsonl, xlsx,
// or "" (taken from the extension). CSV cells are formula-safe.
func New(path, format string, fields []string) (*Sink, error) {
	return Open(path, fields, Options{Format: format})
}

// Open creates the temporary output for path with opts.
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	tmp, err := safefile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	s := &Sink{path: path, tmp: tmp, buf: bufio.NewWriterSize(tmp, 1<<20), fields: fields, json: format == "jsonl", safe: !opts.RawCells}
	switch {
	case format == "xlsx":
		// excelize's spill file goes beside the output, not to a /tmp that
		// may be memory, in a folder of its own that Commit and Abort remove.
		dir, err := os.MkdirTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmpdir")
		if err != nil {
			s.Abort()
			return nil, fmt.Errorf("export: %w", err)
		}
		if s.xlsx, err = newXLSX(dir, fields); err != nil { // removes dir
			s.Abort()
			return nil, fmt.Errorf("export: %w", err)
		}
	case !s.json:
		s.csv = csv.NewWriter(s.buf)
		if err := s.csv.Write(s.cells(fields)); err != nil {
			s.Abort()
			return nil, fmt.Errorf("export: %w", err)
		}
	default:
		s.obj = make(map[string]string, len(fields))
	}
	return s, nil
}

// Write appends one record; the id is its 1-based record number in the file.
func (s *Sink) Write(_ context.Context, l mapping.Lead) (string, error) {
	if s.xlsx != nil {
		if err := s.xlsx.write(l.Values); err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		s.n++
		return strconv.Itoa(s.n), nil
	}
	s.n++
	if s.json {
		// encoding/json sorts map keys: stable output whatever the order.
		for i, f := range s.fields {
			s.obj[f] = l.Values[i]
		}
		b, err := json.Marshal(s.obj)
		if err != nil {
			return "", err
		}
		b = append(b, '\n')
		if _, err := s.buf.Write(b); err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
	} else if err := s.csv.Write(s.cells(l.Values)); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return strconv.Itoa(s.n), nil
}

// Commit flushes and renames the file into place.
func (s *Sink) Commit() error {
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
	if s.csv != nil {
		s.csv.Flush()
		if err := s.csv.Error(); err != nil {
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

// Abort removes the temporary file (and an XLSX export's temporary folder).
func (s *Sink) Abort() error {
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
