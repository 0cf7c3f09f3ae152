package main

import (
	"fmt"
	"os"
	"testing"
	"text/tabwriter"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// BenchmarkContract prints, per vendor object, the calls per entity of a
// new, a changed and an unchanged run, the calls each lost answer costs
// to recover, and the invocations the worst file needs under the faults
// (the contract: 1). The last line is the summary.
//
//	go test ./cmd/leadsync -run - -bench Contract -benchtime 1x
//
// LEADSYNC_CONTRACT_BENCH_PEOPLE sets the entities per run (default 200).
func BenchmarkContract(b *testing.B) {
	n := envInt("LEADSYNC_CONTRACT_BENCH_PEOPLE", 200)
	type row struct {
		name                               string
		newC, changed, unchanged, recovery string
		invocations                        int
		done                               bool
		wrong                              int // records not as expected after the invocations
		uncertain                          int // uncertain rows of the last invocation
	}
	var rows []row
	for i := 0; i < b.N; i++ {
		rows = rows[:0]
		for ci, c := range contractCases() {
			rw := row{name: c.name, changed: "n/a"}
			perEntity := func(calls, entities int) string {
				if entities == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2f", float64(calls)/float64(entities))
			}

			// New, then unchanged, then changed, on a clean emulator.
			r := prepareContract(b, c, genOpts{n: n}, contractRateA, emulator.Faults{})
			calls := func() int { return r.emu.core.Stats().TotalRequests() }
			c0 := calls()
			r.run(b)
			newCalls := calls() - c0
			sum, _ := r.lastSummary(b)
			entities := sum.Entities
			if entities == 0 {
				entities = n
			}
			rw.newC = perEntity(newCalls, entities)
			c0 = calls()
			r.run(b)
			rw.unchanged = perEntity(calls()-c0, entities)
			if !c.event {
				changed := c.gen(genOpts{n: n, variant: 1})
				changed.tidy = true
				writeFile(b, r.dir, "people.csv", changed.file())
				c0 = calls()
				r.run(b)
				rw.changed = perEntity(calls()-c0, entities)
				if v := checkRecords(r.emu.records(), changed.want, r.before); !v.ok() {
					rw.changed += fmt.Sprintf(" (%d not applied)", v.missing+v.dup+v.incomplete+v.extra)
				}
			}
			r.emu.close()

			// Lost answers: the same new file with 10% of write answers
			// lost; the extra calls per lost answer.
			r = prepareContract(b, c, genOpts{n: n}, contractRateA, emulator.Faults{Seed: int64(300 + ci), DropAfterWrite: 0.10})
			c0 = r.emu.core.Stats().TotalRequests()
			r.run(b)
			st := r.emu.core.Stats()
			if drops := st.Faults[emulator.FaultDropAfterWrite]; drops > 0 {
				rw.recovery = fmt.Sprintf("%.2f", float64(st.TotalRequests()-c0-newCalls)/float64(drops))
			} else {
				rw.recovery = "-"
			}
			r.emu.close()

			// Invocations: the worst file under every fault until a run
			// ends with nothing failed (at most 5). Uncertain rows (lost
			// answers of writes the vendor cannot be asked about) are
			// counted, not retried.
			r = prepareContract(b, c, genOpts{n: n, worst: true}, contractRateA, contractFaults(int64(400+ci)))
			for rw.invocations < 5 {
				res := r.run(b)
				rw.invocations++
				s, _ := r.lastSummary(b)
				rw.uncertain = s.Uncertain
				if (res.code == ExitOK || res.code == ExitRejected) && s.Failed == 0 {
					rw.done = true
					break
				}
			}
			// Records missing or incomplete are wrong unless the run lists
			// as many uncertain entities (answers lost where the vendor
			// cannot be asked: reported, never resent).
			_, runID := r.lastSummary(b)
			u := r.uncertainEntities(b, runID)
			if v := checkRecords(r.emu.records(), r.data.want, r.before); !v.okWithUncertain(u) {
				rw.wrong = v.dup + v.extra + max(0, v.missing+v.incomplete-u)
			}
			r.emu.close()
			rows = append(rows, rw)
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "object\tnew\tchanged\tunchanged\tlost-answer recovery\tinvocations under faults\t\n")
	one := 0
	for _, rw := range rows {
		inv := fmt.Sprint(rw.invocations)
		if !rw.done {
			inv = fmt.Sprintf(">%d", rw.invocations)
		}
		if rw.uncertain > 0 {
			inv += fmt.Sprintf(", %d uncertain", rw.uncertain)
		}
		if rw.wrong > 0 {
			inv += fmt.Sprintf(", %d records wrong", rw.wrong)
		}
		if rw.done && rw.invocations == 1 && rw.wrong == 0 {
			one++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t\n", rw.name, rw.newC, rw.changed, rw.unchanged, rw.recovery, inv)
	}
	w.Flush()
	fmt.Printf("calls per entity, %d entities per run; recovery: extra calls per lost answer (10%% of write answers lost)\n", n)
	fmt.Printf("summary: %d/%d objects done, with the expected records, in one invocation under faults (ratio %.2f)\n", one, len(rows), float64(one)/float64(len(rows)))
}
