package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/mapping"
)

func presetsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "presets",
		Usage:     "list the mapping presets for moves between CRMs, or print one to copy and edit",
		ArgsUsage: "[NAME]",
		Description: "A preset is an ordinary mapping file. Use one in a job as `mapping: preset:NAME`,\n" +
			"or save it (leadsync presets NAME > mapping.yaml), edit it, and use `mapping: mapping.yaml`.",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				for _, n := range mapping.Presets() {
					fmt.Fprintln(e.stdout, n)
				}
				return nil
			}
			b, err := mapping.Preset(c.Args().First())
			if err != nil {
				return withCode(ExitUsage, err)
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
}
