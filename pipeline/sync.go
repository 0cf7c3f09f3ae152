package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/state"
)

// Actions recorded for entities written to a vendor.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
	ActionAmbiguous = "ambiguous"
	ActionNotFound  = "not_found" // update_only, and the vendor has no such record
	ActionExists    = "exists"    // create_only, and the vendor has it already
	ActionUncertain = "uncertain" // an earlier write may have happened; not repeated
	ActionRefused   = "refused"   // the vendor refused this content before; not sent again
)

// Policy is what the job decided for the cases a sync meets.
type Policy struct {
	Mode        string // upsert (default), create_only, update_only
	OnAmbiguous string // skip (default), first, fail
	OnUncertain string // skip (default), retry
	Merge       string // later (default), first
	// Verify re-finds every entity, even those state says are unchanged,
	// to catch edits made in the vendor.
	Verify bool
	// Approve, when set, is asked before every write with the decision
	// as planned now; false sets the entity aside with the reason (run
	// --plan: apply exactly what a reviewed plan said).
	Approve func(Decision) (ok bool, reason string)
	// DryRun plans with reads only: the engine wraps the sink in
	// sinks.DryRun (every write refused and recorded: creates, updates,
	// steps, a file's records) and leaves state as it is (no outcome, no
	// intent, no index change). Nothing else in the engine looks at it.
	DryRun bool
	// RetryRejected sends again entities the vendor refused before with
	// the same content (by default they are reported again, no call).
	RetryRejected bool
	// Retry bounds how an entity whose calls fail transiently is tried
	// again within the run.
	Retry Retry
	// StateValues is what state keeps of each written record's field
	// values, a later diff's old values where the vendor's find returns
	// none: all (default) or none. With none, a changed record whose
	// vendor returns ids only is updated with every mapped field (edits
	// made there to fields the file did not change are overwritten) and
	// its old values are unknown; the content hash, all that tells an
	// unchanged entity, is kept either way.
	StateValues string
}

// StateValues words (Policy.StateValues).
const (
	ValuesAll  = "all"
	ValuesNone = "none"
)

// keepValues reports whether state keeps records' field values under
// the setting values (Policy.StateValues).
func keepValues(values string) bool { return values != ValuesNone }

// Retry bounds retries of one entity within a run: a transient failure
// (5xx, timeout, reset, lost answer) of a find or an idempotent write is
// tried again with backoff, creates through find-before-retry, until
// Attempts or MaxTime is spent. Every call still passes the budget.
type Retry struct {
	Attempts int           // tries of one entity (default 8)
	MaxTime  time.Duration // from its first try (default 10 min)
	// Backoff is the pause before try n+1 (default 200 ms doubling,
	// capped at 20 s, with jitter).
	Backoff func(n int) time.Duration
}

func (r Retry) attempts() int {
	if r.Attempts <= 0 {
		return 8
	}
	return r.Attempts
}

func (r Retry) maxTime() time.Duration {
	if r.MaxTime <= 0 {
		return 10 * time.Minute
	}
	return r.MaxTime
}

func (r Retry) backoff(n int) time.Duration {
	if r.Backoff != nil {
		return r.Backoff(n)
	}
	return sinks.Backoff(n, 200*time.Millisecond, 20*time.Second)
}

// Change is one field's planned change.
type Change struct {
	Field, Old, New string
	// OldKnown is false when the old value is not known (the vendor does
	// not return records and nothing was synced before).
	OldKnown bool
	// OldFrom says where Old came from: OldFromVendor (read at the
	// vendor) or OldFromSynced (the value leadsync last synced).
	OldFrom string
}

// Where a Change's old value came from.
const (
	OldFromVendor = "vendor"
	OldFromSynced = "synced"
)

