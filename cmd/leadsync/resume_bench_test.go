package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// BenchmarkVendorResume: the "resume after a kill at 90 %" for a
// vendor job. The binary syncs people into the LeadDesk emulator once
// uninterrupted, and once SIGKILLed when 90 % of the contacts exist at
// the emulator and then run again; the figure is the resumed run's wall
// time over the full run's. Both runs end with every person at the
// emulator exactly once. LEADSYNC_BENCH_ROWS people (default 20,000),
// 100 calls per LEADSYNC_BENCH_WINDOW (default 30 ms: LeadDesk's 60 s
// time-scaled 2000x, so a full run of 20,000 people is ~12 s of budget
// and the resume's reading, grouping and planning of the whole file still
// shows beside it). LEADSYNC_BENCH_CPUPROFILE=file runs the resumed run
// in the benchmark's process instead, under a CPU profile.
//
//	go test ./cmd/leadsync -run - -bench VendorResume -benchtime 3x
func BenchmarkVendorResume(b *testing.B) {
	n := 20000
	if v := os.Getenv("LEADSYNC_BENCH_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 || n > 900000 {
			b.Fatalf("LEADSYNC_BENCH_ROWS=%q: want 1000 to 900000", v)
		}
	}
	window := 30 * time.Millisecond
	if v := os.Getenv("LEADSYNC_BENCH_WINDOW"); v != "" {
		window = benchWindow(b)
	}
	bin := sharedBinary(b)
	data := people(n)
	var ratios []float64
	for b.Loop() {
		full := resumeRun(b, bin, data, n, window, false)
		res := resumeRun(b, bin, data, n, window, true)
		ratio := res.elapsed.Seconds() / full.elapsed.Seconds()
		ratios = append(ratios, ratio)
		b.ReportMetric(full.elapsed.Seconds(), "s-full")
		b.ReportMetric(res.elapsed.Seconds(), "s-resume")
		b.ReportMetric(float64(full.calls), "calls-full")
		b.ReportMetric(float64(res.calls), "calls-resume")
		b.ReportMetric(ms(res.beforeFirst), "ms-resume-before-first-call")
		b.ReportMetric(float64(res.limited), "429s")
		b.ReportMetric(ratio, "resume/full")
		fmt.Printf("full: %s, %d calls; killed at %d of %d contacts; resume: %s, %d calls, first call after %s; %d × 429\n",
			full.elapsed.Round(time.Millisecond), full.calls, res.killedAt, n-1, res.elapsed.Round(time.Millisecond), res.calls,
			res.beforeFirst.Round(time.Millisecond), full.limited+res.limited)
	}
	slices.Sort(ratios)
	fmt.Printf("vendor resume after a kill at 90%%: %.3fx the wall time of a full run (median of %d, %d people, %s windows)\n", ratios[len(ratios)/2], len(ratios), n, window)
}

// resumeTimes is one run's figures: the timed run's wall time, its calls
// at the emulator, its time to its first call, 429s, and (for a resume)
// how many contacts the killed run had created.
type resumeTimes struct {
	elapsed, beforeFirst time.Duration
	calls, limited       int
	killedAt             int
}

// resumeRun syncs people(n) into a fresh emulator with the binary; with
// kill, a first run is SIGKILLed once 90 % of the contacts exist and the
// figures are the resumed run's. Every person must end up there once.
func resumeRun(b *testing.B, bin, data string, n int, window time.Duration, kill bool) resumeTimes {
	b.Helper()
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: window.Seconds() / 60})
	defer srv.Close()
	dir := b.TempDir()
	writeFile(b, dir, "leads.csv", data)
	job := writeFile(b, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: "+window.String(), 1))
	ledgers := b.TempDir()
	env := append(os.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey, "LEADSYNC_LEDGER_DIR="+ledgers)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "run", "--quiet", "--concurrency", benchConcurrency(), job)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		return cmd
	}
	var out resumeTimes
	if kill {
		cmd := start()
		want := (n - 1) * 9 / 10 // person 7 is refused
		for srv.Core().Stats().Writes[leaddesktest.OpCreateContact] < want {
			time.Sleep(2 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		out.killedAt = srv.Core().Stats().Writes[leaddesktest.OpCreateContact]
	}
	limitedBefore := srv.Core().Stats().RateLimited
	t0 := time.Now()
	if prof := os.Getenv("LEADSYNC_BENCH_CPUPROFILE"); prof != "" && kill {
		// The resumed run in this process, profiled.
		b.Setenv("LEADSYNC_LEDGER_DIR", ledgers)
		f, err := os.Create(prof)
		if err != nil {
			b.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		r := runAppB(map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}, "run", "--quiet", "--concurrency", benchConcurrency(), job)
		pprof.StopCPUProfile()
		f.Close()
		out.elapsed = time.Since(t0)
		if r.code != ExitRejected {
			b.Fatalf("exit %d, want 1 (the broken row)\n%s%s", r.code, r.stdout, r.stderr)
		}
	} else {
		cmd := start()
		err := cmd.Wait()
		out.elapsed = time.Since(t0)
		if code := cmd.ProcessState.ExitCode(); code != ExitRejected {
			b.Fatalf("exit %d (%v), want 1 (the broken row)", code, err)
		}
	}
	// The timed run's calls: those that arrived after it started (the
	// killed run is dead by then).
	first := time.Time{}
	for _, c := range srv.Core().Calls() {
		if c.At.After(t0) {
			out.calls++
			if first.IsZero() || c.At.Before(first) {
				first = c.At
			}
		}
	}
	out.beforeFirst = first.Sub(t0)
	out.limited = srv.Core().Stats().RateLimited - limitedBefore
	if dups := checkPeople(b, srv, n); dups > 0 {
		b.Fatalf("%d duplicates", dups)
	}
	return out
}
