package leadsquared

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/sinks"
)

// callSink writes one of the two Generic Telephony Connector calls:
// LogCall (call_log) or ShowAgentPopup (agent_popup). Neither can be
// looked up, so the engine relies on write intents.
type callSink struct {
	base
	op   string // "leadsquared: log call"
	path string
	// makesLead: the call, sent without LeadId, makes the lead itself
	// (LogCall, VENDORS.md 4.6 [C]); ShowAgentPopup needs a LeadId.
	makesLead bool
	leads     *leadIndex
}

var _ sinks.Checker = (*callSink)(nil)

// Find returns sinks.ErrCannotFind: LeadSquared has no API that finds a
// call log or a popup.
func (s *callSink) Find(context.Context, sinks.Query) ([]sinks.Record, error) {
	return nil, sinks.ErrCannotFind
}

// Update is not supported: call logs and popups cannot be changed.
func (s *callSink) Update(context.Context, string, sinks.Fields) error {
	return errNoUpdate(s.obj.Name)
}

// Create sends the call and returns the id LeadSquared answers (the phone
// call activity of a call log, the message of a popup). Without a LeadId
// it first finds the lead, by LeadPhone, then the lead-side number of the
// call (SourceNumber inbound, DestinationNumber outbound), then
// LeadEmailAddress. A lead found is remembered for the sink's life, so the
// next calls of that caller cost no lookup.
//
// When no lead is found, a call log is sent without LeadId: LeadSquared
// then makes the lead from the lead-side number, with CallerSource as its
// source (VENDORS.md 4.6). While such a call is in flight, the other calls
// of the same number wait for it and then look the lead up again, so one
// run makes the lead once. A popup without a lead is Rejected (the API
// requires a LeadId).
//
// Create may have sent the call even when it returns an error
// (sinks.IsUnknownOutcome: no answer, or a gateway's 502/504);
// LeadSquared does not deduplicate CallSessionId, so a blind retry logs
// the call twice.
func (s *callSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	vals, err := s.fields(s.op, f)
	if err != nil {
		return sinks.Record{}, err
	}
	body, err := s.body(vals)
	if err != nil {
		return sinks.Record{}, err
	}
	if _, ok := body["LeadId"]; !ok {
		id, release, err := s.resolveLead(ctx, vals, body["Direction"] == "Inbound")
		if err != nil {
			return sinks.Record{}, err
		}
		defer release()
		if id != "" {
			body["LeadId"] = id
		}
	}
	id, err := s.c.post(ctx, s.op, s.path, body)
	if err != nil {
		return sinks.Record{}, err
	}
	return sinks.Record{ID: id}, nil
}

// body builds the request body from the row's values: numbers as
// +CC-NUMBER, Direction in LeadSquared's case, times in UTC
// YYYY-MM-DD HH:MM:SS, CallDuration as a JSON number (EndTime - StartTime
// when empty). Every required field must be there.
func (s *callSink) body(vals map[string]string) (map[string]any, error) {
	body := map[string]any{}
	for _, fd := range s.obj.Fields {
		v, ok := vals[fd.Name]
		if !ok || lookupOnly[fd.Name] {
			continue
		}
		switch {
		case fd.Type == sinks.Phone:
			body[fd.Name] = s.c.phones.body(v)
		case fd.Name == "Direction":
			switch {
			case strings.EqualFold(v, "Inbound"):
				body[fd.Name] = "Inbound"
			case strings.EqualFold(v, "Outbound"):
				body[fd.Name] = "Outbound"
			default:
				return nil, rejected(s.op, "Direction %q is neither Inbound nor Outbound", v)
			}
		case fd.Type == sinks.DateTime:
			t, ok := parseCallTime(v)
			if !ok {
				return nil, rejected(s.op, "%s %q is not a UTC time YYYY-MM-DD HH:MM:SS", fd.Name, v)
			}
			body[fd.Name] = t.Format(callTimeLayout)
		case fd.Name == "CallDuration":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, rejected(s.op, "CallDuration %q is not a whole number of seconds", v)
			}
			body[fd.Name] = n
		case fd.MaxLen > 0 && len([]rune(v)) > fd.MaxLen:
			return nil, rejected(s.op, "%s has %d characters, at most %d", fd.Name, len([]rune(v)), fd.MaxLen)
		default:
			body[fd.Name] = v
		}
	}
	var missing []string
	for _, fd := range s.obj.Fields {
		if _, ok := body[fd.Name]; fd.Required && !ok {
			missing = append(missing, fd.Name)
		}
	}
	if len(missing) > 0 {
		return nil, rejected(s.op, "required %s empty", plural(missing, "field", "fields", "is", "are"))
	}
	if _, ok := s.obj.Field("CallDuration"); ok && body["CallDuration"] == nil {
		start, ok1 := parseCallTime(vals["StartTime"])
		end, ok2 := parseCallTime(vals["EndTime"])
		if ok1 && ok2 && !end.Before(start) {
			body["CallDuration"] = int64(end.Sub(start) / time.Second)
		} else {
			return nil, rejected(s.op, "CallDuration is empty and EndTime is before StartTime")
		}
	}
	return body, nil
}

