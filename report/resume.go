package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/internal/csvsafe"
	"github.com/leadsync/leadsync/internal/safefile"
)

// Mark flushes both files and names the lines in them so far: what a
// resumed run, whose committed progress ends here, goes on after
// (Resume). It is "rejected bytes,rows,written bytes,rows,masked,rejected
// file,written file": masked is 1 when the lines hide personal data (a
// run resumed with the other setting cannot keep them); the files are the
// temporary files the lines are in, so that a resume takes exactly those
// (or, once they were put in place, the files at their final names).
func (r *RunFiles) Mark() (string, error) {
	var wb int64
	wname := ""
	if err := r.rejected.b.Flush(); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if r.written != nil {
		if err := r.written.b.Flush(); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		wb, wname = r.written.n, filepath.Base(r.written.f.File.Name())
	}
	return fmt.Sprintf("%d,%d,%d,%d,%d,%s,%s", r.rejected.n, r.RejectedRows, wb, r.WrittenRows, r.maskedFlag(),
		filepath.Base(r.rejected.f.File.Name()), wname), nil
}

// maskedFlag is 1 when lines are masked (Mask or MaskReason set).
func (r *RunFiles) maskedFlag() int {
	if r.Mask != nil || r.MaskReason != nil {
		return 1
	}
	return 0
}

// mark is a parsed Mark.
type mark struct {
	rejBytes, wrBytes       int64
	rejRows, wrRows, masked int
	rejFile, wrFile         string // base names
}

func parseMark(s string) (mark, bool) {
	p := strings.Split(s, ",")
	if len(p) != 7 {
		return mark{}, false
	}
	m := mark{rejFile: p[5], wrFile: p[6]}
	var errs [5]error
	m.rejBytes, errs[0] = strconv.ParseInt(p[0], 10, 64)
	m.rejRows, errs[1] = strconv.Atoi(p[1])
	m.wrBytes, errs[2] = strconv.ParseInt(p[2], 10, 64)
	m.wrRows, errs[3] = strconv.Atoi(p[3])
	m.masked, errs[4] = strconv.Atoi(p[4])
	for _, err := range errs {
		if err != nil {
			return mark{}, false
		}
	}
	return m, m.rejBytes >= 0 && m.wrBytes >= 0 && m.rejRows >= 0 && m.wrRows >= 0
}

// Resume makes the files go on after the lines a Mark of an earlier
// invocation of this run named, in the files that invocation left (put
// in place when it stopped, or its temporary files when it was killed),
// instead of empty: a resumed export then neither reads nor reports its
// committed rows again. The rejection reasons of those lines are counted
// again from the file. It reports whether it could; when it could not
// (or mark is "": the run starts over), the files stay new, so the caller
// reports every row. Either way the temporary files of other invocations
// are removed; files in place stay until these replace them.
func (r *RunFiles) Resume(markText string) bool {
	if r.settled {
		return false // lines were written already: too late
	}
	m, ok := parseMark(markText)
	if ok && (r.written == nil) != (m.wrBytes == 0) {
		ok = false // a plan's files against a run's, or the other way round
	}
	if ok && m.masked != r.maskedFlag() {
		ok = false // lines with personal data shown, and now to be masked, or the other way round
	}
	var rej, wr *adoption
	if ok {
		rej = r.rejected.find(m.rejFile, m.rejBytes, true)
		if r.written != nil {
			wr = r.written.find(m.wrFile, m.wrBytes, false)
		}
		ok = rej != nil && (r.written == nil || wr != nil)
	}
	if ok {
		ok = adoptAll([]*csvFile{r.rejected, r.written}, []*adoption{rej, wr})
	}
	r.settle() // what other invocations left goes; the files in place stay until these replace them
	if !ok {
		return false
	}
	r.RejectedRows, r.WrittenRows = m.rejRows, m.wrRows
	r.Reasons = rej.reasons
	return true
}

// adoption is a file an interrupted invocation left, checked and ready
// to be taken over.
type adoption struct {
	name    string
	size    int64
	reasons ReasonTally // a rejected-rows file's lines, counted
}

// find is the file the mark's lines are in: file (a base name), the
// temporary file they were written to, while it is there, else the file
// at c's path, where it went when that invocation stopped. It must hold
// size bytes of this run's lines: the same header, whole CSV records up
// to size (for a rejected-rows file, read back).
func (c *csvFile) find(file string, size int64, rejected bool) *adoption {
	path := c.f.Path()
	name := filepath.Join(filepath.Dir(path), file)
	if _, err := os.Lstat(name); err != nil || file == "" || file != filepath.Base(file) || name == c.f.File.Name() {
		name = path
	}
	if a, ok := c.check(name, size, rejected); ok {
		return a
	}
	return nil
}

func (c *csvFile) check(name string, size int64, rejected bool) (*adoption, bool) {
	if size < int64(len(c.head)) {
		return nil, false
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() < size {
		return nil, false
	}
	head := make([]byte, len(c.head))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, c.head) {
		return nil, false
	}
	a := &adoption{name: name, size: size}
	body := io.LimitReader(f, size-int64(len(c.head)))
	if !rejected {
		return a, true
	}
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return a, true
		}
		if err != nil || len(rec) < 3 {
			return nil, false // not whole records up to size
		}
		n := len(rec)
		row, err := strconv.Atoi(csvsafe.Restore(rec[n-3]))
		if err != nil {
			return nil, false
		}
		a.reasons.Add(row, "", csvsafe.Restore(rec[n-2]), tallied(csvsafe.Restore(rec[n-1])))
	}
}

// extraCells is the note Rejected adds to a ragged row's reason after
// counting it.
var extraCells = regexp.MustCompile(` \((extra cells: \[.*\]|\d+ extra cells, masked)\)$`)

// tallied is the reason a rejected-rows line was counted under.
func tallied(reason string) string {
	return extraCells.ReplaceAllString(reason, "")
}

// adoptAll makes each adoption's file its csvFile's, in place of the new
// one it started: all of them, or (false) none.
func adoptAll(files []*csvFile, as []*adoption) bool {
	taken := make([]*safefile.File, len(files))
	for i, c := range files {
		if c == nil {
			continue
		}
		f, err := safefile.Adopt(c.f.Path(), as[i].name, as[i].size)
		if err != nil {
			for _, t := range taken {
				if t != nil {
					t.Abort() // cut already: of no use to a run that starts over
				}
			}
			return false
		}
		taken[i] = f
	}
	for i, c := range files {
		if c != nil {
			c.f.Abort()
			c.f, c.n = taken[i], as[i].size
			c.b.Reset(taken[i])
		}
	}
	return true
}

// dropLeftovers removes what interrupted writers of c's path left, its
// own new file apart.
func (c *csvFile) dropLeftovers() {
	own := c.f.File.Name()
	for _, p := range safefile.Leftovers(c.f.Path()) {
		if p != own {
			os.Remove(p)
		}
	}
}
