package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

// A job run with known secrets, through faults and a refused credential:
// no output, log line, state row, report or file leadsync writes holds
// them.
func TestSecretsNeverWritten(t *testing.T) {
	access, secret := leadsquaredtest.TestAccessKey, leadsquaredtest.TestSecretKey
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01, Faults: emulator.Faults{Seed: 3, Error500: 0.2, DropAfterWrite: 0.2}})
	defer srv.Close()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Session,From,To,Direction,Start,End,Source\n")
	for i := 0; i < 30; i++ {
		b.WriteString("call-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ",098765 43210,+91 80111 12222,inbound,2026-11-20 09:00:00,2026-11-20 09:00:30,Web\n")
	}
	b.WriteString("call-x,+91 70000 00000,+91 80111 12222,inbound,2026-11-20 10:00:00,2026-11-20 10:01:00,Web\n")
	writeFile(t, dir, "calls.csv", b.String())
	job := writeFile(t, dir, "job.yaml", leadsquaredJob)
	var outputs []string
	for _, env := range []map[string]string{
		{"LS_URL": srv.URL, "LS_ACCESS": access, "LS_SECRET": secret},
		{"LS_URL": srv.URL, "LS_ACCESS": access, "LS_SECRET": secret + "x"}, // refused
		{"LS_URL": srv.URL + "/nowhere?accessKey=" + access, "LS_ACCESS": access, "LS_SECRET": secret},
	} {
		for _, args := range [][]string{{"run", "--log-format", "json", job}, {"validate", job}, {"runs", "--job", job}, {"show", "--job", job, "1"}} {
			r := runApp(t, env, args...)
			outputs = append(outputs, r.stdout, r.stderr)
		}
	}
	check := func(where, s string) {
		for _, secretValue := range []string{access, secret, strings.TrimPrefix(access, "u$r")} {
			if strings.Contains(s, secretValue) {
				t.Errorf("%s holds a secret", where)
			}
		}
	}
	for i, o := range outputs {
		check("output "+string(rune('0'+i%10)), o)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == job {
			return err
		}
		b, _ := os.ReadFile(p)
		check(p, string(b))
		return nil
	})
}
