package leadsquared

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// FindCalls is one lookup per e-mail or phone key.
func (s *leadSink) FindCalls(q sinks.Query) int {
	n := 0
	for _, k := range q.Keys {
		if strings.TrimSpace(k.Value) == "" {
			continue
		}
		if kind := keys.Kind(k.Kind); kind == keys.Email || kind == keys.Phone {
			n++
		}
	}
	return n
}

// Lookups names the lead lookup a call without a LeadId makes when the
// caller's lead is not remembered yet: by its first phone, else by its
// e-mail. A lead found is remembered; one not found is made by the first
// call log (and read again by the next call of that number), or refuses
// the popup; popups of one caller in flight together each look.
func (s *callSink) Lookups(f sinks.Fields) []sinks.Lookup {
	if strings.TrimSpace(f["LeadId"]) != "" {
		return nil
	}
	max := 2
	if !s.makesLead {
		max = -1
	}
	leadSide := f["DestinationNumber"]
	if strings.EqualFold(strings.TrimSpace(f["Direction"]), "Inbound") {
		leadSide = f["SourceNumber"]
	}
	for _, p := range []string{f["LeadPhone"], leadSide} {
		if digits := s.c.phones.lookup(p); digits != "" {
			if s.leads.get("phone:"+digits) != "" {
				return nil
			}
			return []sinks.Lookup{{Name: "phone:" + digits, Max: max}}
		}
	}
	if e := strings.ToLower(strings.TrimSpace(f["LeadEmailAddress"])); e != "" && s.leads.get("email:"+e) == "" {
		return []sinks.Lookup{{Name: "email:" + e, Max: max}}
	}
	return nil
}

var (
	_ sinks.FindCoster   = (*leadSink)(nil)
	_ sinks.LookupCoster = (*callSink)(nil)
)
