package leaddesk

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// AgentSink writes agent accounts (mod=agent) and their campaign access.
type AgentSink struct{ sinkBase }

var _ interface {
	sinks.Sink
	sinks.Checker
} = (*AgentSink)(nil)

// agentSections places each agent field in the section of the create and
// modify bodies that holds it.
var agentSections = map[string]string{
	"username": "account", "password": "account", "inbound_number": "account", "lang": "account",
	"time_zone": "account", "voip_username": "account", "external_id": "account",

	"name": "contact_information", "email": "contact_information", "phone": "contact_information",
	"workphone": "contact_information", "address": "contact_information", "city": "contact_information",
	"country": "contact_information", "postal": "contact_information", "e_contacts": "contact_information",

	"agent_group_id": "employment", "employment": "employment", "employment_start": "employment",
	"office": "employment", "bank_acc": "employment", "description": "employment", "ssn": "employment",
	"workshift": "employment",
}

// uncleared are fields LeadDesk cannot set to nothing: an empty value in
// an update leaves them as they are.
var uncleared = map[string]bool{"password": true, "lang": true, "agent_group_id": true}

// Find looks agents up by username (the keys of kind id: username is the
// agent's id field), one call per distinct username. LeadDesk answers
// with the id and the name only, so Record.Fields holds exactly those two (username,
// name): every other field, campaign access included (the API has no way
// to read it back), is absent, and the engine compares it with what it
// last synced or, after a lost create, sends it with Update. An unknown
// username (400 ERR_NOT_FOUND:agent) is no match, not an error.
func (s *AgentSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	var out []sinks.Record
	seen, seenID := map[string]bool{}, map[string]bool{}
	for _, k := range q.Keys {
		if keys.Kind(k.Kind) != keys.ID {
			continue
		}
		username := strings.TrimSpace(k.Value)
		if username == "" || seen[username] {
			continue
		}
		seen[username] = true
		id, name, err := s.c.findAgent(ctx, username)
		if err != nil {
			return nil, err
		}
		if id != "" && !seenID[id] {
			seenID[id] = true
			out = append(out, sinks.Record{ID: id, Fields: sinks.Fields{"username": username, "name": name}})
		}
	}
	return out, nil
}

// Create creates an agent account (level agent) with one call and
// returns its id and the fields LeadDesk holds after it: every agent field
// of f, and campaigns_remove (a new agent has no access to remove), but
// not campaigns_add, which takes calls of its own once the agent exists.
// The engine sees it missing and sends it with Update, also when this
// create's answer was lost and the agent was found by username instead.
// username, password and name are required; empty values are left out,
// so LeadDesk's defaults apply (lang 1, time zone Europe/Helsinki,
// employment active).
//
// Create may have created the agent even when it returns an error
// (sinks.IsUnknownOutcome); find by username before trying again.
func (s *AgentSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	const op = "leaddesk: create agent"
	agent, access, err := splitAccess(op, f)
	if err != nil {
		return sinks.Record{}, err
	}
	for _, req := range []string{"username", "password", "name"} {
		if strings.TrimSpace(agent[req]) == "" {
			return sinks.Record{}, rejected(op, CodeArgumentMissing, req)
		}
	}
	body, err := s.body(op, agent, true)
	if err != nil {
		return sinks.Record{}, err
	}
	body["account"].(map[string]any)["level"] = "agent"
	resp, err := s.c.call(ctx, op, "agent", "create", nil, body, true, false)
	if err != nil {
		return sinks.Record{}, err
	}
	var v struct {
		ID json.Number `json:"id"`
	}
	if err := decode(op, resp, &v); err != nil {
		return sinks.Record{}, err
	}
	id := idString(v.ID)
	if id == "" {
		return sinks.Record{}, unexpected(op, "created, but the answer has no id")
	}
	held := sinks.Fields{}
	for k, v := range f {
		held[k] = v
	}
	if len(access.add) > 0 {
		delete(held, "campaigns_add")
	}
	return sinks.Record{ID: id, Fields: held}, nil
}

// campaignAccess is a roster's campaign changes for one agent.
type campaignAccess struct{ add, remove []string }

