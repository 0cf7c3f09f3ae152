package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/report"
)

// A reconcile writes all its files anew and leaves none of a previous
// reconcile's behind; one unexplained record alone renders whole pages.
func TestReconcileFilesReplaced(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"reconcile.html": "old page", "reconcile.json": "{}", "review.csv": "stale"} {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	d := &report.Diff{SchemaVersion: report.DiffSchemaVersion, Job: "j", Sink: "tiledesk/lead",
		Sides:    &report.Sides{TargetRecords: 1, TargetListed: true},
		Entities: []report.Entity{{ID: "vendor:9", Name: "Outi Laine", Action: verdictUnexplained, VendorID: "9"}}}
	d.Sort()
	if err := writeReconcileFiles(dir, d, d.RunPage("reconcile")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "review.csv")); !os.IsNotExist(err) {
		t.Errorf("a previous reconcile's review.csv was left: %v", err)
	}
	for _, name := range reconcileOutputs() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || strings.Contains(string(b), "old page") || len(b) < 2 {
			t.Errorf("%s: %v %q", name, err, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "reconcile.html")); !strings.Contains(string(b), "Outi Laine") || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
		t.Errorf("reconcile.html:\n%s", b)
	}
	if got := whoList(d.Entities, verdictUnexplained); got != " (Outi Laine)" {
		t.Errorf("whoList = %q", got)
	}
}
