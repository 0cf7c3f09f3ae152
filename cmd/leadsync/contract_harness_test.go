package main

// The proof harness of the engine's contract (issue 10): for every vendor
// object leadsync writes, a case is a job template, a generator of the
// worst file (people with phone only, e-mail only and both; existing
// vendor records with and without each key; in-file duplicates in other
// spellings; an ambiguous pair; rows the vendor refuses; several events
// per person and duplicate rows of one event), an emulator started with
// its fixtures and faults, and a checker that reads the emulator's records
// field by field. contract_test.go and contract_bench_test.go drive it.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
	"github.com/leadsync/leadsync/state"

	"github.com/rogpeppe/go-internal/testscript"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain makes `leadsync` a command of the README testscripts (the app
// in-process, see readme_test.go) and removes the binary the tests share.
func TestMain(m *testing.M) {
	// Shared budget ledgers go to a folder of the test run's own, not the
	// user's cache; the binaries the tests start inherit it.
	var ledgers string
	if os.Getenv("LEADSYNC_LEDGER_DIR") == "" {
		if dir, err := os.MkdirTemp("", "leadsync-ledgers-"); err == nil {
			ledgers = dir
			os.Setenv("LEADSYNC_LEDGER_DIR", dir)
		}
	}
	code := testscript.RunMain(cleanupM{m}, map[string]func() int{
		"leadsync": func() int { return run(os.Args, os.Stdin, os.Stdout, os.Stderr, os.LookupEnv) },
	})
	if ledgers != "" {
		os.RemoveAll(ledgers)
	}
	os.Exit(code)
}

// cleanupM removes the shared binary after the tests ran.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

// sharedBinary builds leadsync once per test process.
func sharedBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "leadsync-bin-")
		if binErr != nil {
			return
		}
		bin := filepath.Join(binDir, "leadsync")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("%v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatalf("build: %v", binErr)
	}
	return binPath
}

// The faults are contractFaults (e2e_leaddesk_contract_test.go):
// 10% of write answers lost after the vendor acted, 5% HTTP 500 before
// acting, 1% spurious 429s.

// contractConcurrency is the concurrency.
const contractConcurrency = 16

// envInt reads a positive integer setting from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// vrec is one vendor record as a checker sees it: the keys it is known by
// ("phone:+358401000001", "email:p1@example.com", "ev:call-1") and its
// values, normalized (phones digits with their '+', e-mails lower-cased).
type vrec struct {
	id     string
	keys   []string
	fields map[string]string
}

// want is one expected record: found by any of keys, count times
// (default 1), each holding fields.
type want struct {
	label  string
	keys   []string
	fields map[string]string
	count  int
}

// contractData is one generated job input.
type contractData struct {
	header string
	rows   []string
	seed   string // the emulator's seed document ("" none)
	want   []want
	// refused is how many rows must end rejected (by the vendor, or by
	// leadsync's own validation of a row the vendor could never take).
	refused int
	// tidy keeps every row as wide as the header.
	tidy bool
}

// file is the CSV as a spreadsheet program writes it: a byte-order mark,
// CRLF line ends, some rows without their trailing empty cells (Excel drops
// them) and some with extra empty cells. LEADSYNC_CONTRACT_TIDY=1 keeps
// every row as wide as the header (to see the other failures of an engine
// that does not pad short rows yet).
func (d contractData) file() string {
	tidy := d.tidy || os.Getenv("LEADSYNC_CONTRACT_TIDY") == "1"
	var b strings.Builder
	b.WriteString("\ufeff" + d.header + "\r\n")
	for j, row := range d.rows {
		switch {
		case tidy:
		case j%4 == 1:
			row = strings.TrimRight(row, ",")
		case j%4 == 2:
			row += ",,"
		}
		b.WriteString(row + "\r\n")
	}
	return b.String()
}

// expectWrites is a low estimate of the writes a job of d makes: four
// fifths of one per expected record (an existing record the file does not
// change takes none: LeadSquared leads made 0.90 per record at 5,000
// rows). Kills are spread over it, so each lands before the job ends.
func (d contractData) expectWrites() int {
	n := 0
	for _, w := range d.want {
		n += max(w.count, 1)
	}
	return n * 4 / 5
}

// genOpts selects what a generator makes.
type genOpts struct {
	n int
	// worst: existing records, in-file duplicates, the ambiguous pair,
	// refused rows, people with one key only. Without it: n new people
	// with every key (the benchmark's "new").
	worst bool
	// variant changes every person's mutable values (the benchmark's
	// "changed").
	variant int
}

// contractEmu is a running emulator as the harness drives it.
type contractEmu struct {
	env     map[string]string
	core    *emulator.Core
	seed    func([]byte) error
	close   func()
	records func() []vrec
}

// emuOpts start an emulator.
type emuOpts struct {
	scale  float64
	limit  emulator.Limit // vendor time
	faults emulator.Faults
}

// contractCase is one vendor object.
type contractCase struct {
	name  string // vendor/object
	limit emulator.Limit
	job   string // YAML; {{BUDGET}} is replaced by the scaled budget
	// event objects cannot be updated: the benchmark's "changed" is n/a.
	event bool
	setup bool // run `leadsync setup` before the run
	// rerunReads bounds the reads of an unchanged re-run (default 3: the
	// credential check and the ambiguous entity, looked up again).
	rerunReads int
	// rerunReadsFor, when set, is the bound for a vendor holding records
	// records (a lookup that pages through them all).
	rerunReadsFor func(records int) int
	start         func(emuOpts) *contractEmu
	gen           func(genOpts) contractData
}

// budgetFor is the job budget that matches the emulator's scaled limit.
func budgetFor(l emulator.Limit, scale float64) string {
	per := time.Duration(float64(l.Per) * scale)
	if per < time.Millisecond {
		per = time.Millisecond
	}
	return fmt.Sprintf("{calls: %d, per: %dms}", l.Calls, per.Milliseconds())
}

// scaleFor is the time scale at which the vendor's limit admits rate
// calls per second.
func scaleFor(l emulator.Limit, rate float64) float64 {
	return float64(l.Calls) / rate / l.Per.Seconds()
}

// contractRun is one prepared job in a temp folder with its emulator.
type contractRun struct {
	c    contractCase
	dir  string
	job  string
	name string // the job's name (jobs may share a state folder)
	emu  *contractEmu
	data contractData
	bin  string
	// before are the ids of the records that existed before the first run
	// (fixtures and seeds): unclaimed, they are not "extra".
	before map[string]bool
}

// prepareContract starts the emulator without faults, seeds it, writes the
// job and its file in a new folder, runs setup, then turns the faults on.
func prepareContract(t testing.TB, c contractCase, g genOpts, rate float64, faults emulator.Faults) *contractRun {
	t.Helper()
	return prepareContractIn(t, t.TempDir(), "", c, g, rate, faults)
}

