package online

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
)

// fakeSink answers CheckOnline with problems after calls paced by b.
type fakeSink struct {
	sinks.Sink
	b     *budget.Budget
	calls int
	probs []sinks.Problem
	err   error
	refs  sinks.Refs
}

func (f *fakeSink) CheckOnline(ctx context.Context, refs sinks.Refs) ([]sinks.Problem, error) {
	f.refs = refs
	for i := 0; i < f.calls; i++ {
		done, err := f.b.Wait(ctx)
		if err != nil {
			return nil, err
		}
		done()
	}
	return f.probs, f.err
}

func loadJob(t *testing.T) *config.Job {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "job.yaml")
	src := "source: {path: x.csv}\nsink: {vendor: leaddesk, object: contact}\nmapping:\n  list: {value: \"Nightly leads\"}\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := config.LoadJob(p, func(string) (string, bool) { return "", false }, vendors.All())
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestCheckPlacesFindingsAndCountsCalls(t *testing.T) {
	job := loadJob(t)
	b := budget.New(10, time.Minute, time.Millisecond, nil)
	s := &fakeSink{b: b, calls: 3, probs: []sinks.Problem{
		{Path: sinks.MappingPath("list"), Field: "list", Value: "Nightly leads", Msg: "no such list"},
		{Field: "x", Msg: "not checked", Warning: true},
	}}
	res, err := Check(context.Background(), job, nil, s, b)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Checked || res.Calls != 3 || len(res.Findings) != 2 || !res.Failed() {
		t.Fatalf("result %+v", res)
	}
	if f := res.Findings[0]; f.Line != 4 || f.Col != 17 || f.String() != job.Doc.File+":4:17: no such list" {
		t.Fatalf("finding %+v %s", f, f.String())
	}
	if f := res.Findings[1]; f.Line != 0 || f.String() != job.Doc.File+": not checked" {
		t.Fatalf("warning %+v", f)
	}
	if es := res.Errors(); len(es) != 1 || es[0].Msg != "no such list" {
		t.Fatalf("errors %v", es)
	}
	s.err = errors.New("boom")
	if _, err := Check(context.Background(), job, nil, s, b); err == nil {
		t.Fatal("want the read's error")
	}
}

// A sink with nothing to check online is not Checked.
func TestCheckNothingToCheck(t *testing.T) {
	res, err := Check(context.Background(), loadJob(t), nil, struct{ sinks.Sink }{}, nil)
	if err != nil || res.Checked || res.Failed() {
		t.Fatalf("%+v %v", res, err)
	}
}
