package budget

import (
	"syscall"
	"time"
)

// preciseSleep sleeps d with nanosleep(2): the kernel's high-resolution
// timer (50 µs of slack), not the runtime's millisecond poller. It
// blocks one thread for at most timerSlack.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
