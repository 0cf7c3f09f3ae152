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

// LookupCoster is implemented by sinks whose writes read names once per
// sink and cache them (a caller's lead by phone, a lead source's id, the
// lead routes). The planner counts each distinct name once per run.
type LookupCoster interface {
	// Lookups names the cached reads a write of f needs that are not
	// cached yet, one name per call.
	Lookups(f Fields) []string
}

// Preparer is implemented by sinks whose write costs depend on the
// vendor's set-up (LionDesk's lead routes decide whether a campaign
// starts and offers go out). The planner calls Prepare once, before it
// forecasts, when some entity needs a write; the reads it makes are the
// ones the first write would make, and LookupCoster counts them.
type Preparer interface {
	Prepare(ctx context.Context) error
}