// prepareContractIn prepares a job in dir; a non-empty suffix renames the
// job and its file, so several jobs can share a folder (and its state).
func prepareContractIn(t testing.TB, dir, suffix string, c contractCase, g genOpts, rate float64, faults emulator.Faults) *contractRun {
	t.Helper()
	scale := scaleFor(c.limit, rate)
	emu := c.start(emuOpts{scale: scale, limit: c.limit})
	data := c.gen(g)
	data.tidy = !g.worst // only the worst file is ragged
	if data.seed != "" {
		if err := emu.seed([]byte(data.seed)); err != nil {
			emu.close()
			t.Fatalf("%s: seed: %v", c.name, err)
		}
	}
	text := strings.ReplaceAll(c.job, "{{BUDGET}}", budgetFor(c.limit, scale))
	text = strings.Replace(text, "name: contract-", "name: contract"+suffix+"-", 1)
	text = strings.Replace(text, "people.csv", "people"+suffix+".csv", 1)
	writeFile(t, dir, "people"+suffix+".csv", data.file())
	job := writeFile(t, dir, "job"+suffix+".yaml", text)
	name := ""
	if i := strings.Index(text, "name: "); i >= 0 {
		name = strings.TrimSpace(strings.SplitN(text[i+len("name: "):], "\n", 2)[0])
	}
	r := &contractRun{c: c, dir: dir, job: job, name: name, emu: emu, data: data, bin: sharedBinary(t), before: map[string]bool{}}
	if c.setup {
		if res := r.exec(t, "setup", job); res.code != 0 {
			emu.close()
			t.Fatalf("%s: setup: exit %d\n%s%s", c.name, res.code, res.stdout, res.stderr)
		}
	}
	for _, rec := range emu.records() {
		r.before[rec.id] = true
	}
	emu.core.Configure(emulator.Options{Limit: c.limit, TimeScale: scale, Faults: faults})
	return r
}

func (r *contractRun) environ() []string {
	env := os.Environ()
	for k, v := range r.emu.env {
		env = append(env, k+"="+v)
	}
	return env
}

// exec runs the binary to its end.
func (r *contractRun) exec(t testing.TB, args ...string) result {
	t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Env = r.environ()
	cmd.Dir = r.dir
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", r.c.name, err)
	}
	return result{code, out.String(), errb.String()}
}

func (r *contractRun) run(t testing.TB) result {
	return r.exec(t, "run", "--quiet", "--concurrency", strconv.Itoa(contractConcurrency), r.job)
}

// lastSummary reads the newest run's summary.json.
func (r *contractRun) lastSummary(t testing.TB) (summary, int64) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(r.dir, ".leadsync", "runs"))
	var ids []int64
	for _, e := range entries {
		if n, err := strconv.ParseInt(e.Name(), 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	for i := len(ids) - 1; i >= 0; i-- {
		var s summary
		b, err := os.ReadFile(filepath.Join(r.dir, ".leadsync", "runs", strconv.FormatInt(ids[i], 10), "summary.json"))
		if err == nil {
			err = json.Unmarshal(b, &s)
		}
		if err != nil {
			t.Fatalf("%s: summary of run %d: %v", r.c.name, ids[i], err)
		}
		if r.name == "" || s.Job == r.name {
			return s, ids[i]
		}
	}
	t.Fatalf("%s: no summary of job %q", r.c.name, r.name)
	return summary{}, 0
}

// writeCalls counts the write calls the emulator received (answered or not).
func writeCalls(c *emulator.Core) int {
	n := 0
	for _, call := range c.Calls() {
		if call.Write {
			n++
		}
	}
	return n
}

// verdict is what a checker found.
type verdict struct {
	missing, dup, incomplete, extra int
	problems                        []string
}

func (v verdict) ok() bool { return v.missing+v.dup+v.incomplete+v.extra == 0 }

// okWithUncertain is ok, except that records may be missing or
// incomplete where the run lists as many uncertain entities: writes sent
// whose answers were lost (or a kill cut off) at a vendor that offers no
// way to look (LionDesk leads, call logs, callbacks). They are reported,
// never resent, and never duplicated.
func (v verdict) okWithUncertain(uncertain int) bool {
	return v.dup+v.extra == 0 && v.missing+v.incomplete <= uncertain
}

func (v verdict) String() string {
	s := fmt.Sprintf("%d missing, %d duplicated, %d incomplete, %d unexpected records", v.missing, v.dup, v.incomplete, v.extra)
	if len(v.problems) > 0 {
		n := len(v.problems)
		if n > 6 && os.Getenv("LEADSYNC_CONTRACT_ALL") == "" {
			n = 6
		}
		s += ": " + strings.Join(v.problems[:n], "; ")
		if len(v.problems) > n {
			s += fmt.Sprintf("; ... %d more", len(v.problems)-n)
		}
	}
	return s
}

// checkRecords compares the emulator's records with the expected ones.
// Records that existed before the run and match no expectation are
// ignored; any other unclaimed record is unexpected.
func checkRecords(recs []vrec, wants []want, before map[string]bool) verdict {
	byKey := map[string][]int{}
	for i, r := range recs {
		for _, k := range r.keys {
			byKey[k] = append(byKey[k], i)
		}
	}
	claimed := make([]bool, len(recs))
	var v verdict
	for _, w := range wants {
		set := map[int]bool{}
		for _, k := range w.keys {
			for _, i := range byKey[k] {
				set[i] = true
			}
		}
		count := w.count
		if count == 0 {
			count = 1
		}
		idx := make([]int, 0, len(set))
		for i := range set {
			idx = append(idx, i)
			claimed[i] = true
		}
		sort.Ints(idx)
		switch {
		case len(idx) == 0:
			v.missing++
			v.problems = append(v.problems, w.label+": missing")
			continue
		case len(idx) > count:
			v.dup += len(idx) - count
			v.problems = append(v.problems, fmt.Sprintf("%s: %d records, want %d", w.label, len(idx), count))
			continue
		case len(idx) < count:
			v.missing += count - len(idx)
			v.problems = append(v.problems, fmt.Sprintf("%s: %d records, want %d", w.label, len(idx), count))
			continue
		}
		for _, i := range idx {
			var bad []string
			names := make([]string, 0, len(w.fields))
			for f := range w.fields {
				names = append(names, f)
			}
			sort.Strings(names)
			for _, f := range names {
				if got := recs[i].fields[f]; !strings.EqualFold(strings.TrimSpace(got), strings.TrimSpace(w.fields[f])) {
					bad = append(bad, fmt.Sprintf("%s=%q want %q", f, got, w.fields[f]))
				}
			}
			if len(bad) > 0 {
				v.incomplete++
				v.problems = append(v.problems, fmt.Sprintf("%s (%s): %s", w.label, recs[i].id, strings.Join(bad, ", ")))
			}
		}
	}
	for i, r := range recs {
		if !claimed[i] && !before[r.id] {
			v.extra++
			what := "unexpected record"
			if len(r.keys) == 0 {
				what = "record without any key (a bare create left behind)"
			}
			v.problems = append(v.problems, fmt.Sprintf("%s %s %v", what, r.id, r.fields))
		}
	}
	return v
}

// normPhone keeps a phone's digits and its leading '+'.
func normPhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// keysOf builds a record's keys from its phone and e-mail values.
func keysOf(phones []string, emails []string) []string {
	var k []string
	for _, p := range phones {
		if p = normPhone(p); p != "" && p != "+" {
			k = append(k, "phone:"+p)
		}
	}
	for _, e := range emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			k = append(k, "email:"+e)
		}
	}
	return k
}

