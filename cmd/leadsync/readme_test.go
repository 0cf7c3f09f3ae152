package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The README's commands and outputs, run as shown: one testscript per README
// section in testdata/readme. Each script starts in a folder holding a fresh
// copy of testdata/example (the files the README shows), so the docs run
// against the shipped files and cannot drift from them.
func TestReadme(t *testing.T) {
	example := filepath.Join("..", "..", "testdata", "example")
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "readme"),
		Setup: func(env *testscript.Env) error {
			env.Vars = append(env.Vars, "NO_COLOR=1")
			return copyTree(example, filepath.Join(env.WorkDir, "testdata", "example"))
		},
	})
}

// copyTree copies the shipped files of dir, leaving out what runs leave
// behind (.leadsync, out).
func copyTree(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == ".leadsync" || e.Name() == "out" {
			continue
		}
		if e.IsDir() {
			if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// notScripted are README commands no script can run, with the reason.
var notScripted = map[string]string{
	"go test ./...": "the test suite itself",
	"go install github.com/leadsync/leadsync/cmd/leadsync@latest": "needs the network; the scripts run the same main in-process",
}

// readmeCommands returns every command line of README.md's ```sh and
// ```console blocks: console lines after "$ ", sh lines without their
// trailing comment; `go run ./cmd/leadsync` is the `leadsync` command.
func readmeCommands(readme []byte) []string {
	var cmds []string
	var lang string
	in := false
	comment := regexp.MustCompile(`\s+#.*$`)
	sc := bufio.NewScanner(bytes.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if in {
				in = false
				continue
			}
			in, lang = true, strings.TrimPrefix(line, "```")
			continue
		}
		if !in {
			continue
		}
		var cmd string
		switch lang {
		case "console":
			c, ok := strings.CutPrefix(line, "$ ")
			if !ok {
				continue
			}
			cmd = c
		case "sh":
			cmd = comment.ReplaceAllString(line, "")
		default:
			continue
		}
		cmd = strings.TrimSpace(cmd)
		if cmd == "" || strings.HasPrefix(cmd, "#") {
			continue
		}
		cmd = strings.Replace(cmd, "go run ./cmd/leadsync", "leadsync", 1)
		cmds = append(cmds, strings.Join(strings.Fields(cmd), " "))
	}
	return cmds
}

// scriptCommands returns the command lines of every README script, without
// their `!`/`?` prefix and `exec`.
func scriptCommands(t *testing.T) map[string]bool {
	files, err := filepath.Glob(filepath.Join("testdata", "readme", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no README scripts: %v", err)
	}
	have := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "-- ") {
				break // the archive's files
			}
			line = strings.TrimSpace(line)
			line = strings.TrimPrefix(strings.TrimPrefix(line, "! "), "? ")
			line = strings.TrimPrefix(line, "exec ")
			have[strings.Join(strings.Fields(line), " ")] = true
		}
	}
	return have
}

// Every command the README shows is run by a script: a new README command
// without one fails here.
func TestReadmeCommandsScripted(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(readme)
	if len(cmds) == 0 {
		t.Fatal("no commands found in README.md")
	}
	have := scriptCommands(t)
	for _, c := range cmds {
		if _, ok := notScripted[c]; ok {
			continue
		}
		if !have[c] {
			t.Errorf("README command %q is run by no script in testdata/readme", c)
		}
	}
}

func TestReadmeCommandsParse(t *testing.T) {
	got := readmeCommands([]byte("x\n```sh\ngo run ./cmd/leadsync run a.yaml   # note\n# only a comment\n```\n```console\n$ leadsync  validate b.yaml\nout\n```\n```yaml\n$ no\n```\n"))
	want := []string{"leadsync run a.yaml", "leadsync validate b.yaml"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}
