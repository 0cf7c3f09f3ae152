package job

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/leadsync/leadsync/sinks"
)

// WriteFields writes a vendor's schema as `leadsync fields` prints it:
// every object, or only the one named; text (with the vendor's
// connection keys first when every object is shown) or Markdown.
func WriteFields(w io.Writer, ve sinks.Vendor, object string, markdown bool) error {
	s := ve.Schema()
	objs := s.Objects
	if object != "" {
		o, err := s.Object(object)
		if err != nil {
			return err
		}
		objs = []sinks.Object{o}
	}
	if object == "" && !markdown && len(ve.Options) > 0 {
		WriteVendorOptions(w, ve)
		fmt.Fprintln(w)
	}
	for i, o := range objs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if markdown {
			WriteObjectMarkdown(w, s.Vendor, o)
		} else {
			WriteObjectText(w, s.Vendor, o)
		}
	}
	return nil
}

// WriteVendorOptions lists the vendor's connection keys, as its
// descriptor declares them (`leadsync fields VENDOR`).
func WriteVendorOptions(w io.Writer, ve sinks.Vendor) {
	fmt.Fprintf(w, "%s connection: the keys of a job's sink (and source) section\n", ve.Name)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSECRET\tDEFAULT\tVARIABLE\tNOTES")
	for _, o := range ve.Options {
		notes := o.Doc
		if o.SourceOnly {
			notes = "source only: " + notes
		}
		if o.Required != "" {
			notes += " (required)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Key, yesNo(o.Secret), o.Default, o.Env, notes)
	}
	tw.Flush()
}

// eventNote says what identifies an event object's records.
func eventNote(o sinks.Object) string {
	return fmt.Sprintf("event: one record per %s (all together, plus the job's match keys); rows of the same event merge, two events of one person are two writes",
		strings.Join(o.EventKey, " + "))
}

// WriteObjectText writes a schema object as `leadsync fields` prints it.
func WriteObjectText(w io.Writer, vendor string, o sinks.Object) {
	fmt.Fprintf(w, "%s %s: %s\n", vendor, o.Name, o.Doc)
	if len(o.Keys) > 0 {
		fmt.Fprintf(w, "match keys: %s; find: %v; update: %v\n", strings.Join(o.Keys, ", "), o.CanFind, o.CanUpdate)
	}
	if o.Event {
		fmt.Fprintln(w, eventNote(o))
	}
	if o.Open {
		fmt.Fprintln(w, "any field name is accepted (values are written as text)")
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tTYPE\tREQUIRED\tMAX\tNOTES")
	for _, f := range o.Fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Type, yesNo(f.Required), maxLen(f), fieldNotes(f))
	}
	tw.Flush()
}

// WriteObjectMarkdown writes a schema object as Markdown (the field reference).
func WriteObjectMarkdown(w io.Writer, vendor string, o sinks.Object) {
	fmt.Fprintf(w, "#### %s `%s`\n\n%s\n\n", vendor, o.Name, o.Doc)
	if o.Event {
		fmt.Fprintf(w, "%s\n\n", eventNote(o))
	}
	if o.Open {
		fmt.Fprintln(w, "Any field name is accepted (values are written as text).")
		return
	}
	fmt.Fprintln(w, "| field | type | required | max | notes |\n|---|---|---|---|---|")
	for _, f := range o.Fields {
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Type, yesNo(f.Required), maxLen(f), fieldNotes(f))
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