// killAfterWrites starts a run and SIGKILLs it as soon as the emulator has
// performed n writes since the run started (n >= 1: the kill lands
// mid-write, with the writes after the n-th in flight); landed is false
// when the run ended first.
func (r *contractRun) killAfterWrites(t testing.TB, n int) (kill, result) {
	t.Helper()
	return r.killWhen(t, func(writes int) bool { return writes >= n })
}

// kill is one SIGKILL as the emulator saw it: the writes it had performed
// since the run started, when the signal was sent.
type kill struct {
	landed bool
	writes int
	after  time.Duration // since the run started
}

// killWhen starts a run and SIGKILLs it once due, polled every
// millisecond with the writes the emulator performed since the start,
// says so.
func (r *contractRun) killWhen(t testing.TB, due func(writes int) bool) (kill, result) {
	t.Helper()
	cmd := exec.Command(r.bin, "run", "--quiet", "--concurrency", strconv.Itoa(contractConcurrency), r.job)
	cmd.Env = r.environ()
	cmd.Dir = r.dir
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	w0, start := r.emu.core.Stats().TotalWrites(), time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return kill{}, result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
		case <-tick.C:
			w := r.emu.core.Stats().TotalWrites() - w0
			if !due(w) {
				continue
			}
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return kill{landed: true, writes: w, after: time.Since(start)}, result{}
		}
	}
}

// killResume runs the job, SIGKILLs it kills times and resumes it each
// time, until a run ends; it returns the kills and the final result. Each
// kill waits for a random number of writes of its run, drawn so that the
// kills spread over the job's expected writes (expect: a low estimate of
// the whole job's): every kill lands mid-write. Every run must end 0 or 1
// (never refused by a lock a killed run left).
func (r *contractRun) killResume(t testing.TB, kills, expect int, seed uint64) ([]kill, result) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	var done []kill
	start := r.emu.core.Stats().TotalWrites()
	for attempt := 0; attempt < kills+20; attempt++ {
		var res result
		if len(done) < kills {
			left := expect - (r.emu.core.Stats().TotalWrites() - start)
			span := max(1, 2*left/(kills-len(done)+1))
			k, rr := r.killAfterWrites(t, 1+rng.IntN(span))
			if k.landed {
				done = append(done, k)
				continue
			}
			res = rr
		} else {
			res = r.run(t)
		}
		if res.code == ExitOK || res.code == ExitRejected {
			return done, res
		}
		t.Fatalf("%s: run after %d kills exited %d\n%s%s", r.c.name, len(done), res.code, res.stdout, res.stderr)
	}
	t.Fatalf("%s: no run finished", r.c.name)
	return done, result{}
}

// uncertainRows lists the uncertain outcomes of a run from state.
func (r *contractRun) uncertainRows(t testing.TB, runID int64) []state.Outcome {
	t.Helper()
	store, err := state.Open(filepath.Join(r.dir, ".leadsync", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	outs, err := store.Outcomes(context.Background(), runID, state.StatusUncertain)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// region spells one person's phone in the ways files and vendors do.
type region struct {
	e164 func(i int) string // +358401000007
	a, b func(i int) string // two file spellings of the same number
}

var (
	regionFI = region{
		e164: func(i int) string { return fmt.Sprintf("+35840%07d", 1000000+i) },
		a:    func(i int) string { n := 1000000 + i; return fmt.Sprintf("040 %03d %04d", n/10000, n%10000) },
		b:    func(i int) string { return fmt.Sprintf("+358 40 %07d", 1000000+i) },
	}
	regionUS = region{
		e164: func(i int) string { return fmt.Sprintf("+1415%03d%04d", 555+i/10000, i%10000) },
		a:    func(i int) string { return fmt.Sprintf("(415) %03d-%04d", 555+i/10000, i%10000) },
		b:    func(i int) string { return fmt.Sprintf("415.%03d.%04d", 555+i/10000, i%10000) },
	}
	regionIN = region{
		e164: func(i int) string { return fmt.Sprintf("+91981%07d", i) },
		a:    func(i int) string { n := fmt.Sprintf("981%07d", i); return "+91 " + n[:5] + " " + n[5:] },
		b:    func(i int) string { n := fmt.Sprintf("981%07d", i); return "0" + n[:5] + " " + n[5:] },
	}
)

// person is one generated person: what the file says and what the vendor
// holds already.
type person struct {
	i                   int
	first, last         string
	city, company       string
	phone, email        string // in the file (E.164, lower case); "" absent
	vphone, vemail      string // held by the vendor only (an existing record's extra key)
	seeded              bool
	seedPhone, seedMail bool // the existing record's keys
	seedCity            string
	dup                 bool // a second row in other spellings
}

func (p person) finalPhone() string {
	if p.phone != "" {
		return p.phone
	}
	return p.vphone
}

func (p person) finalEmail() string {
	if p.email != "" {
		return p.email
	}
	return p.vemail
}

func (p person) keys() []string {
	return keysOf([]string{p.finalPhone()}, []string{p.finalEmail()})
}

// makePeople makes g.n people. Worst: a third each phone only, e-mail only
// and both; every fifth exists at the vendor (with both keys, one key, or
// one key plus one the file lacks; unchanged or with another city); every
// tenth (from 3) appears twice, the second time spelled otherwise with a
// later company.
func makePeople(g genOpts, reg region) []person {
	out := make([]person, g.n)
	for i := range out {
		p := person{i: i, first: fmt.Sprintf("First%d", i), last: fmt.Sprintf("Last%d", i),
			city: fmt.Sprintf("City%d", i%11), company: fmt.Sprintf("Co%d", i%7)}
		if g.variant > 0 {
			p.city += fmt.Sprintf("v%d", g.variant)
			p.company += fmt.Sprintf("v%d", g.variant)
		}
		phone, email := reg.e164(i), fmt.Sprintf("p%d@example.com", i)
		kind := 0
		if g.worst {
			kind = i % 3
		}
		switch kind {
		case 0:
			p.phone, p.email = phone, email
		case 1:
			p.phone = phone
		case 2:
			p.email = email
		}
		if g.worst && i%5 == 0 {
			p.seeded = true
			sub := (i / 5) % 3
			switch kind {
			case 0:
				p.seedPhone, p.seedMail = sub != 2, sub != 1
			case 1:
				p.seedPhone = true
				if sub != 0 {
					p.seedMail, p.vemail = true, fmt.Sprintf("v%d@example.com", i)
				}
			case 2:
				p.seedMail = true
				if sub != 0 {
					p.seedPhone, p.vphone = true, phone
				}
			}
			p.seedCity = p.city
			if (i/5)%2 == 1 {
				p.seedCity = fmt.Sprintf("Old%d", i)
			}
		}
		if g.worst && i%10 == 3 {
			p.dup = true
			p.company = fmt.Sprintf("Late%d", i)
		}
		out[i] = p
	}
	return out
}

// seedPhone and seedEmail are the existing record's key values.
func (p person) seedPhoneValue(reg region) string {
	if p.seedPhone {
		return reg.e164(p.i)
	}
	return ""
}

func (p person) seedEmailValue() string {
	if !p.seedMail {
		return ""
	}
	if p.vemail != "" {
		return p.vemail
	}
	return fmt.Sprintf("p%d@example.com", p.i)
}

// fileSpelling is how a row writes a person's keys: the first row in one
// spelling, the duplicate in another with the e-mail upper-cased.
func fileSpelling(p person, reg region, dup bool) (phone, email string) {
	if p.phone != "" {
		phone = reg.a(p.i)
		if dup {
			phone = reg.b(p.i)
		}
	}
	email = p.email
	if dup {
		email = strings.ToUpper(email[:min(1, len(email))]) + email[min(1, len(email)):]
		email = strings.Replace(email, "example.com", "Example.COM", 1)
	}
	return
}

// personSpec makes a people case's data.
type personSpec struct {
	reg    region
	header string
	// accept is false for a person the object cannot take (a required key
	// missing): the row must end rejected.
	accept func(p person) bool
	// canSeed is false where the vendor cannot hold such a record (a
	// LeadDesk contact without phone): the person is then simply new.
	canSeed func(p person) bool
	row     func(p person, dup bool) string
	// company is the value the duplicate's first row carries.
	seedRec func(p person) map[string]any
	seedDoc func(recs []map[string]any) string
	expect  func(p person) map[string]string
	// extra adds the ambiguous pair and the refused rows.
	extra func(g genOpts, d *contractData, seeds *[]map[string]any)
}

func (s personSpec) gen(g genOpts) contractData {
	d := contractData{header: s.header}
	var seeds []map[string]any
	for _, p := range makePeople(g, s.reg) {
		if p.seeded && s.canSeed != nil && !s.canSeed(p) {
			p.seeded, p.vphone, p.vemail = false, "", ""
		}
		first := p
		if p.dup {
			first.company = fmt.Sprintf("Co%d", p.i%7)
		}
		d.rows = append(d.rows, s.row(first, false))
		if p.dup {
			d.rows = append(d.rows, s.row(p, true))
		}
		if p.seeded {
			seeds = append(seeds, s.seedRec(p))
		}
		if s.accept != nil && !s.accept(p) {
			d.refused++
			if p.dup {
				d.refused++
			}
			continue // a seeded record stays as it was (not checked)
		}
		d.want = append(d.want, want{label: fmt.Sprintf("person %d", p.i), keys: p.keys(), fields: s.expect(p)})
	}
	if g.worst && s.extra != nil {
		s.extra(g, &d, &seeds)
	}
	if len(seeds) > 0 {
		d.seed = s.seedDoc(seeds)
	}
	return d
}

func mustJSONString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// contractCases are every vendor object leadsync writes.
func contractCases() []contractCase {
	return []contractCase{
		leaddeskContactCase(), leaddeskCallbackCase(), leaddeskAgentCase(),
		tiledeskLeadCase(),
		liondeskContactCase(), liondeskLeadCase(),
		leadsquaredCallLogCase(), leadsquaredPopupCase(), leadsquaredLeadCase(),
	}
}

func findCase(t testing.TB, name string) contractCase {
	for _, c := range contractCases() {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return contractCase{}
}

func startLeadDesk(o emuOpts) (*leaddesktest.Server, *contractEmu) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: o.scale, Limit: &o.limit})
	return srv, &contractEmu{env: map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey},
		core: srv.Core(), seed: srv.Seed, close: srv.Close}
}

