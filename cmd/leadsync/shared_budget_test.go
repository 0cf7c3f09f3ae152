package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// twoJobsOneKey runs two jobs (two processes, two folders, two state
// files, different people) at once on one LeadDesk credential with budget
// 100 per 120 ms and sink.budget.shared set to shared, and returns the
// emulator's most requests in any window, its 429s, and the wall time.
func twoJobsOneKey(t testing.TB, shared string, n int) (most, limited, calls int, elapsed time.Duration) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.002})
	defer srv.Close()
	bin := sharedBinary(t)
	root := t.TempDir()
	job := strings.Replace(leaddeskJob, "budget: {calls: 100, per: 60ms}", "budget: {calls: 100, per: 120ms, shared: "+shared+"}", 1)
	var wg sync.WaitGroup
	start := time.Now()
	for i, prefix := range []string{"100", "200"} {
		dir := filepath.Join(root, prefix)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := strings.NewReplacer("040 100", "040 "+prefix, "40100", "40"+prefix).Replace(people(n))
		writeFile(t, dir, "leads.csv", data)
		path := writeFile(t, dir, "job.yaml", job)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "16", path)
			cmd.Dir = dir
			cmd.Env = append(cmd.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != ExitRejected {
				t.Errorf("job %d: exit %d (%v)\n%s", i, code, err, out)
			}
		}()
	}
	wg.Wait()
	elapsed = time.Since(start)
	st := srv.Core().Stats()
	return srv.Core().MaxInWindow(leaddesktest.TestAPIKey), st.RateLimited, st.TotalRequests(), elapsed
}

// TestSharedBudgetTwoJobsOneKey: two jobs at once on one credential share
// the window (sink.budget.shared: machine, the default): the vendor never
// sees more than the limit in any window and answers no 429. With the
// sharing off, the same two jobs send up to twice the limit: the test can
// tell.
func TestSharedBudgetTwoJobsOneKey(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two binaries")
	}
	most, limited, _, _ := twoJobsOneKey(t, "machine", 300)
	if most > 100 || limited > 0 {
		t.Errorf("shared budget: %d requests in one window (limit 100), %d × 429", most, limited)
	}
	most, limited, _, _ = twoJobsOneKey(t, "off", 300)
	if most <= 100 && limited == 0 {
		t.Errorf("with sharing off two jobs stayed within one budget (%d in a window): the test cannot tell", most)
	}
}

// BenchmarkSharedBudget: two processes, one credential, 100 calls per
// 120 ms (LeadDesk's 100 per 60 s, time-scaled): the emulator's most in
// any window, and the combined throughput as a share of the limit.
//
//	go test ./cmd/leadsync -run - -bench SharedBudget -benchtime 3x
func BenchmarkSharedBudget(b *testing.B) {
	for b.Loop() {
		most, limited, calls, elapsed := twoJobsOneKey(b, "machine", 1000)
		windows := elapsed.Seconds() / 0.120
		b.ReportMetric(float64(most), "max-in-window")
		b.ReportMetric(float64(limited), "429s")
		b.ReportMetric(float64(calls), "calls")
		// Calls per window over the limit, counting process start and file
		// reading as budget time: a lower bound of the budget's use.
		b.ReportMetric(float64(calls)/windows/100, "throughput/limit")
	}
}
