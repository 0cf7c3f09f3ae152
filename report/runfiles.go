package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Rejected-rows file columns added after the source's own columns.
const (
	ColRow    = "leadsync_row"
	ColColumn = "leadsync_column"
	ColReason = "leadsync_reason"
)

// Success-file (written.csv) columns added after the source's own columns,
// as Salesforce Data Loader's success file adds the new record's id.
const (
	ColVendorID = "leadsync_vendor_id"
	ColAction   = "leadsync_action"
)

// RunFiles writes a run's rejected.csv (the source's columns unchanged,
// then row, column and reason, so the file can be fixed and fed back in)
// and written.csv, the success file (the source's columns, then row,
// vendor id and action; every cell formula-safe). Not safe for concurrent use:
// the pipeline calls it from one goroutine.
type RunFiles struct {
	Dir          string
	header       []string
	rejected     *csvFile
	written      *csvFile
	RejectedRows int
	WrittenRows  int
	// Mask, when set, masks the cell of source column i (personal data).
	Mask func(i int, v string) string
}

type csvFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

func createCSV(path string, header []string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(b)
	if err := w.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	return &csvFile{f: f, b: b, w: w}, nil
}

func (c *csvFile) close() error {
	if c == nil {
		return nil
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.f.Close()
		return err
	}
	if err := c.b.Flush(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}

// NewRunFiles creates dir and both files. header is the source's header.
func NewRunFiles(dir string, header []string) (*RunFiles, error) {
	return newRunFiles(dir, header, true)
}

// NewPlanFiles is NewRunFiles for a dry run: rejected.csv only, since a
// plan writes nothing.
func NewPlanFiles(dir string, header []string) (*RunFiles, error) {
	return newRunFiles(dir, header, false)
}

func newRunFiles(dir string, header []string, success bool) (*RunFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rh := append(append([]string(nil), header...), ColRow, ColColumn, ColReason)
	rej, err := createCSV(filepath.Join(dir, "rejected.csv"), SafeRow(rh))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var wr *csvFile
	if success {
		wh := append(append([]string(nil), header...), ColRow, ColVendorID, ColAction)
		if wr, err = createCSV(filepath.Join(dir, "written.csv"), SafeRow(wh)); err != nil {
			rej.close()
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return &RunFiles{Dir: dir, header: header, rejected: rej, written: wr}, nil
}

// sourceCells is raw padded or cut to the header, masked and formula-safe.
func (r *RunFiles) sourceCells(raw []string) []string {
	cells := make([]string, 0, len(r.header)+3)
	for i := range r.header {
		v := ""
		if i < len(raw) {
			v = raw[i]
		}
		if r.Mask != nil {
			v = r.Mask(i, v)
		}
		cells = append(cells, SafeCell(v))
	}
	return cells
}

// Rejected adds a row to rejected.csv. raw is padded or cut to the header.
func (r *RunFiles) Rejected(row int, raw []string, column, reason string) error {
	cells := r.sourceCells(raw)
	if len(raw) > len(r.header) {
		// A ragged row's extra cells would shift the report's columns; they
		// are kept in the reason instead.
		reason = fmt.Sprintf("%s (extra cells: %q)", reason, raw[len(r.header):])
	}
	cells = append(cells, strconv.Itoa(row), SafeCell(column), SafeCell(reason))
	r.RejectedRows++
	return r.rejected.w.Write(cells)
}

// Written adds a row to written.csv: its source cells, row, vendor id and
// action. A plan's files (NewPlanFiles) have no success file.
func (r *RunFiles) Written(row int, raw []string, action, id string) error {
	if r.written == nil {
		return nil
	}
	r.WrittenRows++
	cells := append(r.sourceCells(raw), strconv.Itoa(row), SafeCell(id), SafeCell(action))
	return r.written.w.Write(cells)
}

// Close flushes both files.
func (r *RunFiles) Close() error {
	err1 := r.rejected.close()
	err2 := r.written.close() // nil-safe
	if err1 != nil {
		return err1
	}
	return err2
}
