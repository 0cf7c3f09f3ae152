package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// redisForTest starts a redis-server on a free loopback port. Without one
// installed the test is skipped, unless LEADSYNC_REQUIRE_REDIS is set (CI).
func redisForTest(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("LEADSYNC_REQUIRE_REDIS") != "" {
			t.Fatal("redis-server is not installed (LEADSYNC_REQUIRE_REDIS is set)")
		}
		t.Skip("redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
}

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
	addr := redisForTest(t)
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
	for _, c := range srv.Contacts() {
		byPhone[c.Phone]++
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
	if most := srv.Core().MaxInWindow(leaddesktest.TestAPIKey); most > 100 {
		t.Errorf("4 shards on one Redis budget: %d requests in one window, limit 100", most)
	}
	if st := srv.Core().Stats(); st.Faults[emulator.FaultDropAfterWrite] == 0 {
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