// Decision is what the planner decided (and, outside a dry run, the
// writer did) for one entity. Reports are built from decisions.
type Decision struct {
	ID         string // the entity's name: its keys (entityID)
	Rows       []int  // source rows, first is the entity's own
	MergedOn   string // the key that merged several rows ("phone:+358...")
	Keys       []sinks.Key
	Fields     sinks.Fields
	Action     string
	VendorID   string
	Changes    []Change
	Candidates []string // ambiguous: the vendor ids found
	Reason     string   // rejected, skipped, uncertain: why
	Status     string   // state.Status*
	Calls      int      // vendor calls this entity cost
	Attempts   int      // tries within the run (1 unless retried)

	cause error // the last failure, for the retry decision
	// entityNamed: the write's steps returned no id, so state knows the
	// record by the entity's name (recordedID).
	entityNamed bool
}

// recordedID is the id outcomes and the index record: the vendor's, or
// the entity's name for a write whose steps returned none.
func (d Decision) recordedID() string {
	if d.VendorID == "" && d.entityNamed {
		return d.ID
	}
	return d.VendorID
}

// SyncConfig wires a run against a vendor sink.
type SyncConfig struct {
	Source   sources.Source
	Mapping  *mapping.Mapping
	Sink     sinks.Sink
	Store    *state.Store
	State    *state.Writer // nil: state is only read (a dry run sets it so)
	RunID    int64
	Reporter Reporter
	Policy   Policy
	// Concurrency is how many entities are in flight at once (default 4).
	Concurrency int
	Limit       int
	// Done lists rows a resumed run already finished.
	Done *state.RowSet
	// OnDecision, when set, hears every decision (from several goroutines).
	OnDecision func(Decision)
	// OnPlan, when set, hears the forecast before the first write.
	OnPlan func(Plan)
	// Check, when set, verifies the connection before the first call the
	// plan needs; a run that state settles entirely makes no call at all.
	Check func(context.Context) error
	// Region is the default phone region, for keys read from listings.
	Region string
	// Grace is how long entities in flight may go on after ctx is
	// cancelled (Ctrl-C) before their reads are cut too (default 15 s).
	// A write already sent is never cut: it finishes or times out.
	Grace    time.Duration
	Progress *Progress
	Logger   *slog.Logger
	// Calls, when set, counts the vendor calls made so far (the budget's
	// count): the forecast is then revised as the run goes, from the
	// calls the finished entities took against their forecast.
	Calls func() int
	// Shard, when on, limits the run to this shard's entities (and its
	// share of rejected rows); the others are counted in OtherShards.
	Shard Shard
}

// entityAction is what d counts as among the entities: its action, or
// refused where the vendor refused its write (nothing was written).
func entityAction(d Decision) string {
	if d.Status == state.StatusRejected && (d.Action == ActionCreate || d.Action == ActionUpdate) {
		return ActionRefused
	}
	return d.Action
}

// SyncResult counts what a sync did, by rows and by entities.
type SyncResult struct {
	Rows     int // data rows read
	Entities int // after in-file grouping
	Skipped  int // rows a resumed run had already done
	// OtherShards counts the rows left to the job's other shards.
	OtherShards int
	// Entity counts by action; an entity whose write the vendor refused
	// counts as refused.
	Actions map[string]int
	// Row counts by status.
	Statuses    map[string]int
	Interrupted bool
	Elapsed     time.Duration
	Plan        Plan
	// Retried counts entities tried more than once in the run; Failures
	// counts, by reason, those whose retries were spent.
	Retried  int
	Failures map[string]int
	// Forecast is the plan's forecast revised during the run (Plan.Calls
	// without SyncConfig.Calls).
	Forecast int
}

// Rejected is the number of rejected rows.
func (r SyncResult) Rejected() int { return r.Statuses[state.StatusRejected] }

// ErrUnauthorized stops a run: a vendor refused the credentials. It is
// sinks.ErrUnauthorized: the error is a *sinks.UnauthorizedError, whose
// Side says whether the source or the sink refused (errors.As).
var ErrUnauthorized = sinks.ErrUnauthorized

// ErrAmbiguous stops a run whose policy is on_ambiguous: fail.
var ErrAmbiguous = errors.New("ambiguous match")

