package job

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/pipeline"
)

// After spurious 429s the calls made can pass the forecast while work
// remains; the ETA then must not read 0 s, and a pause adds its rest.
func TestETANeverZeroWhileWorkRemains(t *testing.T) {
	b := budget.New(100, time.Minute, 0, nil)
	p := &pipeline.Progress{Started: time.Now()}
	p.Planned.Store(3)
	p.Total.Store(10)
	p.Written.Store(4)
	p.Done.Store(4)
	for i := 0; i < 5; i++ { // more calls than forecast (429 resends)
		done, err := b.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	d, ok := eta(p, b)
	if !ok || d <= 0 {
		t.Fatalf("ETA %v (%v) with 6 of 10 entities left", d, ok)
	}
	b.Pause(12 * time.Second)
	d, _ = eta(p, b)
	if d < 11*time.Second {
		t.Fatalf("ETA %v during a 12 s pause", d)
	}
	w := &rateWindow{span: 10 * time.Second}
	f := readFigures(p, b, w, time.Now())
	if s := f.describe(); !strings.Contains(s, "paused by the vendor (429), resuming in 12 s") || !strings.Contains(s, "written 4, rejected 0") {
		t.Fatalf("describe: %q", s)
	}
	p.Written.Store(10)
	p.Done.Store(10)
	if d, _ := eta(p, b); d < 11*time.Second {
		t.Fatalf("done, but paused: ETA %v", d)
	}
}

// rows/s is over the recent window, not the whole run.
func TestRateWindow(t *testing.T) {
	w := &rateWindow{span: 10 * time.Second}
	t0 := time.Unix(0, 0)
	w.add(t0, 0)
	w.add(t0.Add(10*time.Second), 1000) // a fast start
	for i := 11; i <= 30; i++ {
		w.add(t0.Add(time.Duration(i)*time.Second), 1000+int64(i-10))
	}
	if r := w.add(t0.Add(31*time.Second), 1021); r < 0.5 || r > 1.5 {
		t.Fatalf("recent rate %.2f rows/s, want ~1", r)
	}
}

// Where stderr is no terminal (cron, CI), the bar's figures are log
// lines: entities done of the total, written and rejected rows, calls of
// the forecast, rows/s, the budget's ETA and a vendor pause.
func TestProgressLogLines(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	b := budget.New(100, time.Minute, 0, nil)
	done, err := b.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	done()
	b.Pause(12 * time.Second)
	p := &pipeline.Progress{Started: time.Now()}
	p.Total.Store(10)
	p.Done.Store(4)
	p.Written.Store(5)
	p.Rejected.Store(1)
	p.Planned.Store(20)
	stop := startProgress(&buf, logger, p, false, b, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	stop()
	out := buf.String()
	for _, want := range []string{"done=4", "total=10", "written=5", "rejected=1", "calls=1", "forecast_calls=20", "rows_per_second=",
		`paused="paused by the vendor (429), resuming in 12 s"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in the log lines:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`eta=(1[2-9]|[2-9]\d)s`).MatchString(out) {
		t.Errorf("ETA not the budget's (19 calls at 100/min, plus the 12 s pause):\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
