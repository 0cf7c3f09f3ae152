package liondesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/sinks"
)

// The steps of a lead submission (the walkthrough's "Submitting Leads"),
// as the engine runs them (sinks.Flow).
const (
	// StepContact finds the contact by email, then mobile_phone,
	// home_phone, office_phone, or creates it. Idempotent: it always finds
	// before it creates, so after a lost answer it finds what it created.
	StepContact = "contact"
	// StepLead creates the lead (POST /leads). LionDesk offers no way to
	// look a contact's leads up (only GET /leads/:id, which needs the id
	// the lost answer carried), so it is neither idempotent nor
	// verifiable: a lost answer leaves it uncertain.
	StepLead = "lead"
	// StepCampaign starts the lead route's campaign for the contact (POST
	// /campaigns/:id/contacts). Verifiable: the contact's campaign
	// communications name their campaign, and the agent tasks the start
	// scheduled carry the contact.
	StepCampaign = "campaign"
	// StepOffers sends a Team Rollout lead's offers (POST
	// /leads/:id/offers). Verifiable: a precondition of the call is "offers
	// not already sent", so sending it again answers 400 when they were.
	StepOffers = "offers"
)

const (
	opCheckFields = "submit lead: check fields"
	opRoute       = "submit lead: route the lead"
	teamRollout   = "Team Rollout"
)

// leadSteps are the steps of every lead, in order. Steps that do not
// apply to a lead (no campaign, not Team Rollout) are skipped by Do, so
// the list is the same for every lead.
var leadSteps = []sinks.Step{
	{Name: StepContact, Idempotent: true},
	{Name: StepLead},
	{Name: StepCampaign, Verifiable: true},
	{Name: StepOffers, Verifiable: true},
}

// Steps lists the steps of a lead submission: the same four for every
// lead (contact, lead, campaign, offers).
func (s *leadSink) Steps(sinks.Fields) []sinks.Step {
	out := make([]sinks.Step, len(leadSteps))
	copy(out, leadSteps)
	return out
}

// submission is what every step derives from the fields before it writes:
// the contact's body and finds, the lead's body, the lead source's id and
// the caller's lead routes (names and routes are cached per sink).
type submission struct {
	contactBody map[string]any
	lookups     []lookup
	leadBody    map[string]any
	leadSource  int64
	routes      []route
}

// prepare checks the fields and resolves every name a lead needs. Its
// errors are refusals of the lead (Rejected) or failed reads.
func (s *leadSink) prepare(ctx context.Context, f sinks.Fields) (*submission, error) {
	sub := &submission{}
	var err error
	if sub.contactBody, err = s.personBody(ctx, opCheckFields, f, false); err != nil {
		return nil, err
	}
	if sub.lookups = contactLookups(sub.contactBody); len(sub.lookups) == 0 {
		return nil, invalid(opCheckFields, "a lead needs an email or a phone to find or create its contact")
	}
	if sub.leadBody, err = leadBody(f); err != nil {
		return nil, err
	}
	if name := strings.TrimSpace(f["lead_source"]); name != "" {
		if sub.leadSource, err = s.leadSourceID(ctx, name); err != nil {
			return nil, err
		}
		sub.leadBody["source_id"] = sub.leadSource
	}
	if sub.routes, err = s.loadRoutes(ctx); err != nil {
		return nil, err
	}
	return sub, nil
}

// plan is where LionDesk will take a lead: its route and, for Team
// Rollout, the team whose members are offered it.
type plan struct {
	route    *route
	teamID   int64
	teamName string
}

// unroutable is a lead LionDesk cannot carry through: Rejected, with what
// is missing in the LionDesk set-up.
func unroutable(format string, args ...any) *sinks.Error {
	return &sinks.Error{Class: sinks.Rejected, Op: "liondesk: " + opRoute, Code: "unroutable", Msg: fmt.Sprintf(format, args...)}
}

