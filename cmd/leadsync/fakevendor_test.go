package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
)

// fakeDesk is a test-only vendor: one descriptor, an in-memory sink. It is
// all a vendor needs to be run, validated, listed and hinted at.
type fakeDesk struct {
	mu      sync.Mutex
	records map[string]sinks.Fields // by id
	conns   []sinks.Conn            // every connection opened
}

const fakeToken = "fake-token-123"

func (fd *fakeDesk) vendor() sinks.Vendor {
	return sinks.Vendor{
		Name:  "fakedesk",
		Title: "FakeDesk",
		Schema: func() sinks.Schema {
			return sinks.Schema{Vendor: "fakedesk", Doc: "A test vendor.", Objects: []sinks.Object{{
				Name: "person", Doc: "A person.", Keys: []string{"email"}, CanFind: true, CanUpdate: true,
				Fields: []sinks.Field{{Name: "name", Type: sinks.String}, {Name: "email", Type: sinks.Email, Required: true}},
			}}}
		},
		Options: []sinks.Option{
			{Key: "url", Doc: "where the records live"},
			{Key: "token", Secret: true, Env: "FAKEDESK_TOKEN", Doc: "the token"},
		},
		DefaultBudget: func() (int, time.Duration) { return 0, 0 },
		NewSink: func(c sinks.SinkConfig) (sinks.Sink, error) {
			fd.mu.Lock()
			fd.conns = append(fd.conns, c.Conn)
			fd.mu.Unlock()
			return &fakeSink{fd: fd, token: c.Conn.Get("token"), obj: fd.vendor().Schema().Objects[0]}, nil
		},
	}
}

type fakeSink struct {
	fd    *fakeDesk
	token string
	obj   sinks.Object
}

func (s *fakeSink) Object() sinks.Object { return s.obj }
func (s *fakeSink) Scope() string        { return "fakedesk/person@memory" }

func (s *fakeSink) auth(op string) error {
	if s.token != fakeToken {
		return &sinks.Error{Class: sinks.Unauthorized, Op: "fakedesk: " + op, Status: 401}
	}
	return nil
}

// Check is the run's first call: the credentials, before any row.
func (s *fakeSink) Check(context.Context) error { return s.auth("check") }

func (s *fakeSink) Find(_ context.Context, q sinks.Query) ([]sinks.Record, error) {
	if err := s.auth("find"); err != nil {
		return nil, err
	}
	s.fd.mu.Lock()
	defer s.fd.mu.Unlock()
	var out []sinks.Record
	for id, f := range s.fd.records {
		for _, k := range q.Keys {
			if k.Field == "email" && strings.EqualFold(f["email"], k.Value) {
				out = append(out, sinks.Record{ID: id, Fields: f})
				break
			}
		}
	}
	return out, nil
}

func (s *fakeSink) Create(_ context.Context, f sinks.Fields) (sinks.Record, error) {
	if err := s.auth("create"); err != nil {
		return sinks.Record{}, err
	}
	s.fd.mu.Lock()
	defer s.fd.mu.Unlock()
	id := fmt.Sprint(len(s.fd.records) + 1)
	s.fd.records[id] = f
	return sinks.Record{ID: id}, nil
}

func (s *fakeSink) Update(_ context.Context, id string, f sinks.Fields) error {
	if err := s.auth("update"); err != nil {
		return err
	}
	s.fd.mu.Lock()
	defer s.fd.mu.Unlock()
	for k, v := range f {
		s.fd.records[id][k] = v
	}
	return nil
}

// runWithVendors runs the app with the registry's vendors and extra ones.
func runWithVendors(vars map[string]string, extra []sinks.Vendor, args ...string) result {
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, lookup: lookup, vendors: append(vendors.All(), extra...)}
	code := runEnv(e, append([]string{"leadsync"}, args...))
	return result{code, out.String(), errb.String()}
}

// A vendor is one descriptor: registered, a job runs through it end to
// end, resumes against it, and validation, fields and the credential hint
// know it, with nothing else told.
func TestFakeVendorRunsAJob(t *testing.T) {
	fd := &fakeDesk{records: map[string]sinks.Fields{}}
	dir := t.TempDir()
	writeFile(t, dir, "people.csv", "Name,Email\nAino,aino@example.com\nEero,EERO@example.com\nAino M,aino@example.com\n")
	job := writeFile(t, dir, "job.yaml", `source: {path: people.csv}
sink:
  vendor: fakedesk
  url: memory://here
  token: ${FAKE_TOKEN}
match: {keys: [email]}
mapping:
  name: Name
  email: Email
`)
	extra := []sinks.Vendor{fd.vendor()}
	env := map[string]string{"FAKE_TOKEN": fakeToken}

	r := runWithVendors(env, extra, "fields", "fakedesk")
	if r.code != 0 || !strings.Contains(r.stdout, "fakedesk person: A person.") || !strings.Contains(r.stdout, "FAKEDESK_TOKEN") {
		t.Fatalf("fields: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runWithVendors(env, extra, "validate", job); r.code != 0 {
		t.Fatalf("validate: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runWithVendors(env, extra, "run", "-q", job)
	if r.code != 0 {
		t.Fatalf("run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if len(fd.records) != 2 || len(fd.conns) == 0 || fd.conns[0].Get("url") != "memory://here" || fd.conns[0].Get("token") != fakeToken {
		t.Fatalf("records %v, connections %v", fd.records, fd.conns)
	}
	for _, f := range fd.records {
		if f["email"] == "aino@example.com" && f["name"] != "Aino M" {
			t.Fatalf("the later row should win: %v", fd.records)
		}
	}
	// A second run finds everything in place: nothing written.
	before := fmt.Sprint(fd.records)
	if r := runWithVendors(env, extra, "run", "-q", job); r.code != 0 || fmt.Sprint(fd.records) != before {
		t.Fatalf("second run: %d %v\n%s%s", r.code, fd.records, r.stdout, r.stderr)
	}

	// The hint names the variable of the vendor's secret option (a new
	// job, with rows to write).
	other := t.TempDir()
	writeFile(t, other, "people.csv", "Name,Email\nUrho,urho@example.com\n")
	r = runWithVendors(map[string]string{"FAKE_TOKEN": "wrong"}, extra, "run", "-q", writeFile(t, other, "job.yaml", mustRead(t, job)))
	if r.code != ExitAuth || !strings.Contains(r.stderr, "fakedesk refused the credentials: check sink.token from $FAKE_TOKEN") {
		t.Fatalf("wrong token: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Without the registration the vendor is unknown; with it, a key
	// another vendor takes is refused.
	if r := runWithVendors(env, nil, "validate", job); r.code != ExitUsage || !strings.Contains(r.stderr, `unknown vendor "fakedesk"`) {
		t.Fatalf("unregistered: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.yaml", strings.Replace(mustRead(t, job), "  url: memory://here\n", "  url: memory://here\n  api_key: x\n", 1))
	if r := runWithVendors(env, extra, "validate", bad); r.code != ExitUsage || !strings.Contains(r.stderr, "bad.yaml:5:3: sink.api_key is not a key fakedesk takes (its sink takes url, token)") {
		t.Fatalf("foreign key: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
