package sinks

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
