package main

import (
	_ "embed"
	"fmt"

	"github.com/urfave/cli/v2"
)

// The shell scripts ask the binary itself for candidates
// (--generate-bash-completion), so they never go stale.
var (
	//go:embed completion/leadsync.bash
	bashCompletion string
	//go:embed completion/leadsync.zsh
	zshCompletion string
)

func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				fmt.Fprint(e.stdout, bashCompletion)
			case "zsh":
				fmt.Fprint(e.stdout, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return withCode(ExitUsage, err)
				}
				fmt.Fprint(e.stdout, s)
			default:
				return exitf(ExitUsage, "completion needs a shell: leadsync completion bash|zsh|fish")
			}
			return nil
		},
	}
}

func manCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the manual page (roff): leadsync man > leadsync.1",
		Action: func(c *cli.Context) error {
			s, err := c.App.ToMan()
			if err != nil {
				return withCode(ExitUsage, err)
			}
			fmt.Fprint(e.stdout, s)
			return nil
		},
	}
}
