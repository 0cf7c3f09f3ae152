package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// A command's own peak RSS. Go starts children with vfork semantics, and at
// exec Linux carries the parent's high-water RSS into the child's maxrss, so
// the Maxrss of a child of the (large) test process is max(test process,
// child). A trampoline fixes that: a tiny program (testdata/peakrss, built
// once per test process) runs the real command, waits for it and writes the
// command's Maxrss to a file; the command inherits only the trampoline's
// few MB. (The test binary itself is no good as the trampoline: its own
// RSS at start is over 30 MB.)

var (
	peakOnce sync.Once
	peakDir  string
	peakBin  string
	peakErr  error
)

// peakTrampoline builds testdata/peakrss once per test process.
func peakTrampoline(t testing.TB) string {
	t.Helper()
	peakOnce.Do(func() {
		peakDir, peakErr = os.MkdirTemp("", "leadsync-peakrss-")
		if peakErr != nil {
			return
		}
		bin := filepath.Join(peakDir, "peakrss")
		if out, err := exec.Command("go", "build", "-o", bin, "./testdata/peakrss").CombinedOutput(); err != nil {
			peakErr = fmt.Errorf("%v\n%s", err, out)
			return
		}
		peakBin = bin
	})
	if peakErr != nil {
		t.Fatal(peakErr)
	}
	return peakBin
}

// peakCommand returns a command that runs argv through the trampoline, and
// a function that, after the command ran, returns argv's own peak RSS in
// bytes (ok is false when it is unknown, e.g. the trampoline was killed).
// On cancellation the whole process group is killed, so argv dies with the
// trampoline.
func peakCommand(ctx context.Context, t testing.TB, argv ...string) (*exec.Cmd, func() (int64, bool)) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "peakrss")
	c := exec.CommandContext(ctx, peakTrampoline(t), append([]string{report}, argv...)...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	return c, func() (int64, bool) {
		b, err := os.ReadFile(report)
		if err != nil {
			return 0, false
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return n, err == nil
	}
}

// TestPeakCommandOwnRSS holds 300 MB in the test process and measures
// /bin/true: run directly its Maxrss includes the 300 MB, through the
// trampoline it must not.
func TestPeakCommandOwnRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the inherited high-water RSS is Linux behaviour")
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true command")
	}
	const ballastSize = 300 << 20
	ballast := make([]byte, ballastSize)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	defer debug.FreeOSMemory()

	direct := exec.Command(truePath)
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	directPeak := int64(direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10

	c, peak := peakCommand(context.Background(), t, truePath)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	own, ok := peak()
	runtime.KeepAlive(ballast)
	if !ok {
		t.Fatal("trampoline wrote no peak")
	}
	t.Logf("true: direct Maxrss %d MB, own peak via trampoline %d MB", directPeak>>20, own>>20)
	if directPeak < ballastSize {
		t.Errorf("direct Maxrss %d MB: the test process's 300 MB were expected in it; the premise of this test no longer holds", directPeak>>20)
	}
	if own > 20<<20 {
		t.Errorf("own peak via trampoline %d MB, want < 20 MB: the test process's RSS leaks into the figure", own>>20)
	}
}

// TestPeakCommandExitCode checks the trampoline passes the exit code,
// output and directory through.
func TestPeakCommandExitCode(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	c, peak := peakCommand(context.Background(), t, sh, "-c", "pwd; echo err >&2; exit 7")
	c.Dir = dir
	out, err := c.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("err %v, want exit 7\n%s", err, out)
	}
	want, _ := filepath.EvalSymlinks(dir)
	if got := string(out); !strings.Contains(got, want+"\n") || !strings.Contains(got, "err\n") {
		t.Errorf("output %q, want the directory and stderr", got)
	}
	if _, ok := peak(); !ok {
		t.Error("no peak")
	}
}
