package main

import (
	"fmt"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/report"
)

// mergeShardsCommand merges the summaries and reports of a job's shards.
func mergeShardsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "merge-shards",
		Usage:     "merge the summary.json (and rejected.csv, written.csv) of a job's shards into one",
		ArgsUsage: "SUMMARY.json...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the merged summary.json, rejected.csv and written.csv to `DIR`"},
			&cli.BoolFlag{Name: "json", Usage: "print the merged summary as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return exitf(ExitUsage, "merge-shards needs the shards' summary.json files: leadsync merge-shards .leadsync/runs/*/summary.json")
			}
			m, err := report.MergeShards(c.Args().Slice(), c.String("out"))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if c.Bool("json") {
				return printJSON(e, m.Summary)
			}
			s := m.Summary
			fmt.Fprintf(e.stdout, "job %v, %d shards: %v\n", s["job"], m.Shards, s["status"])
			for _, k := range []string{"rows", "entities", "written", "rejected", "uncertain", "failed", "calls"} {
				if v, ok := s[k]; ok {
					fmt.Fprintf(e.stdout, "  %-9s %v\n", k, v)
				}
			}
			if acts, ok := s["actions"].(map[string]any); ok && len(acts) > 0 {
				names := make([]string, 0, len(acts))
				for k := range acts {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					fmt.Fprintf(e.stdout, "  %-9s %v\n", k, acts[k])
				}
			}
			for _, f := range m.Files {
				fmt.Fprintf(e.stdout, "  wrote     %s\n", f)
			}
			return nil
		},
	}
}