// parseCallTime reads LeadSquared's layout, or an RFC 3339 time, which it
// converts to UTC.
func parseCallTime(v string) (time.Time, bool) {
	if t, err := time.Parse(callTimeLayout, v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// resolveLead finds the ProspectID of the call's lead (see Create). It
// returns "" when a call log is to be sent without LeadId; release must be
// called once that call has its answer (it holds the lead-side number
// until then). Its reads happen before the write, so their errors are
// never an unknown outcome of the write.
func (s *callSink) resolveLead(ctx context.Context, vals map[string]string, inbound bool) (id string, release func(), err error) {
	leadSide := vals["DestinationNumber"]
	if inbound {
		leadSide = vals["SourceNumber"]
	}
	release = func() {}
	newLeadNumber := s.c.phones.lookup(leadSide)
	if s.makesLead && newLeadNumber != "" {
		// Calls of one number resolve one at a time, so the call that
		// makes the lead is answered before the next one looks.
		release = s.leads.lock(newLeadNumber)
	}
	id, searched, err := s.findLead(ctx, vals["LeadPhone"], leadSide, vals["LeadEmailAddress"])
	if err != nil || id != "" {
		release()
		return id, func() {}, err
	}
	if s.makesLead && newLeadNumber != "" {
		return "", release, nil // LeadSquared makes the lead from the number
	}
	release()
	what := "no LeadId, and no lead found by " + strings.Join(searched, " or ")
	if len(searched) == 0 {
		what = "no LeadId, and no phone or email to find the lead by"
	}
	if s.makesLead {
		side := "SourceNumber"
		if !inbound {
			side = "DestinationNumber"
		}
		return "", nil, rejected(s.op, "%s; LeadSquared cannot make the lead either: the caller's number (%s %q) is not a phone number", what, side, leadSide)
	}
	return "", nil, rejected(s.op, "%s; ShowAgentPopup needs the LeadId of an existing lead", what)
}

// findLead looks the lead up by each phone, then by email, and returns the
// first lead found ("" when none) and what it searched, for messages.
func (s *callSink) findLead(ctx context.Context, leadPhone, leadSide, email string) (string, []string, error) {
	var searched []string
	tried := map[string]bool{}
	for _, p := range []string{leadPhone, leadSide} {
		digits := s.c.phones.lookup(p)
		if digits == "" || tried[digits] {
			continue
		}
		tried[digits] = true
		searched = append(searched, "phone "+p)
		if id := s.leads.get("phone:" + digits); id != "" {
			return id, searched, nil
		}
		leads, err := s.c.leadsByPhone(ctx, p)
		if err != nil {
			return "", searched, notSent(err, s.op)
		}
		if id := firstLeadID(leads); id != "" {
			s.leads.put("phone:"+digits, id)
			return id, searched, nil
		}
	}
	if email != "" {
		searched = append(searched, "email "+email)
		key := "email:" + strings.ToLower(email)
		if id := s.leads.get(key); id != "" {
			return id, searched, nil
		}
		leads, err := s.c.leadsByEmail(ctx, email)
		if err != nil {
			return "", searched, notSent(err, s.op)
		}
		if id := firstLeadID(leads); id != "" {
			s.leads.put(key, id)
			return id, searched, nil
		}
	}
	return "", searched, nil
}

// leadIndex remembers, for one sink's life (one run), the leads its
// lookups found, and serializes the calls of one number while a call that
// makes its lead is in flight. Leads not found are never remembered: the
// next call of that number may find the lead the previous one made.
type leadIndex struct {
	mu    sync.Mutex
	ids   map[string]string // "phone:<digits>" / "email:<address>" -> ProspectID
	locks map[string]*numberLock
}

type numberLock struct {
	mu    sync.Mutex
	users int
}

func newLeadIndex() *leadIndex {
	return &leadIndex{ids: map[string]string{}, locks: map[string]*numberLock{}}
}

func (x *leadIndex) get(key string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ids[key]
}

func (x *leadIndex) put(key, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids[key] = id
}

// lock takes the number's lock and returns its release (call it once).
func (x *leadIndex) lock(number string) func() {
	x.mu.Lock()
	l := x.locks[number]
	if l == nil {
		l = &numberLock{}
		x.locks[number] = l
	}
	l.users++
	x.mu.Unlock()
	l.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Unlock()
			x.mu.Lock()
			if l.users--; l.users == 0 {
				delete(x.locks, number)
			}
			x.mu.Unlock()
		})
	}
}

func firstLeadID(leads []lead) string {
	for _, l := range leads {
		if id := strings.TrimSpace(l.str("ProspectID")); id != "" {
			return id
		}
	}
	return ""
}

// plural words a list of names: "field X is", "fields X, Y are".
func plural(names []string, one, many, verbOne, verbMany string) string {
	if len(names) == 1 {
		return one + " " + names[0] + " " + verbOne
	}
	return many + " " + strings.Join(names, ", ") + " " + verbMany
}
