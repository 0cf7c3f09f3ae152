package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
)

// Exit codes, documented in --help and the README.
const (
	ExitOK          = 0 // done
	ExitRejected    = 1 // done, with rejected rows (see the run's rejected.csv)
	ExitUsage       = 2 // usage or configuration error; nothing was written
	ExitInterrupted = 3 // interrupted; run the same command again to resume
	ExitAuth        = 4 // a vendor refused the credentials
	// ExitFiles: leadsync could not use a file of its own (the state
	// database read-only, locked, corrupt or removed; a disk full under
	// state, reports or the export output). No row is rejected for it.
	ExitFiles = 5
)

const exitHelp = `EXIT CODES:
   0  done
   1  done, with rejected rows (listed in the run's rejected.csv)
   2  usage or configuration error (nothing was written)
   3  interrupted; run the same command again to resume
   4  authentication failed (the message names the credential's variable)
   5  leadsync could not use its own files: the state database (read-only, locked,
      corrupt, removed) or a disk full under state, reports or output; the message
      names the file; no row was rejected for it; fix it and run again to resume
`

// env is how the app sees its surroundings; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	lookup func(string) (string, bool)
	// vendors are the vendors jobs may name (sinks/vendors.All()).
	vendors []sinks.Vendor
}

// exitError carries an exit code out of an action.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: code, err: err}
}

// classErr gives a job error the exit code of its class.
func classErr(err error) error {
	if err == nil {
		return nil
	}
	return withCode(exitCode(job.ClassOf(err)), err)
}

// exitCode maps a job's class to the process exit code.
func exitCode(c job.Class) int {
	codes := [...]int{job.Done: ExitOK, job.Rejected: ExitRejected, job.Usage: ExitUsage,
		job.Interrupted: ExitInterrupted, job.Auth: ExitAuth, job.Files: ExitFiles}
	if c < 0 || int(c) >= len(codes) {
		return ExitUsage
	}
	return codes[c]
}

// appHelp is urfave/cli's app help with the exit codes appended; each
// app carries its own copy, so no package-level template is changed.
func appHelp() string { return strings.TrimRight(cli.AppHelpTemplate, "\n") + "\n\n" + exitHelp }

// newApp builds the command tree.
func newApp(e *env) *cli.App {
	return &cli.App{
		CustomAppHelpTemplate: appHelp(),
		Name:                  "leadsync",
		Usage:                 "sync lead files (CSV, XLSX) into " + job.AndList(job.SinkTitles(e.vendors)) + ", resumably and without duplicates",
		Description: "A job file (YAML) names a source, a sink and a mapping. `leadsync validate JOB` checks it,\n" +
			"`leadsync run JOB` runs or resumes it, `leadsync inspect FILE` suggests a mapping.",
		Reader:               e.stdin,
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		HideHelpCommand:      true,
		Version:              job.Version(),
		Suggest:              true,
		EnableBashCompletion: true,
		CommandNotFound: func(c *cli.Context, name string) {
			msg := fmt.Sprintf("unknown command %q", name)
			if s := cli.SuggestCommand(c.App.Commands, name); s != "" {
				msg += "; " + strings.TrimSpace(s)
			}
			c.App.Metadata["notFound"] = msg + " (leadsync --help lists the commands)"
		},
		Metadata:       map[string]any{},
		ExitErrHandler: func(*cli.Context, error) {}, // run() maps errors to codes
		Commands: []*cli.Command{
			runCommand(e),
			diffCommand(e),
			validateCommand(e),
			inspectCommand(e),
			fieldsCommand(e),
			runsCommand(e),
			showCommand(e),
			gcCommand(e),
			mergeShardsCommand(e),
			sandboxCommand(e),
			setupCommand(e),
			reconcileCommand(e),
			presetsCommand(e),
			completionCommand(e),
			manCommand(e),
		},
	}
}

// run executes the app and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	return runEnv(&env{stdin: stdin, stdout: stdout, stderr: stderr, lookup: lookup, vendors: vendors.All()}, args)
}

// runEnv is run in an environment of the caller's (a test's vendors).
func runEnv(e *env, args []string) int {
	stderr := e.stderr
	app := newApp(e)
	err := app.Run(flagsFirst(app, args))
	if msg, ok := app.Metadata["notFound"].(string); ok {
		fmt.Fprintln(stderr, "leadsync:", msg)
		return ExitUsage
	}
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			if app.Metadata["logFormat"] == "json" {
				// --log-format json: stderr holds JSON lines only.
				level := slog.LevelError
				if ee.code == ExitRejected {
					level = slog.LevelWarn
				}
				slog.New(slog.NewJSONHandler(stderr, nil)).Log(context.Background(), level, ee.err.Error(), "exit_code", ee.code)
			} else {
				fmt.Fprintln(stderr, "leadsync:", job.ErrorText(ee.err))
			}
		}
		if job.ClassOf(ee.err) == job.Files {
			return ExitFiles
		}
		return ee.code
	}
	// Errors from flag parsing and unknown commands are usage errors.
	fmt.Fprintln(stderr, "leadsync:", err)
	return ExitUsage
}

// flagsFirst lets flags follow the positional arguments, as users type
// them (`leadsync run JOB --dry-run`): urfave/cli v2 stops reading flags
// at the first argument, so the command's flags (with their values) are
// moved before its arguments. "--" ends the flags as usual.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		i++ // global flags (none take a value)
	}
	if i >= len(args) {
		return args
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, pos []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			pos = append(pos, rest[j:]...)
			j = len(rest)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && j+1 < len(rest) {
				j++
				flags = append(flags, rest[j])
			}
		default:
			pos = append(pos, a)
		}
	}
	out := append(append([]string{}, args[:i+1]...), flags...)
	return append(out, pos...)
}
