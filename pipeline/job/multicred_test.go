package job

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/pipeline"
)

// The forecast and the ETA of a sink with two credentials count both
// connections: the combined rate halves the time, the calls add up.
func TestTwoCredentialsETA(t *testing.T) {
	a, b := budget.New(100, time.Minute, 0, nil), budget.New(100, time.Minute, 0, nil)
	both := budget.Sum(a, b)
	p := &pipeline.Progress{Started: time.Now()}
	p.Planned.Store(1000)
	p.Total.Store(500)
	one, _ := eta(p, a)
	two, _ := eta(p, both)
	if two != one/2 {
		t.Errorf("ETA with two credentials %s, with one %s", two, one)
	}
	if d1, d2 := a.Duration(1000), both.Duration(1000); d2 >= d1*6/10 {
		t.Errorf("forecast with two credentials %s, with one %s", d2, d1)
	}
	for _, x := range []*budget.Budget{a, b, b} {
		done, err := x.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	f := readFigures(p, both, &rateWindow{span: time.Second}, time.Now())
	if f.calls != 3 {
		t.Errorf("progress counts %d calls of 3", f.calls)
	}
}
