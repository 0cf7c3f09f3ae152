package liondesk

import (
	"context"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// CreateCalls is the calls a lead submission of f is expected to take:
// one contact find per contact key given (all of them when the contact
// is new), the contact's create, the lead, and, when the lead routes are
// loaded (Prepare), the matched route's campaign start and lead offers.
// A lead no route takes is refused after its finds. The sink's one-time
// reads (sources, routes, team options) are Lookups.
func (s *leadSink) CreateCalls(f sinks.Fields) int {
	n := 0
	for _, k := range contactKeys {
		if v := strings.TrimSpace(f[k]); v != "" {
			if _, ok := s.keyValue(k, v); ok {
				n++
			}
		}
	}
	if routes, ok := s.routes.peek("all"); ok {
		rt := matchRoute(routes, s.leadSourceOf(f), s.contactSourceOf(f), f["type"])
		if rt == nil {
			return n // unroutable: refused before any write
		}
		if rt.CampaignID != 0 {
			n++
		}
		if rt.Target == teamRollout {
			n++
		}
	}
	return n + 2 // create contact, create lead
}

// leadSourceOf is the cached id of f's lead source (0: none or not known).
func (s *leadSink) leadSourceOf(f sinks.Fields) int64 {
	if name := strings.TrimSpace(f["lead_source"]); name != "" {
		id, _ := s.leadSources.peek(strings.ToLower(name))
		return id
	}
	return 0
}

// contactSourceOf is the id of a new contact's source: source_id, or the
// cached id of contact_source.
func (s *leadSink) contactSourceOf(f sinks.Fields) int64 {
	if id, err := strconv.ParseInt(strings.TrimSpace(f["source_id"]), 10, 64); err == nil {
		return id
	}
	if name := strings.TrimSpace(f["contact_source"]); name != "" {
		id, _ := s.contactSources.peek(strings.ToLower(name))
		return id
	}
	return 0
}

// UpdateCalls is 0: a lead is never updated.
func (s *leadSink) UpdateCalls(sinks.Fields) int { return 0 }

// Prepare resolves what a lead submission of f reads once per sink (its
// lead source, its contact source, the lead routes), so CreateCalls
// knows which leads start a campaign and get offers.
func (s *leadSink) Prepare(ctx context.Context, f sinks.Fields) error {
	_, err := s.prepare(ctx, f)
	return err
}

// Lookups names the reads of a lead submission that are cached per sink
// and not cached yet: the lead routes, the lead source's and the contact
// source's ids, and the alerted members of a Team Rollout route's team
// (the teams, when it picks the team by zipcode).
func (s *leadSink) Lookups(f sinks.Fields) []sinks.Lookup {
	var names []string
	out := func() []sinks.Lookup {
		l := make([]sinks.Lookup, len(names))
		for i, n := range names {
			l[i] = sinks.Lookup{Name: n}
		}
		return l
	}
	routes, ok := s.routes.peek("all")
	if !ok {
		names = append(names, "routes")
	}
	if name := strings.ToLower(strings.TrimSpace(f["lead_source"])); name != "" {
		if _, ok := s.leadSources.peek(name); !ok {
			names = append(names, "lead source "+name)
		}
	}
	if name := strings.ToLower(strings.TrimSpace(f["contact_source"])); name != "" && strings.TrimSpace(f["source_id"]) == "" {
		if _, ok := s.contactSources.peek(name); !ok {
			names = append(names, "contact source "+name)
		}
	}
	if !ok {
		return out()
	}
	rt := matchRoute(routes, s.leadSourceOf(f), s.contactSourceOf(f), f["type"])
	if rt == nil || rt.Target != teamRollout {
		return out()
	}
	switch rt.TeamSelection {
	case "Specific Team":
		if _, ok := s.teamOptions.peek(strconv.FormatInt(rt.TeamID, 10)); !ok && rt.TeamID != 0 {
			names = append(names, "team options "+strconv.FormatInt(rt.TeamID, 10))
		}
	case "Zipcode":
		if _, ok := s.teams.peek("all"); !ok {
			names = append(names, "teams")
		}
		if teams, ok := s.teams.peek("all"); ok {
			for _, t := range teams {
				if t.zips[strings.TrimSpace(f["zipcode"])] {
					if _, ok := s.teamOptions.peek(strconv.FormatInt(t.id, 10)); !ok {
						names = append(names, "team options "+strconv.FormatInt(t.id, 10))
					}
					break
				}
			}
		} else {
			names = append(names, "team options for zipcode "+strings.TrimSpace(f["zipcode"]))
		}
	}
	return out()
}

// FindCalls is one exact-equality find per contact key that can be
// stored as one.
func (s *contactSink) FindCalls(q sinks.Query) int {
	n := 0
	for _, k := range q.Keys {
		if _, ok := s.keyValue(k.Field, k.Value); ok {
			n++
		}
	}
	return n
}

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

var (
	_ sinks.Coster       = (*leadSink)(nil)
	_ sinks.Preparer     = (*leadSink)(nil)
	_ sinks.LookupCoster = (*leadSink)(nil)
	_ sinks.FindCoster   = (*contactSink)(nil)
)
