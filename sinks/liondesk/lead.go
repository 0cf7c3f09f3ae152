package liondesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// Steps of a lead submission, as StepError names them.
const (
	StepCheckFields          = "check fields"
	StepResolveLeadSource    = "resolve lead source"
	StepResolveContactSource = "resolve contact source"
	StepLoadRoutes           = "load lead routes"
	StepFindContact          = "find contact"
	StepCreateContact        = "create contact"
	StepCreateLead           = "create lead"
	StepStartCampaign        = "start campaign"
	StepCreateOffers         = "create lead offers"
)

// StepError is a failed step of a lead submission. It says which step
// failed and what the submission left behind: the contact it used (and
// whether it created it) and, once created, the lead.
//
// Until the lead exists, Err keeps the step's class (a dropped POST
// /leads is an unknown outcome). Once the lead exists, a failure of a
// later step (campaign start, lead offers) is Rejected (Unauthorized
// stays Unauthorized): the lead must not be submitted again, and the
// message tells the user what to finish by hand. Create then also
// returns the record with the lead's ID.
type StepError struct {
	Step           string
	ContactID      int64 // 0 when no contact was found or created
	ContactCreated bool  // the submission created the contact
	LeadID         int64 // 0 when the lead was not created
	// Uncertain: the failed step was a write whose answer was lost, so it
	// may have happened.
	Uncertain bool
	Err       error
}

func (e *StepError) Error() string {
	var left []string
	switch {
	case e.LeadID != 0:
		left = append(left, fmt.Sprintf("lead %d was created for contact %d", e.LeadID, e.ContactID))
		switch {
		case e.Step == StepStartCampaign && e.Uncertain:
			left = append(left, "the route's campaign may have started for the contact", "no lead offers were sent")
		case e.Step == StepStartCampaign:
			left = append(left, "the route's campaign was not started for the contact", "no lead offers were sent")
		case e.Uncertain:
			left = append(left, "its lead offers may have been sent")
		default:
			left = append(left, "its lead offers were not sent")
		}
		left = append(left, "do not resubmit the lead")
	case e.ContactCreated:
		left = append(left, fmt.Sprintf("contact %d was created", e.ContactID))
	case e.ContactID != 0:
		left = append(left, fmt.Sprintf("existing contact %d", e.ContactID))
	case e.Step == StepCreateContact && e.Uncertain:
		left = append(left, "the contact may have been created")
	default:
		left = append(left, "nothing was written")
	}
	if e.LeadID == 0 && (e.ContactID != 0 || e.Uncertain) {
		if e.Step == StepCreateLead && e.Uncertain {
			left = append(left, "the lead may have been created")
		} else {
			left = append(left, "the lead was not created")
		}
	}
	s := "liondesk: submit lead: " + e.Step + " failed (" + strings.Join(left, "; ") + ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StepError) Unwrap() error { return e.Err }

// leadSink submits leads.
type leadSink struct{ *base }

// Find returns sinks.ErrCannotFind: LionDesk cannot look leads up.
func (s *leadSink) Find(context.Context, sinks.Query) ([]sinks.Record, error) {
	return nil, sinks.ErrCannotFind
}

// Update is not possible: LionDesk leads cannot be changed through the API.
func (s *leadSink) Update(context.Context, string, sinks.Fields) error {
	return invalid("update lead", "LionDesk leads cannot be updated")
}

// route is a lead route as leadsync uses it.
type route struct {
	ID              int64
	Target          string // Myself, Team Rollout
	Filter          string
	LeadSourceID    int64 // 0: any
	ContactSourceID int64 // 0: any
	CampaignID      int64 // 0: none
}

// loadRoutes reads the caller's lead routes once per sink.
func (s *base) loadRoutes(ctx context.Context) ([]route, error) {
	return s.routes.get("all", func() ([]route, error) {
		var out []route
		err := s.c.findAll(ctx, "find lead routes", "/lead-routes", nil, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			out = append(out, route{
				ID:              intOf(m, "id"),
				Target:          stringOf(m["distribution_target"]),
				Filter:          strings.TrimSpace(stringOf(m["filter"])),
				LeadSourceID:    intOf(objectOf(m, "lead_source"), "id"),
				ContactSourceID: intOf(objectOf(m, "contact_source"), "id"),
				CampaignID:      intOf(objectOf(m, "campaign"), "id"),
			})
			return nil
		})
		return out, err
	})
}

// matchRoute picks the route LionDesk routes a lead by: the lead's source
// and the contact's source must equal the route's (a route without one
// takes any), a route's filter must equal the lead's type (ignoring
// case); the most specific route wins, then the oldest.
func matchRoute(routes []route, leadSource, contactSource int64, leadType string) *route {
	var best *route
	bestScore := -1
	for i := range routes {
		r := &routes[i]
		if (r.LeadSourceID != 0 && r.LeadSourceID != leadSource) || (r.ContactSourceID != 0 && r.ContactSourceID != contactSource) {
			continue
		}
		if r.Filter != "" && !strings.EqualFold(r.Filter, strings.TrimSpace(leadType)) {
			continue
		}
		score := 0
		if r.LeadSourceID != 0 {
			score++
		}
		if r.ContactSourceID != 0 {
			score++
		}
		if score > bestScore || (score == bestScore && r.ID < best.ID) {
			best, bestScore = r, score
		}
	}
	return best
}

