package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// fakeSink is an in-memory vendor with the faults the engine must survive.
type fakeSink struct {
	mu       sync.Mutex
	obj      sinks.Object
	recs     map[string]sinks.Fields
	next     int
	calls    map[string]int
	drop     float64 // create performed, answer lost
	rng      *rand.Rand
	rejectOn string // a phone the vendor refuses
	unauth   bool
	inFlight map[string]bool
	// notDone is the share of writes answered "failed, nothing done"
	// (a documented 500) before acting.
	notDone float64
	// createOmits are fields the vendor's create ignores (Tiledesk's POST
	// ignores phone): Create then returns what it stored.
	createOmits []string
	// failUpdates fails that many updates after acting, answer lost.
	failUpdates int
	// timeoutUpdates fails that many updates before acting with
	// timeoutErr (the HTTP client's own timeout, as httpc wraps it).
	timeoutUpdates int
	timeoutErr     error
	// updates is what each Update sent, in order.
	updates []sinks.Fields
}

func newFake(canFind bool) *fakeSink {
	return &fakeSink{
		obj: sinks.Object{Name: "contact", Fields: []sinks.Field{
			{Name: "name", Type: sinks.String}, {Name: "phone", Type: sinks.Phone}, {Name: "email", Type: sinks.Email}, {Name: "city", Type: sinks.String},
		}, Keys: []string{"phone", "email"}, CanFind: canFind, CanUpdate: canFind},
		recs: map[string]sinks.Fields{}, next: 1000, calls: map[string]int{}, rng: rand.New(rand.NewPCG(3, 4)), inFlight: map[string]bool{},
	}
}

func (f *fakeSink) Object() sinks.Object { return f.obj }
func (f *fakeSink) Scope() string        { return "fake/contact@test" }

func (f *fakeSink) Find(_ context.Context, q sinks.Query) ([]sinks.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["find"]++
	if !f.obj.CanFind {
		return nil, sinks.ErrCannotFind
	}
	var out []sinks.Record
	for id, r := range f.recs {
		for _, k := range q.Keys {
			if r[k.Field] == k.Value && f.obj.FindNoFields != "" {
				out = append(out, sinks.Record{ID: id}) // ids only
				break
			}
			if r[k.Field] == k.Value {
				cp := sinks.Fields{}
				for a, b := range r {
					cp[a] = b
				}
				out = append(out, sinks.Record{ID: id, Fields: cp})
				break
			}
		}
	}
	return out, nil
}

func (f *fakeSink) Create(ctx context.Context, fields sinks.Fields) (sinks.Record, error) {
	if err := sinks.BeforeWrite(ctx); err != nil {
		return sinks.Record{}, err
	}
	f.mu.Lock()
	key := fields["phone"] + fields["email"]
	if f.inFlight[key] {
		f.mu.Unlock()
		panic("an entity is in flight twice: " + key)
	}
	f.inFlight[key] = true
	f.calls["create"]++
	defer func() { f.mu.Lock(); delete(f.inFlight, key); f.mu.Unlock() }()
	defer f.mu.Unlock()
	if f.unauth {
		return sinks.Record{}, &sinks.Error{Class: sinks.Unauthorized, Op: "fake: create"}
	}
	if fields["phone"] == f.rejectOn && f.rejectOn != "" {
		return sinks.Record{}, &sinks.Error{Class: sinks.Rejected, Op: "fake: create", Code: "ERR_ARGUMENT_INVALID", Msg: "phone"}
	}
	if f.notDone > 0 && f.rng.Float64() < f.notDone {
		return sinks.Record{}, &sinks.Error{Class: sinks.Transient, Op: "fake: create", Status: 500, NotSent: true}
	}
	f.next++
	id := strconv.Itoa(f.next)
	cp := sinks.Fields{}
	for a, b := range fields {
		if !slices.Contains(f.createOmits, a) {
			cp[a] = b
		}
	}
	f.recs[id] = cp
	if f.drop > 0 && f.rng.Float64() < f.drop {
		return sinks.Record{}, &sinks.Error{Class: sinks.Transient, Op: "fake: create", Err: errors.New("connection reset")}
	}
	if f.createOmits != nil {
		return sinks.Record{ID: id, Fields: maps.Clone(cp)}, nil
	}
	return sinks.Record{ID: id}, nil
}