const contractLeadDeskContactJob = `name: contract-leaddesk-contact
source: {path: people.csv}
sink:
  vendor: leaddesk
  object: contact
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {{BUDGET}}
region: FI
match: {keys: [phone]}
mapping:
  list: {value: "Nightly leads"}
  fname: First
  lname: Last
  phone: Phone
  email: Email
  city: City
  other1: Company
  assign_to_agent: Agent
`

func leaddeskContactCase() contractCase {
	reg := regionFI
	spec := personSpec{
		reg:     reg,
		header:  "First,Last,Phone,Email,City,Company,Agent",
		accept:  func(p person) bool { return p.phone != "" }, // phone is required
		canSeed: func(p person) bool { return p.seedPhone },
		row: func(p person, dup bool) string {
			ph, em := fileSpelling(p, reg, dup)
			return strings.Join([]string{p.first, p.last, ph, em, p.city, p.company, ""}, ",")
		},
		seedRec: func(p person) map[string]any {
			f := map[string]any{"fname": p.first, "lname": p.last, "city": p.seedCity, "other1": fmt.Sprintf("Co%d", p.i%7)}
			if e := p.seedEmailValue(); e != "" {
				f["email"] = e
			}
			return map[string]any{"id": 60000 + p.i, "list_id": leaddesktest.TestListID, "phone": p.seedPhoneValue(reg), "fields": f}
		},
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"contacts": recs}) },
		expect: func(p person) map[string]string {
			return map[string]string{"list_id": strconv.Itoa(leaddesktest.TestListID), "fname": p.first, "lname": p.last, "phone": p.finalPhone(), "email": p.finalEmail(), "city": p.city, "other1": p.company}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			for _, id := range []int{59001, 59002} {
				*seeds = append(*seeds, map[string]any{"id": id, "list_id": leaddesktest.TestListID, "phone": "+358409999999", "fields": map[string]any{"fname": "Twin"}})
			}
			d.rows = append(d.rows, "Twin,Three,040 999 9999,twin@example.com,Espoo,Co1,")
			d.want = append(d.want, want{label: "ambiguous pair", keys: []string{"phone:+358409999999"}, count: 2, fields: map[string]string{"fname": "Twin", "city": ""}})
			d.rows = append(d.rows, "Refused,Agent,040 999 8888,refused@example.com,Espoo,Co1,no.such.agent")
			d.refused++
		},
	}
	return contractCase{
		name: "leaddesk/contact", limit: leaddesktest.DefaultLimit(), job: contractLeadDeskContactJob, gen: spec.gen,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadDesk(o)
			emu.records = func() []vrec {
				var out []vrec
				for _, c := range srv.Contacts() {
					out = append(out, vrec{id: strconv.FormatInt(c.ID, 10), keys: keysOf([]string{c.Phone}, []string{c.Field("email")}),
						fields: map[string]string{"list_id": strconv.FormatInt(c.ListID, 10), "fname": c.Field("fname"), "lname": c.Field("lname"), "phone": normPhone(c.Phone),
							"email": c.Field("email"), "city": c.Field("city"), "other1": c.Field("other1")}})
				}
				return out
			}
			return emu
		},
	}
}

const contractLeadDeskCallbackJob = `name: contract-leaddesk-callback
source: {path: people.csv}
sink:
  vendor: leaddesk
  object: callback
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {{BUDGET}}
region: FI
match: {keys: [phone, timestamp]}
mapping:
  agent: Agent
  campaign: {value: "` + leaddesktest.TestCampaignName + `"}
  phone: Phone
  timestamp: Time
  comment: Comment
  fname: First
`

// callbackTime is person i's k-th callback time.
func callbackTime(i, k int) string {
	t := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute + time.Duration(k)*24*time.Hour)
	return t.Format("2006-01-02 15:04:05")
}

