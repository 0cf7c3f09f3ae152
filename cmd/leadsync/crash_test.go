package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/state"
)

// buildBinary returns the leadsync binary the tests share (built once).
func buildBinary(t *testing.T) string {
	t.Helper()
	return sharedBinary(t)
}

// The crash test: the real binary syncs 5,000 people into a LeadDesk
// emulator that answers 5% of calls with 500s, drops 5% of writes after
// performing them and adds 5% of 429s; it is SIGKILLed at 10 random
// moments and resumed each time. Afterwards every person exists exactly
// once and every row of the file has an outcome in state.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for several seconds")
	}
	bin := buildBinary(t)
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.0005, Faults: emulator.Faults{
		Seed: 99, Error500: 0.05, DropAfterWrite: 0.05, Extra429: 0.05,
	}})
	defer srv.Close()
	dir := t.TempDir()
	const n = 5000
	writeFile(t, dir, "leads.csv", people(n))
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: 30ms", 1))
	env := append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)

	rng := rand.New(rand.NewPCG(7, 7))
	kills := 0
	for attempt := 0; attempt < 40; attempt++ {
		cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "16", job)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var code int
		if kills < 10 {
			select {
			case <-done:
				code = cmd.ProcessState.ExitCode()
			case <-time.After(time.Duration(50+rng.IntN(700)) * time.Millisecond):
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				kills++
				continue
			}
		} else {
			<-done
			code = cmd.ProcessState.ExitCode()
		}
		if code == ExitOK || code == ExitRejected {
			break // finished (before a kill landed, or after the tenth)
		}
		t.Fatalf("run exited %d", code)
	}
	if kills < 3 {
		t.Fatalf("only %d kills landed: the test proves too little", kills)
	}
	// Settle what the kills left failed (a run with failed rows exits 1
	// and the next run retries them).
	for i := 0; i < 5; i++ {
		cmd := exec.Command(bin, "run", "--quiet", job)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "failed ") {
			break
		}
	}

	byPhone := map[string]int{}
	for _, c := range srv.Contacts() {
		byPhone[c.Phone]++
	}
	missing, dup := 0, 0
	for i := 0; i < n; i++ {
		if i == 7 {
			continue // refused by the vendor (unknown agent)
		}
		switch byPhone[fmt.Sprintf("+35840%03d%04d", 100+i/10000, i%10000)] {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
	}
	st := srv.Core().Stats()
	t.Logf("%d kills; emulator: %d requests, %d writes, faults %v, 429s %d", kills, st.TotalRequests(), st.TotalWrites(), st.Faults, st.RateLimited)
	if missing != 0 || dup != 0 {
		t.Fatalf("after %d kills: %d missing, %d duplicated", kills, missing, dup)
	}
	// Every row of the file is accounted for in state.
	store, err := state.Open(filepath.Join(dir, ".leadsync", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, _ := store.Runs(context.Background(), "e2e-leaddesk", 100)
	accounted := map[int]bool{}
	for _, r := range runs {
		outs, _ := store.Outcomes(context.Background(), r.ID, "")
		for _, o := range outs {
			if o.Status != state.StatusFailed {
				accounted[o.Row] = true
			}
		}
	}
	rows := n + n/10 + 1 + 1 // people, in-file duplicates, broken row, header
	for row := 2; row <= rows; row++ {
		if !accounted[row] {
			t.Fatalf("row %d has no outcome in state", row)
		}
	}
}

// Ctrl-C during a vendor run: no new entity starts, those in flight
// finish, state is committed, exit code 3 with the resume command; the
// same command then finishes the run with nothing doubled.
func TestInterruptVendorRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.005})
	defer srv.Close()
	dir := t.TempDir()
	const n = 400
	writeFile(t, dir, "leads.csv", people(n))
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: 300ms", 1))
	env := append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)
	cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "8", job)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted || !strings.Contains(stderr.String(), "resume with: leadsync run") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	partial := len(srv.Contacts())
	if partial == 0 || partial >= n-1 {
		t.Fatalf("%d contacts after the interrupt: the test did not interrupt mid-run", partial)
	}
	cmd = exec.Command(bin, "run", "--quiet", job)
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "(resumed)") {
		t.Fatalf("second run did not resume:\n%s", out)
	}
	byPhone := map[string]int{}
	for _, c := range srv.Contacts() {
		byPhone[c.Phone]++
	}
	if len(srv.Contacts()) != n-1 || len(byPhone) != n-1 {
		t.Fatalf("%d contacts, %d distinct phones, want %d", len(srv.Contacts()), len(byPhone), n-1)
	}
}