func (f *fakeSink) Update(ctx context.Context, id string, fields sinks.Fields) error {
	if err := sinks.BeforeWrite(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["update"]++
	f.updates = append(f.updates, maps.Clone(fields))
	if f.timeoutUpdates > 0 {
		f.timeoutUpdates--
		return &sinks.Error{Class: sinks.Transient, Op: "fake: update", Err: f.timeoutErr}
	}
	if f.notDone > 0 && f.rng.Float64() < f.notDone {
		return &sinks.Error{Class: sinks.Transient, Op: "fake: update", Status: 500, NotSent: true}
	}
	for k, v := range fields {
		f.recs[id][k] = v
	}
	if f.failUpdates > 0 {
		f.failUpdates--
		return &sinks.Error{Class: sinks.Transient, Op: "fake: update", Err: errors.New("connection reset")}
	}
	return nil
}

type rowsSource struct {
	header []string
	rows   [][]string
	i      int
}

func (s *rowsSource) Header() []string { return s.header }
func (s *rowsSource) Close() error     { return nil }
func (s *rowsSource) Next(ctx context.Context) (sources.Record, error) {
	if s.i == len(s.rows) {
		return sources.Record{}, io.EOF
	}
	s.i++
	return sources.Record{Row: s.i + 1, Values: s.rows[s.i-1]}, nil
}

type syncEnv struct {
	store *state.Store
	m     *mapping.Mapping
	rec   *recorder
	// onDecision, when set, hears every decision of env.sync.
	onDecision func(Decision)
}

func newSyncEnv(t *testing.T, obj sinks.Object) *syncEnv {
	t.Helper()
	doc, err := config.Parse("job.yaml", []byte("name: Name\nphone: Phone\nemail: Email\ncity: City\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Compile(doc, doc.Root, obj, mapping.Options{Header: []string{"Name", "Phone", "Email", "City"}, SourceFile: "t.csv", Region: "FI", Keys: []string{"phone", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &syncEnv{store: st, m: m, rec: &recorder{}}
}

func (e *syncEnv) sync(t *testing.T, sink sinks.Sink, rows [][]string, pol Policy, conc int) (SyncResult, error) {
	t.Helper()
	run, _, _ := e.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: fmt.Sprint(len(rows), rand.Int()), ConfigHash: "c"})
	if pol.Retry.Backoff == nil {
		pol.Retry.Backoff = func(int) time.Duration { return time.Millisecond }
	}
	w := e.store.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{
		Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows}, Mapping: e.m, Sink: sink,
		Store: e.store, State: w, RunID: run.ID, Reporter: e.rec, Policy: pol, Concurrency: conc, OnDecision: e.onDecision,
	})
	if cerr := w.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return res, err
}