// entity is one or more rows sharing a match key.
type entity struct {
	rows     []int
	leads    []mapping.Lead
	raws     [][]string
	mergedOn string
	keys     []sinks.Key
	// vals are the merged fields' values, aligned with order's names;
	// fields (built when first asked for, Fields) and hash (contentHash)
	// are theirs. An entity built with fields alone has no vals.
	vals   []string
	order  *fieldOrder
	fields sinks.Fields
	hash   string
	// id and ikeys are entityID and indexKeys, kept (an entity's keys
	// are fixed once it is built).
	id      string
	ikeys   []string
	knownID string // state says unchanged: the vendor id (set by the plan)
	// refused is set by the plan when the vendor refused this very
	// content before (the reason to report); wasRefused when it refused
	// other content of this entity (a success then forgets it).
	refused    string
	wasRefused bool
	// createSent: an earlier attempt sent this entity's create and did
	// not see it through (its answer lost, or completing it failed): the
	// record a later attempt finds is that create's, and labelled so.
	createSent bool
	// ambiguous: the vendor held several matches for this very content
	// last time (remembered for the forecast only); cost is the calls
	// the plan forecast for the entity.
	ambiguous bool
	cost      int
	// todo: the plan found the entity may need calls (state does not
	// settle it).
	todo bool
	// group is the entity's first row's number in the spill.
	group int32
}

// Fields is the entity's merged fields. An entity is with one goroutine
// at a time, so building them on first use needs no lock.
func (e *entity) Fields() sinks.Fields {
	if e.fields == nil && e.vals != nil {
		fieldMapsBuilt.Add(1)
		e.fields = fieldsOf(e.order.names, e.vals)
	}
	return e.fields
}

// contentHash is ContentHash(e.Fields()), from the aligned values when
// it has them (no map), kept.
func (e *entity) contentHash() string {
	if e.hash == "" {
		if e.vals != nil {
			e.hash = e.order.hash(e.vals)
		} else {
			e.hash = ContentHash(e.fields)
		}
	}
	return e.hash
}

// value is one merged field's value.
func (e *entity) value(name string) string {
	if e.vals == nil {
		return e.fields[name]
	}
	if i := slices.Index(e.order.names, name); i >= 0 {
		return e.vals[i]
	}
	return ""
}

