package budget

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkCycle isolates the budget from HTTP and the pipeline: 16
// workers make 3,000 calls through a budget of 100 per 120 ms (its
// margin as a job's: 1 ms), each call an instant answer from a vendor
// that notes its arrival. It reports wall ÷ (calls ÷ rate) and how long
// each place in the window takes to come round beyond the window (the
// median of arrival i+100 - arrival i - 120 ms): margin plus wake-up.
// Each iteration runs four budgets side by side: sleeping on the
// runtime's timer alone (timer) or with the precise last stretch (real
// clock), each without and with the file ledger (every call then locks,
// reads and rewrites it). The last lines are the medians.
//
//	go test ./budget -run - -bench Cycle -benchtime 3x
func BenchmarkCycle(b *testing.B) {
	type variant struct {
		name   string
		clock  Clock
		shared bool
	}
	vs := []variant{{"timer", timerClock{}, false}, {"precise", nil, false}, {"timer+ledger", timerClock{}, true}, {"precise+ledger", nil, true}}
	ratios := make([][]float64, len(vs))
	cycles := make([][]float64, len(vs))
	for b.Loop() {
		for i, v := range vs {
			r, c := benchCycle(b, v.clock, v.shared)
			ratios[i] = append(ratios[i], r)
			cycles[i] = append(cycles[i], c)
		}
	}
	for i, v := range vs {
		r, c := median(ratios[i]), median(cycles[i])
		b.ReportMetric(r, v.name+"-wall/ideal")
		fmt.Printf("%-15s wall ÷ (calls ÷ rate) %.3f, each place %.2f ms beyond the window (medians of %d)\n", v.name, r, c, len(ratios[i]))
	}
}

// timerClock is the real clock under another type: the budget sleeps on
// the runtime's timer alone, as before the precise sleep.
type timerClock struct{}

func (timerClock) Now() time.Time                         { return time.Now() }
func (timerClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchCycle runs one budget and returns wall ÷ (calls ÷ rate) and the
// median ms each place took beyond the window.
func benchCycle(b *testing.B, clock Clock, shared bool) (ratio, cycleMS float64) {
	const limit, calls, workers = 100, 3000, 16
	const window = 120 * time.Millisecond
	bud := New(limit, window, time.Millisecond, clock)
	if shared {
		l, err := OpenFileLedger(b.TempDir(), "bench")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		bud.Share(l)
	}
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	jobs := make(chan struct{}, calls)
	for range calls {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				done, err := bud.Wait(context.Background())
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				done()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.SortFunc(at, time.Time.Compare)
	gaps := make([]time.Duration, 0, len(at)-limit)
	for i := limit; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-limit])-window)
	}
	slices.Sort(gaps)
	ideal := time.Duration(float64(calls) / limit * float64(window))
	return wall.Seconds() / ideal.Seconds(), float64(gaps[len(gaps)/2]) / 1e6
}