func TestSyncGroupsUpdatesAndSkipsUnchanged(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	sink.recs["500"] = sinks.Fields{"name": "Old Name", "phone": "+358501111111", "city": "Oulu"}
	rows := [][]string{
		{"Anna", "+358 40 123 4567", "anna@example.fi", "Helsinki"},
		{"Mikko", "050-1111111", "", "Oulu"},                    // exists at the vendor: update name
		{"Anna V", "040-1234567", "", ""},                       // Anna again (phone)
		{"", "358401234567", "ANNA@example.fi", "Espoo"},        // and again (phone, email)
		{"Bea", "", "bea@example.fi", "Turku"},                  // email only
		{"Bad", "12", "", ""},                                   // row error
		{"Cid", "+358 44 999 8888", "anna@example.fi", "Vaasa"}, // joins Anna through email
	}
	res, err := env.sync(t, sink, rows, Policy{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entities != 3 || res.Actions[ActionCreate] != 2 || res.Actions[ActionUpdate] != 1 || res.Rejected() != 1 || res.Statuses[state.StatusMerged] != 3 {
		t.Fatalf("result %+v", res)
	}
	if len(sink.recs) != 3 {
		t.Fatalf("vendor has %d records: %v", len(sink.recs), sink.recs)
	}
	if sink.recs["500"]["name"] != "Mikko" || sink.calls["update"] != 1 {
		t.Fatalf("update: %v, calls %v", sink.recs["500"], sink.calls)
	}
	var anna sinks.Fields
	for _, r := range sink.recs {
		if r["email"] == "anna@example.fi" {
			anna = r
		}
	}
	// Later non-empty values win: name from row 3, city from row 7.
	if anna["name"] != "Cid" || anna["city"] != "Vaasa" || anna["phone"] != "+358449998888" {
		t.Fatalf("merged Anna: %v", anna)
	}

	// The same file again: zero calls.
	before := sink.calls["find"] + sink.calls["create"] + sink.calls["update"]
	res, err = env.sync(t, sink, rows, Policy{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if after := sink.calls["find"] + sink.calls["create"] + sink.calls["update"]; after != before || res.Actions[ActionUnchanged] != 3 {
		t.Fatalf("re-run made %d calls, result %+v", after-before, res)
	}
	// --verify finds everything again but writes nothing.
	res, _ = env.sync(t, sink, rows, Policy{Verify: true}, 4)
	if sink.calls["find"] != 3+3 || sink.calls["create"] != 2 || res.Actions[ActionUnchanged] != 3 {
		t.Fatalf("verify: calls %v, %+v", sink.calls, res)
	}
}

func TestSyncAmbiguousAndModes(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	sink.recs["1"] = sinks.Fields{"phone": "+358401234567"}
	sink.recs["2"] = sinks.Fields{"phone": "+358401234567"}
	rows := [][]string{{"Anna", "040 1234567", "", ""}, {"New", "040 7654321", "", ""}}
	res, err := env.sync(t, sink, rows, Policy{Mode: "update_only"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Actions[ActionAmbiguous] != 1 || res.Actions[ActionNotFound] != 1 || len(sink.recs) != 2 || sink.calls["update"] != 0 {
		t.Fatalf("result %+v calls %v", res, sink.calls)
	}
	outs, _ := env.store.Outcomes(context.Background(), 1, state.StatusSkipped)
	if len(outs) != 2 || !strings.Contains(outs[0].Error, "2 vendor records match (1, 2)") {
		t.Fatalf("outcomes %+v", outs)
	}
	if _, err := env.sync(t, sink, rows[:1], Policy{OnAmbiguous: "fail"}, 1); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("on_ambiguous fail: %v", err)
	}
	res, _ = env.sync(t, sink, rows[:1], Policy{OnAmbiguous: "first"}, 1)
	if res.Actions[ActionUpdate] != 1 || sink.recs["1"]["name"] != "Anna" {
		t.Fatalf("on_ambiguous first: %+v %v", res, sink.recs)
	}
}

func TestSyncRejectedAndUnauthorized(t *testing.T) {
	sink := newFake(true)
	sink.rejectOn = "+358401234567"
	env := newSyncEnv(t, sink.obj)
	res, err := env.sync(t, sink, [][]string{{"A", "0401234567", "", ""}, {"B", "0407654321", "", ""}}, Policy{}, 2)
	if err != nil || res.Rejected() != 1 || res.Statuses[state.StatusOK] != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if len(env.rec.rejected) != 1 || env.rec.rejected[0] != 2 {
		t.Fatalf("rejected rows %v", env.rec.rejected)
	}
	// An entity the vendor refused was not created: it counts as refused,
	// now and when the same file comes again (not sent again).
	if !maps.Equal(res.Actions, map[string]int{ActionCreate: 1, ActionRefused: 1}) {
		t.Fatalf("entities by action %v", res.Actions)
	}
	res, err = env.sync(t, sink, [][]string{{"A", "0401234567", "", ""}, {"B", "0407654321", "", ""}}, Policy{}, 2)
	if err != nil || !maps.Equal(res.Actions, map[string]int{ActionUnchanged: 1, ActionRefused: 1}) || sink.calls["create"] != 2 {
		t.Fatalf("again: %v %v, calls %v", res.Actions, err, sink.calls)
	}
	sink.unauth = true
	_, err = env.sync(t, sink, [][]string{{"C", "0405555555", "", ""}}, Policy{}, 1)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("unauthorized: %v", err)
	}
}

// With creates whose answers are lost 30% of the time and 16 entities in
// flight, every person exists exactly once.
func TestSyncNoDuplicatesUnderLostAnswers(t *testing.T) {
	sink := newFake(true)
	sink.drop = 0.3
	env := newSyncEnv(t, sink.obj)
	var rows [][]string
	for i := 0; i < 400; i++ {
		rows = append(rows, []string{fmt.Sprint("P", i), fmt.Sprintf("040 %07d", 1000000+i), fmt.Sprintf("p%d@example.fi", i), ""})
		if i%10 == 0 { // in-file duplicate in another spelling
			rows = append(rows, []string{fmt.Sprint("P", i), fmt.Sprintf("+35840%07d", 1000000+i), "", "Oulu"})
		}
	}
	res, err := env.sync(t, sink, rows, Policy{}, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.recs) != 400 {
		t.Fatalf("vendor has %d records, want 400 (%+v)", len(sink.recs), res)
	}
	if res.Actions[ActionCreate] != 400 || res.Statuses[state.StatusMerged] != 40 {
		t.Fatalf("result %+v", res)
	}
}

// A create the vendor made but the run could not finish (the update of the
// fields its create ignores lost its answer) is retried: the next attempt
// finds the record and completes it, and the entity is counted as the
// create it is, not as an update of someone else's record.
func TestSyncRetriedCreateIsACreate(t *testing.T) {
	sink := newFake(true)
	sink.createOmits = []string{"city"}
	sink.failUpdates = 1
	env := newSyncEnv(t, sink.obj)
	rows := [][]string{{"Anna", "040 1234567", "anna@example.fi", "Oulu"}, {"Bert", "040 7654321", "bert@example.fi", "Turku"}}
	res, err := env.sync(t, sink, rows, Policy{Retry: Retry{Attempts: 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if sink.calls["create"] != 2 || len(sink.recs) != 2 {
		t.Fatalf("%d creates, %d records, want 2 and 2", sink.calls["create"], len(sink.recs))
	}
	for id, r := range sink.recs {
		if r["city"] == "" {
			t.Errorf("record %s was not completed: %v", id, r)
		}
	}
	if res.Actions[ActionCreate] != 2 || res.Actions[ActionUpdate] != 0 || res.Retried == 0 {
		t.Fatalf("actions %v (retried %d), want 2 creates after a retry", res.Actions, res.Retried)
	}
}

// A vendor that cannot find: an intent is committed before each create; a
// lost answer leaves the entity uncertain, and a re-run does not send it
// again unless on_uncertain: retry.
func TestSyncUnfindableIntents(t *testing.T) {
	sink := newFake(false)
	sink.drop = 1
	env := newSyncEnv(t, sink.obj)
	rows := [][]string{{"A", "0401234567", "", ""}}
	res, _ := env.sync(t, sink, rows, Policy{}, 1)
	if res.Statuses[state.StatusUncertain] != 1 || sink.calls["create"] != 1 {
		t.Fatalf("first: %+v %v", res, sink.calls)
	}
	sink.drop = 0
	res, _ = env.sync(t, sink, rows, Policy{}, 1)
	if res.Statuses[state.StatusUncertain] != 1 || sink.calls["create"] != 1 {
		t.Fatalf("skip: %+v %v", res, sink.calls)
	}
	res, _ = env.sync(t, sink, rows, Policy{OnUncertain: "retry"}, 1)
	if res.Actions[ActionCreate] != 1 || sink.calls["create"] != 2 {
		t.Fatalf("retry: %+v %v", res, sink.calls)
	}
	// Now known in state: nothing more is sent.
	res, _ = env.sync(t, sink, rows, Policy{}, 1)
	if res.Actions[ActionUnchanged] != 1 || sink.calls["create"] != 2 {
		t.Fatalf("after: %+v %v", res, sink.calls)
	}
}

func TestSyncDryRunWritesNothing(t *testing.T) {
	sink := newFake(true)
	sink.recs["9"] = sinks.Fields{"phone": "+358401234567", "name": "Old"}
	env := newSyncEnv(t, sink.obj)
	var mu sync.Mutex
	var ds []Decision
	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "f", ConfigHash: "c"})
	res, err := Sync(context.Background(), SyncConfig{
		Source:  &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: [][]string{{"New", "0401234567", "", ""}, {"X", "0407777777", "", ""}}},
		Mapping: env.m, Sink: sink, Store: env.store, RunID: run.ID, Policy: Policy{DryRun: true},
		OnDecision: func(d Decision) { mu.Lock(); ds = append(ds, d); mu.Unlock() },
	})
	if err != nil || sink.calls["create"]+sink.calls["update"] != 0 || res.Actions[ActionUpdate] != 1 || res.Actions[ActionCreate] != 1 {
		t.Fatalf("%+v %v %v", res, err, sink.calls)
	}
	for _, d := range ds {
		if d.Action == ActionUpdate && (len(d.Changes) != 1 || d.Changes[0] != (Change{Field: "name", Old: "Old", New: "New", OldKnown: true, OldFrom: OldFromVendor})) {
			t.Fatalf("update changes %+v", d.Changes)
		}
	}
}

// A row with none of the declared keys could never be matched again: it
// is rejected, not created anew on every run.
func TestSyncRejectsKeylessRows(t *testing.T) {
	sink := newFake(true)
	env := newSyncEnv(t, sink.obj)
	res, err := env.sync(t, sink, [][]string{{"Nobody", "", "", "Oulu"}, {"A", "0401234567", "", ""}}, Policy{}, 1)
	if err != nil || res.Rejected() != 1 || len(sink.recs) != 1 {
		t.Fatalf("%+v %v %v", res, err, sink.recs)
	}
	outs, _ := env.store.Outcomes(context.Background(), 1, state.StatusRejected)
	if len(outs) != 1 || outs[0].Row != 2 || !strings.Contains(outs[0].Error, "no match key: none of phone, email has a value") {
		t.Fatalf("outcomes %+v", outs)
	}
}

// refusingSource is a vendor source whose credentials are refused.
type refusingSource struct{ rowsSource }

func (s *refusingSource) Next(context.Context) (sources.Record, error) {
	return sources.Record{}, &sinks.Error{Class: sinks.Unauthorized, Op: "fakevendor: list leads", Status: 401}
}

// A refusal of credentials says which side refused, as data: the sink's
// in the plan or a write, the source's in a read.
func TestSyncUnauthorizedCarriesItsSide(t *testing.T) {
	sink := newFake(true)
	sink.unauth = true
	env := newSyncEnv(t, sink.obj)
	_, err := env.sync(t, sink, [][]string{{"C", "0405555555", "", ""}}, Policy{}, 1)
	var ue *sinks.UnauthorizedError
	if !errors.As(err, &ue) || ue.Side != sinks.SideSink || ue.Vendor != "fake" || sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("sink refusal: %v (%#v)", err, ue)
	}
	if !strings.HasPrefix(err.Error(), "the vendor refused the credentials: ") {
		t.Errorf("message %q", err)
	}

	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "src", ConfigHash: "c"})
	w := env.store.NewWriter(run.ID, nil)
	defer w.Close()
	_, err = Sync(context.Background(), SyncConfig{
		Source: &refusingSource{rowsSource{header: []string{"Name", "Phone", "Email", "City"}}}, Mapping: env.m, Sink: newFake(true),
		Store: env.store, State: w, RunID: run.ID, Reporter: env.rec, Concurrency: 1,
	})
	if !errors.As(err, &ue) || ue.Side != sinks.SideSource || ue.Vendor != "fakevendor" || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("source refusal: %v (%#v)", err, ue)
	}
}
