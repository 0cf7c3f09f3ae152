package liondesk

import (
	"context"
	"fmt"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// New returns the sink for cfg.Object ("contact" or "lead").
func New(cfg Config) (sinks.Sink, error) {
	obj, err := Schema().Object(strings.ToLower(strings.TrimSpace(cfg.Object)))
	if err != nil {
		return nil, fmt.Errorf("liondesk: %w", err)
	}
	c, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	b := &base{c: c, obj: obj, personField: map[string]bool{}}
	for _, f := range personFields() {
		b.personField[f.Name] = true
	}
	switch obj.Name {
	case ObjectContact:
		b.personField["source_id"] = true
		return &contactSink{base: b}, nil
	default:
		return &leadSink{base: b}, nil
	}
}

// base is what both sinks share: the client, the object, and the
// per-sink caches of names and routes.
type base struct {
	c   *Client
	obj sinks.Object
	// personField: the fields that go into a /contacts body.
	personField map[string]bool

	leadSources    idCache[int64]
	contactSources idCache[int64]
	sourceNames    idCache[string]
	routes         idCache[[]route]
	teams          idCache[[]team]
	teamOptions    idCache[int]
	actions        idCache[[]campaignAction]
	// What a submission's steps learnt, for its later steps.
	contactSrc  idMap[int64]  // contact id -> its source id
	leadTargets idMap[string] // lead id -> its distribution_target
}

// Object is the schema of what this sink writes.
func (s *base) Object() sinks.Object { return s.obj }

// Scope names the connection: vendor, object, host and a hash of the
// token (never the token).
func (s *base) Scope() string {
	return sinks.ScopeOf("liondesk", s.obj.Name, s.c.base, s.c.token)
}

// Check verifies the token with GET /me.
func (s *base) Check(ctx context.Context) error {
	_, err := s.c.Me(ctx)
	return err
}

var (
	_ sinks.Sink    = (*contactSink)(nil)
	_ sinks.Checker = (*contactSink)(nil)
	_ sinks.Sink    = (*leadSink)(nil)
	_ sinks.Checker = (*leadSink)(nil)
)
