package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var resumeHeader = []string{"name", "phone"}

// writeLines reports rows from..to-1: every third rejected (one ragged,
// one with a reason a spreadsheet would run as a formula), the rest
// written.
func writeLines(t *testing.T, r *RunFiles, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		raw := []string{fmt.Sprintf("=Name %d", i), fmt.Sprintf("+358 40 %07d", i)}
		var err error
		switch {
		case i%9 == 0:
			err = r.Rejected(i+1, append(raw, "extra"), "", "ragged row")
		case i%3 == 0:
			err = r.Rejected(i+1, raw, "phone", fmt.Sprintf("=not a phone number (%d)", i%2))
		default:
			err = r.Written(i+1, raw, "create", fmt.Sprint(i))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func filesOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(b)
	}
	return got
}

// A run's files resumed after the lines of a Mark, whether the earlier
// invocation stopped (its files put in place) or was killed (its
// temporary files left, with lines past the mark), end as an
// uninterrupted run's: the same bytes, counts and reason tally, nothing
// left beside them.
func TestRunFilesResumeAfterTheMark(t *testing.T) {
	const n, at, past = 3000, 2000, 2400
	clean := t.TempDir()
	whole, err := NewRunFiles(clean, resumeHeader)
	if err != nil {
		t.Fatal(err)
	}
	writeLines(t, whole, 0, n)
	if err := whole.Close(); err != nil {
		t.Fatal(err)
	}
	want := filesOf(t, clean)
	for _, killed := range []bool{false, true} {
		t.Run(fmt.Sprintf("killed=%v", killed), func(t *testing.T) {
			dir := t.TempDir()
			first, err := NewRunFiles(dir, resumeHeader)
			if err != nil {
				t.Fatal(err)
			}
			writeLines(t, first, 0, at)
			m, err := first.Mark()
			if err != nil {
				t.Fatal(err)
			}
			writeLines(t, first, at, past) // done again by the resume
			if killed {
				first.rejected.b.Flush()
				first.written.b.Flush() // and never closed
			} else if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			// An invocation killed before it resumed left a new file too.
			os.WriteFile(filepath.Join(dir, ".rejected.csv.tmp-other"), []byte("name,phone\n"), 0o644)
			second, err := NewRunFiles(dir, resumeHeader)
			if err != nil {
				t.Fatal(err)
			}
			if !second.Resume(m) {
				t.Fatal("not resumed")
			}
			if n := len(filesOf(t, dir)); n != 2 {
				t.Fatalf("%d files in the folder after the resume, want its 2", n)
			}
			writeLines(t, second, at, n)
			if err := second.Close(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, filesOf(t, dir)); diff != "" {
				t.Fatalf("resumed files (-want +got):\n%.3000s", diff)
			}
			if second.RejectedRows != whole.RejectedRows || second.WrittenRows != whole.WrittenRows {
				t.Fatalf("counts %d/%d, want %d/%d", second.RejectedRows, second.WrittenRows, whole.RejectedRows, whole.WrittenRows)
			}
			if diff := cmp.Diff(whole.Reasons.Top(10), second.Reasons.Top(10)); diff != "" {
				t.Fatalf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

// Where the mark cannot be honoured (no file, one shorter than the mark,
// another header, a bad mark, or the run starts over), Resume says so,
// the files start empty and what interrupted invocations left is gone.
func TestRunFilesResumeRefused(t *testing.T) {
	for name, spoil := range map[string]func(dir, m string) string{
		"no file":      func(dir, m string) string { os.Remove(filepath.Join(dir, "rejected.csv")); return m },
		"shorter":      func(dir, m string) string { os.Truncate(filepath.Join(dir, "rejected.csv"), 40); return m },
		"other header": func(dir, m string) string { return "" },
		"bad mark":     func(dir, m string) string { return "1,2,x,4,0" },
		"old mark":     func(dir, m string) string { return m[:strings.LastIndex(m, ",")] },
		"now masked":   func(dir, m string) string { return m },
		"start over":   func(dir, m string) string { return "" },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := NewRunFiles(dir, resumeHeader)
			if err != nil {
				t.Fatal(err)
			}
			writeLines(t, first, 0, 100)
			m, _ := first.Mark()
			first.Close()
			header := resumeHeader
			if name == "other header" {
				header = []string{"name", "email"}
			} else {
				m = spoil(dir, m)
			}
			os.WriteFile(filepath.Join(dir, ".written.csv.tmp-left"), []byte("x"), 0o644)
			second, err := NewRunFiles(dir, header)
			if err != nil {
				t.Fatal(err)
			}
			if name == "other header" {
				m, _ = first.Mark()
			}
			if name == "now masked" {
				second.Mask = func(i int, v string) string { return "•••" }
			}
			if second.Resume(m) {
				t.Fatal("resumed")
			}
			writeLines(t, second, 0, 10)
			if err := second.Close(); err != nil {
				t.Fatal(err)
			}
			got := filesOf(t, dir)
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range got {
					if !yield(k) {
						return
					}
				}
			})
			if !slices.Equal(names, []string{"rejected.csv", "written.csv"}) || second.RejectedRows != 4 {
				t.Fatalf("files %v, %d rejected rows", names, second.RejectedRows)
			}
		})
	}
}

// A run that does not resume its files (a vendor job's) drops what killed
// invocations left as soon as it writes a line: killed again and again,
// its folder holds one set of files, not one per kill.
func TestRunFilesDropLeftoversAtTheFirstLine(t *testing.T) {
	dir := t.TempDir()
	for range 3 {
		r, err := NewRunFiles(dir, resumeHeader)
		if err != nil {
			t.Fatal(err)
		}
		writeLines(t, r, 0, 10)
		r.rejected.b.Flush() // killed: never closed
		r.written.b.Flush()
		if n := len(filesOf(t, dir)); n != 2 {
			t.Fatalf("%d files in the folder, want this invocation's 2", n)
		}
	}
}

// An invocation that starts its files over (its mark could not be
// honoured, or the output starts anew) leaves the files in place until
// its own replace them, and killed in turn, its files, not the earlier
// invocation's, are the ones the next resume goes on with (the mark
// names them).
func TestRunFilesResumeAfterAStartOver(t *testing.T) {
	dir := t.TempDir()
	first, err := NewRunFiles(dir, resumeHeader)
	if err != nil {
		t.Fatal(err)
	}
	writeLines(t, first, 0, 300)
	first.Close() // stopped: its files are in place
	second, err := NewRunFiles(dir, resumeHeader)
	if err != nil {
		t.Fatal(err)
	}
	before := filesOf(t, dir)
	if second.Resume("") {
		t.Fatal("resumed a start-over")
	}
	// The files in place stay until the new ones replace them (a report
	// folder shared by runs keeps the last run's files meanwhile).
	if diff := cmp.Diff(before, filesOf(t, dir)); diff != "" {
		t.Fatalf("a start-over changed the files in place (-before +after):\n%.1000s", diff)
	}
	writeLines(t, second, 1000, 1030)
	m, err := second.Mark()
	if err != nil {
		t.Fatal(err)
	}
	// killed: never closed
	third, err := NewRunFiles(dir, resumeHeader)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Resume(m) {
		t.Fatal("not resumed")
	}
	writeLines(t, third, 1030, 1040)
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}
	clean := t.TempDir()
	whole, _ := NewRunFiles(clean, resumeHeader)
	writeLines(t, whole, 1000, 1040)
	whole.Close()
	if diff := cmp.Diff(filesOf(t, clean), filesOf(t, dir)); diff != "" {
		t.Fatalf("files (-want +got):\n%.2000s", diff)
	}
}
