package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

const migrationJob = `name: liondesk-to-tiledesk
source:
  type: liondesk
  url: ${SRC_URL}
  token: ${SRC_TOKEN}
  budget: {calls: 20, per: 50ms}
sink:
  vendor: tiledesk
  object: lead
  url: ${DST_URL}
  project: ${DST_PROJECT}
  token: ${DST_TOKEN}
  budget: {calls: 40, per: 50ms}
region: US
match: {keys: [email]}
mapping: preset:liondesk-contact-to-tiledesk-lead
`

// seedContacts builds n LionDesk people; every 10th is in LionDesk twice
// (another contact, another phone spelling); phones come in three styles.
func seedContacts(n int) (string, int) {
	var cs []map[string]any
	for i := 0; i < n; i++ {
		phones := []string{fmt.Sprintf("(415) 555-%04d", i), fmt.Sprintf("415.555.%04d", i), fmt.Sprintf("+1 415 555 %04d", i)}
		c := map[string]any{"owner_user_id": liondesktest.TestUserID, "first_name": fmt.Sprint("First", i), "last_name": fmt.Sprint("Last", i),
			"email": fmt.Sprintf("person%d@example.com", i), "mobile_phone": phones[i%3], "company": fmt.Sprint("Co ", i%50)}
		cs = append(cs, c)
		if i%10 == 0 {
			dup := map[string]any{}
			for k, v := range c {
				dup[k] = v
			}
			dup["mobile_phone"] = phones[(i+1)%3]
			dup["company"] = "Later Co"
			cs = append(cs, dup)
		}
	}
	b, _ := json.Marshal(map[string]any{"contacts": cs})
	return string(b), len(cs)
}

// A one-off migration: 2,000 LionDesk people (2,200 contacts: in-source
// duplicates, messy phones) into Tiledesk, killed twice mid-way and
// resumed, then reconciled: nothing missing, nothing doubled, and each
// side's calls within that side's budget.
func TestMigrationLionDeskToTiledesk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	src := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.05, Limit: &emulator.Limit{Calls: 20, Per: time.Second}})
	defer src.Close()
	dst := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.05, Limit: &emulator.Limit{Calls: 40, Per: time.Second}})
	defer dst.Close()
	const n = 2000
	seed, contacts := seedContacts(n)
	if err := src.Seed([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", migrationJob)
	env := append(os.Environ(), "SRC_URL="+src.URL, "SRC_TOKEN="+liondesktest.TestToken,
		"DST_URL="+dst.URL+"/v3", "DST_PROJECT="+tiledesktest.TestProjectID, "DST_TOKEN="+tiledesktest.TestToken)

	kills := 0
	for _, at := range []time.Duration{700 * time.Millisecond, 1500 * time.Millisecond} {
		cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "8", job)
		cmd.Env = env
		cmd.Start()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
			t.Logf("run finished before the kill at %v", at)
		case <-time.After(at):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
	}
	cmd := exec.Command(bin, "run", "--quiet", job)
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "done") {
		t.Fatalf("final run:\n%s", out)
	}
	if kills < 2 {
		t.Fatalf("only %d kills landed", kills)
	}
	byEmail := map[string]int{}
	for _, l := range dst.Leads() {
		if !l.Deleted() {
			byEmail[l.Email]++
		}
	}
	missing, dup := 0, 0
	for i := 0; i < n; i++ {
		switch byEmail[fmt.Sprintf("person%d@example.com", i)] {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
	}
	if missing != 0 || dup != 0 || len(byEmail) != n {
		t.Fatalf("after %d kills: %d missing, %d doubled, %d distinct emails", kills, missing, dup, len(byEmail))
	}
	// The source was paged once: resumed runs replayed staged pages.
	srcStats, dstStats := src.Core().Stats(), dst.Core().Stats()
	pages := (contacts + 99) / 100
	if got := srcStats.Requests["contact.find"]; got > pages+2*kills {
		t.Errorf("source pages read %d times for %d pages: resumed runs re-read from page one", got, pages)
	}
	// Each side stayed within its budget: the most calls any credential
	// made in any window of the vendor's length.
	for side, st := range map[string]struct {
		stats emulator.Stats
		limit int
	}{"source": {srcStats, 20}, "target": {dstStats, 40}} {
		if len(st.stats.MaxInWindow) == 0 {
			t.Fatalf("%s: no window figures", side)
		}
		for cred, m := range st.stats.MaxInWindow {
			t.Logf("%s %s: at most %d calls in a window (budget %d)", side, cred, m, st.limit)
			if m > st.limit {
				t.Errorf("%s saw %d calls in one window, budget %d", side, m, st.limit)
			}
		}
	}
	t.Logf("source: %d requests, %d 429s; target: %d requests, %d writes, %d 429s", srcStats.TotalRequests(), srcStats.RateLimited, dstStats.TotalRequests(), dstStats.TotalWrites(), dstStats.RateLimited)

	r := exec.Command(bin, "reconcile", job)
	r.Env = env
	rout, err := r.CombinedOutput()
	if err != nil || !strings.Contains(string(rout), "missing     0") || !strings.Contains(string(rout), "duplicated  0") {
		t.Fatalf("reconcile: %v\n%s", err, rout)
	}
	if !strings.Contains(string(rout), fmt.Sprintf("%d entities", n)) || !strings.Contains(string(rout), fmt.Sprintf("target    %d records", n)) {
		t.Fatalf("reconcile counts:\n%s", rout)
	}
	t.Logf("reconcile:\n%s", rout)
}