// leaddeskCallbackCase: 1-3 callbacks per person, at different times; every
// tenth person's first callback appears again with the phone spelled
// otherwise (the same event); one callback names an unknown agent.
func leaddeskCallbackCase() contractCase {
	reg := regionFI
	gen := func(g genOpts) contractData {
		d := contractData{header: "Agent,Phone,Time,Comment,First"}
		for i := 0; len(d.want) < g.n; i++ {
			events := 1
			if g.worst {
				events = 1 + i%3
			}
			for k := 0; k < events && len(d.want) < g.n; k++ {
				comment := fmt.Sprintf("call back %d/%d", i, k)
				if g.variant > 0 {
					comment += fmt.Sprintf(" v%d", g.variant)
				}
				ts := callbackTime(i, k)
				d.rows = append(d.rows, strings.Join([]string{leaddesktest.TestAgentUsername, reg.a(i), ts, comment, fmt.Sprintf("First%d", i)}, ","))
				if g.worst && k == 0 && i%10 == 3 {
					d.rows = append(d.rows, strings.Join([]string{leaddesktest.TestAgentUsername, reg.b(i), ts, comment, fmt.Sprintf("First%d", i)}, ","))
				}
				d.want = append(d.want, want{label: fmt.Sprintf("callback %d/%d", i, k), keys: []string{"ev:" + reg.e164(i) + "|" + ts},
					fields: map[string]string{"agent_id": strconv.Itoa(leaddesktest.TestAgentID), "campaign_id": strconv.Itoa(leaddesktest.TestCampaignID), "comment": comment, "fname": fmt.Sprintf("First%d", i)}})
			}
		}
		if g.worst {
			d.rows = append(d.rows, "no.such.agent,040 999 8888,2026-12-24 10:00:00,refused,Nobody")
			d.refused++
		}
		return d
	}
	return contractCase{
		name: "leaddesk/callback", limit: leaddesktest.DefaultLimit(), job: contractLeadDeskCallbackJob, gen: gen, event: true,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadDesk(o)
			emu.records = func() []vrec {
				var out []vrec
				for _, c := range srv.Callbacks() {
					out = append(out, vrec{id: strconv.FormatInt(c.ID, 10), keys: []string{"ev:" + normPhone(c.Phone) + "|" + c.Timestamp},
						fields: map[string]string{"agent_id": strconv.FormatInt(c.AgentID, 10), "campaign_id": strconv.FormatInt(c.CampaignID, 10), "comment": c.Comment, "fname": c.Contact["fname"]}})
				}
				return out
			}
			return emu
		},
	}
}

const contractLeadDeskAgentJob = `name: contract-leaddesk-agent
source: {path: people.csv}
sink:
  vendor: leaddesk
  object: agent
  url: ${LD_URL}
  api_key: ${LD_KEY}
  budget: {{BUDGET}}
region: FI
match: {keys: [username]}
mapping:
  username: Username
  password: Password
  name: Name
  email: Email
  phone: Phone
  city: City
  campaigns_add: Campaigns
`

// leaddeskAgentCase: agents with phone only, e-mail only and both; every
// fifth exists (with or without e-mail, with another city); every tenth
// appears twice (e-mail upper-cased, later city); one new agent has a
// password LeadDesk refuses (under 6 characters).
func leaddeskAgentCase() contractCase {
	reg := regionFI
	campaigns := func(i int) string {
		if i%2 == 0 {
			return strconv.Itoa(leaddesktest.TestCampaignID)
		}
		return fmt.Sprintf("\"%d,%d\"", leaddesktest.TestCampaignID, leaddesktest.TestCampaign2ID)
	}
	spec := personSpec{
		reg:    reg,
		header: "Username,Password,Name,Email,Phone,City,Campaigns",
		row: func(p person, dup bool) string {
			_, em := fileSpelling(p, reg, dup)
			ph := p.phone // an agent's phone as written (the engine sends E.164)
			if dup && ph != "" {
				ph = reg.b(p.i)
			}
			// The agent's city carries the person's company: the
			// duplicate's later value must win.
			return strings.Join([]string{fmt.Sprintf("agent.%d", p.i), "secret-pass", p.first + " " + p.last, em, ph, p.company, campaigns(p.i)}, ",")
		},
		seedRec: func(p person) map[string]any {
			a := map[string]any{"id": 2000 + p.i, "username": fmt.Sprintf("agent.%d", p.i), "password": "fixture-pass", "level": "agent", "lang": 4,
				"time_zone": "Europe/Helsinki", "name": p.first + " " + p.last, "employment": "active", "city": "Old", "agent_group_id": leaddesktest.TestAgentGroupID}
			if e := p.seedEmailValue(); e != "" {
				a["email"] = e
			}
			if ph := p.seedPhoneValue(reg); ph != "" {
				a["phone"] = ph
			}
			return a
		},
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"agents": recs}) },
		expect: func(p person) map[string]string {
			c := strconv.Itoa(leaddesktest.TestCampaignID)
			if p.i%2 == 1 {
				c += fmt.Sprintf(",%d", leaddesktest.TestCampaign2ID)
			}
			return map[string]string{"name": p.first + " " + p.last, "email": p.finalEmail(), "phone": p.finalPhone(), "city": p.company, "campaigns": c}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			d.rows = append(d.rows, "agent.refused,abc,Refused Agent,refused@example.com,,Espoo,"+strconv.Itoa(leaddesktest.TestCampaignID))
			d.refused++
		},
	}
	gen := func(g genOpts) contractData {
		d := spec.gen(g)
		for i := range d.want {
			if strings.HasPrefix(d.want[i].label, "person ") {
				n, _ := strconv.Atoi(strings.TrimPrefix(d.want[i].label, "person "))
				d.want[i].keys = []string{fmt.Sprintf("user:agent.%d", n)}
			}
		}
		return d
	}
	return contractCase{
		name: "leaddesk/agent", limit: leaddesktest.DefaultLimit(), job: contractLeadDeskAgentJob, gen: gen,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadDesk(o)
			emu.records = func() []vrec {
				var out []vrec
				for _, a := range srv.Agents() {
					var cs []string
					for _, c := range a.Campaigns {
						cs = append(cs, strconv.FormatInt(c, 10))
					}
					out = append(out, vrec{id: strconv.FormatInt(a.ID, 10), keys: []string{"user:" + strings.ToLower(a.Username)},
						fields: map[string]string{"name": a.Name, "email": a.Email, "phone": normPhone(a.Phone), "city": a.City, "campaigns": strings.Join(cs, ",")}})
				}
				return out
			}
			return emu
		},
	}
}

const contractTiledeskJob = `name: contract-tiledesk-lead
source: {path: people.csv}
sink:
  vendor: tiledesk
  object: lead
  url: ${TD_URL}
  project: ${TD_PROJECT}
  token: ${TD_TOKEN}
  budget: {{BUDGET}}
region: FI
match: {keys: [phone, email]}
mapping:
  fullname: {columns: [First, Last]}
  email: Email
  phone: Phone
  company: Company
  city: City
`

