package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestVendorMemoryChild is BenchmarkVendorMemory's child process: one
// vendor run of LEADSYNC_MEMCHILD_ROWS rows, every entity created through
// the LeadDesk contact sink (its answers made in process, so the run is
// not bound by a budget), printing its peak RSS.
func TestVendorMemoryChild(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("LEADSYNC_MEMCHILD_ROWS"))
	if n == 0 {
		t.Skip("BenchmarkVendorMemory's child")
	}
	fx := newVendorBench(t, os.Getenv("LEADSYNC_MEMCHILD_FILE"))
	res := fx.sync(t, &seedSink{Sink: fx.sink}, nil)
	if res.Rows != n || res.Actions[ActionCreate] != res.Entities || res.Entities == 0 {
		t.Fatalf("rows %d of %d, created %d of %d entities", res.Rows, n, res.Actions[ActionCreate], res.Entities)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("child rows=%d entities=%d rss_mb=%.1f go_sys_mb=%.1f go_heap_sys_mb=%.1f\n", res.Rows, res.Entities, maxRSSMB(), float64(ms.Sys)/1e6, float64(ms.HeapSys)/1e6)
}

// BenchmarkVendorMemory: the vendor path's peak RSS against the row
// count, each size in a process of its own (peak RSS is a process's):
//
//	go test ./pipeline -run - -bench VendorMemory -benchtime 1x
//
// LEADSYNC_BENCH_ROWS=100000,1000000,10000000 sets the sizes (default
// 100,000 and 1,000,000). Its last line is the largest size's peak over
// the smallest's: flat memory is a ratio near 1.
func BenchmarkVendorMemory(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if s := os.Getenv("LEADSYNC_BENCH_ROWS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("LEADSYNC_BENCH_ROWS: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	var rss []float64
	for b.Loop() {
		rss = rss[:0]
		for _, n := range sizes {
			path := benchFile(b, n)
			cmd := exec.Command(os.Args[0], "-test.run=^TestVendorMemoryChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("LEADSYNC_MEMCHILD_ROWS=%d", n), "LEADSYNC_MEMCHILD_FILE="+path)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				b.Fatalf("%d rows: %v\n%s", n, err, out.String())
			}
			var rows, ents int
			var mb float64
			i := strings.Index(out.String(), "child rows=")
			if i < 0 {
				b.Fatalf("%d rows: no figure\n%s", n, out.String())
			}
			fmt.Sscanf(out.String()[i:], "child rows=%d entities=%d rss_mb=%f", &rows, &ents, &mb)
			b.Logf("vendor path, %d rows (%d entities): peak RSS %.1f MB", rows, ents, mb)
			rss = append(rss, mb)
		}
	}
	for i, n := range sizes {
		b.ReportMetric(rss[i], fmt.Sprintf("MB@%d", n))
	}
	b.Logf("peak RSS at %d rows ÷ at %d rows: %.2f (goal ≤ 200 MB, flat)", sizes[len(sizes)-1], sizes[0], rss[len(rss)-1]/rss[0])
}
