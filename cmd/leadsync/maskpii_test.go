package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// --mask-pii leaves no personal value in any report or on the terminal:
// not in cells, not in reasons (an invalid email or phone quoted), not in
// entity ids or merged_on (phone:+358…), not in field changes, in JSON,
// CSV, HTML or the summary, for diff and for run.
func TestMaskPIIEverywhere(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	seed := `{"contacts":[{"id":7001,"list_id":2001,"phone":"+358409999999","fields":{"fname":"Twin"}},` +
		`{"id":7002,"list_id":2001,"phone":"+358409999999","fields":{"fname":"Twin"}},` +
		`{"id":7003,"list_id":2001,"phone":"+358401004005","fields":{"fname":"Oldfirstname","lname":"Dahlberg"}}]}`
	if err := srv.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", "First;Last;Phone;Email;Agent;Campaign\n"+
		"Annikki;Aaltonen;040 100 4003;annikki.aaltonen@example.fi;;c1\n"+
		"Annikki;Aaltonen;+358 40 100 4003;;;late\n"+
		"Bertta;Bergqvist;040 100 4004;bertta.bergqvist@@broken;;c1\n"+
		"Cecilia;Castren;+999 777 555 333;cecilia.castren@example.fi;;c1\n"+
		"Tuulikki;Tuominen;040 999 9999;tuulikki.tuominen@example.fi;;c0\n"+
		"Danielle;Dahlberg;040 100 4005;danielle.dahlberg@example.fi;;c2\n")
	job := writeFile(t, dir, "job.yaml", leaddeskJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	pii := []string{
		"Annikki", "Aaltonen", "annikki.aaltonen", "100 4003", "401004003",
		"Bertta", "Bergqvist", "bertta.bergqvist", "100 4004", "401004004",
		"Cecilia", "Castren", "cecilia.castren", "777 555 333", "777555333",
		"Tuulikki", "Tuominen", "tuulikki.tuominen", "999 9999", "409999999",
		"Danielle", "Dahlberg", "danielle.dahlberg", "100 4005", "401004005", "Oldfirstname",
	}
	check := func(where, text string) {
		t.Helper()
		for _, v := range pii {
			if i := strings.Index(text, v); i >= 0 {
				lo, hi := max(0, i-60), min(len(text), i+len(v)+20)
				t.Errorf("%s holds %q: …%s…", where, v, text[lo:hi])
			}
		}
	}
	out := filepath.Join(dir, "diff")
	d := runApp(t, env, "diff", "--mask-pii", "--out", out, job)
	if d.code != 0 && d.code != ExitRejected {
		t.Fatalf("diff: exit %d\n%s%s", d.code, d.stdout, d.stderr)
	}
	check("diff stdout", d.stdout)
	check("diff stderr", d.stderr)
	dj, _ := os.ReadFile(filepath.Join(out, "diff.json"))
	for _, want := range []string{`"merged_on": "phone:`, `"ambiguous"`, `"update"`, `•••@example.fi`, `"rejected"`} {
		if !strings.Contains(string(dj), want) {
			t.Errorf("diff.json lacks %s (the test input no longer covers it):\n%s", want, dj)
		}
	}
	r := runApp(t, env, "run", "--mask-pii", "--log-format", "json", job)
	if r.code != ExitRejected {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	check("run stdout", r.stdout)
	check("run stderr", r.stderr)
	files := 0
	for _, root := range []string{out, filepath.Join(dir, ".leadsync", "runs")} {
		filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			files++
			b, _ := os.ReadFile(p)
			check(strings.TrimPrefix(p, dir), string(b))
			return nil
		})
	}
	if files < 8 {
		t.Fatalf("only %d report files", files)
	}
}
