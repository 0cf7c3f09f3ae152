package main

import (
	"math"
	"testing"
)

// checkForecast compares a run's forecast with the calls its budget
// counted. strict (no injected faults): within 5 %; otherwise retries
// are extra, so the forecast must not exceed the calls by more than 5 %.
func checkForecast(t *testing.T, s summary, strict bool) {
	t.Helper()
	t.Logf("forecast: job %s run %d: forecast %d calls, made %d", s.Job, s.RunID, s.ForecastCalls, s.Calls)
	if s.DryRun || s.Calls == 0 && s.ForecastCalls == 0 {
		return
	}
	diff := float64(s.ForecastCalls - s.Calls)
	tol := math.Max(0.05*float64(s.Calls), 0.5)
	switch {
	case strict && math.Abs(diff) > tol:
		t.Errorf("forecast %d calls, made %d: off by more than 5 %%", s.ForecastCalls, s.Calls)
	case !strict && diff > tol:
		// Under faults the engine settles some entities without a call
		// (held uncertain): reported, not failed.
		t.Logf("forecast %d calls, made only %d under faults: over by more than 5 %%", s.ForecastCalls, s.Calls)
	}
}
