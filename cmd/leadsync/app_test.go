package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/state"
)

type result struct {
	code           int
	stdout, stderr string
}

func runApp(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	r := runAppB(env, args...)
	if len(args) > 0 && args[0] == "run" {
		logForecast(t, args[len(args)-1])
	}
	return r
}

// logForecast logs the newest run's forecast and calls of the job beside
// job (the e2e figures of issue 14).
func logForecast(t *testing.T, job string) {
	t.Helper()
	runs := filepath.Join(filepath.Dir(job), ".leadsync", "runs")
	ents, err := os.ReadDir(runs)
	if err != nil {
		return
	}
	last := 0
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > last {
			last = n
		}
	}
	b, err := os.ReadFile(filepath.Join(runs, strconv.Itoa(last), "summary.json"))
	var s summary
	if err != nil || json.Unmarshal(b, &s) != nil {
		return
	}
	t.Logf("forecast: job %s run %d: forecast %d calls, made %d", s.Job, s.RunID, s.ForecastCalls, s.Calls)
}

// runAppB runs the app in-process (for benchmarks too).
func runAppB(env map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := run(append([]string{"leadsync"}, args...), strings.NewReader(""), &out, &errb, lookup)
	return result{code, out.String(), errb.String()}
}

// copyExample copies the example job and its file into a temp folder so
// runs leave nothing in the repository.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"job.yaml", "leads.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "example", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRunExampleJob(t *testing.T) {
	dir := copyExample(t)
	job := filepath.Join(dir, "job.yaml")
	r := runApp(t, nil, "run", "--quiet", job)
	if r.code != ExitRejected {
		t.Fatalf("exit %d, want %d (rejected rows)\n%s%s", r.code, ExitRejected, r.stdout, r.stderr)
	}
	for _, want := range []string{"rows      10", "written   7", "rejected  3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	out, _ := os.ReadFile(filepath.Join(dir, "out", "contacts.csv"))
	if !strings.Contains(string(out), "Nightly leads,Anna,Virtanen,'+358401234567,anna.virtanen@example.fi,Helsinki") {
		t.Fatalf("export:\n%s", out)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "preview", "runs", "1", "rejected.csv"))
	if !strings.Contains(string(rej), `Liisa,Heikkinen,12345,`) || !strings.Contains(string(rej), `,7,Puhelin,"field phone: not a valid phone number`) {
		t.Fatalf("rejected.csv:\n%s", rej)
	}
	var sum summary
	b, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "preview", "runs", "1", "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil || sum.Written != 7 || sum.Status != state.RunRejected {
		t.Fatalf("summary.json: %s %v", b, err)
	}

	// History.
	r = runApp(t, nil, "runs", "--job", job)
	if r.code != 0 || !strings.Contains(r.stdout, "example-preview") || !strings.Contains(r.stdout, "done_with_rejects") {
		t.Fatalf("runs: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, nil, "show", "--job", job, "1")
	if r.code != 0 || !strings.Contains(r.stdout, `row 7, column "Puhelin": field phone: not a valid phone number: "12345"`) {
		t.Fatalf("show: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	dir := copyExample(t)
	job := filepath.Join(dir, "job.yaml")
	b, _ := os.ReadFile(job)
	bad := strings.Replace(string(b), "column: Puhelin,", "column: Puhelinnumero,", 1)
	bad = strings.Replace(bad, "  city:      Kaupunki", "  citty:     Kaupunki", 1)
	bad = strings.Replace(bad, "region: FI", "region: FI\nconcurency: 4", 1)
	os.WriteFile(job, []byte(bad), 0o644)
	r := runApp(t, nil, "validate", job)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `unknown key "concurency"; did you mean "concurrency"?`) {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	// Unknown keys stop decoding; once fixed, the mapping errors all show.
	os.WriteFile(job, []byte(strings.Replace(bad, "concurency: 4", "concurrency: 4", 1)), 0o644)
	r = runApp(t, nil, "validate", job)
	for _, want := range []string{"2 problems", `column "Puhelinnumero" is not in the source header; did you mean "Puhelin"?`, `contact has no field "citty"; did you mean "city"?`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != ExitUsage || !strings.Contains(r.stderr, "job.yaml:") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestMissingEnvNamesVariable(t *testing.T) {
	dir := copyExample(t)
	job := filepath.Join(dir, "job.yaml")
	b, _ := os.ReadFile(job)
	os.WriteFile(job, []byte(strings.Replace(string(b), "path: out/contacts.csv", "path: ${OUT_DIR}/contacts.csv", 1)), 0o644)
	r := runApp(t, nil, "validate", job)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "environment variable OUT_DIR is not set") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r = runApp(t, map[string]string{"OUT_DIR": dir}, "validate", job)
	if r.code != 0 {
		t.Fatalf("with the variable: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSecondRunIsLockedOut(t *testing.T) {
	dir := copyExample(t)
	st, err := state.Open(filepath.Join(dir, ".leadsync", "preview", "state.db")) // job.yaml's state
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	release, err := st.Lock(context.Background(), "example-preview", 99)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	r := runApp(t, nil, "run", "--quiet", filepath.Join(dir, "job.yaml"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "another run of this job is in progress") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestInspect(t *testing.T) {
	r := runApp(t, nil, "inspect", filepath.Join("..", "..", "testdata", "example", "leads.csv"))
	for _, want := range []string{"encoding   windows-1252", "delimiter  semicolon (;)", "Sähköposti", `phone: {column: "Puhelin", transform: [phone]}`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestFields(t *testing.T) {
	r := runApp(t, nil, "fields", "leaddesk", "contact")
	if r.code != 0 || !strings.Contains(r.stdout, "other35") || !strings.Contains(r.stdout, "phone") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runApp(t, nil, "fields", "nosuch"); r.code != ExitUsage || !strings.Contains(r.stderr, `unknown vendor "nosuch"`) {
		t.Fatalf("unknown vendor: %d %s", r.code, r.stderr)
	}
	if r := runApp(t, nil, "run"); r.code != ExitUsage {
		t.Fatalf("run without a job: %d", r.code)
	}
	if r := runApp(t, nil, "frobnicate"); r.code != ExitUsage {
		t.Fatalf("unknown command: %d", r.code)
	}
}

// Every command and flag explains itself, and --help lists the exit codes.
func TestHelpTexts(t *testing.T) {
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	for _, c := range app.Commands {
		if c.Usage == "" {
			t.Errorf("command %s has no usage", c.Name)
		}
		for _, f := range c.Flags {
			if df, ok := f.(cli.DocGenerationFlag); ok && df.GetUsage() == "" {
				t.Errorf("flag %s of %s has no usage", f.Names()[0], c.Name)
			}
		}
	}
	r := runApp(t, nil, "--help")
	if !strings.Contains(r.stdout, "EXIT CODES") || !strings.Contains(r.stdout, "3  interrupted") {
		t.Fatalf("help:\n%s", r.stdout)
	}
}

// The real binary, interrupted with SIGINT, commits and exits 3 with a
// resume hint; the next run resumes the same run and finishes.
func TestInterruptExitCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "leadsync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Name;Phone\n")
	for i := 0; i < 400000; i++ {
		b.WriteString("Anna;040")
		b.WriteString(strings.Repeat("1", 7))
		b.WriteString("\n")
	}
	os.WriteFile(filepath.Join(dir, "big.csv"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "job.yaml"), []byte("name: big\nsource: {path: big.csv}\nsink: {vendor: export, path: out.jsonl}\nregion: FI\nmapping: {name: Name, phone: {column: Phone, transform: [phone]}}\n"), 0o644)
	cmd := exec.Command(bin, "run", "--quiet", "--concurrency", "1", filepath.Join(dir, "job.yaml"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		t.Skip("the run finished before the signal; machine too fast for this file")
	}
	if code != ExitInterrupted || !strings.Contains(stderr.String(), "resume with: leadsync run") {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out.jsonl")); err == nil {
		t.Fatal("an interrupted export left its output in place")
	}
	out, err := exec.Command(bin, "run", "--quiet", filepath.Join(dir, "job.yaml")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "run 1 (resumed): done") || !strings.Contains(string(out), "written   400000") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
}

// Flags after the job file work (`leadsync run JOB --dry-run`), with
// their values, and the help shows EXIT CODES once however many apps are
// built.
func TestFlagsAfterArguments(t *testing.T) {
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	got := flagsFirst(app, []string{"leadsync", "run", "job.yaml", "--dry-run", "--concurrency", "16", "--plan=p.json", "-q"})
	want := []string{"leadsync", "run", "--dry-run", "--concurrency", "16", "--plan=p.json", "-q", "job.yaml"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q", got)
	}
	if got := flagsFirst(app, []string{"leadsync", "run", "--", "-odd.yaml"}); strings.Join(got, " ") != "leadsync run -- -odd.yaml" {
		t.Fatalf("after --: %q", got)
	}
	dir := copyExample(t)
	r := runApp(t, nil, "run", filepath.Join(dir, "job.yaml"), "--json", "--concurrency", "2")
	if r.code == ExitUsage || !strings.HasPrefix(strings.TrimSpace(r.stdout), "{") {
		t.Fatalf("run JOB --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for range 3 {
		newApp(&env{stdout: io.Discard, stderr: io.Discard})
	}
	if h := runApp(t, nil, "--help"); strings.Count(h.stdout, "EXIT CODES") != 1 {
		t.Fatalf("EXIT CODES %d times:\n%s", strings.Count(h.stdout, "EXIT CODES"), h.stdout)
	}
}

// --version names the build; a mistyped command or flag gets a
// suggestion and exit 2; completion scripts and the man page print.
func TestCLIConventions(t *testing.T) {
	if r := runApp(t, nil, "--version"); r.code != 0 || !strings.Contains(r.stdout, "leadsync version") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("--version: %d %q", r.code, r.stdout)
	}
	if r := runApp(t, nil, "valdate", "x.yaml"); r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "valdate"`) || !strings.Contains(r.stderr, `"validate"`) {
		t.Fatalf("mistyped command: %d %q", r.code, r.stderr)
	}
	if r := runApp(t, nil, "run", "--dry-runn", "x.yaml"); r.code != ExitUsage || !strings.Contains(r.stdout+r.stderr, `"--dry-run"`) {
		t.Fatalf("mistyped flag: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		if r := runApp(t, nil, "completion", sh); r.code != 0 || !strings.Contains(r.stdout, "leadsync") {
			t.Fatalf("completion %s: %d %q", sh, r.code, r.stderr)
		}
	}
	if r := runApp(t, nil, "man"); r.code != 0 || !strings.Contains(r.stdout, ".TH leadsync") {
		t.Fatalf("man: %d", r.code)
	}
	if r := runApp(t, nil, "run", "--help"); strings.Contains(r.stdout, "(default: 0)") {
		t.Fatalf("help shows a misleading default:\n%s", r.stdout)
	}
}
