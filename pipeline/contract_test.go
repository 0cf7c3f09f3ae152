package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/state"
)

// listingFake is a fake vendor that can list everything in one page.
type listingFake struct{ *fakeSink }

func (l listingFake) List(ctx context.Context, fn func(sinks.Record) error) (int, error) {
	l.mu.Lock()
	l.calls["list"]++
	var recs []sinks.Record
	for id, r := range l.recs {
		recs = append(recs, sinks.Record{ID: id, Fields: cloneFields(r)})
	}
	l.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return 1, err
		}
	}
	return 1, nil
}

func (l listingFake) ListCost(context.Context) (int, error) { return 1, nil }

func cloneFields(f sinks.Fields) sinks.Fields {
	out := sinks.Fields{}
	for k, v := range f {
		out[k] = v
	}
	return out
}

// The prefetch index holds every match key of the job: an existing
// record with a phone and no e-mail is matched by phone, not created
// again (Tiledesk's listing path once keyed only on the schema's keys).
func TestPrefetchMatchesEveryJobKey(t *testing.T) {
	f := newFake(true)
	f.obj.Keys = []string{"email"} // the schema's preferred key only
	f.recs["7"] = sinks.Fields{"name": "Phone Only", "phone": "+358401234567"}
	f.recs["8"] = sinks.Fields{"name": "Mail Only", "email": "m@example.fi"}
	sink := listingFake{f}
	env := newSyncEnv(t, f.obj)
	res, err := env.sync(t, sink, [][]string{
		{"Phone Only", "040 123 4567", "", "Oulu"},
		{"Mail Only", "", "M@Example.fi", "Turku"},
		{"New", "0409999999", "", ""},
	}, Policy{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls["list"] != 1 || f.calls["find"] != 0 {
		t.Fatalf("the plan should list once instead of finding: %v", f.calls)
	}
	if len(f.recs) != 3 || res.Actions[ActionUpdate] != 2 || res.Actions[ActionCreate] != 1 {
		t.Fatalf("phone-only record not matched: %d records, %+v", len(f.recs), res.Actions)
	}
	if f.recs["7"]["city"] != "Oulu" || f.recs["8"]["city"] != "Turku" {
		t.Fatalf("records %v", f.recs)
	}
}

// A create that takes several calls never leaves a record half-written:
// what the vendor's create ignored is sent with Update, after a lost
// create answer too, and a failed completion is retried within the run.
func TestCreateIsCompletedByTheEngine(t *testing.T) {
	for _, tc := range []struct {
		name        string
		drop        float64
		failUpdates int
	}{
		{"answered", 0, 0},
		{"create answer lost", 1, 0},
		{"completion failed twice", 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(true)
			f.createOmits = []string{"city", "name"}
			f.drop, f.failUpdates = tc.drop, tc.failUpdates
			env := newSyncEnv(t, f.obj)
			res, err := env.sync(t, f, [][]string{{"Anna", "0401234567", "a@example.fi", "Oulu"}}, Policy{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.recs) != 1 || f.calls["create"] != 1 || res.Statuses[state.StatusOK] != 1 {
				t.Fatalf("%d records, calls %v, %+v", len(f.recs), f.calls, res)
			}
			for _, r := range f.recs {
				if r["city"] != "Oulu" || r["name"] != "Anna" || r["phone"] != "+358401234567" {
					t.Fatalf("record left incomplete: %v", r)
				}
			}
			// Nothing left to do: the re-run makes no call.
			before := f.calls["create"] + f.calls["update"] + f.calls["find"]
			res, _ = env.sync(t, f, [][]string{{"Anna", "0401234567", "a@example.fi", "Oulu"}}, Policy{}, 1)
			if after := f.calls["create"] + f.calls["update"] + f.calls["find"]; after != before || res.Actions[ActionUnchanged] != 1 {
				t.Fatalf("re-run made %d calls: %+v", after-before, res)
			}
		})
	}
}

// clientTimeout is the error net/http's Client.Timeout gives: it is a
// context.DeadlineExceeded (errors.Is), though no context of the caller
// ended.
func clientTimeout(t *testing.T) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	_, err := (&http.Client{Timeout: 20 * time.Millisecond}).Get(srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the client's timeout is %v, not a context.DeadlineExceeded: the test shows nothing", err)
	}
	return err
}

// TestVendorTimeoutIsNoInterruption: a call the HTTP client gave up on
// (its own timeout, an errors.Is context.DeadlineExceeded) is a failed
// call, tried again in the run; only the run's own context ending leaves
// an entity without outcome. A timed-out agent update (modify, then one
// campaign access per campaign) once ended without outcome and without
// its second campaign access, in a run that reported done.
func TestVendorTimeoutIsNoInterruption(t *testing.T) {
	f := newFake(true)
	f.recs["900"] = sinks.Fields{"name": "Anna", "phone": "+358401234567", "email": "a@example.fi", "city": "Oulu"}
	f.timeoutUpdates, f.timeoutErr = 1, clientTimeout(t)
	env := newSyncEnv(t, f.obj)
	res, err := env.sync(t, f, [][]string{{"Anna", "0401234567", "a@example.fi", "Espoo"}}, Policy{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Statuses[state.StatusOK] != 1 || res.Interrupted || f.recs["900"]["city"] != "Espoo" {
		t.Fatalf("after a timed-out update: statuses %v, interrupted %v, record %v, calls %v", res.Statuses, res.Interrupted, f.recs["900"], f.calls)
	}
}

// Transient failures are retried within the run: under answered 500s and
// lost answers, ONE run ends with every entity written exactly once.
func TestOneRunFinishesUnderFaults(t *testing.T) {
	f := newFake(true)
	f.drop, f.notDone = 0.2, 0.2
	env := newSyncEnv(t, f.obj)
	var rows [][]string
	for i := range 300 {
		rows = append(rows, []string{fmt.Sprint("P", i), fmt.Sprintf("040 %07d", 2000000+i), "", ""})
	}
	res, err := env.sync(t, f, rows, Policy{}, 16)
	if err != nil {
		t.Fatal(err)
	}
	if res.Statuses[state.StatusFailed] != 0 || res.Statuses[state.StatusOK] != 300 || len(f.recs) != 300 || res.Retried == 0 {
		t.Fatalf("one run did not finish: %d records, %+v", len(f.recs), res)
	}
	// Updates fail too, and are retried.
	for i := range rows {
		rows[i][3] = "Oulu"
	}
	res, _ = env.sync(t, f, rows, Policy{}, 16)
	if res.Statuses[state.StatusFailed] != 0 || res.Actions[ActionUpdate] != 300 {
		t.Fatalf("updates: %+v", res)
	}
	for _, r := range f.recs {
		if r["city"] != "Oulu" {
			t.Fatalf("update lost: %v", r)
		}
	}
	// Bounded: a vendor that always fails ends the entity failed, with why.
	f.notDone, f.drop = 1, 0
	for i := range rows {
		rows[i][3] = "Turku"
	}
	res, _ = env.sync(t, f, rows[:3], Policy{Retry: Retry{Attempts: 3}}, 1)
	if res.Statuses[state.StatusFailed] != 3 || len(res.Failures) != 1 {
		t.Fatalf("bounded retries: %+v", res)
	}
	if !strings.Contains(env.rec.reasons(), "gave up after 3 tries") {
		t.Fatalf("reason not reported: %s", env.rec.reasons())
	}
}

// The intent of a write the vendor cannot look up is committed when the
// budget admits the call, right before it leaves: a write that never got
// that far (killed while waiting for the budget) is not uncertain, and a
// documented "failed, nothing done" answer is simply sent again.
func TestUnfindableIntentAtAdmission(t *testing.T) {
	f := newFake(false)
	env := newSyncEnv(t, f.obj)
	rows := [][]string{{"A", "0401234567", "", ""}}
	// The budget wait is cancelled: BeforeWrite never runs.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	blocked := &beforeWriteRefuser{fakeSink: f, err: context.Canceled}
	run, _, _ := env.store.BeginRun(ctx, state.RunSpec{Job: "t", Fingerprint: "k", ConfigHash: "c"})
	w := env.store.NewWriter(run.ID, nil)
	_, _ = Sync(context.Background(), SyncConfig{Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows},
		Mapping: env.m, Sink: blocked, Store: env.store, State: w, RunID: run.ID})
	w.Close()
	if f.calls["create"] != 0 {
		t.Fatalf("calls %v", f.calls)
	}
	f.notDone = 0.5
	res, _ := env.sync(t, f, rows, Policy{}, 1)
	if res.Statuses[state.StatusUncertain] != 0 || res.Actions[ActionCreate] != 1 || len(f.recs) != 1 {
		t.Fatalf("a never-sent write became uncertain: %+v %v", res, f.calls)
	}
}

// beforeWriteRefuser fails every write at the admission point.
type beforeWriteRefuser struct {
	*fakeSink
	err error
}

func (b *beforeWriteRefuser) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	return b.fakeSink.Create(sinks.WithBeforeWrite(ctx, func() error { return b.err }), f)
}

// A refusal is remembered with its content: unchanged, it costs no call
// on the next run and is reported again with the vendor's reason;
// --retry-rejected sends it; changed content is sent.
func TestRefusalsRemembered(t *testing.T) {
	f := newFake(true)
	f.rejectOn = "+358401111111"
	env := newSyncEnv(t, f.obj)
	rows := [][]string{{"A", "0401111111", "", ""}, {"B", "0402222222", "", ""}}
	res, _ := env.sync(t, f, rows, Policy{}, 1)
	if res.Statuses[state.StatusRejected] != 1 || f.calls["create"] != 2 {
		t.Fatalf("first: %+v %v", res, f.calls)
	}
	calls := f.calls["find"] + f.calls["create"]
	env.rec.rejected = nil
	res, _ = env.sync(t, f, rows, Policy{}, 1)
	if got := f.calls["find"] + f.calls["create"]; got != calls || res.Statuses[state.StatusRejected] != 1 {
		t.Fatalf("refused row looked up again: %d calls, %+v", got-calls, res)
	}
	if r := env.rec.reasons(); !strings.Contains(r, "ERR_ARGUMENT_INVALID") || !strings.Contains(r, "--retry-rejected") {
		t.Fatalf("reason: %s", r)
	}
	res, _ = env.sync(t, f, rows, Policy{RetryRejected: true}, 1)
	if f.calls["create"] != 3 || res.Statuses[state.StatusRejected] != 1 {
		t.Fatalf("retry-rejected: %+v %v", res, f.calls)
	}
	// Fixed in the file: sent, and the refusal forgotten.
	f.rejectOn = ""
	rows[0][2] = "a@example.fi"
	res, _ = env.sync(t, f, rows, Policy{}, 1)
	if res.Statuses[state.StatusRejected] != 0 || len(f.recs) != 2 {
		t.Fatalf("fixed row: %+v", res)
	}
}

// Events are not people: two callbacks of one phone at different times
// are two writes; the same callback twice in the file (another spelling)
// is one.
func TestEventsAreNotPeople(t *testing.T) {
	f := newFake(false)
	f.obj.Fields = append(f.obj.Fields, sinks.Field{Name: "time", Type: sinks.String})
	f.obj.Event, f.obj.EventKey = true, []string{"phone", "time"}
	doc, _ := config.Parse("job.yaml", []byte("name: Name\nphone: Phone\ntime: Time\n"), nil)
	m, err := mapping.Compile(doc, doc.Root, f.obj, mapping.Options{Header: []string{"Name", "Phone", "Time"}, SourceFile: "t.csv", Region: "FI", Keys: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	env := newSyncEnv(t, f.obj)
	env.m = m
	rows := [][]string{
		{"A", "040 123 4567", "2026-12-01 10:00"},
		{"A", "+358401234567", "2026-12-01 10:00"}, // the same callback
		{"A", "0401234567", "2026-12-02 09:30"},    // another one
	}
	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "e", ConfigHash: "c"})
	w := env.store.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{Source: &rowsSource{header: []string{"Name", "Phone", "Time"}, rows: rows},
		Mapping: env.m, Sink: f, Store: env.store, State: w, RunID: run.ID})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Entities != 2 || f.calls["create"] != 2 || res.Statuses[state.StatusMerged] != 1 {
		t.Fatalf("events grouped like people: %+v %v", res, f.calls)
	}
}

