package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// Required fields are checked on the merged entity, not per row: an
// e-mail-only row that is an in-file duplicate of a person whose other row
// has the phone (the e-mail in another spelling) merges into that person,
// its values kept; a lone e-mail-only row is still rejected (Solo).
func TestE2ELeadDeskEmailOnlyDuplicateMerges(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", "First;Last;Phone;Email;Agent;Campaign;Note\n"+
		"Anna;Berg;040 200 0001;anna@example.fi;;c1;\n"+
		";;;Anna@Example.FI;;;from-email-row\n"+
		"Solo;Mail;;solo@example.fi;;c1;\n")
	job := writeFile(t, dir, "job.yaml", contactContractJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	r := runApp(t, env, "run", "--quiet", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cs := srv.Contacts()
	if len(cs) != 1 || cs[0].Phone != "+358402000001" || cs[0].Fields["other2"] != "from-email-row" ||
		cs[0].Fields["email"] != "anna@example.fi" {
		t.Errorf("contacts %+v: want Anna once, with the e-mail-only row's other2 merged", cs)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
	if strings.Contains(string(rej), "from-email-row") || !strings.Contains(string(rej), "Solo") {
		t.Errorf("rejected.csv: want only the lone e-mail-only row:\n%s", rej)
	}
}
