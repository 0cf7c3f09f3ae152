package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hostileCells are cells a spreadsheet evaluates, in every leading
// character class, plus values that look like them.
var hostileCells = []string{
	`=HYPERLINK("http://evil.example","x")`, "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-3", "+1",
	"+358 40 100 4003", "\t=1+1", "\r=1+1", "'=already quoted", "''+2", "'plain", "-", "=",
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(recs)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Every CSV leadsync writes neutralizes formula cells (the export too, by
// default; formula_safe: false writes them raw), and a rejected.csv fixed
// and fed back in imports exactly the values the source held.
func TestRejectedCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	recs := [][]string{{"Name", "Note", "Email"}}
	for i, v := range hostileCells {
		recs = append(recs, []string{v, hostileCells[(i+1)%len(hostileCells)], "bad-email-" + string(rune('a'+i))})
	}
	recs = append(recs, []string{"=good row", "+1", "anna@example.fi"})
	writeCSV(t, filepath.Join(dir, "in.csv"), recs)
	jobText := func(src, out string, safe bool) string {
		s := "name: roundtrip\nsource: {path: " + src + "}\nsink: {vendor: export, path: " + out
		if !safe {
			s += ", formula_safe: false"
		}
		return s + "}\nmapping: {name: Name, note: Note, email: {column: Email, transform: [email]}}\n"
	}
	job := writeFile(t, dir, "job.yaml", jobText("in.csv", "out.csv", true))
	r := runApp(t, nil, "run", "--quiet", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Every CSV written: no cell starts with a character a spreadsheet runs.
	outs := []string{filepath.Join(dir, "out.csv")}
	filepath.WalkDir(filepath.Join(dir, ".leadsync"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".csv") {
			outs = append(outs, p)
		}
		return nil
	})
	if len(outs) < 3 {
		t.Fatalf("csv files: %v", outs)
	}
	for _, p := range outs {
		for _, rec := range readCSV(t, p) {
			for _, c := range rec {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s: cell %q is a formula", filepath.Base(p), c)
				}
			}
		}
	}
	rejected := readCSV(t, filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
	if len(rejected) != len(hostileCells)+1 {
		t.Fatalf("rejected.csv has %d lines", len(rejected))
	}
	// Fix the emails (only them) and import the fixed file with raw output.
	for i := 1; i < len(rejected); i++ {
		rejected[i][2] = strings.Replace(rejected[i][2], "bad-email-", "fixed", 1) + "@example.fi"
	}
	writeCSV(t, filepath.Join(dir, "fixed.csv"), rejected)
	job2 := writeFile(t, dir, "job2.yaml", jobText("fixed.csv", "again.csv", false))
	if r := runApp(t, nil, "run", "--quiet", job2); r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := readCSV(t, filepath.Join(dir, "again.csv"))
	want := [][]string{{"name", "note", "email"}}
	for i, v := range hostileCells {
		want = append(want, []string{v, hostileCells[(i+1)%len(hostileCells)], "fixed" + string(rune('a'+i)) + "@example.fi"})
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("re-imported values differ from the source's (-want +got):\n%s", d)
	}
}