// flowFake is a three-step write: a find-or-create (idempotent), a
// create nothing can look up, and a step a read can verify.
type flowFake struct {
	*fakeSink
	mu       sync.Mutex
	sent     map[string]int
	happened map[string]bool
	lose     map[string]int // step -> answers still to lose (after acting)
}

func (ff *flowFake) Steps(sinks.Fields) []sinks.Step {
	return []sinks.Step{{Name: "contact", Idempotent: true}, {Name: "lead"}, {Name: "offers", Verifiable: true}}
}

func (ff *flowFake) Do(ctx context.Context, step string, f sinks.Fields, done map[string]string) (string, error) {
	if step == "lead" && done["contact"] == "" || step == "offers" && done["lead"] == "" {
		return "", fmt.Errorf("step %s without its predecessor: %v", step, done)
	}
	if err := sinks.BeforeWrite(ctx); err != nil {
		return "", err
	}
	ff.mu.Lock()
	defer ff.mu.Unlock()
	ff.sent[step]++
	ff.happened[step] = true
	if ff.lose[step] > 0 {
		ff.lose[step]--
		return "", &sinks.Error{Class: sinks.Transient, Op: "flow: " + step, Err: errors.New("connection reset")}
	}
	return step + "-" + strconv.Itoa(ff.sent[step]), nil
}

