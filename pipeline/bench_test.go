package pipeline

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/csvfile"
	"github.com/leadsync/leadsync/sources/xlsxfile"
	"github.com/leadsync/leadsync/state"
)

// benchMapping maps all 20 columns of the generated file to LeadDesk
// contact fields, with phone and email normalization.
const benchMapping = `
list: {value: "Bench"}
fname: {column: first_name, transform: [trim, title]}
lname: {column: last_name, transform: [trim]}
phone: {column: phone, transform: [phone]}
email: {column: email, transform: [email]}
city: city
company: company
other1: c07
other2: c08
other3: c09
other4: c10
other5: c11
other6: c12
other7: c13
other8: c14
other9: c15
other10: c16
other11: c17
other12: c18
other13: c19
other14: c20
`

// GenerateBenchCSV writes rows data rows of 20 columns: names, a phone in
// one of four spellings, a mixed-case email, and filler text.
func GenerateBenchCSV(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	header := []string{"first_name", "last_name", "phone", "email", "city", "company"}
	for i := 7; i <= 20; i++ {
		header = append(header, fmt.Sprintf("c%02d", i))
	}
	w.Write(header)
	cities := []string{"Helsinki", "Espoo", "Tampere", "Oulu", "Turku", "Vantaa"}
	rec := make([]string, 20)
	for i := 0; i < rows; i++ {
		n := 1000000 + i%8000000
		rec[0] = fmt.Sprintf("anna%d", i%5000)
		rec[1] = fmt.Sprintf("Virtanen%d", i%7000)
		switch i % 4 {
		case 0:
			rec[2] = fmt.Sprintf("040-%07d", n)
		case 1:
			rec[2] = fmt.Sprintf("+358 50 %03d %04d", n/10000%1000, n%10000)
		case 2:
			rec[2] = fmt.Sprintf("35844%07d", n)
		default:
			rec[2] = fmt.Sprintf("045 %03d %04d", n/10000%1000, n%10000)
		}
		rec[3] = fmt.Sprintf("Lead.%d@Example.FI", i)
		rec[4] = cities[i%len(cities)]
		rec[5] = fmt.Sprintf("Company %d Oy", i%900)
		for c := 6; c < 20; c++ {
			rec[c] = fmt.Sprintf("value %d-%d", c, i%1000)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// benchFile returns a cached generated file of rows rows.
func benchFile(b *testing.B, rows int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "leadsync-bench")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, fmt.Sprintf("leads-%d.csv", rows))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if err := GenerateBenchCSV(p+".tmp", rows); err != nil {
		b.Fatal(err)
	}
	os.Rename(p+".tmp", p)
	return p
}

func benchRows(b *testing.B) []int {
	if s := os.Getenv("LEADSYNC_BENCH_ROWS"); s != "" {
		var n int
		fmt.Sscan(s, &n)
		return []int{n}
	}
	return []int{100_000, 1_000_000}
}

func maxRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

// BenchmarkPipelineCSV runs the whole pipeline (CSV source, mapping with
// phone and email normalization, export sink, state outcomes) and reports
// rows/s and the process's peak RSS. Run one size per process for a
// true peak: LEADSYNC_BENCH_ROWS=1000000 go test -run - -bench PipelineCSV ./pipeline/
func BenchmarkPipelineCSV(b *testing.B) {
	for _, rows := range benchRows(b) {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			path := benchFile(b, rows)
			for b.Loop() {
				runCSVExport(b, path, rows)
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(maxRSSMB(), "peakRSS-MB")
		})
	}
}

