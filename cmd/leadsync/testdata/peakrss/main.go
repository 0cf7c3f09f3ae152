// Command peakrss runs a command and writes its own peak RSS to a file; the
// leadsync tests build it to measure the binary (see peakCommand). It is a
// program of its own, and small, because at exec Linux carries the parent's
// high-water RSS into the child's maxrss: a child of peakrss inherits only
// peakrss's few MB.
//
// Usage: peakrss REPORT COMMAND [ARG...]
//
// It passes stdin, stdout, stderr and the directory through, writes
// COMMAND's Maxrss in bytes to REPORT and exits with COMMAND's exit code
// (128+signal if it was killed, as shells do).
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss REPORT COMMAND [ARG...]")
		os.Exit(125)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

func run(report string, argv []string) int {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		return 125
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak := strconv.FormatInt(int64(ru.Maxrss)<<10, 10) // KiB on Linux
		if err := os.WriteFile(report, []byte(peak), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "peakrss:", err)
			return 125
		}
	}
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return c.ProcessState.ExitCode()
}