// routeLead matches the lead route LionDesk will apply (matchRoute) and
// checks that the whole submission can go through: a route exists, and
// for Team Rollout the route selects a team that has members to offer
// the lead to. contactSource is the contact's source id (a found
// contact's own; a new contact's from contact_source).
func (s *leadSink) routeLead(ctx context.Context, sub *submission, f sinks.Fields, contactSource int64, found int64) (plan, error) {
	rt := matchRoute(sub.routes, sub.leadSource, contactSource, f["type"])
	if rt == nil {
		leadSrc := "none (map lead_source)"
		if n := strings.TrimSpace(f["lead_source"]); n != "" {
			leadSrc = fmt.Sprintf("%q", n)
		}
		contactSrc := "none"
		if contactSource != 0 {
			name, err := s.contactSourceName(ctx, contactSource)
			if err != nil {
				return plan{}, err
			}
			contactSrc = fmt.Sprintf("%q", name)
			if name == "" {
				contactSrc = fmt.Sprintf("id %d", contactSource)
			}
		}
		if found != 0 {
			contactSrc += fmt.Sprintf(" (the source of existing contact %d, which LionDesk routes by)", found)
		}
		typ := ""
		if t := strings.TrimSpace(f["type"]); t != "" {
			typ = fmt.Sprintf(", type %q", t)
		}
		return plan{}, unroutable("no lead route takes this lead (lead source %s, contact source %s%s): LionDesk would route it to nobody, "+
			"so no campaign would start and no lead offers go out. Add a lead route for these sources in LionDesk "+
			"(or under setup: routes in the job, then run leadsync setup) and run again with --retry-rejected", leadSrc, contactSrc, typ)
	}
	p := plan{route: rt}
	if rt.Target != teamRollout {
		return p, nil
	}
	switch rt.TeamSelection {
	case "Specific Team":
		if rt.TeamID == 0 {
			return plan{}, unroutable("lead route %d distributes by Team Rollout to a Specific Team but names no team: set the route's team in LionDesk (or setup: routes: team)", rt.ID)
		}
		p.teamID, p.teamName = rt.TeamID, rt.TeamName
	case "Zipcode":
		zip := strings.TrimSpace(f["zipcode"])
		if zip == "" {
			return plan{}, unroutable("lead route %d picks the team by the lead's zipcode, and this lead has none: map zipcode", rt.ID)
		}
		teams, err := s.loadTeams(ctx)
		if err != nil {
			return plan{}, err
		}
		for _, t := range teams {
			if t.zips[zip] {
				p.teamID, p.teamName = t.id, t.name
				break
			}
		}
		if p.teamID == 0 {
			return plan{}, unroutable("lead route %d picks the team by zipcode, and none of your teams has %s in its distribution_zipcodes: "+
				"nobody would be offered the lead. Add the zipcode to a team (in LionDesk, or setup: teams: distribution_zipcodes)", rt.ID, zip)
		}
	default:
		sel := rt.TeamSelection
		if sel == "" {
			sel = "none"
		}
		return plan{}, unroutable("lead route %d distributes by Team Rollout but selects no team (team_selection_method %s): set Specific Team or Zipcode", rt.ID, sel)
	}
	n, err := s.alertedMembers(ctx, p.teamID)
	if err != nil {
		return plan{}, err
	}
	if n == 0 {
		return plan{}, unroutable("team %q (%d) of lead route %d has no team member distribution options with an alert on: nobody would be offered the lead. "+
			"Add distribution options for its members (in LionDesk, or setup: teams: distribution_options)", p.teamName, p.teamID, rt.ID)
	}
	return p, nil
}

// team is a team as routing by zipcode needs it.
type team struct {
	id   int64
	name string
	zips map[string]bool
}

// loadTeams reads the caller's teams once per sink.
func (s *base) loadTeams(ctx context.Context) ([]team, error) {
	return s.teams.get("all", func() ([]team, error) {
		var out []team
		err := s.c.findAll(ctx, "find teams", "/teams", nil, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			t := team{id: intOf(m, "id"), name: stringOf(m["name"]), zips: map[string]bool{}}
			for _, z := range strings.Split(stringOf(m["distribution_zipcodes"]), ",") {
				if z = strings.TrimSpace(z); z != "" {
					t.zips[z] = true
				}
			}
			out = append(out, t)
			return nil
		})
		return out, err
	})
}