// Sync reads the whole source, groups rows that share any match key into
// entities (decided before any call), then plans and writes each entity
// through the sink on a bounded pool. Row problems are data, never fatal.
// Fatal: unauthorized (ErrUnauthorized, a *sinks.UnauthorizedError naming
// the side that refused), on_ambiguous: fail, state errors.
func Sync(ctx context.Context, cfg SyncConfig) (SyncResult, error) {
	start := time.Now()
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Progress == nil {
		cfg.Progress = &Progress{}
	}
	cfg.Progress.Started = start
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	once := false
	if cfg.Policy.DryRun {
		// The one place a dry run differs: writes refused by the sink,
		// state left alone, a failed read reported as it is.
		cfg.Sink = sinks.DryRun(cfg.Sink)
		cfg.State = nil
		once = true
	}
	res := SyncResult{Actions: map[string]int{}, Statuses: map[string]int{}, Failures: map[string]int{}}
	var mu sync.Mutex
	count := func(d Decision) {
		mu.Lock()
		defer mu.Unlock()
		res.Actions[entityAction(d)]++
		if d.Attempts > 1 {
			res.Retried++
		}
		if d.Status == state.StatusFailed {
			res.Failures[failureClass(d.cause)]++
		}
		if d.Status == state.StatusOK {
			res.Statuses[state.StatusOK]++
			res.Statuses[state.StatusMerged] += len(d.Rows) - 1
		} else {
			res.Statuses[d.Status] += len(d.Rows)
		}
	}

	p := &planner{cfg: cfg, once: once, count: count}
	if st, ok := sinks.As[sinks.Stream](cfg.Sink); ok {
		if cfg.Shard.On() {
			return res, fmt.Errorf("shard %s: a file sink is written by one process; shards split vendor jobs", cfg.Shard)
		}
		// A file: each row is its own entity, written in source order.
		err := p.stream(ctx, st, &res, count)
		if cfg.OnPlan != nil && err == nil {
			cfg.OnPlan(res.Plan)
		}
		res.Elapsed = time.Since(start)
		return res, err
	}
	g, err := readAndGroup(ctx, cfg, &res)
	if err != nil {
		return res, err
	}
	defer g.Close()
	if ctx.Err() != nil {
		res.Interrupted = true
		res.Elapsed = time.Since(start)
		return res, nil
	}

	pl, err := p.plan(ctx, g, &res, cfg.Region)
	res.Entities = pl.Entities
	if err != nil {
		err = stopped(ctx, &res, "plan", err)
		return res, err
	}
	res.Plan, res.Forecast = pl, pl.Calls
	cfg.Progress.Planned.Store(int64(pl.Calls))
	cfg.Progress.Total.Store(int64(pl.Entities - pl.Known))
	rev := &reviser{calls: cfg.Calls, plan: pl.Calls, fixed: p.fixed, entities: pl.Calls - p.fixed, prog: cfg.Progress}
	if cfg.OnPlan != nil {
		cfg.OnPlan(pl)
	}
	if cfg.Check != nil && pl.NeedsCalls() {
		if err := cfg.Check(ctx); err != nil {
			err = stopped(ctx, &res, "connection check", err)
			return res, err
		}
	}
	err = p.write(ctx, g, &res, rev, count)
	res.Forecast = rev.revise()
	res.Elapsed = time.Since(start)
	return res, err
}

// write hands the planned entities to cfg.Concurrency workers, which
// write each and record its decision. When ctx ends, no new entity starts
// and those in flight get the grace period; the first fatal error stops
// the rest and is returned.
func (p *planner) write(ctx context.Context, g *grouping, res *SyncResult, rev *reviser, count func(Decision)) error {
	cfg := p.cfg
	work := make(chan *entity)
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	grace := cfg.Grace
	if grace <= 0 {
		grace = 15 * time.Second
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-wctx.Done():
			return
		}
		cfg.Logger.Info("stopping: no new entities; waiting for those in flight", "grace", grace)
		select {
		case <-time.After(grace):
			cancel(errors.New("grace period over"))
		case <-wctx.Done():
		}
	}()
	var wg sync.WaitGroup
	var fatal atomic.Pointer[error]
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				d, err := p.processRetrying(wctx, e)
				if err != nil {
					if fatal.CompareAndSwap(nil, &err) {
						cancel(err)
					}
					continue
				}
				if d.Status == "" {
					continue // interrupted mid-entity: no outcome, done next run
				}
				if err := p.record(e, d); err != nil {
					if fatal.CompareAndSwap(nil, &err) {
						cancel(err)
					}
					continue
				}
				count(d)
				cfg.Progress.Done.Add(1) // the plan finished the unchanged ones
				rev.revise()
				if cfg.OnDecision != nil {
					cfg.OnDecision(d)
				}
			}
		}()
	}
	errStop := errors.New("stop dispatching")
	derr := g.each(wctx, false, res, func(e *entity) error {
		if err := g.facts.get(e); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			res.Interrupted = true
			return errStop
		case <-wctx.Done():
			return errStop
		case work <- e:
			rev.started.Add(int64(e.cost))
		}
		return nil
	})
	close(work)
	wg.Wait()
	if derr != nil && !errors.Is(derr, errStop) && wctx.Err() == nil {
		fatal.CompareAndSwap(nil, &derr)
	}
	if f := fatal.Load(); f != nil {
		return *f
	}
	return nil
}

