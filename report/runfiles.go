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

// RunFiles writes a run's rejected.csv (the source's columns unchanged,
// then row, column and reason, so the file can be fixed and fed back in)
// and written.csv (row, action, vendor id). Not safe for concurrent use:
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
	// Reasons counts the rejected rows by reason, for the run page.
	Reasons ReasonTally
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rh := append(append([]string(nil), header...), ColRow, ColColumn, ColReason)
	rej, err := createCSV(filepath.Join(dir, "rejected.csv"), SafeRow(rh))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	wr, err := createCSV(filepath.Join(dir, "written.csv"), []string{"row", "action", "vendor_id"})
	if err != nil {
		rej.close()
		return nil, fmt.Errorf("report: %w", err)
	}
	return &RunFiles{Dir: dir, header: header, rejected: rej, written: wr}, nil
}

// Rejected adds a row to rejected.csv. raw is padded or cut to the header.
func (r *RunFiles) Rejected(row int, raw []string, column, reason string) error {
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
	r.Reasons.Add(row, "", column, reason)
	if len(raw) > len(r.header) {
		// A ragged row's extra cells would shift the report's columns; they
		// are kept in the reason instead.
		reason = fmt.Sprintf("%s (extra cells: %q)", reason, raw[len(r.header):])
	}
	cells = append(cells, strconv.Itoa(row), SafeCell(column), SafeCell(reason))
	r.RejectedRows++
	return r.rejected.w.Write(cells)
}

// Written adds a row to written.csv.
func (r *RunFiles) Written(row int, action, id string) error {
	r.WrittenRows++
	return r.written.w.Write([]string{strconv.Itoa(row), action, SafeCell(id)})
}

// Close flushes both files.
func (r *RunFiles) Close() error {
	err1 := r.rejected.close()
	err2 := r.written.close()
	if err1 != nil {
		return err1
	}
	return err2
}