// BenchmarkBareCSV reads the same file with encoding/csv alone: the
// ceiling the pipeline is compared with.
func BenchmarkBareCSV(b *testing.B) {
	for _, rows := range benchRows(b) {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			path := benchFile(b, rows)
			for b.Loop() {
				bareCSVRead(b, path, rows)
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// benchXLSX returns a cached generated .xlsx of rows rows (20 columns, the
// phone column stored as numbers), written with excelize's StreamWriter.
func benchXLSX(b *testing.B, rows int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "leadsync-bench")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, fmt.Sprintf("leads-%d.xlsx", rows))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"first_name", "last_name", "phone", "email", "city", "company"}
	for i := 7; i <= 20; i++ {
		header = append(header, fmt.Sprintf("c%02d", i))
	}
	sw.SetRow("A1", header)
	row := make([]any, 20)
	for i := 0; i < rows; i++ {
		row[0] = fmt.Sprintf("anna%d", i%5000)
		row[1] = fmt.Sprintf("Virtanen%d", i%7000)
		row[2] = 358401000000 + i // a phone stored as a number
		row[3] = fmt.Sprintf("Lead.%d@Example.FI", i)
		row[4] = "Helsinki"
		row[5] = fmt.Sprintf("Company %d Oy", i%900)
		for c := 6; c < 20; c++ {
			row[c] = fmt.Sprintf("value %d-%d", c, i%1000)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(p + ".tmp.xlsx"); err != nil {
		b.Fatal(err)
	}
	os.Rename(p+".tmp.xlsx", p)
	return p
}

// BenchmarkPipelineXLSX is BenchmarkPipelineCSV on a 100,000-row XLSX;
// compare with BenchmarkBareExcelize on the same file.
func BenchmarkPipelineXLSX(b *testing.B) {
	const rows = 100_000
	path := benchXLSX(b, rows)
	for b.Loop() {
		runXLSXExport(b, path, rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(maxRSSMB(), "peakRSS-MB")
}

// BenchmarkBareExcelize reads the same file with excelize's row iterator
// alone.
func BenchmarkBareExcelize(b *testing.B) {
	const rows = 100_000
	path := benchXLSX(b, rows)
	for b.Loop() {
		bareExcelizeRead(b, path, rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// runCSVExport is the local path on a CSV file: source, mapping with
// phone and e-mail normalization, export sink, state outcomes.
func runCSVExport(b *testing.B, path string, rows int) {
	b.Helper()
	src, err := csvfile.Open(path, csvfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	runExport(b, src, "bench.csv", rows)
}

// runXLSXExport is runCSVExport on an XLSX file.
func runXLSXExport(b *testing.B, path string, rows int) {
	b.Helper()
	src, err := xlsxfile.Open(path, xlsxfile.Options{TmpDir: filepath.Join(b.TempDir(), "tmp")})
	if err != nil {
		b.Fatal(err)
	}
	runExport(b, src, "bench.xlsx", rows)
}

func runExport(b *testing.B, src sources.Source, name string, rows int) {
	b.Helper()
	defer src.Close()
	dir := b.TempDir()
	doc, err := config.Parse("bench.yaml", []byte(benchMapping), nil)
	if err != nil {
		b.Fatal(err)
	}
	obj, _ := leaddesk.Schema().Object("contact")
	m, err := mapping.Compile(doc, doc.Root, obj, mapping.Options{Header: src.Header(), SourceFile: name, Region: "FI", Keys: []string{"phone", "email"}})
	if err != nil {
		b.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	run, _, err := st.BeginRun(context.Background(), state.RunSpec{Job: "bench", Fingerprint: "f", ConfigHash: "c"})
	if err != nil {
		b.Fatal(err)
	}
	sink, err := export.New(filepath.Join(dir, "out.csv"), "", m.Fields())
	if err != nil {
		b.Fatal(err)
	}
	w := st.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{Source: src, Mapping: m, Sink: sink, Store: st, RunID: run.ID, State: w})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if res.Statuses[state.StatusOK] != rows {
		b.Fatalf("written %d of %d (rejected %d)", res.Statuses[state.StatusOK], rows, res.Rejected())
	}
}

// bareCSVRead reads the file with encoding/csv alone.
func bareCSVRead(b *testing.B, path string, rows int) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		_ = strings.Clone(rec[0])
		n++
	}
	if n != rows+1 {
		b.Fatalf("read %d", n)
	}
}

// bareExcelizeRead reads the file with excelize's row iterator alone.
func bareExcelizeRead(b *testing.B, path string, rows int) {
	b.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	it, err := f.Rows("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for it.Next() {
		if _, err := it.Columns(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	it.Close()
	if n != rows+1 {
		b.Fatalf("read %d", n)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf is the CPU time fn takes (every goroutine's, GC included), after
// a collection that settles what ran before.
//
// With LEADSYNC_BENCH_ALLOCPROFILE=FILE, FILE and FILE.before are the
// allocation profiles after and before the last measured part.
// With LEADSYNC_BENCH_CPUPROFILE=FILE, FILE is a CPU profile of the last
// measured part alone (setup and seeding left out).
func cpuOf(fn func()) time.Duration {
	runtime.GC()
	if path := os.Getenv("LEADSYNC_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if path := os.Getenv("LEADSYNC_BENCH_ALLOCPROFILE"); path != "" {
		// The allocations of fn alone: pprof -base FILE.before FILE.
		writeAllocs := func(name string) {
			if f, err := os.Create(name); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}
		runtime.GC()
		writeAllocs(path + ".before")
		defer func() { runtime.GC(); writeAllocs(path) }()
	}
	t0 := cpuTime()
	fn()
	return cpuTime() - t0
}

// reportCPURatio runs the bare read and the whole path side by side in
// each iteration and reports the median of their CPU ratios; its last
// line is the ratio and its goal.
func reportCPURatio(b *testing.B, what string, goal float64, bare, full func()) {
	var ratios []float64
	var bareT, fullT time.Duration
	for b.Loop() {
		bt := cpuOf(bare)
		ft := cpuOf(full)
		bareT += bt
		fullT += ft
		ratios = append(ratios, float64(ft)/float64(bt))
	}
	slices.Sort(ratios)
	med := ratios[len(ratios)/2]
	b.ReportMetric(float64(bareT.Milliseconds())/float64(len(ratios)), "bare-cpu-ms")
	b.ReportMetric(float64(fullT.Milliseconds())/float64(len(ratios)), "path-cpu-ms")
	b.ReportMetric(med, "cpu-ratio")
	b.Logf("%s CPU ratio (median of %d): %.2f (goal ≤ %.1f)", what, len(ratios), med, goal)
}

// BenchmarkCPURatioCSV is the CPU of CSV → export (phone and e-mail
// normalization, state outcomes) divided by the CPU of a bare
// encoding/csv read of the same file, measured side by side with
// getrusage in each iteration:
//
//	go test ./pipeline -run - -bench CPURatioCSV -benchtime 3x
func BenchmarkCPURatioCSV(b *testing.B) {
	rows := 100_000
	if r := benchRows(b); len(r) == 1 {
		rows = r[0]
	}
	path := benchFile(b, rows)
	reportCPURatio(b, "CSV → export ÷ bare encoding/csv read", 8,
		func() { bareCSVRead(b, path, rows) },
		func() { runCSVExport(b, path, rows) })
}

// BenchmarkCPURatioXLSX is BenchmarkCPURatioCSV for XLSX → export against
// a bare excelize row read:
//
//	go test ./pipeline -run - -bench CPURatioXLSX -benchtime 3x
func BenchmarkCPURatioXLSX(b *testing.B) {
	const rows = 100_000
	path := benchXLSX(b, rows)
	reportCPURatio(b, "XLSX → export ÷ bare excelize read", 1.3,
		func() { bareExcelizeRead(b, path, rows) },
		func() { runXLSXExport(b, path, rows) })
}

// seedSink stands in for a vendor while a benchmark fills state: it
// finds nothing and creates at once, under the scope of the sink the
// benchmark then runs against.
type seedSink struct {
	sinks.Sink
	mu   sync.Mutex
	next int
}

func (s *seedSink) Find(context.Context, sinks.Query) ([]sinks.Record, error) { return nil, nil }
func (s *seedSink) Create(context.Context, sinks.Fields) (sinks.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return sinks.Record{ID: strconv.Itoa(s.next)}, nil
}

// vendorBench is a vendor job's fixture for benchmarks: the bench file
// mapped to LeadDesk contacts, the emulator, its sink and a state file.
type vendorBench struct {
	path  string
	doc   *config.Doc
	obj   sinks.Object
	srv   *leaddesktest.Server
	sink  sinks.Sink
	store *state.Store
	// values is the runs' Policy.StateValues.
	values string
}

func newVendorBench(tb testing.TB, path string) *vendorBench {
	tb.Helper()
	doc, err := config.Parse("bench.yaml", []byte(benchMapping), nil)
	if err != nil {
		tb.Fatal(err)
	}
	obj, _ := leaddesk.Schema().Object("contact")
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	tb.Cleanup(srv.Close)
	sink, err := leaddesk.New(leaddesk.Config{URL: srv.URL, Object: "contact", APIKey: leaddesktest.TestAPIKey, Region: "FI", HTTP: srv.Client()})
	if err != nil {
		tb.Fatal(err)
	}
	// LEADSYNC_BENCH_STATE=FILE keeps the state file there, to inspect.
	statePath := filepath.Join(tb.TempDir(), "state.db")
	if p := os.Getenv("LEADSYNC_BENCH_STATE"); p != "" {
		statePath = p
		os.Remove(p)
	}
	st, err := state.Open(statePath)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return &vendorBench{path: path, doc: doc, obj: obj, srv: srv, sink: sink, store: st}
}

// sync runs the file through s in a fresh run of its own, finished done.
func (fx *vendorBench) sync(tb testing.TB, s sinks.Sink, check func(context.Context) error) SyncResult {
	tb.Helper()
	src, err := csvfile.Open(fx.path, csvfile.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	m, err := mapping.Compile(fx.doc, fx.doc.Root, fx.obj, mapping.Options{Header: src.Header(), SourceFile: "bench.csv", Region: "FI", Keys: []string{"phone", "email"}})
	if err != nil {
		tb.Fatal(err)
	}
	st := fx.store
	run, _, err := st.BeginRun(context.Background(), state.RunSpec{Job: "bench", Fingerprint: "f", ConfigHash: "c", Fresh: true})
	if err != nil {
		tb.Fatal(err)
	}
	w := st.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{Source: src, Mapping: m, Sink: s, Store: st, State: w, RunID: run.ID,
		Region: "FI", Concurrency: 4, Check: check, Policy: Policy{StateValues: fx.values}})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := st.FinishRun(context.Background(), run.ID, state.RunDone, nil, ""); err != nil {
		tb.Fatal(err)
	}
	return res
}

// BenchmarkUnchangedRerun: state knows every row of a 100,000-row file
// as synced to LeadDesk with this very content; a re-run against the
// LeadDesk emulator must make no call at all (not even the credential
// check), and its rate is what change detection costs per row:
//
//	go test ./pipeline -run - -bench UnchangedRerun -benchtime 3x
//
// (LEADSYNC_BENCH_ROWS sets the row count.)
func BenchmarkUnchangedRerun(b *testing.B) {
	rows := 100_000
	if r := benchRows(b); len(r) == 1 {
		rows = r[0]
	}
	fx := newVendorBench(b, benchFile(b, rows))
	st, sink := fx.store, fx.sink
	sync := func(s sinks.Sink, check func(context.Context) error) SyncResult { return fx.sync(b, s, check) }
	seeded := sync(&seedSink{Sink: sink}, nil)
	if seeded.Actions[ActionCreate] != seeded.Entities {
		b.Fatalf("seeding created %d of %d entities", seeded.Actions[ActionCreate], seeded.Entities)
	}
	// The state file's size, checkpointed and vacuumed (gc keeping every
	// run prunes nothing): after the seeding run, and per unchanged run.
	stateSize := func() int64 {
		g, err := st.GC(context.Background(), 1<<30, true)
		if err != nil {
			b.Fatal(err)
		}
		return g.SizeAfter
	}
	seededSize := stateSize()
	var cpu time.Duration
	var mallocs uint64
	runs := 0
	for b.Loop() {
		runs++
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu += cpuOf(func() {
			defer runtime.ReadMemStats(&m1)
			res := sync(sink, func(context.Context) error { return errors.New("the credential check was made") })
			if res.Actions[ActionUnchanged] != res.Entities || res.Plan.Known != res.Entities {
				b.Fatalf("re-run: %v of %d entities", res.Actions, res.Entities)
			}
		})
		mallocs += m1.Mallocs - m0.Mallocs
	}
	if n := fx.srv.Core().Stats().TotalRequests(); n != 0 {
		b.Fatalf("the re-runs made %d calls", n)
	}
	b.ReportMetric(float64(mallocs)/float64(rows*runs), "allocs/row")
	rate := float64(rows) * float64(b.N) / b.Elapsed().Seconds()
	cpuRate := float64(rows) * float64(b.N) / cpu.Seconds()
	b.ReportMetric(0, "calls")
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(cpuRate, "rows/cpu-s")
	b.Logf("unchanged re-run of %d rows: %.0f rows/s (%.0f rows per CPU second), 0 calls (goal ≥ 150,000 rows/s)", rows, rate, cpuRate)
	perRun := float64(stateSize()-seededSize) / float64(runs)
	scale := 1e6 / float64(rows)
	b.ReportMetric(float64(seededSize)*scale/1e6, "state-MB/1M-rows")
	b.ReportMetric(perRun*scale/1e6, "MB/1M-rows/rerun")
	b.Logf("state after seeding %d rows: %d bytes = %.1f MB per 1 M vendor rows (goal ≤ 150 MB); each unchanged re-run adds %.1f MB per 1 M rows",
		rows, seededSize, float64(seededSize)*scale/1e6, perRun*scale/1e6)
}

// BenchmarkStateSize is the state a vendor job leaves after one run of
// the bench file (every row a record, the run's outcomes), checkpointed
// and vacuumed, per 1 M rows, for each state_values setting side by side:
//
//	go test ./pipeline -run - -bench StateSize -benchtime 1x
//
// (LEADSYNC_BENCH_ROWS sets the row count.)
func BenchmarkStateSize(b *testing.B) {
	rows := 100_000
	if r := benchRows(b); len(r) == 1 {
		rows = r[0]
	}
	path := benchFile(b, rows)
	scale := 1e6 / float64(rows)
	for b.Loop() {
		var line []string
		for _, values := range []string{ValuesAll, ValuesNone} {
			fx := newVendorBench(b, path)
			fx.values = values
			res := fx.sync(b, &seedSink{Sink: fx.sink}, nil)
			if res.Actions[ActionCreate] != res.Entities {
				b.Fatalf("seeding created %d of %d entities", res.Actions[ActionCreate], res.Entities)
			}
			g, err := fx.store.GC(context.Background(), 1<<30, true)
			if err != nil {
				b.Fatal(err)
			}
			mb := float64(g.SizeAfter) * scale / 1e6
			b.ReportMetric(mb, "MB/1M-rows-"+values)
			line = append(line, fmt.Sprintf("state_values %s: %.1f MB", values, mb))
		}
		b.Logf("state per 1 M vendor rows after one run of %d rows (goal ≤ 150 MB): %s", rows, strings.Join(line, ", "))
	}
}
