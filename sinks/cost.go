package sinks

import "context"

// Coster is implemented by sinks whose write of one entity costs more
// than one call in a way the engine cannot derive (a Tiledesk create and
// the PUT of the fields its POST ignores, a LeadDesk agent and its
// campaign access). The planner uses it to forecast calls honestly.
type Coster interface {
	// CreateCalls is the calls a create of f takes, find excluded.
	CreateCalls(f Fields) int
	// UpdateCalls is the calls an update of f takes.
	UpdateCalls(f Fields) int
}

// FindCoster is implemented by sinks whose Find costs other than one
// call: one call per key (LionDesk, LeadSquared), none for keys the
// vendor cannot search by (LeadDesk e-mails).
type FindCoster interface {
	// FindCalls is the calls Find(q) is expected to take when the vendor
	// has no record: every key is asked.
	FindCalls(q Query) int
}

// KeyFinder is implemented by sinks whose Find searches by some match
// key kinds only (LeadDesk: phones, not e-mails). For keys of the other
// kinds the engine adds the records its state index names: the ones
// leadsync wrote with that key, which only state can find again.
type KeyFinder interface {
	// FindsBy reports whether Find searches by keys of kind.
	FindsBy(kind string) bool
}

// LookupCoster is implemented by sinks whose writes read names once per
// sink and cache them (a caller's lead by phone, a lead source's id, the
// lead routes). The planner counts each distinct name once per run, or
// up to its Max writes.
type LookupCoster interface {
	// Lookups names the cached reads a write of f needs that are not
	// cached yet, one call each.
	Lookups(f Fields) []Lookup
}

// Lookup is one cached read a write needs.
type Lookup struct {
	Name string
	// Max is how many writes naming it may read it (0: the first only):
	// a caller's lead that the first call makes is read again by the
	// second.
	Max int
}

// Preparer is implemented by sinks whose write costs depend on the
// vendor's set-up (LionDesk's lead routes and sources decide whether a
// campaign starts and offers go out). The planner calls Prepare for each
// entity that may need a write, before it forecasts; it makes the cached
// reads the first write would make (LookupCoster names them, and the
// forecast counts them). Its errors are the write's to report.
type Preparer interface {
	Prepare(ctx context.Context, f Fields) error
}
