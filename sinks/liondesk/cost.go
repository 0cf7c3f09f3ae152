package liondesk

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// CreateCalls is the calls a lead submission of f is expected to take:
// one contact find per contact key given (all of them when the contact
// is new), the contact's create, the lead, and, when the lead routes are
// already loaded, the matched route's campaign start and lead offers.
// The sink's one-time lookups (sources, routes) are not counted here.
func (s *leadSink) CreateCalls(f sinks.Fields) int {
	n := 0
	for _, k := range contactKeys {
		if strings.TrimSpace(f[k]) != "" {
			n++
		}
	}
	n += 2 // create contact, create lead
	if routes, ok := s.routes.peek("all"); ok {
		if rt := matchRoute(routes, 0, 0, f["type"]); rt != nil {
			if rt.CampaignID != 0 {
				n++
			}
			if rt.Target == "Team Rollout" {
				n++
			}
		}
	}
	return n
}

// UpdateCalls is 0: a lead is never updated.
func (s *leadSink) UpdateCalls(sinks.Fields) int { return 0 }

// peek returns a cached value without fetching it.
func (c *idCache[V]) peek(key string) (V, bool) {
	var zero V
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e == nil || !e.mu.TryLock() {
		return zero, false
	}
	defer e.mu.Unlock()
	if !e.done {
		return zero, false
	}
	return e.v, true
}

var _ sinks.Coster = (*leadSink)(nil)