// submission is one lead's progress through the flow.
type submission struct {
	contactID      int64
	contactCreated bool
	leadID         int64
}

func (sub *submission) fail(step string, err error) *StepError {
	uncertain := sinks.IsUnknownOutcome(err)
	if sub.leadID != 0 && sinks.ClassOf(err) != sinks.Unauthorized {
		// The lead exists: whatever went wrong, resubmitting would
		// duplicate it.
		var se *sinks.Error
		if errors.As(err, &se) {
			msg := se.Msg
			if se.Class != sinks.Rejected {
				msg = strings.TrimSpace(se.Class.String() + ": " + msg)
			}
			err = &sinks.Error{Class: sinks.Rejected, Op: se.Op, Status: se.Status, Code: se.Code, Msg: msg, Err: se.Err}
		} else {
			err = &sinks.Error{Class: sinks.Rejected, Op: "liondesk: " + step, Err: err}
		}
	}
	return &StepError{Step: step, ContactID: sub.contactID, ContactCreated: sub.contactCreated, LeadID: sub.leadID, Uncertain: uncertain, Err: err}
}

// Create submits a lead as LionDesk's walkthrough does: it resolves
// lead_source and contact_source by name (cached per sink) and loads the
// lead routes (once per sink); finds the contact by email, then
// mobile_phone, home_phone, office_phone (the oldest match of the first
// key that finds one; a found contact is left as it is) or creates it with
// the contact fields and contact_source (a found contact keeps its own
// source, and LionDesk routes by that); creates the lead (POST /leads);
// starts the campaign of the lead route LionDesk matched for the contact
// (POST /campaigns/:id/contacts; a found contact already in that campaign
// counts as started); and, when the lead went to a Team Rollout route,
// creates its lead offers (POST /leads/:id/offers).
//
// Every error is a *StepError naming the step and what was left behind.
// A dropped POST /leads is an unknown outcome; once the lead exists the
// record (its ID) is returned even with an error.
func (s *leadSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	sub := &submission{}
	// Everything is checked, and every name resolved, before the first write.
	person := sinks.Fields{}
	for k, v := range f {
		if k != "contact_source" {
			person[k] = v
		}
	}
	contactBody, err := s.personBody(ctx, StepCheckFields, person, false)
	if err != nil {
		return sinks.Record{}, sub.fail(StepCheckFields, err)
	}
	lookups := contactLookups(contactBody)
	if len(lookups) == 0 {
		return sinks.Record{}, sub.fail(StepCheckFields, invalid(StepCheckFields, "a lead needs an email or a phone to find or create its contact"))
	}
	leadBody, err := leadBody(f)
	if err != nil {
		return sinks.Record{}, sub.fail(StepCheckFields, err)
	}
	if name := strings.TrimSpace(f["contact_source"]); name != "" {
		id, err := s.contactSourceID(ctx, name)
		if err != nil {
			return sinks.Record{}, sub.fail(StepResolveContactSource, err)
		}
		contactBody["source_id"] = id
	}
	var leadSource int64
	if name := strings.TrimSpace(f["lead_source"]); name != "" {
		if leadSource, err = s.leadSourceID(ctx, name); err != nil {
			return sinks.Record{}, sub.fail(StepResolveLeadSource, err)
		}
		leadBody["source_id"] = leadSource
	}
	routes, err := s.loadRoutes(ctx)
	if err != nil {
		return sinks.Record{}, sub.fail(StepLoadRoutes, err)
	}

	// Find or create the contact.
	var contactSource int64
	for _, l := range lookups {
		recs, err := s.findContacts(ctx, l.field, l.value)
		if err != nil {
			return sinks.Record{}, sub.fail(StepFindContact, err)
		}
		if len(recs) > 0 {
			sub.contactID, contactSource = intOf(recs[0], "id"), intOf(recs[0], "source_id")
			break
		}
	}
	if sub.contactID == 0 {
		var created map[string]any
		if err := s.c.post(ctx, StepCreateContact, "/contacts", contactBody, &created); err != nil {
			return sinks.Record{}, sub.fail(StepCreateContact, err)
		}
		sub.contactID, sub.contactCreated = intOf(created, "id"), true
		contactSource = intOf(created, "source_id")
		if sub.contactID == 0 {
			return sinks.Record{}, sub.fail(StepCreateContact, &sinks.Error{Class: sinks.Transient, Op: "liondesk: " + StepCreateContact, Msg: "the answer carries no contact id"})
		}
	}
	rt := matchRoute(routes, leadSource, contactSource, f["type"])

	// Create the lead.
	leadBody["contact_id"] = sub.contactID
	var lead map[string]any
	if err := s.c.post(ctx, StepCreateLead, "/leads", leadBody, &lead); err != nil {
		return sinks.Record{}, sub.fail(StepCreateLead, err)
	}
	sub.leadID = intOf(lead, "id")
	if sub.leadID == 0 {
		return sinks.Record{}, sub.fail(StepCreateLead, &sinks.Error{Class: sinks.Transient, Op: "liondesk: " + StepCreateLead, Msg: "the answer carries no lead id"})
	}
	rec := sinks.Record{ID: strconv.FormatInt(sub.leadID, 10)}
	// LionDesk answers with the routing it applied (distribution_target,
	// null when no route took the lead); leadsync's own match names the
	// route, hence the campaign. They must agree. An answer without the
	// field (not seen, but the docs do not promise it) leaves leadsync's
	// match in charge.
	if v, ok := lead["distribution_target"]; ok {
		got := stringOf(v)
		want := ""
		if rt != nil {
			want = rt.Target
		}
		if got != want {
			matched := "no route"
			if rt != nil {
				matched = fmt.Sprintf("route %d (%s)", rt.ID, rt.Target)
			}
			if got == "" {
				got = "no route"
			}
			return rec, sub.fail(StepStartCampaign, invalid(StepStartCampaign,
				"LionDesk routed the lead to %s, but leadsync matched %s (did the lead routes change during the run?)", got, matched))
		}
	}
	if rt == nil {
		return rec, nil // no route took the lead: nothing to start
	}
	target := rt.Target

	// Start the route's campaign for the contact.
	if rt.CampaignID != 0 {
		err := s.c.post(ctx, StepStartCampaign, idPath("/campaigns/%d/contacts", rt.CampaignID), map[string]any{"contact_id": sub.contactID}, nil)
		if err != nil && !(alreadyInCampaign(err) && !sub.contactCreated) {
			return rec, sub.fail(StepStartCampaign, err)
		}
	}

	// Offer the lead to the team.
	if target == "Team Rollout" {
		var offers []leadOffer
		if err := s.c.post(ctx, StepCreateOffers, idPath("/leads/%d/offers", sub.leadID), map[string]any{}, &offers); err != nil {
			return rec, sub.fail(StepCreateOffers, err)
		}
	}
	return rec, nil
}