func tiledeskLeadCase() contractCase {
	reg := regionFI
	oid := func(n int) string { return fmt.Sprintf("66d1e4c0%016x", n) }
	spec := personSpec{
		reg:    reg,
		header: "First,Last,Phone,Email,Company,City",
		row: func(p person, dup bool) string {
			ph, em := fileSpelling(p, reg, dup)
			return strings.Join([]string{p.first, p.last, ph, em, p.company, p.city}, ",")
		},
		seedRec: func(p person) map[string]any {
			l := map[string]any{"_id": oid(p.i + 1), "fullname": p.first + " " + p.last, "city": p.seedCity, "company": fmt.Sprintf("Co%d", p.i%7), "id_project": tiledesktest.TestProjectID}
			if e := p.seedEmailValue(); e != "" {
				l["email"] = e
			}
			if ph := p.seedPhoneValue(reg); ph != "" {
				l["phone"] = ph
			}
			return l
		},
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"leads": recs}) },
		expect: func(p person) map[string]string {
			return map[string]string{"fullname": p.first + " " + p.last, "email": p.finalEmail(), "phone": p.finalPhone(), "company": p.company, "city": p.city}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			for _, n := range []int{900001, 900002} {
				*seeds = append(*seeds, map[string]any{"_id": oid(n), "fullname": "Twin", "email": "twin@example.com", "id_project": tiledesktest.TestProjectID})
			}
			d.rows = append(d.rows, "Twin,Three,040 999 9999,twin@example.com,Co1,Espoo")
			d.want = append(d.want, want{label: "ambiguous pair", keys: []string{"email:twin@example.com"}, count: 2, fields: map[string]string{"fullname": "Twin", "phone": ""}})
			d.rows = append(d.rows, "Broken,Phone,12,broken@example.com,Co1,Espoo") // not a phone: refused before any call
			d.refused++
		},
	}
	return contractCase{
		name: "tiledesk/lead", limit: emulator.Limit{Calls: 100, Per: time.Second}, job: contractTiledeskJob, gen: spec.gen,
		// The credential check (one page of one lead), and the ambiguous
		// entity looked up again by its phone: Tiledesk filters by no
		// phone, so Find pages through every lead (the walk stops early
		// only at the entity's own lead_id, which no twin has).
		rerunReadsFor: func(records int) int {
			return 1 + max(1, (records+tiledesk.DefaultPageSize-1)/tiledesk.DefaultPageSize)
		},
		start: func(o emuOpts) *contractEmu {
			srv := tiledesktest.NewServer(tiledesktest.Options{TimeScale: o.scale, Limit: &o.limit})
			return &contractEmu{env: map[string]string{"TD_URL": srv.URL + "/v3", "TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken},
				core: srv.Core(), seed: srv.Seed, close: srv.Close,
				records: func() []vrec {
					var out []vrec
					for _, l := range srv.Leads() {
						if l.Deleted() {
							continue
						}
						out = append(out, vrec{id: l.ID, keys: keysOf([]string{l.Phone}, []string{l.Email}),
							fields: map[string]string{"fullname": l.Fullname, "email": l.Email, "phone": normPhone(l.Phone), "company": l.Company, "city": l.City}})
					}
					return out
				}}
		},
	}
}

const contractLionDeskContactJob = `name: contract-liondesk-contact
source: {path: people.csv}
sink:
  vendor: liondesk
  object: contact
  url: ${LI_URL}
  token: ${LI_TOKEN}
  budget: {{BUDGET}}
region: US
match: {keys: [email, mobile_phone]}
mapping:
  first_name: First
  last_name: Last
  email: Email
  mobile_phone: Phone
  company: Company
  assigned_user_id: Assignee
`

func liondeskSeedContact(p person, reg region) map[string]any {
	c := map[string]any{"id": 300000 + p.i, "owner_user_id": liondesktest.TestUserID, "first_name": p.first, "last_name": p.last, "company": "Old"}
	if e := p.seedEmailValue(); e != "" {
		c["email"] = e
	}
	if ph := p.seedPhoneValue(reg); ph != "" {
		c["mobile_phone"] = ph
	}
	return c
}

func liondeskTwins(seeds *[]map[string]any) {
	for _, id := range []int{399001, 399002} {
		*seeds = append(*seeds, map[string]any{"id": id, "owner_user_id": liondesktest.TestUserID, "first_name": "Twin", "email": "twin@example.com"})
	}
}

func liondeskContactCase() contractCase {
	reg := regionUS
	spec := personSpec{
		reg:    reg,
		header: "First,Last,Email,Phone,Company,Assignee",
		row: func(p person, dup bool) string {
			ph, em := fileSpelling(p, reg, dup)
			return strings.Join([]string{p.first, p.last, em, ph, p.company, ""}, ",")
		},
		seedRec: func(p person) map[string]any { return liondeskSeedContact(p, reg) },
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"contacts": recs}) },
		expect: func(p person) map[string]string {
			return map[string]string{"first_name": p.first, "last_name": p.last, "email": p.finalEmail(), "mobile_phone": p.finalPhone(), "company": p.company}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			liondeskTwins(seeds)
			d.rows = append(d.rows, "Twin,Three,twin@example.com,(415) 999-9999,Co1,")
			d.want = append(d.want, want{label: "ambiguous pair", keys: []string{"email:twin@example.com"}, count: 2, fields: map[string]string{"first_name": "Twin", "mobile_phone": ""}})
			// Assigned to a user of another account: LionDesk refuses it.
			d.rows = append(d.rows, fmt.Sprintf("Refused,Assignee,refused@example.com,(415) 999-8888,Co1,%d", liondesktest.TestOtherUserID))
			d.refused++
		},
	}
	return contractCase{
		name: "liondesk/contact", limit: emulator.Limit{Calls: 100, Per: time.Second}, job: contractLionDeskContactJob, gen: spec.gen,
		start: func(o emuOpts) *contractEmu {
			srv := liondesktest.NewServer(liondesktest.Options{TimeScale: o.scale, Limit: &o.limit})
			return &contractEmu{env: map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken},
				core: srv.Core(), seed: srv.Seed, close: srv.Close,
				records: func() []vrec {
					var out []vrec
					for _, c := range srv.Contacts() {
						out = append(out, vrec{id: strconv.FormatInt(c.ID, 10), keys: keysOf([]string{c.MobilePhone}, []string{c.Email}),
							fields: map[string]string{"first_name": c.FirstName, "last_name": c.LastName, "email": c.Email, "mobile_phone": normPhone(c.MobilePhone), "company": c.Company}})
					}
					return out
				}}
		},
	}
}

const contractLionDeskLeadJob = `name: contract-liondesk-lead
source: {path: people.csv}
sink:
  vendor: liondesk
  object: lead
  url: ${LI_URL}
  token: ${LI_TOKEN}
  budget: {{BUDGET}}
region: US
match: {keys: [email, mobile_phone]}
mapping:
  first_name: First
  last_name: Last
  email: Email
  mobile_phone: Phone
  lead_source: Source
  contact_source: {value: Zillow Imports}
  type: {value: Buyer}
  zipcode: Zip
setup:
  contact_sources: [Zillow Imports]
  campaigns:
    - name: Buyer Drip
      actions:
        - type: Agent Task - Call Reminder
          timing_type: Delay by Minutes
          delay_by_seconds: 600
          notes: Call the lead
  teams:
    - name: North Team
      distribution_options:
        - user_id: 1002
          rank: 1
          assign_automatically: true
          has_text_alert: true
  routes:
    - lead_source: Zillow
      contact_source: Zillow Imports
      filter: Buyer
      campaign: Buyer Drip
      distribution_target: Team Rollout
      team_selection_method: Specific Team
      team: North Team
`

