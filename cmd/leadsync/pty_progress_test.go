//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// The progress bar as a user sees it: the built binary in a pseudo-
// terminal, a time-scaled LeadDesk emulator that answers spurious 429s
// with Retry-After. The bar shows the total entities from the plan, the
// written and rejected counts, calls of the forecast, and says it is
// paused by the vendor while it is; a budget above LeadDesk's documented
// 100/60 s is warned about.
func TestPTYProgressBar(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "leadsync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// 60 s windows last 2.4 s; every 429 pauses the run for one.
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.04, Faults: emulator.Faults{Seed: 3, Extra429: 0.03}})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", people(40))
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: 2400ms", 1))

	cmd := exec.Command(bin, "run", "--concurrency", "1", job)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 250})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var mu sync.Mutex
	var buf bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		b := make([]byte, 4096)
		for {
			n, err := tty.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				if err != io.EOF {
					return
				}
				return
			}
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run did not end in 30 s")
	}
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()

	b, err := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "summary.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var sum summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	st := srv.Core().Stats()
	t.Logf("summary: entities %d, written %d, rejected %d, calls %d (forecast %d); faults %v", sum.Entities, sum.Written, sum.Rejected, sum.Calls, sum.ForecastCalls, st.Faults)
	checkForecast(t, sum, true) // the 429s cost a resend each: within 5 %
	if st.Faults[emulator.FaultExtra429] == 0 {
		t.Fatalf("the emulator sent no 429: the test proves nothing (faults %v)", st.Faults)
	}
	if !strings.Contains(out, "exceeds leaddesk's documented limit 100/1m0s") {
		t.Errorf("no warning about the budget above the vendor's limit:\n%s", out)
	}
	// The bar counts entities of the known total: "done/total entities".
	total := regexp.MustCompile(`(\d+)/(\d+) entities`).FindAllStringSubmatch(out, -1)
	if len(total) == 0 {
		t.Fatalf("no bar with a total:\n%q", out)
	}
	for _, m := range total {
		if m[2] != fmt.Sprint(sum.Entities) {
			t.Errorf("bar total %s, want the %d entities from the start", m[2], sum.Entities)
			break
		}
	}
	// Done counts entities, not rows (the file merges rows): the bar
	// ends at the total while more rows than entities were written.
	if got := total[len(total)-1][1]; got != fmt.Sprint(sum.Entities) {
		t.Errorf("bar ends at %s of %d entities: %q", got, sum.Entities, out[max(0, len(out)-800):])
	}
	if sum.Written+sum.Rejected <= sum.Entities {
		t.Errorf("the file merges no rows (%d written, %d rejected, %d entities): the test cannot tell entities from rows", sum.Written, sum.Rejected, sum.Entities)
	}
	if !regexp.MustCompile(`calls \d+ of ~` + fmt.Sprint(sum.ForecastCalls)).MatchString(out) {
		t.Errorf("no calls of the forecast %d:\n%q", sum.ForecastCalls, out)
	}
	if !regexp.MustCompile(`paused by the vendor \(429\), resuming in \d+ s`).MatchString(out) {
		t.Errorf("no paused line:\n%q", out)
	}
	counts := regexp.MustCompile(`written (\d+), rejected (\d+)`).FindAllStringSubmatch(out, -1)
	if len(counts) == 0 {
		t.Fatalf("no counts:\n%q", out)
	}
	last := counts[len(counts)-1]
	if last[1] != fmt.Sprint(sum.Written) || last[2] != fmt.Sprint(sum.Rejected) {
		t.Errorf("bar's last written %s, rejected %s; summary %d, %d\n%q", last[1], last[2], sum.Written, sum.Rejected, out[max(0, len(out)-1500):])
	}
	// While entities remain the ETA is never 0 s, paused or not.
	for _, m := range regexp.MustCompile(`(\d+)/(\d+) entities[^\r\n]*?ETA (\d+)s`).FindAllStringSubmatch(out, -1) {
		if m[1] != m[2] && m[3] == "0" {
			t.Errorf("ETA 0 s at %s of %s entities", m[1], m[2])
			break
		}
	}
	// The paused line says when the run resumes, with the budget's ETA.
	if !regexp.MustCompile(`paused by the vendor \(429\), resuming in [1-9]\d* s, ETA [1-9]`).MatchString(out) {
		t.Errorf("no paused line with its ETA:\n%q", out)
	}
	if eta := regexp.MustCompile(`paused[^\r\n]*ETA 0s`).FindString(out); eta != "" {
		t.Errorf("ETA 0 s while paused: %q", eta)
	}
}
