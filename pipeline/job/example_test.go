package job_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leadsync/leadsync/pipeline/job"
)

// A Go program runs a job through the library: a small CSV file exported
// to a CSV file shaped like LeadDesk's contacts, one row rejected for its
// phone. The result is data: the class a command maps to an exit code,
// the status and counts of summary.json.
func Example() {
	dir, err := os.MkdirTemp("", "leadsync-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	write := func(name, text string) { _ = os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644) }
	write("leads.csv", "Name,Phone,Email\nAnna Virtanen,040 123 4567,anna@example.fi\nMikko Laine,not a phone,mikko@example.fi\nOuti Laine,+358 50 765 4321,outi@example.fi\n")
	write("job.yaml", `name: example
source: {path: leads.csv}
sink: {vendor: export, schema: leaddesk/contact, path: out/contacts.csv}
region: FI
state: state/state.db
match: {keys: [phone]}
mapping:
  list: {value: "Example leads"}
  fname: Name
  phone: {column: Phone, transform: [phone], required: true}
  email: {column: Email, transform: [email]}
`)

	j, err := job.Load(filepath.Join(dir, "job.yaml"), job.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	res, err := j.Run(context.Background(), job.RunOptions{})
	if res == nil {
		fmt.Println(err)
		return
	}
	s := res.Summary
	fmt.Printf("class %s, status %s\n", res.Class, s.Status)
	fmt.Printf("rows %d, written %d, rejected %d\n", s.Rows, s.Written, s.Rejected)
	fmt.Println("output", filepath.Base(s.Output))
	// Output:
	// class rejected, status done_with_rejects
	// rows 3, written 2, rejected 1
	// output contacts.csv
}

// The same rows sent to LeadDesk's emulator, run in-process (url:
// sandbox), then planned again with a dry run: the second look finds
// every contact already there.
func ExampleJob_Run_sandbox() {
	dir, err := os.MkdirTemp("", "leadsync-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	write := func(name, text string) { _ = os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644) }
	write("leads.csv", "Name,Phone\nAnna Virtanen,040 123 4567\nOuti Laine,+358 50 765 4321\n")
	write("job.yaml", `name: sandboxed
source: {path: leads.csv}
sink: {vendor: leaddesk, object: contact, url: sandbox}
region: FI
state: state/state.db
match: {keys: [phone]}
mapping:
  list: {value: "Nightly leads"}
  fname: Name
  phone: {column: Phone, transform: [phone], required: true}
`)
	for _, opts := range []job.RunOptions{{}, {DryRun: true}} {
		// A Job reads its source once: each run loads the job again.
		j, err := job.Load(filepath.Join(dir, "job.yaml"), job.LoadOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := j.Run(context.Background(), opts)
		j.Close()
		if res == nil {
			fmt.Println(err)
			return
		}
		s := res.Summary
		fmt.Printf("%s: %v\n", s.Status, s.Actions)
	}
	// Output:
	// done: map[create:2]
	// dry_run: map[unchanged:2]
}
