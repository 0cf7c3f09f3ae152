package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// BenchmarkNightlyRerun: a 10,000-row file is synced into LeadDesk, then
// the same file with 1% of its rows changed is run again. The re-run's
// calls are the changed entities' calls (a find and an update each, plus
// the credential check), and its time is proportional.
//
//	go test ./cmd/leadsync -run - -bench Nightly -benchtime 1x
func BenchmarkNightlyRerun(b *testing.B) {
	const n = 10000
	for b.Loop() {
		srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
		dir := b.TempDir()
		base := people(n)
		writeFileB(b, dir, "leads.csv", base)
		job := writeFileB(b, dir, "job.yaml", leaddeskJob) // 100 per 60 ms, as the emulator's scaled limit
		env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
		t0 := time.Now()
		if r := runAppB(env, "run", "--quiet", "--concurrency", "16", job); r.code != ExitRejected {
			b.Fatalf("first run: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		first := time.Since(t0)
		firstCalls := srv.Core().Stats().TotalRequests()

		// Change the campaign of every 100th person: 1% of the rows.
		lines := strings.Split(base, "\n")
		changed := 0
		for i, l := range lines {
			var k int
			if _, err := fmt.Sscanf(l, "Person%d;", &k); err == nil && k%100 == 1 && !strings.Contains(l, "late") {
				lines[i] = l[:strings.LastIndexByte(l, ';')+1] + "changed"
				changed++
			}
		}
		writeFileB(b, dir, "leads.csv", strings.Join(lines, "\n"))
		t1 := time.Now()
		if r := runAppB(env, "run", "--quiet", "--concurrency", "16", job); r.code != ExitRejected {
			b.Fatalf("re-run: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		second := time.Since(t1)
		rerunCalls := srv.Core().Stats().TotalRequests() - firstCalls
		want := 1 + 2*changed + 2 // check, find+update per changed entity, the refused row's find and create
		if rerunCalls > want {
			b.Fatalf("re-run made %d calls for %d changed rows, want at most %d", rerunCalls, changed, want)
		}
		b.ReportMetric(float64(firstCalls), "calls-first")
		b.ReportMetric(float64(rerunCalls), "calls-rerun")
		b.ReportMetric(float64(changed), "changed-rows")
		b.ReportMetric(first.Seconds(), "s-first")
		b.ReportMetric(second.Seconds(), "s-rerun")
		b.ReportMetric(100*second.Seconds()/first.Seconds(), "%time-rerun")
		b.ReportMetric(100*float64(rerunCalls)/float64(firstCalls), "%calls-rerun")
		b.ReportMetric(float64(srv.Core().Stats().RateLimited), "429s")
		srv.Close()
	}
}