// splitAccess takes the roster fields out of f (they are not agent
// fields) and checks their ids.
func splitAccess(op string, f sinks.Fields) (sinks.Fields, campaignAccess, error) {
	var a campaignAccess
	rest := sinks.Fields{}
	for k, v := range f {
		rest[k] = v
	}
	for field, dst := range map[string]*[]string{"campaigns_add": &a.add, "campaigns_remove": &a.remove} {
		for _, id := range strings.Split(rest[field], ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
				return nil, a, rejected(op, CodeArgumentInvalid, field)
			}
			*dst = append(*dst, id)
		}
		delete(rest, field)
	}
	return rest, a, nil
}

// applyAccess sets the roster's campaign access; each call is idempotent
// at LeadDesk (adding twice or removing a missing access succeeds).
func (s *AgentSink) applyAccess(ctx context.Context, agentID string, a campaignAccess) error {
	for _, c := range a.add {
		if err := s.SetCampaignAccess(ctx, agentID, c, true); err != nil {
			return err
		}
	}
	for _, c := range a.remove {
		if err := s.SetCampaignAccess(ctx, agentID, c, false); err != nil {
			return err
		}
	}
	return nil
}

// Update modifies agent id with the fields of f only (one modify call
// when f holds agent fields), then sets campaign access: one
// modify_campaign_access call per campaign id of campaigns_add and
// campaigns_remove. Every call is idempotent at LeadDesk (adding an access
// the agent has, or removing one it lacks, succeeds), so Update may be
// sent again after any failure. An empty value clears a field, except
// password, lang and agent_group_id, which LeadDesk cannot clear: for
// those an empty value is left out.
func (s *AgentSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	const op = "leaddesk: modify agent"
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return rejected(op, CodeArgumentInvalid, "id")
	}
	f, access, err := splitAccess(op, f)
	if err != nil {
		return err
	}
	body, err := s.body(op, f, false)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		body["id"] = n
		if _, err := s.c.call(ctx, op, "agent", "modify", nil, body, true, false); err != nil {
			return err
		}
	}
	return s.applyAccess(ctx, id, access)
}

// body builds the sections of a create or modify body. lang travels as a
// string on create and as a number on modify: the connector declares it
// so (VENDORS.md 1.6.4, 1.6.8).
func (s *AgentSink) body(op string, f sinks.Fields, create bool) (map[string]any, error) {
	body := map[string]any{}
	if create {
		body["account"] = map[string]any{}
		body["contact_information"] = map[string]any{}
	}
	for _, name := range sortedFieldNames(f) {
		section, ok := agentSections[name]
		if !ok {
			return nil, rejected(op, CodeArgumentInvalid, "unknown agent field "+name)
		}
		v := strings.TrimSpace(f[name])
		if v == "" && (create || uncleared[name]) {
			continue
		}
		var value any = v
		switch name {
		case "password":
			value = f[name] // spaces may belong to a password
		case "lang", "agent_group_id":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return nil, rejected(op, CodeArgumentInvalid, name)
			}
			value = n
			if name == "lang" && create {
				value = strconv.FormatInt(n, 10)
			}
		}
		sec, _ := body[section].(map[string]any)
		if sec == nil {
			sec = map[string]any{}
			body[section] = sec
		}
		sec[name] = value
	}
	return body, nil
}

// SetCampaignAccess grants (add true) or removes the agent's access to a
// campaign (mod=agent, cmd=modify_campaign_access), both by LeadDesk id:
// the agent's id is what Find and Create return; campaign ids come from
// LeadDesk's admin (the API has no campaign lookup). Granting an access
// the agent has, or removing one it lacks, succeeds.
//
// It is a write: it is sent once and not retried on a transient error;
// since it is idempotent, the caller may simply call it again.
func (s *AgentSink) SetCampaignAccess(ctx context.Context, agentID, campaignID string, add bool) error {
	op, typ := "leaddesk: add campaign access", "add"
	if !add {
		op, typ = "leaddesk: remove campaign access", "remove"
	}
	agentID, campaignID = strings.TrimSpace(agentID), strings.TrimSpace(campaignID)
	if !isDigits(agentID) {
		return rejected(op, CodeArgumentInvalid, "agent_id")
	}
	if !isDigits(campaignID) {
		return rejected(op, CodeArgumentInvalid, "campaign_id")
	}
	form := url.Values{"agent_id": {agentID}, "campaign_id": {campaignID}, "type": {typ}}
	_, err := s.c.call(ctx, op, "agent", "modify_campaign_access", form, nil, true, false)
	return err
}
