package main

import (
	"encoding/json"
	"fmt"
	"github.com/leadsync/leadsync/budget/redistest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// TestShardsOnOneRedisBudget: one job in 4 shards, 4 processes at once on
// one LeadDesk credential whose budget is shared through Redis, with
// dropped write answers: every person ends at the vendor exactly once
// (in-file duplicates in other spellings included), the vendor never sees
// more than its limit in a window, and merge-shards adds the shards up to
// the file.
func TestShardsOnOneRedisBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four binaries")
	}
	addr := redistest.Start(t)
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.002, Faults: emulator.Faults{Seed: 9, DropAfterWrite: 0.1}})
	defer srv.Close()
	dir := t.TempDir()
	const n = 400
	writeFile(t, dir, "leads.csv", people(n))
	job := writeFile(t, dir, "job.yaml", strings.Replace(leaddeskJob, "budget: {calls: 100, per: 60ms}",
		"budget: {calls: 100, per: 120ms, shared: \"redis://"+addr+"/0\"}", 1))
	bin := sharedBinary(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "8", "--shard", fmt.Sprintf("%d/4", i), job)
			cmd.Dir = dir
			cmd.Env = append(cmd.Environ(), "LD_URL="+srv.URL, "LD_KEY="+leaddesktest.TestAPIKey)
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != ExitOK && code != ExitRejected {
				t.Errorf("shard %d: exit %d (%v)\n%s", i, code, err, out)
			}
		}()
	}
	wg.Wait()
	byPhone := map[string]int{}
	contacts := srv.Contacts()
	for _, c := range contacts {
		byPhone[c.Phone]++
	}
	dups := 0
	for _, k := range byPhone {
		dups += max(k-1, 0)
	}
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+35840%03d%04d", 100+i/10000, i%10000)
		want := 1
		if i == 7 {
			want = 0 // refused by the vendor (an unknown agent)
		}
		if byPhone[phone] != want {
			t.Errorf("person %d: %d contacts across the shards, want %d", i, byPhone[phone], want)
		}
	}
	most := srv.Core().MaxInWindow(leaddesktest.TestAPIKey)
	if most > 100 {
		t.Errorf("4 shards on one Redis budget: %d requests in one window, limit 100", most)
	}
	st := srv.Core().Stats()
	t.Logf("4 shards on one Redis budget, one credential: %d requests, at most %d in a window (limit 100), %d contacts, %d duplicates",
		st.TotalRequests(), most, len(contacts), dups)
	if st.Faults[emulator.FaultDropAfterWrite] == 0 {
		t.Error("no write answer was dropped: the test proves less than it says")
	}
	var sums []string
	for i := range 4 {
		p := filepath.Join(dir, ".leadsync", fmt.Sprintf("state.shard-%d-of-4.runs", i), "1", "summary.json")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		sums = append(sums, p)
	}
	r := runApp(t, nil, append([]string{"merge-shards", "--json"}, sums...)...)
	var merged struct {
		Rows     int `json:"rows"`
		Entities int `json:"entities"`
		Shards   int `json:"shards"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &merged); err != nil {
		t.Fatalf("merge-shards: %v\n%s%s", err, r.stdout, r.stderr)
	}
	// Each person is one shard's entity: the shards' entities add up to the file's people.
	if merged.Shards != 4 || merged.Rows != n+n/10+1 || merged.Entities != n {
		t.Errorf("merge-shards: %+v", merged)
	}
}
