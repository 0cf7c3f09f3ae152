// Package report writes what a run leaves for people: the rejected-rows
// file (fixable and re-importable), the written-rows file, the diff
// reports and the run summary. Every CSV cell passes the one
// formula-safety rule of internal/csvsafe.
package report

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/leadsync/leadsync/internal/csvsafe"
	"github.com/leadsync/leadsync/internal/safefile"
)

// Rejected-rows file columns added after the source's own columns. The
// CSV source recognises a rejected-rows file by them and undoes the
// formula neutralization, so a fixed file imports the values it held.
const (
	ColRow    = csvsafe.ColRow
	ColColumn = csvsafe.ColColumn
	ColReason = csvsafe.ColReason
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
// vendor id and action; every cell formula-safe). Both appear when Close is
// called. Not safe for concurrent use:
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
	// MaskReason, when set, masks the personal data of a row's reason
	// (raw is the row's cells); extra cells of a ragged row are then only
	// counted.
	MaskReason func(raw []string, reason string) string

	cells []string // a line's cells, reused
	// settled: what interrupted invocations left has been taken over
	// (Resume) or dropped; the first line drops it otherwise, so a run
	// killed again and again keeps one set of files, not one per kill.
	settled bool
}

type csvFile struct {
	f    *safefile.File
	b    *bufio.Writer
	n    int64  // bytes written through b, flushed or not
	head []byte // the header line, as written
}

// createCSV starts a CSV file that appears at path on close (never
// through a link planted there: see internal/safefile). What killed
// writers of path left stays until then: a resumed run may go on with it
// (RunFiles.Resume).
func createCSV(path string, header []string) (*csvFile, error) {
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, b: bufio.NewWriterSize(f, 256<<10), head: csvsafe.AppendRecord(nil, header, true)}
	c.n = int64(len(c.head))
	if _, err := c.b.Write(c.head); err != nil {
		f.Abort()
		return nil, err
	}
	return c, nil
}

// write adds one record, each cell made formula-safe (csvsafe.Cell): the
// bytes encoding/csv writes for the neutralized cells, without copying
// them.
func (c *csvFile) write(cells []string) error {
	rec := csvsafe.AppendRecord(c.b.AvailableBuffer(), cells, true)
	c.n += int64(len(rec))
	_, err := c.b.Write(rec)
	return err
}

func (c *csvFile) close() error {
	if c == nil {
		return nil
	}
	if err := c.b.Flush(); err != nil {
		c.f.Abort()
		return err
	}
	if err := c.f.Commit(); err != nil {
		return err
	}
	safefile.Sweep(c.f.Path()) // what interrupted runs left, now redundant
	return nil
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
	if err := safefile.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rh := append(append([]string(nil), header...), ColRow, ColColumn, ColReason)
	rej, err := createCSV(filepath.Join(dir, "rejected.csv"), rh)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var wr *csvFile
	if success {
		wh := append(append([]string(nil), header...), ColRow, ColVendorID, ColAction)
		if wr, err = createCSV(filepath.Join(dir, "written.csv"), wh); err != nil {
			rej.close()
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return &RunFiles{Dir: dir, header: header, rejected: rej, written: wr}, nil
}

// sourceCells is raw padded or cut to the header and masked, in r.cells
// (csvFile.write makes them formula-safe).
func (r *RunFiles) sourceCells(raw []string) []string {
	cells := r.cells[:0]
	for i := range r.header {
		v := ""
		if i < len(raw) {
			v = raw[i]
		}
		if r.Mask != nil {
			v = r.Mask(i, v)
		}
		cells = append(cells, v)
	}
	return cells
}

// settle drops the temporary files other invocations left (after Resume
// took over the ones it goes on with), once.
func (r *RunFiles) settle() {
	if r.settled {
		return
	}
	r.settled = true
	for _, c := range []*csvFile{r.rejected, r.written} {
		if c != nil {
			c.dropLeftovers()
		}
	}
}

// Rejected adds a row to rejected.csv. raw is padded or cut to the header.
func (r *RunFiles) Rejected(row int, raw []string, column, reason string) error {
	r.settle()
	cells := r.sourceCells(raw)
	if r.MaskReason != nil {
		reason = r.MaskReason(raw, reason)
	}
	r.Reasons.Add(row, "", column, reason)
	if len(raw) > len(r.header) {
		// A ragged row's extra cells would shift the report's columns; they
		// are kept in the reason instead.
		if r.Mask != nil || r.MaskReason != nil {
			reason = fmt.Sprintf("%s (%d extra cells, masked)", reason, len(raw)-len(r.header))
		} else {
			reason = fmt.Sprintf("%s (extra cells: %q)", reason, raw[len(r.header):])
		}
	}
	cells = append(cells, strconv.Itoa(row), column, reason)
	r.cells = cells[:0]
	r.RejectedRows++
	return r.rejected.write(cells)
}

// Written adds a row to written.csv: its source cells, row, vendor id and
// action. A plan's files (NewPlanFiles) have no success file.
func (r *RunFiles) Written(row int, raw []string, action, id string) error {
	if r.written == nil {
		return nil
	}
	r.settle()
	r.WrittenRows++
	cells := append(r.sourceCells(raw), strconv.Itoa(row), id, action)
	r.cells = cells[:0]
	return r.written.write(cells)
}

// Close flushes both files and puts them in place.
func (r *RunFiles) Close() error {
	err1 := r.rejected.close()
	err2 := r.written.close()
	if err1 != nil {
		return err1
	}
	return err2
}
