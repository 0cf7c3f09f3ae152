package main

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// forecastRow is one line of the forecast table.
type forecastRow struct {
	object, run      string
	forecast, calls  int
	planned          int // the forecast shown at the end of planning
	entities, status string
}

// forecastOff reports whether forecast is off by more than 5 % of calls
// (or by more than 1 call in a tiny job).
func forecastOff(forecast, calls int) bool {
	d := math.Abs(float64(forecast - calls))
	return d > math.Max(0.05*float64(calls), 1)
}

// TestContractForecast: every object's end-to-end job (the contract's
// worst file), run without faults, re-run unchanged, and run under the
// contract's faults: the forecast is within 5 % of the calls the budget
// counted (1 call for tiny jobs). Without faults the forecast shown at
// the end of planning is; under faults the forecast revised during the
// run from the retries observed is, and the planned one is logged.
//
//	go test ./cmd/leadsync -run ContractForecast -v
func TestContractForecast(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against every emulator")
	}
	n := envInt("LEADSYNC_CONTRACT_PEOPLE", 120)
	var rows []forecastRow
	for ci, c := range contractCases() {
		t.Run(strings.ReplaceAll(c.name, "/", "_"), func(t *testing.T) {
			check := func(r *contractRun, run string, strict bool) {
				t.Helper()
				before := len(r.emu.core.Calls())
				res := r.run(t)
				s, _ := r.lastSummary(t)
				ops := map[string]int{}
				for _, call := range r.emu.core.Calls()[before:] {
					op := call.Op
					if call.Fault != "" {
						op += "[" + call.Fault + "]"
					}
					ops[op]++
				}
				if os.Getenv("LS_DEBUG") != "" {
					t.Logf("stderr: %s", res.stderr)
				}
				t.Logf("%s: forecast %d (planned %d), calls %d, entities %d, actions %v; emulator ops %v", run, s.ForecastCalls, s.PlannedCalls, s.Calls, s.Entities, s.Actions, ops)
				rows = append(rows, forecastRow{object: c.name, run: run, forecast: s.ForecastCalls, planned: s.PlannedCalls, calls: s.Calls,
					entities: fmt.Sprint(s.Entities), status: s.Status})
				if s.Calls == 0 && s.ForecastCalls == 0 {
					return
				}
				if forecastOff(s.ForecastCalls, s.Calls) {
					t.Errorf("%s: forecast %d calls, made %d (exit %d, %s)", run, s.ForecastCalls, s.Calls, res.code, s.Status)
				}
				if strict && forecastOff(s.PlannedCalls, s.Calls) {
					t.Errorf("%s: planned %d calls, made %d (exit %d, %s)", run, s.PlannedCalls, s.Calls, res.code, s.Status)
				}
			}
			clean := prepareContract(t, c, genOpts{n: n, worst: true}, contractRateA, emulator.Faults{})
			defer clean.emu.close()
			check(clean, "no faults", true)
			check(clean, "re-run", true)
			faulty := prepareContract(t, c, genOpts{n: n, worst: true}, contractRateA, contractFaults(int64(100+ci)))
			defer faulty.emu.close()
			check(faulty, "faults", false)
			check(faulty, "faults re-run", false)
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %-14s %8s %7s %8s %7s %6s\n", "object", "run", "planned", "off", "revised", "off", "calls")
	off := func(f, calls int) float64 {
		if calls == 0 {
			return 0
		}
		return 100 * float64(f-calls) / float64(calls)
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "%-24s %-14s %8d %6.1f%% %8d %6.1f%% %6d\n", r.object, r.run, r.planned, off(r.planned, r.calls), r.forecast, off(r.forecast, r.calls), r.calls)
	}
	t.Logf("forecast vs actual calls:\n%s", b.String())
}
