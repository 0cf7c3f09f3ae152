// Command leadsync syncs lead files into CRM and contact-center APIs.
// Run `leadsync --help` for commands and exit codes.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}