// stopped is the run's error when what (the plan, the connection check)
// failed before any write: refused credentials are the sink's; an ended
// ctx is an interruption (no error).
func stopped(ctx context.Context, res *SyncResult, what string, err error) error {
	if sinks.ClassOf(err) == sinks.Unauthorized {
		return sinks.Refused(sinks.SideSink, err)
	}
	if ctx.Err() != nil {
		res.Interrupted = true
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// reviser revises the forecast as the run goes: the calls made so far,
// plus the forecast of the entities not started yet at the rate the
// started ones took (their calls over their forecast: retries, finds
// after lost answers, 429 resends). When every entity has started it is
// the calls made.
type reviser struct {
	calls    func() int
	plan     int // the plan's forecast
	fixed    int // of it, the calls of no entity
	entities int // of it, the entities' calls
	started  atomic.Int64
	prog     *Progress
}

func (r *reviser) revise() int {
	if r.calls == nil {
		return r.plan
	}
	made := r.calls()
	started := int(r.started.Load())
	left := r.entities - started
	f := max(made+left, r.plan)
	switch {
	case left <= 0:
		f = made
	case started > 0 && made > r.fixed:
		f = made + int(float64(left)*float64(made-r.fixed)/float64(started)+0.5)
	}
	r.prog.Planned.Store(int64(f))
	return f
}

// processRetrying processes an entity, and again while it fails for a
// reason worth another try, within the policy's bounds.
func (p *planner) processRetrying(ctx context.Context, e *entity) (Decision, error) {
	r := p.cfg.Policy.Retry
	start := time.Now()
	calls := 0
	for attempt := 1; ; attempt++ {
		d, err := p.process(ctx, e, attempt)
		calls += d.Calls
		d.Calls, d.Attempts = calls, attempt
		if err != nil || d.Status != state.StatusFailed || !retryable(d.cause) || p.once {
			return d, err
		}
		if attempt >= r.attempts() || time.Since(start) >= r.maxTime() {
			d.Reason = fmt.Sprintf("%s (gave up after %d tries in %s)", d.Reason, attempt, time.Since(start).Round(time.Millisecond))
			return d, nil
		}
		t := time.NewTimer(r.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			d.Status = "" // interrupted: no outcome; the next run goes on
			return d, nil
		case <-t.C:
		}
	}
}

// retryable: a failure that another try may not meet (transient, or a
// vendor that kept answering 429).
func retryable(err error) bool {
	c := sinks.ClassOf(err)
	return c == sinks.Transient || c == sinks.RateLimited
}

// failureClass names a failure for the summary's counts.
func failureClass(err error) string {
	var e *sinks.Error
	if errors.As(err, &e) {
		s := e.Class.String()
		if e.Status != 0 {
			s += fmt.Sprintf(" (HTTP %d)", e.Status)
		} else if e.Err != nil {
			s += ": " + e.Err.Error()
		}
		return e.Op + ": " + s
	}
	if err == nil {
		return "unknown"
	}
	return err.Error()
}

// missingRequired names a required field that no row of the entity
// filled, or "".
func missingRequired(e *entity) string {
	for _, l := range e.leads {
		for _, name := range l.Missing {
			if e.value(name) == "" {
				return name
			}
		}
	}
	return ""
}

// eventKeyer names events: an event object's entity is one event,
// identified by all of its event key fields (the object's EventKey and
// the job's match keys) together, so two calls of one person are two
// writes, and only rows of the same event merge.
type eventKeyer struct {
	obj    sinks.Object
	fields []string // nil: not an event object
	idx    []int    // index of each field in the mapping's values (-1: unmapped)
}

func newEventKeyer(cfg SyncConfig) eventKeyer {
	obj := cfg.Sink.Object()
	if !obj.Event {
		return eventKeyer{}
	}
	ev := eventKeyer{obj: obj}
	jobKeys, _ := cfg.Mapping.KeyFields()
	for _, f := range append(append([]string{}, obj.EventKey...), jobKeys...) {
		if !slices.Contains(ev.fields, f) {
			ev.fields = append(ev.fields, f)
		}
	}
	names := cfg.Mapping.Fields()
	for _, f := range ev.fields {
		ev.idx = append(ev.idx, slices.Index(names, f))
	}
	return ev
}

// key is the event's one key ("event:" + its values as the vendor means
// them), or none when every event key field is empty.
func (ev eventKeyer) key(l mapping.Lead) []sinks.Key {
	parts := make([]string, len(ev.fields))
	has := false
	for i, name := range ev.fields {
		if j := ev.idx[i]; j >= 0 && l.Values[j] != "" {
			f, _ := ev.obj.Field(name)
			parts[i] = f.Canonical(l.Values[j])
			has = true
		}
	}
	if !has {
		return nil
	}
	return []sinks.Key{{Field: strings.Join(ev.fields, "+"), Kind: "event", Value: strings.Join(parts, "|")}}
}

func sharedKey(a, b []sinks.Key) string {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return x.Kind + ":" + x.Value
			}
		}
	}
	// Joined through a third row: name any key of the new row.
	if len(b) > 0 {
		return b[0].Kind + ":" + b[0].Value
	}
	return ""
}

