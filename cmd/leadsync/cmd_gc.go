package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
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
			res, err := job.CollectGarbage(c.Context, job.GCOptions{State: c.String("state"), JobFile: c.String("job"),
				Lookup: e.lookup, Vendors: e.vendors, Keep: c.Int("keep"), Vacuum: c.Bool("vacuum")})
			if err != nil {
				return classErr(err)
			}
			path := res.Path
			if c.Bool("json") {
				return printJSON(e, map[string]any{"state": path, "runs_pruned": res.Runs, "outcomes_removed": res.Outcomes,
					"staged_removed": res.Staged, "bytes_before": res.SizeBefore, "bytes_after": res.SizeAfter})
			}
			note := ""
			if !c.Bool("vacuum") && res.Outcomes+res.Staged > 0 {
				note = " (the freed space is reused by later runs; --vacuum shrinks the file)"
			}
			fmt.Fprintf(e.stdout, "%s: pruned %d runs (%d row outcomes, %d staged pages); %s → %s%s\n",
				path, res.Runs, res.Outcomes, res.Staged, job.ByteSize(res.SizeBefore), job.ByteSize(res.SizeAfter), note)
			return nil
		},
	}
}
