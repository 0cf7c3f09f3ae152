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

// Callbacks under kill -9: LeadDesk cannot find a callback, so only the
// intents (committed once the budget admitted a call, right before it is
// sent) say what may have happened. The real binary writes 1,200
// callbacks (4 per phone) under the faults, is killed at random
// moments and resumed each time. Afterwards: no callback twice; the only
// callbacks missing are among those reported uncertain; uncertain ones
// are at most the lost answers plus kills x concurrency.
func TestCrashResumeCallbacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for several seconds")
	}
	bin := buildBinary(t)
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.0005, Faults: contractFaults(21)})
	defer srv.Close()
	const phones, per = 300, 4
	var b strings.Builder
	b.WriteString("Agent,Campaign,Phone,When,Comment,First\n")
	type event struct{ phone, when string }
	rowEvent := map[int]event{}
	row := 1
	for j := 0; j < phones; j++ {
		for d := 1; d <= per; d++ {
			row++
			ev := event{fmt.Sprintf("+35840400%04d", j), fmt.Sprintf("2026-04-0%d 10:15:00", d)}
			rowEvent[row] = ev
			fmt.Fprintf(&b, "%s,%s,040 400 %04d,%s,c%d/%d,P%d\n", leaddesktest.TestAgentUsername, leaddesktest.TestCampaignName, j, ev.when, j, d, j)
		}
	}
	dir := t.TempDir()
	writeFile(t, dir, "callbacks.csv", b.String())
	job := writeFile(t, dir, "job.yaml", strings.Replace(callbackContractJob, "per: 60ms", "per: 30ms", 1))
	env := append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)

	const concurrency = 16
	rng := rand.New(rand.NewPCG(5, 5))
	kills := 0
	for attempt := 0; attempt < 40; attempt++ {
		cmd := exec.Command(bin, "run", "--quiet", "--concurrency", fmt.Sprint(concurrency), job)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills < 10 {
			select {
			case <-done:
			case <-time.After(time.Duration(30+rng.IntN(300)) * time.Millisecond):
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
				kills++
				continue
			}
		} else {
			<-done
		}
		code := cmd.ProcessState.ExitCode()
		if code == ExitOK || code == ExitRejected {
			break
		}
		t.Fatalf("run exited %d", code)
	}
	if kills < 3 {
		t.Fatalf("only %d kills landed: the test proves too little", kills)
	}

	count := map[event]int{}
	for _, cb := range srv.Callbacks() {
		count[event{cb.Phone, cb.Timestamp}]++
	}
	store, err := state.Open(filepath.Join(dir, ".leadsync", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, _ := store.Runs(context.Background(), "ld-callbacks", 100)
	uncertain, settled := map[int]bool{}, map[int]bool{}
	for _, r := range runs {
		outs, _ := store.Outcomes(context.Background(), r.ID, "")
		for _, o := range outs {
			switch o.Status {
			case state.StatusUncertain:
				uncertain[o.Row] = true
				if o.Error == "" {
					t.Errorf("row %d uncertain without a reason", o.Row)
				}
			case state.StatusFailed:
			default:
				settled[o.Row] = true
			}
		}
	}
	missing, dup, missingUnreported := 0, 0, 0
	for r, ev := range rowEvent {
		switch n := count[ev]; {
		case n == 0:
			missing++
			if !uncertain[r] {
				missingUnreported++
			}
		case n > 1:
			dup++
		}
		if !uncertain[r] && !settled[r] {
			t.Errorf("row %d has no outcome", r)
		}
	}
	st := srv.Core().Stats()
	lost := st.Faults[emulator.FaultDropAfterWrite]
	t.Logf("%d kills; %d callbacks of %d; %d missing (all reported uncertain: %v); %d uncertain rows; %d lost answers; faults %v",
		kills, len(srv.Callbacks()), len(rowEvent), missing, missingUnreported == 0, len(uncertain), lost, st.Faults)
	if dup != 0 {
		t.Errorf("%d callbacks created twice", dup)
	}
	if missingUnreported != 0 {
		t.Errorf("%d callbacks missing without being reported uncertain", missingUnreported)
	}
	if missing > kills*concurrency {
		t.Errorf("%d callbacks missing, more than kills x concurrency (%d)", missing, kills*concurrency)
	}
	if len(uncertain) > lost+kills*concurrency {
		t.Errorf("%d uncertain, more than the %d lost answers plus kills x concurrency (%d)", len(uncertain), lost, kills*concurrency)
	}
}
