package leaddesk

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// CreateCalls is the calls a create of agent f takes: the create, then
// one modify_campaign_access per campaign of campaigns_add (the engine
// completes the create with Update, since Create leaves them out).
func (s *AgentSink) CreateCalls(f sinks.Fields) int {
	return 1 + countIDs(f["campaigns_add"])
}

// UpdateCalls is one modify call when f holds agent fields, plus one
// modify_campaign_access per campaign added or removed.
func (s *AgentSink) UpdateCalls(f sinks.Fields) int {
	n := countIDs(f["campaigns_add"]) + countIDs(f["campaigns_remove"])
	for k := range f {
		if k != "campaigns_add" && k != "campaigns_remove" {
			return n + 1
		}
	}
	return n
}

func countIDs(v string) int {
	n := 0
	for _, id := range strings.Split(v, ",") {
		if strings.TrimSpace(id) != "" {
			n++
		}
	}
	return n
}

var _ sinks.Coster = (*AgentSink)(nil)

// FindCalls is one find per distinct phone key: LeadDesk cannot search
// by e-mail.
func (s *ContactSink) FindCalls(q sinks.Query) int {
	seen := map[string]bool{}
	for _, k := range q.Keys {
		if keys.Kind(k.Kind) != keys.Phone {
			continue // as Find
		}
		phone := strings.TrimSpace(k.Value)
		if p, ok := toE164(phone, s.region); ok {
			phone = p
		}
		if phone != "" {
			seen[phone] = true
		}
	}
	return len(seen)
}

var _ sinks.FindCoster = (*ContactSink)(nil)
