package main

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

// reportBudget reports what a budget-bound run achieved: utilization is
// the calls made over the most a perfect client could make in the same
// time (limit at once, then limit per window), the most calls the
// emulator saw in any window, and the 429s it sent.
func reportBudget(b *testing.B, core *emulator.Core, cred string, limit int, window, elapsed time.Duration) {
	st := core.Stats()
	calls := st.TotalRequests()
	allowed := float64(limit) * (math.Floor(elapsed.Seconds()/window.Seconds()) + 1)
	b.ReportMetric(100*float64(calls)/allowed, "%utilization")
	b.ReportMetric(float64(core.MaxInWindow(cred)), "max-in-window")
	b.ReportMetric(float64(limit), "limit")
	b.ReportMetric(float64(st.RateLimited), "429s")
	b.ReportMetric(float64(calls), "calls")
}

func benchConcurrency() string {
	if v := os.Getenv("LEADSYNC_BENCH_CONCURRENCY"); v != "" {
		return v
	}
	return "16"
}

// BenchmarkBudgetLeadDesk: 3,000 people into LeadDesk at 100 calls per
// 60 s, time-scaled 500x (120 ms windows), 16 entities in flight. A call
// counts until a window after its answer, so each window costs one call
// latency: ~1-4 ms here, ~0.1 s of a real 60 s window.
//
//	go test ./cmd/leadsync -run - -bench Budget -benchtime 1x
func BenchmarkBudgetLeadDesk(b *testing.B) {
	for b.Loop() {
		srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.002})
		dir := b.TempDir()
		writeFileB(b, dir, "leads.csv", people(3000))
		job := writeFileB(b, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: 120ms", 1))
		start := time.Now()
		r := runAppB(map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}, "run", "--quiet", "--concurrency", benchConcurrency(), job)
		elapsed := time.Since(start)
		if r.code != ExitRejected {
			b.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		reportBudget(b, srv.Core(), leaddesktest.TestAPIKey, 100, 120*time.Millisecond, elapsed)
		srv.Close()
	}
}

// BenchmarkBudgetLeadSquared: 1,500 call logs (a lead lookup and a
// LogCall each) at 25 calls per 5 s, time-scaled 100x (50 ms windows).
func BenchmarkBudgetLeadSquared(b *testing.B) {
	for b.Loop() {
		srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01})
		dir := b.TempDir()
		var sb strings.Builder
		sb.WriteString("Session,From,To,Direction,Start,End,Source\n")
		for i := 0; i < 1500; i++ {
			fmt.Fprintf(&sb, "call-%d,098765 43210,+91 80111 12222,inbound,2026-11-20 09:%02d:00,2026-11-20 09:%02d:30,Web\n", i, i%60, i%60)
		}
		writeFileB(b, dir, "calls.csv", sb.String())
		job := writeFileB(b, dir, "job.yaml", leadsquaredJob)
		start := time.Now()
		r := runAppB(map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey}, "run", "--quiet", "--concurrency", "16", job)
		elapsed := time.Since(start)
		if r.code != ExitOK {
			b.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		reportBudget(b, srv.Core(), leadsquaredtest.TestAccessKey, 25, 50*time.Millisecond, elapsed)
		srv.Close()
	}
}