func unionKeys(have, add []sinks.Key) []sinks.Key {
	for _, k := range add {
		dup := false
		for _, h := range have {
			if h == k {
				dup = true
				break
			}
		}
		if !dup {
			have = append(have, k)
		}
	}
	return have
}

// mergeFields combines an entity's rows: by default a later non-empty
// value wins; with "first", the first non-empty value stays. Empty values
// are never sent: an empty cell means "no data", not "clear the field".
func mergeFields(names []string, leads []mapping.Lead, policy string) sinks.Fields {
	return fieldsOf(names, mergeValues(nil, len(names), leads, policy))
}

// mergeValues is mergeFields aligned with the mapping's names (an empty
// value: no field), into dst when it has room.
func mergeValues(dst []string, n int, leads []mapping.Lead, policy string) []string {
	if cap(dst) < n {
		dst = make([]string, n)
	}
	dst = dst[:n]
	clear(dst)
	first := policy == "first"
	for _, l := range leads {
		for i, v := range l.Values[:min(n, len(l.Values))] {
			if v == "" || first && dst[i] != "" {
				continue
			}
			dst[i] = v
		}
	}
	return dst
}

// fieldMapsBuilt counts the entities whose field map was built (tests:
// an unchanged entity's is built for an OnDecision hook alone).
var fieldMapsBuilt atomic.Int64

// fieldsOf is the fields of aligned values: each non-empty one.
func fieldsOf(names, vals []string) sinks.Fields {
	f := make(sinks.Fields, len(names))
	for i, v := range vals {
		if v != "" {
			f[names[i]] = v
		}
	}
	return f
}

// fieldOrder is a mapping's names and the order ContentHash hashes them
// in, so that aligned values hash without a map.
type fieldOrder struct {
	names  []string
	sorted []int // indexes of names, by name
}

