package pipeline

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"
)

func TestZZProfResume(t *testing.T) {
	if os.Getenv("ZZPROF") == "" {
		t.Skip()
	}
	n := 1000000
	dir := t.TempDir()
	exportRun(t, dir, "csv", n, n*9/10)
	f, _ := os.Create(os.Getenv("ZZPROF"))
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	exportRun(t, dir, "csv", n, 0)
	pprof.StopCPUProfile()
	t.Logf("resume %v", time.Since(t0))
}
