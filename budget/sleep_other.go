//go:build !linux

package budget

import "time"

// preciseSleep is time.Sleep where no finer sleep is wired in.
func preciseSleep(d time.Duration) { time.Sleep(d) }