// liondeskLeadCase: the submission flow (contact, lead, campaign start,
// offers) per person; a person is complete with one contact, one lead, one
// campaign start and at least one offer.
func liondeskLeadCase() contractCase {
	reg := regionUS
	spec := personSpec{
		reg:    reg,
		header: "First,Last,Email,Phone,Source,Zip",
		row: func(p person, dup bool) string {
			ph, em := fileSpelling(p, reg, dup)
			return strings.Join([]string{p.first, p.last, em, ph, "Zillow", "92618"}, ",")
		},
		seedRec: func(p person) map[string]any { return liondeskSeedContact(p, reg) },
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"contacts": recs}) },
		expect: func(p person) map[string]string {
			return map[string]string{"email": p.finalEmail(), "mobile_phone": p.finalPhone(), "leads": "1", "campaign_starts": "1", "offered": "yes", "zipcode": "92618"}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			liondeskTwins(seeds)
			d.rows = append(d.rows, "Twin,Three,twin@example.com,(415) 999-9999,Zillow,92618")
			d.want = append(d.want, want{label: "ambiguous pair", keys: []string{"email:twin@example.com"}, count: 2, fields: map[string]string{"leads": "0"}})
			d.rows = append(d.rows, "Refused,Source,refused@example.com,(415) 999-8888,No Such Source,92618")
			d.refused++
		},
	}
	return contractCase{
		name: "liondesk/lead", limit: emulator.Limit{Calls: 100, Per: time.Second}, job: contractLionDeskLeadJob, gen: spec.gen, setup: true, event: true,
		// The ambiguous entity's submission first resolves its lead
		// source and reads the routes and teams, once per run.
		rerunReads: 6,
		start: func(o emuOpts) *contractEmu {
			srv := liondesktest.NewServer(liondesktest.Options{TimeScale: o.scale, Limit: &o.limit})
			return &contractEmu{env: map[string]string{"LI_URL": srv.URL, "LI_TOKEN": liondesktest.TestToken},
				core: srv.Core(), seed: srv.Seed, close: srv.Close,
				records: func() []vrec {
					leads := map[int64][]liondesktest.Lead{}
					for _, l := range srv.Leads() {
						leads[l.ContactID] = append(leads[l.ContactID], l)
					}
					starts := map[int64]int{}
					for _, cc := range srv.CampaignContacts() {
						starts[cc.ContactID]++
					}
					offers := map[int64]int{}
					for _, o := range srv.LeadOffers() {
						offers[o.LeadID]++
					}
					var out []vrec
					for _, c := range srv.Contacts() {
						offered, zip := "yes", ""
						for _, l := range leads[c.ID] {
							if offers[l.ID] == 0 {
								offered = "no"
							}
							zip = string(l.Zipcode)
						}
						out = append(out, vrec{id: strconv.FormatInt(c.ID, 10), keys: keysOf([]string{c.MobilePhone}, []string{c.Email}),
							fields: map[string]string{"email": c.Email, "mobile_phone": normPhone(c.MobilePhone), "leads": strconv.Itoa(len(leads[c.ID])),
								"campaign_starts": strconv.Itoa(starts[c.ID]), "offered": offered, "zipcode": zip}})
					}
					return out
				}}
		},
	}
}

func startLeadSquared(o emuOpts) (*leadsquaredtest.Server, *contractEmu) {
	srv := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: o.scale, Limit: &o.limit})
	return srv, &contractEmu{env: map[string]string{"LS_URL": srv.URL, "LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey},
		core: srv.Core(), seed: srv.Seed, close: srv.Close}
}

func lsGUID(i int) string { return fmt.Sprintf("5eed0000-0000-4000-8000-%012d", i) }

// lsPhone is how LeadSquared stores a number: +CC-NUMBER.
func lsPhone(e164 string) string { return "+91-" + strings.TrimPrefix(e164, "+91") }

const contractCallLogJob = `name: contract-leadsquared-call-log
source: {path: people.csv}
sink:
  vendor: leadsquared
  object: call_log
  url: ${LS_URL}
  access_key: ${LS_ACCESS}
  secret_key: ${LS_SECRET}
  country_code: "+91"
  budget: {{BUDGET}}
region: IN
match: {keys: [CallSessionId]}
mapping:
  CallSessionId: Session
  SourceNumber: From
  DestinationNumber: {value: "+91 80111 12222"}
  Direction: {value: Inbound}
  StartTime: Start
  EndTime: End
  Status: Status
  UserId: {value: "` + leadsquaredtest.TestUserID + `"}
  CallerSource: Source
`

// lsCallers seeds a lead for every third caller; the others have none
// (LogCall without LeadId creates the lead, with CallerSource as source).
func lsCallerLeads(n int, reg region) []map[string]any {
	var leads []map[string]any
	for i := 0; i < n; i += 3 {
		leads = append(leads, map[string]any{"ProspectID": lsGUID(i), "FirstName": fmt.Sprintf("First%d", i), "Phone": lsPhone(reg.e164(i)),
			"Source": "Website", "OwnerId": leadsquaredtest.TestUserID, "CreatedBy": leadsquaredtest.TestUserID})
	}
	return leads
}

func callTimes(i, k int) (string, string) {
	t := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute + time.Duration(k)*time.Hour)
	return t.Format("2006-01-02 15:04:05"), t.Add(90 * time.Second).Format("2006-01-02 15:04:05")
}

func leadsquaredCallLogCase() contractCase {
	reg := regionIN
	gen := func(g genOpts) contractData {
		d := contractData{header: "Session,From,Start,End,Status,Source"}
		people := 0
		for i := 0; len(d.want) < g.n; i++ {
			people = i + 1
			events := 1
			if g.worst {
				events = 1 + i%3
			}
			for k := 0; k < events && len(d.want) < g.n; k++ {
				sess := fmt.Sprintf("call-%d-%d", i, k)
				start, end := callTimes(i, k)
				status := "Answered"
				if g.variant > 0 {
					status = "Missed"
				}
				d.rows = append(d.rows, strings.Join([]string{sess, reg.a(i), start, end, status, "Newspaper"}, ","))
				if g.worst && k == 0 && i%10 == 3 {
					d.rows = append(d.rows, strings.Join([]string{sess, reg.b(i), start, end, status, "Newspaper"}, ","))
				}
				source := "Newspaper"
				if g.worst && i%3 == 0 {
					source = "Website" // an existing lead keeps its source
				}
				d.want = append(d.want, want{label: "call " + sess, keys: []string{"ev:" + sess},
					fields: map[string]string{"lead_phone": reg.e164(i), "leads_with_phone": "1", "lead_source": source, "status": status}})
			}
		}
		if g.worst {
			d.seed = mustJSONString(map[string]any{"Leads": lsCallerLeads(people, reg)})
			// Ends before it starts: LeadSquared refuses it (MXInvalidInputException).
			d.rows = append(d.rows, "call-refused,+91 98199 99999,2026-11-20 10:00:00,2026-11-20 09:00:00,Answered,Web")
			d.refused++
		}
		return d
	}
	return contractCase{
		name: "leadsquared/call_log", limit: leadsquaredtest.DefaultLimit(), job: contractCallLogJob, gen: gen, event: true,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadSquared(o)
			emu.records = func() []vrec {
				leads := map[string]leadsquaredtest.Lead{}
				perPhone := map[string]int{}
				for _, l := range srv.Leads() {
					leads[strings.ToLower(l.ProspectID)] = l
					perPhone[normPhone(l.Phone)]++
				}
				var out []vrec
				for _, c := range srv.CallLogs() {
					l := leads[strings.ToLower(c.LeadID)]
					out = append(out, vrec{id: c.ActivityID, keys: []string{"ev:" + c.CallSessionID},
						fields: map[string]string{"lead_phone": normPhone(l.Phone), "leads_with_phone": strconv.Itoa(perPhone[normPhone(l.Phone)]), "lead_source": l.Source, "status": c.Status}})
				}
				return out
			}
			return emu
		},
	}
}

