package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The shell scripts ask the binary itself for candidates
// (--generate-bash-completion), so they never go stale.
const bashCompletion = `# leadsync completion for bash: source <(leadsync completion bash)
_leadsync() {
	local cur words
	cur="${COMP_WORDS[COMP_CWORD]}"
	words=("${COMP_WORDS[@]:0:COMP_CWORD}")
	if [[ "$cur" == -* ]]; then
		words+=("$cur")
	fi
	COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
	if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -o filenames -F _leadsync leadsync
`

const zshCompletion = `#compdef leadsync
# leadsync completion for zsh: leadsync completion zsh > "${fpath[1]}/_leadsync"
_leadsync() {
	local -a opts
	opts=("${(@f)$(${words[@]:0:CURRENT-1} --generate-bash-completion 2>/dev/null)}")
	if [[ -n "${opts[1]}" ]]; then
		_describe 'leadsync' opts
	else
		_files
	fi
}
compdef _leadsync leadsync
`

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
