package sinks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// Fields are a record's values by field name.
type Fields map[string]string

// Key is one normalized match key of an entity: phones in E.164, emails
// trimmed and lower-cased, ids trimmed (package keys).
type Key struct {
	Field string // the target field it came from ("phone")
	Kind  string // a keys.Kind, the field's declared one (Field.KeyKind): "phone", "email" or "id"
	Value string // normalized value
}

// Query is what Find looks for: records matching ANY of Keys. Fields holds
// the entity's mapped values, for vendors whose find narrows by more than
// a key (LeadDesk: phone within a calling list).
type Query struct {
	Keys   []Key
	Fields Fields
}

// Record is a vendor's record as Find or Create returns it.
type Record struct {
	ID string
	// Fields are the vendor's current values, in schema field names, where
	// the API returns them; nil when the vendor returns ids only (the
	// planner then diffs against what was last synced).
	//
	// From Create, nil means "every field sent is set". Non-nil Fields are
	// what the vendor holds after the create (Tiledesk's POST ignores
	// phone, company, ...): the engine compares them with what it wanted
	// and sends the rest with Update, so a create never leaves a record
	// half-written. A create that the vendor does in one call returns nil.
	Fields Fields
}

// Sink writes one object of one vendor connection. Implementations are
// safe for concurrent use; the pipeline never has one entity in flight
// twice.
type Sink interface {
	// Object is the schema of what this sink writes.
	Object() Object
	// Scope names the connection (vendor, object, account) for the entity
	// index, e.g. "leaddesk/contact@api.leaddesk.com". It never holds a
	// secret.
	Scope() string
	// Find returns the records matching any of q's keys. It only reads.
	// For objects the vendor cannot look up (Object().CanFind false) it
	// returns ErrCannotFind.
	Find(ctx context.Context, q Query) ([]Record, error)
	// Create creates a record and returns it (at least its ID). It makes
	// ONE write call: what the vendor's create does not take, the engine
	// sends with Update (see Record.Fields), and writes of several
	// dependent calls are a Flow.
	//
	// Create may have created the record even when it returns an error
	// (IsUnknownOutcome): callers Find before retrying, and never retry a
	// create blindly.
	Create(ctx context.Context, f Fields) (Record, error)
	// Update sets the given fields of record id; fields absent from f are
	// left alone. Update is idempotent.
	Update(ctx context.Context, id string, f Fields) error
}

// Checker is implemented by sinks that can verify their credentials
// before a run (one cheap read), so a bad key stops the run at once.
type Checker interface {
	Check(ctx context.Context) error
}

// Lister is implemented by sinks that can list every record cheaply (many
// per call), so a planner may prefetch an index instead of one Find per
// entity. It calls fn for each record; pages is how many calls it made.
type Lister interface {
	List(ctx context.Context, fn func(Record) error) (pages int, err error)
	// ListCost estimates the calls a full listing takes.
	ListCost(ctx context.Context) (calls int, err error)
}

// Step is one call (or find-or-create) of a write that takes several
// dependent calls, as a Flow declares it.
type Step struct {
	Name string
	// Idempotent steps may simply be sent again after a lost or failed
	// answer (a find-or-create, a PUT).
	Idempotent bool
	// Verifiable steps that are not idempotent can be checked after a lost
	// answer: Flow.Verify says whether the step happened.
	Verifiable bool
}

// Flow is implemented by sinks whose write of one entity is a sequence of
// dependent calls (LionDesk's lead submission: contact, lead, campaign
// start, lead offers). The engine runs the steps in order, remembers in
// state each step's result as soon as it has it, commits an intent right
// before each non-idempotent call is sent, and after a lost answer,
// failure or kill resumes at the first step not known to be done: an
// idempotent step is sent again, a verifiable one checked, and any other
// is reported uncertain. A step is never sent twice unless it is
// idempotent or verified not to have happened.
//
// Sinks that implement Flow still implement Create (for tests and for
// tools); the engine uses the steps.
type Flow interface {
	// Steps lists the steps of the write of f, in order.
	Steps(f Fields) []Step
	// Do performs one step. done holds the results of the earlier steps
	// by name (the ids they returned). A step that does not apply to this
	// entity returns ErrStepSkipped.
	Do(ctx context.Context, step string, f Fields, done map[string]string) (result string, err error)
	// Verify checks whether a Verifiable step whose answer was lost
	// happened, and returns its result when it did.
	Verify(ctx context.Context, step string, f Fields, done map[string]string) (result string, happened bool, err error)
}