// alreadyInCampaign recognises LionDesk's refusal to start a campaign for
// a contact that is already in it (a 400 whose message says so).
func alreadyInCampaign(err error) bool {
	var se *sinks.Error
	return errors.As(err, &se) && se.Class == sinks.Rejected && se.Status == 400 &&
		strings.Contains(strings.ToLower(se.Msg), "already")
}

// lookup is one contact find of the flow.
type lookup struct{ field, value string }

// contactLookups lists the finds of the flow in order: email, then the
// phones, each only when given (values already normalized).
func contactLookups(contactBody map[string]any) []lookup {
	var out []lookup
	for _, k := range contactKeys {
		if v, ok := contactBody[k].(string); ok && v != "" {
			out = append(out, lookup{k, v})
		}
	}
	return out
}

// leadBody builds the POST /leads body (without contact_id and source_id).
func leadBody(f sinks.Fields) (map[string]any, error) {
	body := map[string]any{}
	for name := range leadFieldSet {
		v := strings.TrimSpace(f[name])
		if v == "" || name == "lead_source" {
			continue
		}
		switch name {
		case "claimed_via":
			if !isClaimedVia(v) {
				return nil, invalid(StepCheckFields, "claimed_via %q is not one of None, Email, Text, Phone, Assigned, Auto", v)
			}
			body[name] = v
		case "mls_id":
			// A number in LionDesk's examples; kept as text when it is not one.
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && !strings.HasPrefix(v, "0") {
				body[name] = n
			} else {
				body[name] = v
			}
		default:
			body[name] = v
		}
	}
	return body, nil
}

func isClaimedVia(v string) bool {
	for _, c := range []string{"None", "Email", "Text", "Phone", "Assigned", "Auto"} {
		if v == c {
			return true
		}
	}
	return false
}

// leadOffer is one created offer. LionDesk's example prints numbers and
// booleans as strings ("2", "true"); the flexible types read both.
type leadOffer struct {
	ID                  flexInt  `json:"id"`
	Rank                flexInt  `json:"rank"`
	Status              string   `json:"status"`
	AssignAutomatically flexBool `json:"assign_automatically"`
	HasCallAlert        flexBool `json:"has_call_alert"`
	HasTextAlert        flexBool `json:"has_text_alert"`
	HasEmailAlert       flexBool `json:"has_email_alert"`
	User                struct {
		ID flexInt `json:"id"`
	} `json:"user"`
}

// flexInt decodes 2, "2" or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("liondesk: %s is not a number", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexBool decodes true, "true", 1, "1" or null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(string(b)), `"`))
	switch s {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("liondesk: %s is not a boolean", b)
	}
	return nil
}
