package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
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

// BenchmarkBudgetLeadDesk: people into LeadDesk at 100 calls per 60 s,
// time-scaled (120 ms windows by default, LEADSYNC_BENCH_WINDOW to change;
// 3,000 people by default, LEADSYNC_BENCH_PEOPLE), 16 entities in flight.
// A call counts until a window after its answer, so each window costs one
// call latency: ~1 ms here, ~0.1 s of a real 60 s window. Besides
// utilization it reports where wall time goes, from the emulator's
// arrival times: before the first call (start-up, reading, planning), the
// time each place in the window took to come round again beyond the
// window (the median over calls i and i+100), and after the last call.
// The last line is the median over iterations of wall ÷ (calls ÷ rate),
// the "still at the limit" figure.
//
//	go test ./cmd/leadsync -run - -bench BudgetLeadDesk -benchtime 3x
func BenchmarkBudgetLeadDesk(b *testing.B) {
	const limit = 100
	window := benchWindow(b)
	n := benchPeople(b)
	var ratios []float64
	for b.Loop() {
		srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: window.Seconds() / 60})
		dir := b.TempDir()
		writeFileB(b, dir, "leads.csv", people(n))
		job := writeFileB(b, dir, "job.yaml", strings.Replace(leaddeskJob, "per: 60ms", "per: "+window.String(), 1))
		start := time.Now()
		r := runAppB(map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}, "run", "--quiet", "--concurrency", benchConcurrency(), job)
		end := time.Now()
		elapsed := end.Sub(start)
		if r.code != ExitRejected {
			b.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		reportBudget(b, srv.Core(), leaddesktest.TestAPIKey, limit, window, elapsed)
		ratios = append(ratios, reportLimitUse(b, srv.Core(), limit, window, start, end))
		srv.Close()
	}
	slices.Sort(ratios)
	fmt.Printf("still at the limit: wall ÷ (calls ÷ rate) = %.3f (median of %d, %d people, %s windows)\n", ratios[len(ratios)/2], len(ratios), n, window)
}

// reportLimitUse reports wall ÷ (calls ÷ rate) and where the time beyond
// calls ÷ rate went, from the emulator's arrival times; it returns the
// ratio.
func reportLimitUse(b *testing.B, core *emulator.Core, limit int, window time.Duration, start, end time.Time) float64 {
	calls := core.Calls()
	if len(calls) <= limit {
		b.Fatalf("%d calls: too few to measure a limit of %d", len(calls), limit)
	}
	at := make([]time.Time, len(calls))
	for i, c := range calls {
		at[i] = c.At
	}
	slices.SortFunc(at, time.Time.Compare)
	ideal := time.Duration(float64(len(at)) / float64(limit) * float64(window))
	ratio := end.Sub(start).Seconds() / ideal.Seconds()
	gaps := make([]time.Duration, 0, len(at)-limit)
	for i := limit; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-limit])-window)
	}
	slices.Sort(gaps)
	b.ReportMetric(ratio, "wall/ideal")
	b.ReportMetric(ms(at[0].Sub(start)), "ms-before-first")
	b.ReportMetric(ms(gaps[len(gaps)/2]), "ms-cycle-over-window")
	b.ReportMetric(ms(gaps[len(gaps)*9/10]), "ms-cycle-over-window-p90")
	b.ReportMetric(ms(end.Sub(at[len(at)-1])), "ms-after-last")
	return ratio
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchWindow is the time-scaled window of LeadDesk's 100 calls per 60 s.
func benchWindow(b *testing.B) time.Duration {
	if v := os.Getenv("LEADSYNC_BENCH_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("LEADSYNC_BENCH_WINDOW=%q: %v", v, err)
		}
		return d
	}
	return 120 * time.Millisecond
}

// benchPeople is the number of people a budget benchmark syncs.
func benchPeople(b *testing.B) int {
	if v := os.Getenv("LEADSYNC_BENCH_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("LEADSYNC_BENCH_PEOPLE=%q: want a number of at least 100", v)
		}
		return n
	}
	return 3000
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
