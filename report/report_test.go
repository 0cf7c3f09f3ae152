package report

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunFiles(t *testing.T) {
	dir := t.TempDir()
	rf, err := NewRunFiles(dir, []string{"Name", "Phone"})
	if err != nil {
		t.Fatal(err)
	}
	rf.Rejected(3, []string{"=cmd()", "12"}, "Phone", "field phone: not a valid phone number")
	rf.Rejected(4, []string{"Ann"}, "", "ragged row")
	rf.Rejected(5, []string{"a", "b", "c"}, "", "ragged row")
	rf.Written(2, []string{"=Bob", "040 1"}, "create", "1001")
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	read := func(name string) [][]string {
		f, _ := os.Open(filepath.Join(dir, name))
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	want := [][]string{
		{"Name", "Phone", ColRow, ColColumn, ColReason},
		{"'=cmd()", "12", "3", "Phone", "field phone: not a valid phone number"},
		{"Ann", "", "4", "", "ragged row"},
		{"a", "b", "5", "", `ragged row (extra cells: ["c"])`},
	}
	if diff := cmp.Diff(want, read("rejected.csv")); diff != "" {
		t.Fatalf("rejected.csv (-want +got):\n%s", diff)
	}
	// The success file: the original columns (formula-safe), then row,
	// vendor id and action.
	wantW := [][]string{{"Name", "Phone", ColRow, ColVendorID, ColAction}, {"'=Bob", "040 1", "2", "1001", "create"}}
	if diff := cmp.Diff(wantW, read("written.csv")); diff != "" {
		t.Fatalf("written.csv (-want +got):\n%s", diff)
	}
}

func TestPlanFilesHaveNoSuccessFile(t *testing.T) {
	dir := t.TempDir()
	rf, err := NewPlanFiles(dir, []string{"Name"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rf.Written(2, []string{"Ann"}, "create", ""); err != nil {
		t.Fatal(err)
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "written.csv")); !os.IsNotExist(err) {
		t.Fatalf("a plan wrote written.csv: %v", err)
	}
}