const contractPopupJob = `name: contract-leadsquared-popup
source: {path: people.csv}
sink:
  vendor: leadsquared
  object: agent_popup
  url: ${LS_URL}
  access_key: ${LS_ACCESS}
  secret_key: ${LS_SECRET}
  country_code: "+91"
  budget: {{BUDGET}}
region: IN
match: {keys: [CallSessionId]}
mapping:
  CallSessionId: Session
  SourceNumber: From
  DestinationNumber: {value: "+91 80111 12222"}
  Direction: {value: Inbound}
  UserId: {value: "` + leadsquaredtest.TestUserID + `"}
  Tag: Tag
`

// leadsquaredPopupCase: popups for callers with a lead (found by phone);
// one caller has no lead, so no popup can be shown (refused).
func leadsquaredPopupCase() contractCase {
	reg := regionIN
	gen := func(g genOpts) contractData {
		d := contractData{header: "Session,From,Tag"}
		var leads []map[string]any
		for i := 0; len(d.want) < g.n; i++ {
			leads = append(leads, map[string]any{"ProspectID": lsGUID(i), "FirstName": fmt.Sprintf("First%d", i), "Phone": lsPhone(reg.e164(i)),
				"Source": "Website", "OwnerId": leadsquaredtest.TestUserID, "CreatedBy": leadsquaredtest.TestUserID})
			events := 1
			if g.worst {
				events = 1 + i%2
			}
			for k := 0; k < events && len(d.want) < g.n; k++ {
				sess := fmt.Sprintf("popup-%d-%d", i, k)
				tag := fmt.Sprintf("t%d", g.variant)
				d.rows = append(d.rows, strings.Join([]string{sess, reg.a(i), tag}, ","))
				if g.worst && k == 0 && i%10 == 3 {
					d.rows = append(d.rows, strings.Join([]string{sess, reg.b(i), tag}, ","))
				}
				d.want = append(d.want, want{label: "popup " + sess, keys: []string{"ev:" + sess},
					fields: map[string]string{"lead": lsGUID(i), "tag": tag}})
			}
		}
		d.seed = mustJSONString(map[string]any{"Leads": leads})
		if g.worst {
			d.rows = append(d.rows, "popup-refused,+91 98199 99999,t0")
			d.refused++
		}
		return d
	}
	return contractCase{
		name: "leadsquared/agent_popup", limit: leadsquaredtest.DefaultLimit(), job: contractPopupJob, gen: gen, event: true,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadSquared(o)
			emu.records = func() []vrec {
				var out []vrec
				for _, p := range srv.Popups() {
					out = append(out, vrec{id: p.ID, keys: []string{"ev:" + p.CallSessionID}, fields: map[string]string{"lead": strings.ToLower(p.LeadID), "tag": p.Tag}})
				}
				return out
			}
			return emu
		},
	}
}

const contractLSLeadJob = `name: contract-leadsquared-lead
source: {path: people.csv}
sink:
  vendor: leadsquared
  object: lead
  url: ${LS_URL}
  access_key: ${LS_ACCESS}
  secret_key: ${LS_SECRET}
  country_code: "+91"
  budget: {{BUDGET}}
region: IN
match: {keys: [EmailAddress, Phone]}
mapping:
  FirstName: First
  LastName: Last
  EmailAddress: Email
  Phone: Phone
  Company: Company
  mx_City: City
  OwnerId: Owner
`

func leadsquaredLeadCase() contractCase {
	reg := regionIN
	lead := func(id, first, email, phone, company, city string) map[string]any {
		l := map[string]any{"ProspectID": id, "FirstName": first, "Company": company, "Source": "Website",
			"OwnerId": leadsquaredtest.TestUserID, "CreatedBy": leadsquaredtest.TestUserID, "Attributes": map[string]string{"mx_City": city}}
		if email != "" {
			l["EmailAddress"] = email
		}
		if phone != "" {
			l["Phone"] = phone
		}
		return l
	}
	spec := personSpec{
		reg:    reg,
		header: "First,Last,Email,Phone,Company,City,Owner",
		row: func(p person, dup bool) string {
			ph, em := fileSpelling(p, reg, dup)
			return strings.Join([]string{p.first, p.last, em, ph, p.company, p.city, ""}, ",")
		},
		seedRec: func(p person) map[string]any {
			ph := ""
			if v := p.seedPhoneValue(reg); v != "" {
				ph = lsPhone(v)
			}
			l := lead(lsGUID(p.i), p.first, p.seedEmailValue(), ph, fmt.Sprintf("Co%d", p.i%7), p.seedCity)
			l["LastName"] = p.last
			return l
		},
		seedDoc: func(recs []map[string]any) string { return mustJSONString(map[string]any{"Leads": recs}) },
		expect: func(p person) map[string]string {
			return map[string]string{"FirstName": p.first, "LastName": p.last, "EmailAddress": p.finalEmail(), "Phone": p.finalPhone(), "Company": p.company, "mx_City": p.city}
		},
		extra: func(g genOpts, d *contractData, seeds *[]map[string]any) {
			*seeds = append(*seeds, lead(lsGUID(990001), "TwinA", "amb.a@example.com", "+91-9819999991", "A", "X"),
				lead(lsGUID(990002), "TwinB", "amb.b@example.com", "+91-9819999992", "B", "Y"))
			// E-mail of one lead, phone of another: ambiguous, both left alone.
			d.rows = append(d.rows, "Twin,Three,amb.a@example.com,+91 98199 99992,C,Z,")
			d.want = append(d.want, want{label: "ambiguous A", keys: []string{"email:amb.a@example.com"}, fields: map[string]string{"Company": "A", "Phone": "+919819999991"}},
				want{label: "ambiguous B", keys: []string{"email:amb.b@example.com"}, fields: map[string]string{"Company": "B", "Phone": "+919819999992"}})
			// Owned by a deactivated user: LeadSquared refuses it.
			d.rows = append(d.rows, "Refused,Owner,refused@example.com,+91 98199 99993,C,Z,"+leadsquaredtest.DeactivatedUserID)
			d.refused++
		},
	}
	return contractCase{
		name: "leadsquared/lead", limit: leadsquaredtest.DefaultLimit(), job: contractLSLeadJob, gen: spec.gen,
		start: func(o emuOpts) *contractEmu {
			srv, emu := startLeadSquared(o)
			emu.records = func() []vrec {
				var out []vrec
				for _, l := range srv.Leads() {
					out = append(out, vrec{id: l.ProspectID, keys: keysOf([]string{l.Phone}, []string{l.EmailAddress}),
						fields: map[string]string{"FirstName": l.FirstName, "LastName": l.LastName, "EmailAddress": l.EmailAddress,
							"Phone": normPhone(l.Phone), "Company": l.Company, "mx_City": l.Attributes["mx_City"]}})
				}
				return out
			}
			return emu
		},
	}
}