// alertedMembers counts the team's distribution options with at least
// one alert on (the members LionDesk offers a lead to), once per team
// and sink.
func (s *base) alertedMembers(ctx context.Context, teamID int64) (int, error) {
	return s.teamOptions.get(strconv.FormatInt(teamID, 10), func() (int, error) {
		q := url.Values{}
		q.Set("team_id", strconv.FormatInt(teamID, 10))
		n := 0
		err := s.c.findAll(ctx, "find team member distribution options", "/team-member-distribution-options", q, func(raw json.RawMessage) error {
			var o struct {
				Call  flexBool `json:"has_call_alert"`
				Text  flexBool `json:"has_text_alert"`
				Email flexBool `json:"has_email_alert"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			if o.Call || o.Text || o.Email {
				n++
			}
			return nil
		})
		return n, err
	})
}

// Do performs one step of a lead submission. Every step checks the
// fields and the routing again (from caches: no call), so a step resumed
// in a later run acts on the same plan.
func (s *leadSink) Do(ctx context.Context, step string, f sinks.Fields, done map[string]string) (string, error) {
	sub, err := s.prepare(ctx, f)
	if err != nil {
		return "", err
	}
	switch step {
	case StepContact:
		return s.doContact(ctx, sub, f)
	case StepLead:
		return s.doLead(ctx, sub, f, done)
	case StepCampaign:
		return s.doCampaign(ctx, sub, f, done)
	case StepOffers:
		return s.doOffers(ctx, sub, f, done)
	}
	return "", fmt.Errorf("liondesk: lead submission has no step %q", step)
}

// doContact finds the contact (a found contact is left as it is: it
// keeps its own source, which LionDesk routes by) or creates it. Before
// it creates, it checks that the lead can be routed, so an unroutable
// lead writes nothing.
func (s *leadSink) doContact(ctx context.Context, sub *submission, f sinks.Fields) (string, error) {
	for _, l := range sub.lookups {
		recs, err := s.findContacts(ctx, l.field, l.value)
		if err != nil {
			return "", err
		}
		if len(recs) > 1 && !sinks.PickFirst(ctx) {
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = strconv.FormatInt(intOf(r, "id"), 10)
			}
			return "", &sinks.AmbiguousError{What: "contact", Candidates: ids}
		}
		if len(recs) > 0 {
			id, src := intOf(recs[0], "id"), intOf(recs[0], "source_id")
			if want, _ := sub.contactBody["source_id"].(int64); src == 0 && want != 0 {
				// An existing contact without a source takes the job's
				// contact_source (idempotent), so the lead's route, which
				// LionDesk picks by the contact's source, applies to it.
				// A contact that has a source of its own keeps it.
				if _, err := s.routeLead(ctx, sub, f, want, id); err != nil {
					return "", err
				}
				if err := s.c.patch(ctx, "submit lead: set contact source", idPath("/contacts/%d", id), map[string]any{"source_id": want}, nil); err != nil {
					return "", err
				}
				s.contactSrc.put(id, want)
				return strconv.FormatInt(id, 10), nil
			}
			if _, err := s.routeLead(ctx, sub, f, src, id); err != nil {
				return "", err
			}
			s.contactSrc.put(id, src)
			return strconv.FormatInt(id, 10), nil
		}
	}
	src, _ := sub.contactBody["source_id"].(int64) // resolved from contact_source
	if _, err := s.routeLead(ctx, sub, f, src, 0); err != nil {
		return "", err
	}
	var created map[string]any
	if err := s.c.post(ctx, "submit lead: create contact", "/contacts", sub.contactBody, &created); err != nil {
		return "", err
	}
	id := intOf(created, "id")
	if id == 0 {
		return "", &sinks.Error{Class: sinks.Transient, Op: "liondesk: submit lead: create contact", Msg: "the answer carries no contact id"}
	}
	s.contactSrc.put(id, intOf(created, "source_id"))
	return strconv.FormatInt(id, 10), nil
}

// contactSource is the source LionDesk routes the contact's leads by:
// remembered from the contact step, else read (GET /contacts/:id) when a
// later run resumes the submission.
func (s *leadSink) contactSource(ctx context.Context, contactID int64) (int64, error) {
	if src, ok := s.contactSrc.lookup(contactID); ok {
		return src, nil
	}
	var c map[string]any
	err := s.c.get(ctx, "submit lead: get contact", idPath("/contacts/%d", contactID), nil, &c)
	if err != nil {
		if sinks.ClassOf(err) == sinks.Rejected {
			return 0, &sinks.Error{Class: sinks.Rejected, Op: "liondesk: submit lead", Msg: fmt.Sprintf("contact %d, found or created by an earlier run, cannot be read any more: %v", contactID, err)}
		}
		return 0, err
	}
	src := intOf(c, "source_id")
	s.contactSrc.put(contactID, src)
	return src, nil
}

// resume reads the ids earlier steps returned and the lead's plan.
func (s *leadSink) resume(ctx context.Context, sub *submission, f sinks.Fields, done map[string]string, needLead bool) (contactID, leadID int64, p plan, err error) {
	contactID, err = stepID(done, StepContact)
	if err != nil {
		return 0, 0, plan{}, err
	}
	if needLead {
		if leadID, err = stepID(done, StepLead); err != nil {
			return 0, 0, plan{}, err
		}
	}
	src, err := s.contactSource(ctx, contactID)
	if err != nil {
		return 0, 0, plan{}, err
	}
	p, err = s.routeLead(ctx, sub, f, src, contactID)
	return contactID, leadID, p, err
}

func stepID(done map[string]string, step string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(done[step]), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("liondesk: submit lead: step %q has no %s id (got %q)", step, step, done[step])
	}
	return id, nil
}

// doLead creates the lead for the contact, once the routing is known to
// go through.
func (s *leadSink) doLead(ctx context.Context, sub *submission, f sinks.Fields, done map[string]string) (string, error) {
	contactID, _, _, err := s.resume(ctx, sub, f, done, false)
	if err != nil {
		return "", err
	}
	body := map[string]any{}
	for k, v := range sub.leadBody {
		body[k] = v
	}
	body["contact_id"] = contactID
	const op = "submit lead: create lead"
	var lead map[string]any
	if err := s.c.post(ctx, op, "/leads", body, &lead); err != nil {
		return "", err
	}
	id := intOf(lead, "id")
	if id == 0 {
		// Created, but which lead is unknown: as uncertain as a lost answer.
		return "", &sinks.Error{Class: sinks.Transient, Op: "liondesk: " + op, Msg: "the answer carries no lead id"}
	}
	if v, ok := lead["distribution_target"]; ok {
		s.leadTargets.put(id, stringOf(v))
	}
	return strconv.FormatInt(id, 10), nil
}

// routedAs checks that LionDesk routed the lead as leadsync matched it
// (the lead's distribution_target, from the create's answer or GET
// /leads/:id), so a lead route changed during the run never starts the
// wrong campaign.
func (s *leadSink) routedAs(ctx context.Context, leadID int64, p plan) error {
	got, ok := s.leadTargets.lookup(leadID)
	if !ok {
		var lead map[string]any
		if err := s.c.get(ctx, "submit lead: get lead", idPath("/leads/%d", leadID), nil, &lead); err != nil {
			return err
		}
		v, has := lead["distribution_target"]
		if !has {
			return nil // not shown: leadsync's match stands
		}
		got = stringOf(v)
		s.leadTargets.put(leadID, got)
	}
	if got == p.route.Target {
		return nil
	}
	if got == "" {
		got = "no route"
	}
	return &sinks.Error{Class: sinks.Rejected, Op: "liondesk: " + opRoute, Code: "routing changed",
		Msg: fmt.Sprintf("LionDesk routed lead %d to %s, but leadsync matched route %d (%s): did the lead routes change during the run? "+
			"Its campaign was not started and no lead offers were sent; finish them in LionDesk", leadID, got, p.route.ID, p.route.Target)}
}

// doCampaign starts the route's campaign for the contact. A contact
// already in the campaign counts as started.
func (s *leadSink) doCampaign(ctx context.Context, sub *submission, f sinks.Fields, done map[string]string) (string, error) {
	contactID, leadID, p, err := s.resume(ctx, sub, f, done, true)
	if err != nil {
		return "", err
	}
	if err := s.routedAs(ctx, leadID, p); err != nil {
		return "", err
	}
	if p.route.CampaignID == 0 {
		return "", sinks.ErrStepSkipped
	}
	var cc map[string]any
	err = s.c.post(ctx, "submit lead: start campaign", idPath("/campaigns/%d/contacts", p.route.CampaignID), map[string]any{"contact_id": contactID}, &cc)
	if alreadyInCampaign(err) {
		return "already in campaign " + strconv.FormatInt(p.route.CampaignID, 10), nil
	}
	if err != nil {
		return "", err
	}
	if id := intOf(cc, "id"); id != 0 {
		return strconv.FormatInt(id, 10), nil
	}
	return "started", nil
}

// doOffers sends a Team Rollout lead's offers; other leads skip it. The
// result is the number of offers LionDesk created.
func (s *leadSink) doOffers(ctx context.Context, sub *submission, f sinks.Fields, done map[string]string) (string, error) {
	_, leadID, p, err := s.resume(ctx, sub, f, done, true)
	if err != nil {
		return "", err
	}
	if p.route.Target != teamRollout {
		return "", sinks.ErrStepSkipped
	}
	res, _, err := s.sendOffers(ctx, leadID)
	return res, err
}

// sendOffers posts the lead's offers. sentBefore is true when LionDesk
// answered that they were already sent.
func (s *leadSink) sendOffers(ctx context.Context, leadID int64) (result string, sentBefore bool, err error) {
	var offers []leadOffer
	err = s.c.post(ctx, "submit lead: send lead offers", idPath("/leads/%d/offers", leadID), map[string]any{}, &offers)
	if offersAlreadySent(err) {
		return "already sent", true, nil
	}
	if err != nil {
		return "", false, err
	}
	return strconv.Itoa(len(offers)), false, nil
}

// Verify checks whether a step whose answer was lost happened.
//
// campaign: when the campaign has contact-communication actions, the
// contact's campaign communications (GET
// /contacts/:id/campaign-communications, filtered by campaign_name) show
// whether it started; when it has only agent-task actions, the contact's
// tasks (GET /tasks?contact_id=) of those action types; a campaign
// without actions schedules nothing, so the start is sent again (a
// contact already in the campaign is answered 400 and counts as started).
//
// offers: sent again. LionDesk creates offers only when they were "not
// already sent", so a 400 saying so means they happened, and a created
// answer means they had not and now have.
func (s *leadSink) Verify(ctx context.Context, step string, f sinks.Fields, done map[string]string) (string, bool, error) {
	sub, err := s.prepare(ctx, f)
	if err != nil {
		return "", false, err
	}
	switch step {
	case StepCampaign:
		contactID, _, p, err := s.resume(ctx, sub, f, done, true)
		if err != nil || p.route.CampaignID == 0 {
			return "", false, err
		}
		return s.campaignStarted(ctx, p.route, contactID)
	case StepOffers:
		_, leadID, p, err := s.resume(ctx, sub, f, done, true)
		if err != nil || p.route.Target != teamRollout {
			return "", false, err
		}
		res, _, err := s.sendOffers(ctx, leadID)
		if err != nil {
			return "", false, err
		}
		return res, true, nil
	}
	return "", false, fmt.Errorf("liondesk: lead submission step %q cannot be verified", step)
}

// campaignAction is what verifying a campaign start needs of an action.
type campaignAction struct {
	typ, notes string
}

func isContactCommunication(t string) bool {
	return t == "Email Contact" || t == "Call Contact" || t == "Text Contact"
}

// campaignActions reads a campaign's actions once per sink.
func (s *base) campaignActions(ctx context.Context, campaignID int64) ([]campaignAction, error) {
	return s.actions.get(strconv.FormatInt(campaignID, 10), func() ([]campaignAction, error) {
		var out []campaignAction
		err := s.c.findAll(ctx, "find campaign actions", idPath("/campaigns/%d/actions", campaignID), nil, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			out = append(out, campaignAction{typ: stringOf(m["type"]), notes: stringOf(m["notes"])})
			return nil
		})
		return out, err
	})
}

// campaignStarted says whether the route's campaign runs for the contact.
func (s *leadSink) campaignStarted(ctx context.Context, rt *route, contactID int64) (string, bool, error) {
	acts, err := s.campaignActions(ctx, rt.CampaignID)
	if err != nil {
		return "", false, err
	}
	comms, tasks := false, map[string]bool{}
	for _, a := range acts {
		if isContactCommunication(a.typ) {
			comms = true
		} else {
			tasks[a.typ] = true
		}
	}
	switch {
	case comms:
		name := rt.CampaignName
		if name == "" {
			var c namedID
			if err := s.c.get(ctx, "get campaign", idPath("/campaigns/%d", rt.CampaignID), nil, &c); err != nil {
				return "", false, err
			}
			name = c.Name
		}
		q := url.Values{}
		q.Set("campaign_name[$like]", likeExact(name))
		found := false
		err := s.c.findAll(ctx, "find campaign communications", idPath("/contacts/%d/campaign-communications", contactID), q, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			if strings.EqualFold(strings.TrimSpace(stringOf(m["campaign_name"])), strings.TrimSpace(name)) {
				found = true
			}
			return nil
		})
		if err != nil || !found {
			return "", false, err
		}
		return "verified in campaign " + strconv.FormatInt(rt.CampaignID, 10), true, nil
	case len(tasks) > 0:
		q := url.Values{}
		q.Set("contact_id", strconv.FormatInt(contactID, 10))
		var cc int64
		err := s.c.findAll(ctx, "find tasks", "/tasks", q, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			if id := intOf(m, "campaign_contact_id"); id != 0 && tasks[stringOf(m["action_type"])] && cc == 0 {
				cc = id
			}
			return nil
		})
		if err != nil || cc == 0 {
			return "", false, err
		}
		return strconv.FormatInt(cc, 10), true, nil
	}
	return "", false, nil
}

// Create submits a whole lead (every step in order), for tests and tools;
// the engine runs the steps itself. The record's ID is the lead's.
func (s *leadSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	done := map[string]string{}
	for _, st := range leadSteps {
		res, err := s.Do(ctx, st.Name, f, done)
		if errors.Is(err, sinks.ErrStepSkipped) {
			err, res = nil, ""
		}
		if err != nil {
			rec := sinks.Record{ID: done[StepLead]}
			if len(done) > 0 {
				var parts []string
				for _, d := range leadSteps {
					if r, ok := done[d.Name]; ok {
						parts = append(parts, d.Name+" "+r)
					}
				}
				return rec, fmt.Errorf("liondesk: submit lead: step %q failed (done: %s): %w", st.Name, strings.Join(parts, ", "), err)
			}
			return rec, fmt.Errorf("liondesk: submit lead: step %q failed (nothing was written): %w", st.Name, err)
		}
		done[st.Name] = res
	}
	return sinks.Record{ID: done[StepLead]}, nil
}

// alreadyInCampaign recognises LionDesk's refusal to start a campaign for
// a contact that is already in it (a 400 whose message says so).
func alreadyInCampaign(err error) bool {
	return badRequestSaying(err, "already")
}

// offersAlreadySent recognises the refusal of POST /leads/:id/offers
// whose precondition "offers not already sent" failed (a 400 saying the
// offers were already sent, or that the lead was already claimed, which
// only happens once they were).
func offersAlreadySent(err error) bool {
	return badRequestSaying(err, "already been sent") || badRequestSaying(err, "already sent") || badRequestSaying(err, "already been claimed")
}

func badRequestSaying(err error, words string) bool {
	var se *sinks.Error
	return errors.As(err, &se) && se.Class == sinks.Rejected && se.Status == 400 &&
		strings.Contains(strings.ToLower(se.Msg), words)
}

// idMap is a concurrency-safe memo of one id per id (a contact's source,
// a lead's distribution target).
type idMap[V any] struct{ m sync.Map }

func (c *idMap[V]) put(k int64, v V) { c.m.Store(k, v) }

func (c *idMap[V]) lookup(k int64) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

var _ sinks.Flow = (*leadSink)(nil)
