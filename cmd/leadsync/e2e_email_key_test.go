package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// A person whose phone changed but whose e-mail state knows is the
// contact leadsync made for that e-mail (the job matches by phone and
// e-mail; LeadDesk cannot search by e-mail, sinks/FIELDS.md: state's
// index is what knows a person by it): it is updated, never created
// again. When the new phone is another contact's, the two records claim
// the person: ambiguous, nothing written.
func TestLeadDeskEmailKeyFromState(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", contactContractJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	run := func(leads string, want int) string {
		t.Helper()
		writeFile(t, dir, "leads.csv", "First,Last,Phone,Email,Agent,Campaign,Note\n"+leads)
		r := runApp(t, env, "run", "--quiet", job)
		if r.code != want {
			t.Fatalf("exit %d, want %d\n%s%s", r.code, want, r.stdout, r.stderr)
		}
		return r.stdout
	}
	run("Anna,A,040 700 0001,anna@example.fi,,,\nBert,B,040 700 0009,bert@example.fi,,,\n", ExitOK)
	if n := len(srv.Contacts()); n != 2 {
		t.Fatalf("%d contacts after the first run, want 2", n)
	}
	// Anna's phone changed; her e-mail is the one leadsync wrote. The
	// diff already says so.
	writeFile(t, dir, "leads.csv", "First,Last,Phone,Email,Agent,Campaign,Note\nAnna,A,040 700 0002,anna@example.fi,,,\nBert,B,040 700 0009,bert@example.fi,,,\n")
	var plan struct {
		Counts map[string]int `json:"counts"`
	}
	if r := runApp(t, env, "diff", "--quiet", "--json", "--out", filepath.Join(dir, "diff"), job); json.Unmarshal([]byte(r.stdout), &plan) != nil ||
		plan.Counts["update"] != 1 || plan.Counts["create"] != 0 {
		t.Fatalf("diff after the phone change: %v, want 1 update and no create\n%s%s", plan.Counts, r.stdout, r.stderr)
	}
	run("Anna,A,040 700 0002,anna@example.fi,,,\nBert,B,040 700 0009,bert@example.fi,,,\n", ExitOK)
	var anna []leaddesktest.Contact
	for _, c := range srv.Contacts() {
		if c.Field("email") == "anna@example.fi" {
			anna = append(anna, c)
		}
	}
	if len(anna) != 1 || anna[0].Phone != "+358407000002" || len(srv.Contacts()) != 2 {
		t.Fatalf("after the phone change: %d contacts with Anna's e-mail (%+v), %d in all; want one, with the new phone, of 2",
			len(anna), anna, len(srv.Contacts()))
	}
	// Anna now gives Bert's phone: his contact and hers both claim her.
	out := run("Anna,A,040 700 0009,anna@example.fi,,,\n", ExitOK)
	if !strings.Contains(out, "ambiguous") {
		t.Errorf("Bert's phone with Anna's e-mail is not reported ambiguous:\n%s", out)
	}
	for _, c := range srv.Contacts() {
		if c.Field("email") == "anna@example.fi" && c.Phone != "+358407000002" || c.Field("fname") == "Bert" && c.Field("email") != "bert@example.fi" {
			t.Errorf("an ambiguous entity was written: %+v", c)
		}
	}
	if n := len(srv.Contacts()); n != 2 {
		t.Errorf("%d contacts at the end, want 2", n)
	}
}
