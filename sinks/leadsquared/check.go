package leadsquared

import (
	"context"

	"github.com/leadsync/leadsync/sinks"
)

var _ sinks.OnlineChecker = base{}

// CheckOnline checks access with the credential check (one lead lookup by
// an id no lead has): wrong keys, a deactivated user or the wrong
// regional host are an Unauthorized error. A LeadSquared job names no
// other vendor object leadsync could look up (users are given by id, and
// no read of them is used), so there is nothing else to check. Calls: 1.
func (b base) CheckOnline(ctx context.Context, _ sinks.Refs) ([]sinks.Problem, error) {
	return nil, b.Check(ctx)
}
