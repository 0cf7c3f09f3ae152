package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sinks"
)

func fieldsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "fields",
		Usage:     "print a sink's schema: objects, fields, types, limits",
		ArgsUsage: "VENDOR [OBJECT]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "markdown", Usage: "print Markdown tables (as in the README)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return exitf(ExitUsage, "fields needs a vendor (%s) and optionally an object", strings.Join(job.VendorNames(), ", "))
			}
			s, err := job.Schema(c.Args().Get(0))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			objs := s.Objects
			if c.NArg() == 2 {
				o, err := s.Object(c.Args().Get(1))
				if err != nil {
					return withCode(ExitUsage, err)
				}
				objs = []sinks.Object{o}
			}
			for i, o := range objs {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				if c.Bool("markdown") {
					writeObjectMarkdown(e, s.Vendor, o)
				} else {
					writeObjectText(e, s.Vendor, o)
				}
			}
			return nil
		},
	}
}

// eventNote says what identifies an event object's records.
func eventNote(o sinks.Object) string {
	return fmt.Sprintf("event: one record per %s (all together, plus the job's match keys); rows of the same event merge, two events of one person are two writes",
		strings.Join(o.EventKey, " + "))
}

func writeObjectText(e *env, vendor string, o sinks.Object) {
	fmt.Fprintf(e.stdout, "%s %s: %s\n", vendor, o.Name, o.Doc)
	if len(o.Keys) > 0 {
		fmt.Fprintf(e.stdout, "match keys: %s; find: %v; update: %v\n", strings.Join(o.Keys, ", "), o.CanFind, o.CanUpdate)
	}
	if o.Event {
		fmt.Fprintln(e.stdout, eventNote(o))
	}
	if o.Open {
		fmt.Fprintln(e.stdout, "any field name is accepted (values are written as text)")
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tTYPE\tREQUIRED\tMAX\tNOTES")
	for _, f := range o.Fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Type, yesNo(f.Required), maxLen(f), fieldNotes(f))
	}
	tw.Flush()
}

func writeObjectMarkdown(e *env, vendor string, o sinks.Object) {
	fmt.Fprintf(e.stdout, "#### %s `%s`\n\n%s\n\n", vendor, o.Name, o.Doc)
	if o.Event {
		fmt.Fprintf(e.stdout, "%s\n\n", eventNote(o))
	}
	if o.Open {
		fmt.Fprintln(e.stdout, "Any field name is accepted (values are written as text).")
		return
	}
	fmt.Fprintln(e.stdout, "| field | type | required | max | notes |\n|---|---|---|---|---|")
	for _, f := range o.Fields {
		fmt.Fprintf(e.stdout, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Type, yesNo(f.Required), maxLen(f), fieldNotes(f))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func maxLen(f sinks.Field) string {
	if f.MaxLen > 0 {
		return fmt.Sprint(f.MaxLen)
	}
	return ""
}

func fieldNotes(f sinks.Field) string {
	var parts []string
	if len(f.Enum) > 0 {
		parts = append(parts, "one of "+strings.Join(f.Enum, ", "))
	}
	if f.Format != "" {
		parts = append(parts, "format "+f.Format)
	}
	if f.Doc != "" {
		parts = append(parts, f.Doc)
	}
	if f.PII {
		parts = append(parts, "PII")
	}
	return strings.Join(parts, "; ")
}
