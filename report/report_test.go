package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/internal/csvsafe"
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

// The run files hold, byte for byte, what encoding/csv writes for the
// neutralized cells: the header included, hostile cells (quotes, commas,
// line breaks, leading spaces, formulas, an apostrophe already there)
// neutralized once, a masked cell masked before.
func TestRunFilesBytes(t *testing.T) {
	dir := t.TempDir()
	header := []string{"=Total", "Name, full", " Phone"}
	rf, err := NewRunFiles(dir, header)
	if err != nil {
		t.Fatal(err)
	}
	rf.Mask = func(i int, v string) string {
		if i == 2 {
			return "***" + v[max(0, len(v)-2):]
		}
		return v
	}
	rows := [][]string{
		{"'=x", "Anna \"A\" Virtanen", "040 123"},
		{"+1", "line\nbreak", "@sum"},
		{"", " lead", `\.`},
	}
	var wantW, wantR [][]string
	wantW = append(wantW, append(slices.Clone(header), ColRow, ColVendorID, ColAction))
	wantR = append(wantR, append(slices.Clone(header), ColRow, ColColumn, ColReason))
	for i, raw := range rows {
		masked := slices.Clone(raw)
		masked[2] = rf.Mask(2, raw[2])
		if err := rf.Written(i+2, raw, "=create", "-7"); err != nil {
			t.Fatal(err)
		}
		wantW = append(wantW, append(masked, strconv.Itoa(i+2), "-7", "=create"))
		if err := rf.Rejected(i+2, raw, "=col", "=reason, \"quoted\""); err != nil {
			t.Fatal(err)
		}
		wantR = append(wantR, append(slices.Clone(masked), strconv.Itoa(i+2), "=col", "=reason, \"quoted\""))
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][][]string{"written.csv": wantW, "rejected.csv": wantR} {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		for _, rec := range want {
			w.Write(csvsafe.Row(rec))
		}
		w.Flush()
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b.Bytes()) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, b.Bytes())
		}
	}
}
