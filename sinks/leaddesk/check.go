package leaddesk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

var (
	_ sinks.OnlineChecker = (*ContactSink)(nil)
	_ sinks.OnlineChecker = (*CallbackSink)(nil)
	_ sinks.OnlineChecker = (*AgentSink)(nil)
)

// CheckOnline checks the key (one agent find), then, with reads only,
// what the job names with a constant: a calling list given by numeric id
// (one contact find narrowed to it: ERR_NOT_FOUND:list when it does not
// exist) and an agent by username (one agent find). LeadDesk has no read
// that takes a list or campaign name (find takes list ids only), so a
// list or campaign given by name is a warning: it is not checked.
// Calls: 1, plus one per list id and agent named.
func (s *sinkBase) CheckOnline(ctx context.Context, refs sinks.Refs) ([]sinks.Problem, error) {
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	var out []sinks.Problem
	for _, name := range []string{"list", "contact_list"} {
		if _, ok := s.obj.Field(name); !ok {
			continue
		}
		if slices.Contains(refs.Columns, name) {
			out = append(out, sinks.Problem{Path: "$.mapping." + name, Field: name, Warning: true,
				Msg: fmt.Sprintf("%s is read from each row: its calling lists are not checked", name)})
			continue
		}
		v, ok := refs.Constants[name]
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		p, err := s.checkList(ctx, name, strings.TrimSpace(v))
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	for _, name := range []string{"agent", "assign_to_agent"} {
		if _, ok := s.obj.Field(name); !ok {
			continue
		}
		v := strings.TrimSpace(refs.Constants[name])
		if v == "" {
			continue
		}
		if isDigits(v) && name == "assign_to_agent" {
			out = append(out, sinks.Problem{Path: sinks.MappingPath(name), Field: name, Value: v, Warning: true,
				Msg: fmt.Sprintf("agent id %s is not checked: LeadDesk finds agents by username only", v)})
			continue
		}
		id, _, err := s.c.findAgent(ctx, v)
		if err != nil {
			return nil, err
		}
		if id == "" {
			out = append(out, sinks.Problem{Path: sinks.MappingPath(name), Field: name, Value: v,
				Msg: fmt.Sprintf("agent %q does not exist at LeadDesk (find_agent: ERR_NOT_FOUND:agent): every row would be rejected", v)})
		}
	}
	if _, ok := s.obj.Field("campaign"); ok {
		if v := strings.TrimSpace(refs.Constants["campaign"]); v != "" {
			out = append(out, sinks.Problem{Path: sinks.MappingPath("campaign"), Field: "campaign", Value: v, Warning: true,
				Msg: fmt.Sprintf("campaign %q is not checked: LeadDesk's API has no read that finds a campaign", v)})
		}
	}
	return out, nil
}

// checkList checks one calling list: by id with a narrowed find, by name
// not at all (a warning).
func (s *sinkBase) checkList(ctx context.Context, field, v string) ([]sinks.Problem, error) {
	if !isDigits(v) {
		return []sinks.Problem{{Path: sinks.MappingPath(field), Field: field, Value: v, Warning: true,
			Msg: fmt.Sprintf("calling list %q is not checked: LeadDesk's API finds lists by id only; give the list's numeric id to have it checked", v)}}, nil
	}
	const op = "leaddesk: check calling list"
	_, err := s.c.call(ctx, op, "contact", "find", url.Values{"contact_list_id": {v}}, nil, false, false)
	var e *sinks.Error
	if errors.As(err, &e) && e.Class == sinks.Rejected && e.Code == CodeNotFound && e.Msg == "list" {
		return []sinks.Problem{{Path: sinks.MappingPath(field), Field: field, Value: v,
			Msg: fmt.Sprintf("calling list %s does not exist at LeadDesk (ERR_NOT_FOUND:list): every row would be rejected", v)}}, nil
	}
	return nil, err
}