// inspect on a job whose source is a vendor's API shows its fields, a
// sample of records, and a mapping suggestion for the job's sink.
func TestInspectVendorSource(t *testing.T) {
	src := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.05})
	defer src.Close()
	seed, _ := seedContacts(3)
	src.Seed([]byte(seed))
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", migrationJob)
	env := map[string]string{"SRC_URL": src.URL, "SRC_TOKEN": liondesktest.TestToken, "DST_URL": "http://127.0.0.1:1", "DST_PROJECT": tiledesktest.TestProjectID, "DST_TOKEN": "x"}
	r := runApp(t, env, "inspect", "--for", "tiledesk/lead", job)
	for _, want := range []string{"source     liondesk", "first_name", `"First0"`, "(415) 555-0000", "suggested mapping for tiledesk/lead", "email: {column: \"email\""} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
}

// A source that refuses its token stops the migration with exit code 4,
// naming the variable.
func TestMigrationSourceUnauthorized(t *testing.T) {
	src := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.05})
	defer src.Close()
	dst := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.05})
	defer dst.Close()
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", migrationJob)
	env := map[string]string{"SRC_URL": src.URL, "SRC_TOKEN": "not-a-token", "DST_URL": dst.URL + "/v3", "DST_PROJECT": tiledesktest.TestProjectID, "DST_TOKEN": tiledesktest.TestToken}
	r := runApp(t, env, "run", "--quiet", job)
	if r.code != ExitAuth || !strings.Contains(r.stderr, "SRC_TOKEN") || strings.Contains(r.stderr, "not-a-token") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// reconcile names the side that refused: a refused source token is the
// source's, not the sink's.
func TestReconcileSourceUnauthorized(t *testing.T) {
	src := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.05})
	defer src.Close()
	dst := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.05})
	defer dst.Close()
	dir := t.TempDir()
	job := writeFile(t, dir, "job.yaml", migrationJob)
	env := map[string]string{"SRC_URL": src.URL, "SRC_TOKEN": "not-a-token", "DST_URL": dst.URL + "/v3", "DST_PROJECT": tiledesktest.TestProjectID, "DST_TOKEN": tiledesktest.TestToken}
	r := runApp(t, env, "reconcile", job)
	if r.code != ExitAuth || !strings.Contains(r.stderr, "the source liondesk refused the credentials") || !strings.Contains(r.stderr, "SRC_TOKEN") || strings.Contains(r.stderr, "DST_TOKEN") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
