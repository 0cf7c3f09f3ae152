package leaddesk

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// ErrCannotUpdate is returned by Update for objects LeadDesk cannot
// modify (callbacks).
var ErrCannotUpdate = errors.New("this object cannot be updated at the vendor")

// CallbackSink creates callbacks (mod=call, cmd=create_callback). LeadDesk
// has no command to find or modify a callback: Find returns
// sinks.ErrCannotFind and Update ErrCannotUpdate, and the engine's write
// intents carry crash safety.
type CallbackSink struct{ sinkBase }

var _ interface {
	sinks.Sink
	sinks.Checker
} = (*CallbackSink)(nil)

// callbackProperties are the fields sent under "properties"; the others
// describe the callback's contact and go under "contact".
var callbackProperties = map[string]bool{
	"agent": true, "campaign": true, "phone": true, "timestamp": true,
	"type": true, "agent_group": true, "comment": true,
}

// Find returns sinks.ErrCannotFind: LeadDesk cannot look callbacks up.
func (s *CallbackSink) Find(context.Context, sinks.Query) ([]sinks.Record, error) {
	return nil, sinks.ErrCannotFind
}

// Update returns ErrCannotUpdate: LeadDesk cannot modify callbacks.
func (s *CallbackSink) Update(context.Context, string, sinks.Fields) error {
	return ErrCannotUpdate
}

// Create schedules a callback and returns its callback_id. agent is the
// agent's username, campaign the campaign's name, timestamp
// "YYYY-MM-DD HH:MM:SS", type private (the default) or public; the
// contact fields (fname, other1, contactid, ...) are sent inline under
// "contact" when any is set. Empty values are left out.
//
// Create may have created the callback even when it returns an error
// (sinks.IsUnknownOutcome), and nothing can find it: the engine's write
// intent decides what happens next, never a blind retry.
func (s *CallbackSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	const op = "leaddesk: create callback"
	props := map[string]any{}
	contact := map[string]any{}
	for _, name := range sortedFieldNames(f) {
		v := strings.TrimSpace(f[name])
		field, ok := s.obj.Field(name)
		if !ok {
			return sinks.Record{}, rejected(op, CodeArgumentInvalid, "unknown callback field "+name)
		}
		if v == "" {
			continue
		}
		switch {
		case field.Type == sinks.Phone:
			p, ok := toE164(v, s.region)
			if !ok {
				return sinks.Record{}, rejected(op, CodeArgumentInvalid, name+": not a valid phone number"+regionNote(s.region))
			}
			props[name] = p
		case callbackProperties[name]:
			props[name] = v
		case name == "companyid":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return sinks.Record{}, rejected(op, CodeArgumentInvalid, "companyid")
			}
			contact[name] = n
		default:
			contact[name] = v
		}
	}
	if props["type"] == nil {
		props["type"] = "private"
	}
	for _, req := range []string{"agent", "campaign", "phone", "timestamp"} {
		if props[req] == nil {
			return sinks.Record{}, rejected(op, CodeArgumentMissing, req)
		}
	}
	body := map[string]any{"return_callback_id": true, "properties": props}
	if len(contact) > 0 {
		body["contact"] = contact
	}
	resp, err := s.c.call(ctx, op, "call", "create_callback", nil, body, true, false)
	if err != nil {
		return sinks.Record{}, err
	}
	var v struct {
		CallbackID json.Number `json:"callback_id"`
	}
	if err := decode(op, resp, &v); err != nil {
		return sinks.Record{}, err
	}
	id := idString(v.CallbackID)
	if id == "" {
		return sinks.Record{}, unexpected(op, "created, but the answer has no callback_id")
	}
	return sinks.Record{ID: id}, nil
}