func (ff *flowFake) Verify(_ context.Context, step string, _ sinks.Fields, _ map[string]string) (string, bool, error) {
	ff.mu.Lock()
	defer ff.mu.Unlock()
	return step + "-verified", ff.happened[step], nil
}

// A Flow resumes at the first step not known to be done: an idempotent
// step is sent again, a verifiable one checked, and a lost answer of any
// other is uncertain, never sent twice.
func TestFlowStepByStep(t *testing.T) {
	newFlow := func(lose map[string]int) *flowFake {
		f := newFake(false)
		return &flowFake{fakeSink: f, sent: map[string]int{}, happened: map[string]bool{}, lose: lose}
	}
	rows := [][]string{{"A", "0401234567", "", ""}}
	t.Run("lost answers of idempotent and verifiable steps", func(t *testing.T) {
		ff := newFlow(map[string]int{"contact": 1, "offers": 1})
		env := newSyncEnv(t, ff.obj)
		res, _ := env.sync(t, ff, rows, Policy{}, 1)
		if res.Statuses[state.StatusOK] != 1 || ff.sent["contact"] != 2 || ff.sent["lead"] != 1 || ff.sent["offers"] != 1 {
			t.Fatalf("%+v sent %v", res, ff.sent)
		}
		res, _ = env.sync(t, ff, rows, Policy{}, 1)
		if res.Actions[ActionUnchanged] != 1 || ff.sent["lead"] != 1 {
			t.Fatalf("re-run: %+v sent %v", res, ff.sent)
		}
	})
	t.Run("lost answer of the lead", func(t *testing.T) {
		ff := newFlow(map[string]int{"lead": 1})
		env := newSyncEnv(t, ff.obj)
		res, _ := env.sync(t, ff, rows, Policy{}, 1)
		if res.Statuses[state.StatusUncertain] != 1 || ff.sent["lead"] != 1 || ff.sent["offers"] != 0 {
			t.Fatalf("%+v sent %v", res, ff.sent)
		}
		if r := env.rec.reasons(); !strings.Contains(r, `step "lead"`) {
			t.Fatalf("reason: %s", r)
		}
		// Next run: still uncertain, not resent; with retry it goes on.
		res, _ = env.sync(t, ff, rows, Policy{}, 1)
		if res.Statuses[state.StatusUncertain] != 1 || ff.sent["lead"] != 1 {
			t.Fatalf("re-run: %+v sent %v", res, ff.sent)
		}
		res, _ = env.sync(t, ff, rows, Policy{OnUncertain: "retry"}, 1)
		if res.Statuses[state.StatusOK] != 1 || ff.sent["lead"] != 2 || ff.sent["offers"] != 1 || ff.sent["contact"] != 1 {
			t.Fatalf("retry: %+v sent %v", res, ff.sent)
		}
	})
}