// ErrStepSkipped is returned by Flow.Do for a step that does not apply
// (no campaign on the route, no team to offer the lead to).
var ErrStepSkipped = errors.New("step does not apply")

// AmbiguousError is returned by a Flow step that found several records
// where it needs one (two LionDesk contacts with the entity's e-mail):
// the engine applies the job's on_ambiguous policy instead of guessing.
// With on_ambiguous: first, the engine runs the step again with
// WithPickFirst, and the step takes the first candidate.
type AmbiguousError struct {
	What       string   // "contact"
	Candidates []string // the vendor ids found
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d %ss match (%s)", len(e.Candidates), e.What, strings.Join(e.Candidates, ", "))
}

type pickFirstKey struct{}

// WithPickFirst tells a Flow step to take the first of several matches.
func WithPickFirst(ctx context.Context) context.Context {
	return context.WithValue(ctx, pickFirstKey{}, true)
}

// PickFirst reports whether a step should take the first of several
// matches instead of returning an *AmbiguousError.
func PickFirst(ctx context.Context) bool {
	v, _ := ctx.Value(pickFirstKey{}).(bool)
	return v
}

type beforeWriteKey struct{}

// WithBeforeWrite returns a context whose writes call fn after the budget
// has admitted them and right before they are sent. The engine commits
// its intent there, so a kill leaves uncertain only the calls in flight.
// When fn fails, the call is not sent.
func WithBeforeWrite(ctx context.Context, fn func() error) context.Context {
	return context.WithValue(ctx, beforeWriteKey{}, fn)
}

// BeforeWrite is called by a client (sinks/httpc does it for every write)
// after budget admission, right before sending a write.
func BeforeWrite(ctx context.Context) error {
	if fn, ok := ctx.Value(beforeWriteKey{}).(func() error); ok && fn != nil {
		return fn()
	}
	return nil
}

type entityKey struct{}

// WithEntity names the entity a call is for. Sinks may derive a
// deterministic external id from it (Tiledesk lead_id), so a create whose
// answer was lost is found exactly.
func WithEntity(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, entityKey{}, id)
}

// EntityOf returns the entity named by WithEntity, or "".
func EntityOf(ctx context.Context) string {
	id, _ := ctx.Value(entityKey{}).(string)
	return id
}

// OwnKeyer is implemented by sinks that stamp each record they create
// with a key derived from the entity (Tiledesk's lead_id, from
// EntityOf(ctx)). A prefetched listing then recognizes a record whose
// create answer was lost, or that a killed run left before it was
// completed, even when it does not yet hold the entity's match keys.
type OwnKeyer interface {
	// OwnKeyField is the schema field that holds the stamp.
	OwnKeyField() string
	// OwnKey is the stamp a create of f for the entity in ctx sets ("":
	// none).
	OwnKey(ctx context.Context, f Fields) string
}

// Stream is implemented by sinks that take every row as it comes, in
// source order, into one output of their own (the export files). The
// engine neither groups rows nor looks records up: each valid row is one
// Create, in order, from one goroutine, and the engine commits its
// progress in state with each Checkpoint, so a resumed run appends after
// the rows already committed instead of processing them again.
type Stream interface {
	// Start opens the output. resume is the last Checkpoint an
	// interrupted run of this output committed ("": start anew). resumed
	// is false when the output could not be taken up there (the partial
	// output is gone or changed, or the format cannot be appended to) and
	// was started anew.
	Start(resume string) (resumed bool, err error)
	// Checkpoint makes what was created so far safe in the partial
	// output and returns its position.
	Checkpoint() (string, error)
	// Commit puts the output in place; no partial output is left.
	Commit() error
	// Suspend closes the output and keeps the partial output for a resume.
	Suspend() error
	// Abort removes the partial output.
	Abort() error
}

