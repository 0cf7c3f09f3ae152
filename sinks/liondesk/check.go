package liondesk

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

var (
	_ sinks.OnlineChecker = (*contactSink)(nil)
	_ sinks.OnlineChecker = (*leadSink)(nil)
)

// CheckOnline checks, with reads only, the token (GET /me) and what the
// job names at LionDesk: its contact source and lead source (by name,
// one find each), for leads the lead route the job's constant lead
// source, contact source and type select (the routes' list, plus the
// team's distribution options for Team Rollout: the checks a lead's
// routing makes), and every item of the job's setup: section (the reads
// of `leadsync setup --dry-run`: what setup would create is missing, what
// it would change differs). Names read from columns are per row and not
// checked.
func (s *base) CheckOnline(ctx context.Context, refs sinks.Refs) ([]sinks.Problem, error) {
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	var out []sinks.Problem
	missing := func(field string, err error) bool {
		if sinks.ClassOf(err) != sinks.Rejected {
			return false
		}
		msg := err.Error()
		if e, ok := err.(*sinks.Error); ok {
			msg = e.Msg
		}
		out = append(out, sinks.Problem{Path: sinks.MappingPath(field), Field: field, Value: refs.Constants[field], Msg: msg})
		return true
	}
	for _, f := range []string{"contact_source", "lead_source"} {
		if _, ok := s.obj.Field(f); ok && slices.Contains(refs.Columns, f) {
			out = append(out, sinks.Problem{Path: "$.mapping." + f, Field: f, Warning: true,
				Msg: fmt.Sprintf("%s is read from each row: its sources, and the lead route, are not checked", f)})
		}
	}
	var contactSource, leadSource int64
	srcOK, leadOK := true, true
	if name := strings.TrimSpace(refs.Constants["contact_source"]); name != "" {
		id, err := s.contactSourceID(ctx, name)
		if err != nil && !missing("contact_source", err) {
			return nil, err
		}
		contactSource, srcOK = id, err == nil
	}
	_, isLead := s.obj.Field("lead_source")
	if name := strings.TrimSpace(refs.Constants["lead_source"]); isLead && name != "" {
		id, err := s.leadSourceID(ctx, name)
		if err != nil && !missing("lead_source", err) {
			return nil, err
		}
		leadSource, leadOK = id, err == nil
	}
	perRow := func(f string) bool { return slices.Contains(refs.Columns, f) }
	if isLead && srcOK && leadOK && !perRow("lead_source") && !perRow("contact_source") && !perRow("type") {
		p, err := s.checkRoute(ctx, refs.Constants, leadSource, contactSource, perRow("zipcode"))
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	if refs.Setup != nil {
		p, err := s.checkSetup(ctx, refs.Setup)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// checkRoute checks that a lead of the job's constants is routed, as the
// flow's routing does before it writes (routeLead).
func (s *base) checkRoute(ctx context.Context, consts sinks.Fields, leadSource, contactSource int64, zipPerRow bool) ([]sinks.Problem, error) {
	routes, err := s.loadRoutes(ctx)
	if err != nil {
		return nil, err
	}
	ls := &leadSink{base: s}
	rt := matchRoute(routes, leadSource, contactSource, consts["type"])
	if rt != nil && rt.Target == teamRollout && rt.TeamSelection == "Zipcode" && zipPerRow {
		return nil, nil // the team depends on each row's zipcode
	}
	_, err = ls.routeLead(ctx, &submission{leadSource: leadSource, routes: routes}, consts, contactSource, 0)
	if sinks.ClassOf(err) == sinks.Rejected {
		msg := err.Error()
		if e, ok := err.(*sinks.Error); ok {
			msg = e.Msg
		}
		path := sinks.MappingPath("lead_source")
		if _, ok := consts["lead_source"]; !ok {
			path = "$.mapping"
		}
		if rt == nil {
			msg = strings.Replace(msg, " and run again with --retry-rejected", "", 1)
		}
		return []sinks.Problem{{Path: path, Field: "lead route", Value: consts["lead_source"], Msg: msg}}, nil
	}
	return nil, err
}

// setupPaths are the setup: keys of Setup's item kinds.
var setupPaths = map[string]string{
	"contact source": "contact_sources", "campaign": "campaigns", "campaign action": "campaigns",
	"team": "teams", "distribution option": "teams", "lead route": "routes",
}

// checkSetup runs Setup as a dry run (reads only): each item it would
// create is missing at LionDesk, each it would update differs (a warning).
func (s *base) checkSetup(ctx context.Context, decode func(any) error) ([]sinks.Problem, error) {
	var spec SetupSpec
	if err := decode(&spec); err != nil {
		return nil, err
	}
	spec.DryRun = true
	res, err := Setup(ctx, s.c, spec)
	var out []sinks.Problem
	for _, it := range res.Items {
		p := sinks.Problem{Path: "$.setup." + setupPaths[it.Kind], Field: it.Kind, Value: it.Name}
		switch it.Action {
		case Created:
			p.Msg = fmt.Sprintf("%s %q of setup: does not exist at LionDesk: run leadsync setup JOB", it.Kind, it.Name)
		case Updated:
			p.Warning = true
			p.Msg = fmt.Sprintf("%s %q differs from setup: (%s): leadsync setup JOB corrects it", it.Kind, it.Name, strings.Join(it.Changes, "; "))
		default:
			continue
		}
		out = append(out, p)
	}
	return out, err
}