// Values are compared as the vendor means them: tags as sets, e-mails
// ignoring case, numbers as numbers, phones as E.164.
func TestDiffComparesAsTheVendorMeans(t *testing.T) {
	obj := sinks.Object{Fields: []sinks.Field{
		{Name: "tags", Type: sinks.Tags}, {Name: "email", Type: sinks.Email}, {Name: "zip", Type: sinks.Number},
		{Name: "phone", Type: sinks.Phone}, {Name: "name", Type: sinks.String},
	}}
	want := sinks.Fields{"tags": "VIP,Buyer", "email": "a@b.fi", "zip": "98112", "phone": "+358401234567", "name": "Anna"}
	vendor := sinks.Fields{"tags": "Buyer, VIP", "email": "A@B.fi", "zip": "98112.0", "phone": "+358 40 123 4567", "name": "Anna"}
	if ch := diff(obj, want, vendor, nil); len(ch) != 0 {
		t.Fatalf("false differences: %+v", ch)
	}
	vendor["tags"] = "VIP"
	if ch := diff(obj, want, vendor, nil); len(ch) != 1 || ch[0].Field != "tags" {
		t.Fatalf("a real difference was missed: %+v", ch)
	}
}

// stampingFake stamps each record it creates with its entity, like
// Tiledesk's deterministic lead_id.
type stampingFake struct{ listingFake }

