package tiledesk

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// CreateCalls is the calls a create of f takes: the POST, and the PUT of
// the fields the POST ignores (phone, company, tags, ...) when f sets any.
func (s *LeadSink) CreateCalls(f sinks.Fields) int {
	for name, v := range f {
		if strings.TrimSpace(v) == "" || postFields[name] || strings.HasPrefix(name, attrPrefix) {
			continue
		}
		return 2
	}
	return 1
}

// UpdateCalls is one partial PUT.
func (s *LeadSink) UpdateCalls(sinks.Fields) int { return 1 }

var _ sinks.Coster = (*LeadSink)(nil)
