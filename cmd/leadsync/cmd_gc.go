package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/state"
)

// gcCommand prunes old runs' per-row outcomes from a state file.
func gcCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "gc",
		Usage:     "remove old runs' per-row outcomes from the state file (history lines and change detection stay)",
		ArgsUsage: " ",
		Description: "Keeps each job's --keep newest runs and every run that can still resume whole; older runs keep\n" +
			"their summary line in `leadsync runs` but lose their per-row outcomes (show says so). --vacuum\n" +
			"gives the freed space back to the file system (it rewrites the file: run it when no job runs).",
		Flags: append(stateFlags(),
			&cli.IntFlag{Name: "keep", Value: 10, Usage: "newest runs to keep whole, per job"},
			&cli.BoolFlag{Name: "vacuum", Usage: "shrink the file afterwards"},
		),
		Action: func(c *cli.Context) error {
			path := c.String("state")
			if jp := c.String("job"); jp != "" {
				s, _, err := openState(c, e) // resolves the job's state path
				if err != nil {
					return withCode(ExitUsage, err)
				}
				path = s.Path()
				s.Close()
			}
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				return exitf(ExitUsage, "no state here (%s does not exist): nothing to collect", path)
			}
			s, err := state.Open(path)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.GC(c.Context, c.Int("keep"), c.Bool("vacuum"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(e, map[string]any{"state": path, "runs_pruned": res.Runs, "outcomes_removed": res.Outcomes,
					"staged_removed": res.Staged, "bytes_before": res.SizeBefore, "bytes_after": res.SizeAfter})
			}
			fmt.Fprintf(e.stdout, "%s: pruned %d runs (%d row outcomes, %d staged pages); %s → %s\n",
				path, res.Runs, res.Outcomes, res.Staged, byteSize(res.SizeBefore), byteSize(res.SizeAfter))
			return nil
		},
	}
}

// byteSize is n in KB/MB/GB for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
