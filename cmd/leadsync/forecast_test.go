package main

import (
	"testing"
)

// checkForecast compares a run's forecast with the calls its budget
// counted: the forecast revised during the run is within 5 % (1 call in
// a tiny job); strict (no injected faults), the forecast shown at the end
// of planning is too.
func checkForecast(t *testing.T, s summary, strict bool) {
	t.Helper()
	t.Logf("forecast: job %s run %d: planned %d calls, revised %d, made %d", s.Job, s.RunID, s.PlannedCalls, s.ForecastCalls, s.Calls)
	if s.DryRun || s.Calls == 0 && s.ForecastCalls == 0 {
		return
	}
	if forecastOff(s.ForecastCalls, s.Calls) {
		t.Errorf("forecast %d calls, made %d: off by more than 5 %%", s.ForecastCalls, s.Calls)
	}
	if strict && forecastOff(s.PlannedCalls, s.Calls) {
		t.Errorf("planned %d calls, made %d: off by more than 5 %%", s.PlannedCalls, s.Calls)
	}
}