func (s stampingFake) OwnKeyField() string { return "city" }
func (s stampingFake) OwnKey(ctx context.Context, _ sinks.Fields) string {
	return "own-" + sinks.EntityOf(ctx)
}

// A record a killed run left bare (created, stamped, not yet completed:
// none of its match keys set) is recognized in the listing by its stamp
// and completed, not created again.
func TestPrefetchFindsABareRecordByItsStamp(t *testing.T) {
	f := newFake(true)
	f.recs["5"] = sinks.Fields{"city": "own-phone:+358401234567"} // the bare record
	f.recs["6"] = sinks.Fields{"phone": "+358409999999"}
	sink := stampingFake{listingFake{f}}
	env := newSyncEnv(t, f.obj)
	res, err := env.sync(t, sink, [][]string{{"Anna", "0401234567", "", ""}, {"B", "0409999999", "", ""}}, Policy{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.recs) != 2 || f.calls["create"] != 0 || f.recs["5"]["phone"] != "+358401234567" || f.recs["5"]["name"] != "Anna" {
		t.Fatalf("bare record not completed: %v %+v %v", f.recs, res.Actions, f.calls)
	}
}

// A re-run that state settles entirely (unchanged, refused, or left
// uncertain and not resent) makes no call, not even the credential check.
func TestNoCheckWhenNothingToSend(t *testing.T) {
	f := newFake(false)
	f.drop = 1
	env := newSyncEnv(t, f.obj)
	rows := [][]string{{"A", "0401234567", "", ""}}
	env.sync(t, f, rows, Policy{}, 1) // uncertain
	checks := 0
	run, _, _ := env.store.BeginRun(context.Background(), state.RunSpec{Job: "t", Fingerprint: "again", ConfigHash: "c"})
	w := env.store.NewWriter(run.ID, nil)
	res, err := Sync(context.Background(), SyncConfig{Source: &rowsSource{header: []string{"Name", "Phone", "Email", "City"}, rows: rows},
		Mapping: env.m, Sink: f, Store: env.store, State: w, RunID: run.ID,
		Check: func(context.Context) error { checks++; return nil }})
	w.Close()
	if err != nil || checks != 0 || res.Statuses[state.StatusUncertain] != 1 || res.Plan.Calls != 0 {
		t.Fatalf("checks %d, plan %+v, %+v, %v", checks, res.Plan, res.Statuses, err)
	}
}
