package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// The command stays thin: flags, printing and exit codes; the work is in
// pipeline/job. (issue 12)
const (
	maxCommandLines = 1000
	maxFuncLines    = 60
)

// pendingThin are files counted apart (none: every command file counts).
func pendingThin() map[string]bool { return map[string]bool{} }

func commandFiles(t *testing.T) []string {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

func TestCommandIsThin(t *testing.T) {
	total, pending := 0, 0
	for _, f := range commandFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := bytes.Count(b, []byte("\n"))
		total += n
		if pendingThin()[f] {
			pending += n
		}
	}
	t.Logf("cmd/leadsync: %d non-test lines (%d in files other branches are reshaping)", total, pending)
	if total-pending > maxCommandLines {
		t.Errorf("cmd/leadsync holds %d non-test lines (%d besides %v), more than %d: move the work to pipeline/job", total, total-pending, pendingThin(), maxCommandLines)
	}
}

func TestCommandFunctionsAreShort(t *testing.T) {
	fset := token.NewFileSet()
	type fn struct {
		name  string
		lines int
	}
	var all []fn
	for _, f := range commandFiles(t) {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			all = append(all, fn{f + ":" + fd.Name.Name, n})
			if n > maxFuncLines && pendingThin()[f] {
				t.Logf("%s: %s is %d lines (pending)", f, fd.Name.Name, n)
			} else if n > maxFuncLines {
				t.Errorf("%s: %s is %d lines, more than %d", f, fd.Name.Name, n, maxFuncLines)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lines > all[j].lines })
	for _, f := range all[:min(5, len(all))] {
		t.Logf("%4d %s", f.lines, f.name)
	}
}

// newApp leaves urfave/cli's package-level templates alone: every app's
// help lists the exit codes once.
func TestHelpExitCodesOnce(t *testing.T) {
	before := cli.AppHelpTemplate
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		app := newApp(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, lookup: func(string) (string, bool) { return "", false }})
		if err := app.Run([]string{"leadsync", "--help"}); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(out.String(), "EXIT CODES"); n != 1 {
			t.Fatalf("app %d: EXIT CODES %d times in its help", i+1, n)
		}
	}
	if cli.AppHelpTemplate != before {
		t.Fatal("newApp changed cli.AppHelpTemplate")
	}
}

// runs and show declare their state flags each: no flag value is shared
// between commands or apps.
func TestStateFlagsNotShared(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	seen := map[cli.Flag]string{}
	for _, cmd := range []*cli.Command{runsCommand(e), showCommand(e), runsCommand(e)} {
		for _, f := range cmd.Flags {
			if other, ok := seen[f]; ok {
				t.Fatalf("flag %v of %s is also %s's", f.Names(), cmd.Name, other)
			}
			seen[f] = cmd.Name
		}
	}
}