// newFieldOrder orders names; nil when a name repeats (aligned values
// could not say which value the fields keep).
func newFieldOrder(names []string) *fieldOrder {
	o := &fieldOrder{names: names, sorted: make([]int, len(names))}
	for i := range o.sorted {
		o.sorted[i] = i
	}
	slices.SortFunc(o.sorted, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	for i := 1; i < len(o.sorted); i++ {
		if names[o.sorted[i]] == names[o.sorted[i-1]] {
			return nil
		}
	}
	return o
}

// hash is ContentHash(fieldsOf(o.names, vals)).
func (o *fieldOrder) hash(vals []string) string {
	var stack [1024]byte
	buf := stack[:0]
	for _, i := range o.sorted {
		if v := vals[i]; v != "" {
			buf = append(buf, o.names[i]...)
			buf = append(buf, 0)
			buf = append(buf, v...)
			buf = append(buf, 0)
		}
	}
	return hashHex(buf)
}

// ContentHash is the hash of an entity's fields that change detection
// compares: the same fields and values give the same hash (the hex
// SHA-256 of the names in order, each followed by NUL, its value and NUL;
// stored states hold it, so it never changes).
func ContentHash(f sinks.Fields) string {
	names, size := hashNames(f)
	var stack [1024]byte
	buf := stack[:0]
	if size > len(stack) {
		buf = make([]byte, 0, size)
	}
	for _, k := range names {
		buf = append(buf, k...)
		buf = append(buf, 0)
		buf = append(buf, f[k]...)
		buf = append(buf, 0)
	}
	return hashHex(buf)
}

// hashHex is the hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// lastNames is the sorted field names ContentHash used last: a job's
// entities nearly all have one set of names, which then is not sorted
// again for each.
var lastNames atomic.Pointer[[]string]

// hashNames is f's names in order and the size of the hashed text.
func hashNames(f sinks.Fields) ([]string, int) {
	size := 0
	if last := lastNames.Load(); last != nil && len(*last) == len(f) {
		same := true
		for _, k := range *last {
			v, ok := f[k]
			if !ok {
				same = false
				break
			}
			size += len(k) + len(v) + 2
		}
		if same {
			return *last, size
		}
	}
	names := make([]string, 0, len(f))
	size = 0
	for k, v := range f {
		names = append(names, k)
		size += len(k) + len(v) + 2
	}
	slices.Sort(names)
	lastNames.Store(&names)
	return names, size
}

func rejectRow(cfg SyncConfig, row int, raw []string, column, reason string) error {
	o := state.Outcome{Row: row, Status: state.StatusRejected, Column: column, Error: reason}
	if cfg.State != nil {
		cfg.State.Outcome(o)
	}
	cfg.Progress.Rejected.Add(1)
	return reportOutcome(cfg.Reporter, o, raw)
}

// reportOutcome gives rep (if any) the report line of a row's outcome:
// written.csv for a row written or merged, rejected.csv with why for one
// that did not make it. A resumed run's replay gives the same line from
// the outcome state kept.
func reportOutcome(rep Reporter, o state.Outcome, raw []string) error {
	if rep == nil {
		return nil
	}
	var err error
	switch o.Status {
	case state.StatusOK:
		err = rep.Written(o.Row, raw, o.Action, o.VendorID)
	case state.StatusMerged:
		err = rep.Written(o.Row, raw, "merged:"+o.Action, o.VendorID)
	case state.StatusRejected:
		err = rep.Rejected(o.Row, raw, o.Column, o.Error)
	case state.StatusFailed, state.StatusUncertain:
		err = rep.Rejected(o.Row, raw, "", o.Status+": "+o.Error)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// keyStrings is each key as "kind:value", all of them cut from one
// string.
func keyStrings(keys []sinks.Key) []string {
	out := make([]string, len(keys))
	if len(keys) == 1 {
		out[0] = keys[0].Kind + ":" + keys[0].Value
		return out
	}
	n := 0
	for _, k := range keys {
		n += len(k.Kind) + 1 + len(k.Value)
	}
	var b strings.Builder
	b.Grow(n)
	for _, k := range keys {
		b.WriteString(k.Kind)
		b.WriteByte(':')
		b.WriteString(k.Value)
	}
	all, at := b.String(), 0
	for i, k := range keys {
		end := at + len(k.Kind) + 1 + len(k.Value)
		out[i], at = all[at:end], end
	}
	return out
}

// entityID names an entity in intents and outcomes: its keys, or for a
// keyless entity its content.
func entityID(e *entity) string {
	if e.id == "" {
		if len(e.keys) == 0 {
			e.id = "hash:" + e.contentHash()[:16]
		} else {
			switch ks := indexKeys(e); {
			case len(ks) == 1:
				e.id = ks[0]
			case len(ks) == 2 && ks[0] > ks[1]:
				e.id = ks[1] + "|" + ks[0]
			case len(ks) == 2:
				e.id = ks[0] + "|" + ks[1]
			default:
				ks = slices.Clone(ks)
				sort.Strings(ks)
				e.id = strings.Join(ks, "|")
			}
		}
	}
	return e.id
}
