package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// rerunJob maps a 20-column file to LeadDesk contacts, as the pipeline's
// re-run bench does, with the emulator's scaled limit as the budget.
var rerunJob = `name: rerun
source: {path: leads.csv}
sink:
  vendor: leaddesk
  object: contact
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {calls: 100, per: 6ms}
region: FI
match: {keys: [phone, email]}
mapping:
  list: {value: "Nightly leads"}
  fname: {column: first_name, transform: [trim, title]}
  lname: {column: last_name, transform: [trim]}
  phone: {column: phone, transform: [phone]}
  email: {column: email, transform: [email]}
  city: city
  company: company
` + otherColumns

// otherColumns maps c07..c20 to other1..other14.
var otherColumns = func() string {
	var b strings.Builder
	for i := 1; i <= 14; i++ {
		fmt.Fprintf(&b, "  other%d: c%02d\n", i, i+6)
	}
	return b.String()
}()

// writeRerunFile writes n rows: a phone in one of three spellings, a
// mixed-case e-mail, names, a city, a company and 14 filler columns.
func writeRerunFile(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("first_name,last_name,phone,email,city,company")
	for c := 7; c <= 20; c++ {
		fmt.Fprintf(w, ",c%02d", c)
	}
	w.WriteString("\n")
	spell := []string{"040-%07d", "+35850%07d", "045 %07d"}
	for i := range n {
		fmt.Fprintf(w, "anna%d,Virtanen%d,"+spell[i%3]+",Lead.%d@Example.FI,City%d,Company %d Oy", i%5000, i%7000, 1000000+i, i, i%6, i%900)
		for c := 7; c <= 20; c++ {
			fmt.Fprintf(w, ",value %d-%d", c, i%1000)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// profiled times fn; with LEADSYNC_BENCH_CPUPROFILE=FILE, FILE is a CPU
// profile of fn alone (the last call's).
func profiled(fn func()) time.Duration {
	if path := os.Getenv("LEADSYNC_BENCH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	t0 := time.Now()
	fn()
	return time.Since(t0)
}

// BenchmarkCLIRerun is the unchanged re-run through the whole command,
// as a nightly job runs it: a file synced into the LeadDesk emulator is
// run again unchanged. The re-run must make no call; its rows/s include
// what the pipeline bench (BenchmarkUnchangedRerun) leaves out: the
// job's set-up, written.csv (a line per row, unchanged ones included),
// summary.json and the run's bookkeeping.
//
//	go test ./cmd/leadsync -run - -bench CLIRerun -benchtime 3x
//
// (LEADSYNC_BENCH_ROWS sets the row count; 100,000 by default.)
func BenchmarkCLIRerun(b *testing.B) {
	n := 100_000
	if s := os.Getenv("LEADSYNC_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &n)
	}
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.0001})
	defer srv.Close()
	dir := b.TempDir()
	writeRerunFile(b, filepath.Join(dir, "leads.csv"), n)
	job := writeFileB(b, dir, "job.yaml", rerunJob)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	if r := runAppB(env, "run", "--quiet", "--concurrency", "16", job); r.code != ExitOK {
		rej, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "1", "rejected.csv"))
		b.Fatalf("seeding run: %d\n%s%s%.2000s", r.code, r.stdout, r.stderr, rej)
	}
	var rates []float64
	for b.Loop() {
		before := srv.Core().Stats().TotalRequests()
		var r result
		d := profiled(func() { r = runAppB(env, "run", "--quiet", job) })
		if r.code != ExitOK {
			b.Fatalf("re-run: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if calls := srv.Core().Stats().TotalRequests() - before; calls != 0 {
			b.Fatalf("an unchanged re-run made %d calls", calls)
		}
		rates = append(rates, float64(n)/d.Seconds())
	}
	slices.Sort(rates)
	med := rates[len(rates)/2]
	b.ReportMetric(med, "rows/s")
	b.ReportMetric(0, "calls")
	b.Logf("unchanged re-run of %d rows through the command: %.0f rows/s (median of %d), 0 calls", n, med, len(rates))
}