// RowCreator is a Stream's fast path: Create of one row given as values
// in the order of Columns, without building Fields. The engine uses it
// when Columns are the mapping's fields, in order; a dry run never finds
// it (DrySink's table does not know it), so its rows go to Create.
type RowCreator interface {
	Columns() []string
	CreateRow(ctx context.Context, values []string) (Record, error)
}

// Deleter is implemented by sinks that can delete (soft or hard).
type Deleter interface {
	Delete(ctx context.Context, id string) error
}

// ErrCannotFind is returned by Find for objects the vendor cannot look up.
var ErrCannotFind = errors.New("this object cannot be looked up at the vendor")

// Class is how the engine reacts to a vendor error.
type Class int

// Error classes.
const (
	// Transient: 5xx, timeouts, connection resets: worth another try
	// later. For a write, the outcome is unknown unless NotSent.
	Transient Class = iota + 1
	// RateLimited: the vendor refused for pace; nothing was done. Wait.
	RateLimited
	// Rejected: the vendor refused this record (permanent for the row).
	Rejected
	// Unauthorized: the credentials are wrong; stop the run.
	Unauthorized
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case RateLimited:
		return "rate limited"
	case Rejected:
		return "rejected"
	case Unauthorized:
		return "unauthorized"
	}
	return "unknown"
}

// Error is a classified vendor error. Each vendor's client builds these
// from responses in one function; everything downstream reads the class.
type Error struct {
	Class  Class
	Op     string        // "leaddesk: create contact"
	Status int           // HTTP status, 0 when there was no response
	Code   string        // the vendor's error code (ERR_NOT_FOUND, MXDuplicateEntryException)
	Msg    string        // the vendor's message, as it gave it
	Wait   time.Duration // RateLimited: how long to pause (0: unknown)
	// NotSent is true when the write provably did not happen: the request
	// never reached the vendor (dial refused), or the vendor answered that
	// the call failed where its documents say such an answer means nothing
	// was done (LeadSquared's 500 "the API call failed", LeadDesk's 500
	// "internal; report or retry later"). Even a non-idempotent write may
	// then be sent again.
	NotSent bool
	Err     error // the transport error, if any
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Class.String()
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Msg != "" && e.Msg != e.Code {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err (0 when it is not a vendor error).
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return 0
}

// IsUnknownOutcome reports whether a write may or may not have happened:
// a transient failure after the request was sent.
func IsUnknownOutcome(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Class == Transient && !e.NotSent
}

// ScopeOf builds a Sink's Scope: vendor, object, host, and a short hash of
// the credential so two accounts on one host never share an index entry
// (the credential itself never appears).
func ScopeOf(vendor, object, baseURL, credential string) string {
	host := baseURL
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		host = u.Host + strings.TrimRight(u.Path, "/")
	}
	sum := sha256.Sum256([]byte(credential))
	return fmt.Sprintf("%s/%s@%s#%x", vendor, object, host, sum[:4])
}

// Unwrapper is implemented by sinks that wrap another (to change its
// Scope, say); As looks through them.
type Unwrapper interface {
	Unwrap() Sink
}

// As finds an optional interface (Checker, Lister, Deleter) on s or on
// the sinks it wraps.
func As[T any](s Sink) (T, bool) {
	var zero T
	for s != nil {
		if isRouted, has := routedHas[T](s); isRouted && !has {
			return zero, false
		}
		if d, ok := s.(*DrySink); ok {
			var t T
			found := d.optional(&t)
			return t, found
		}
		if t, ok := s.(T); ok {
			return t, true
		}
		u, ok := s.(Unwrapper)
		if !ok {
			break
		}
		s = u.Unwrap()
	}
	return zero, false
}

// Backoff is the pause before retry n (1-based) of a failed call: base
// doubling up to max, with "equal jitter" (half fixed, half random), so
// many workers retrying at once spread out. httpc and the engine's
// per-entity retries share it.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) //nolint:gosec // jitter
}
