package liondesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SetupSpec is the LionDesk set-up `leadsync setup JOB` ensures: what the
// walkthrough's "Setting Up Lead Offer Distributions" does once per
// source. Setup creates what is missing, corrects what differs, and
// leaves everything else alone; running it twice creates nothing the
// second time. In YAML:
//
//	contact_sources: [Email]          # created when missing
//	campaigns:
//	  - name: Buyer Drip              # found by name (ignoring case), else created
//	    is_broker_sharing_on: true    # optional; corrected when it differs
//	    actions:                      # each created unless an equal action exists
//	      - type: Email Contact       # Email/Call/Text Contact, Agent Task - Email/Call/Text/No Reminder
//	        timing_type: Delay by Day and Time
//	        dispatch_time: "20:30:00" # Delay by Day and Time: with delay_by_days
//	        delay_by_days: 1
//	        template_id: 2            # contact communications only
//	      - type: Agent Task - Call Reminder
//	        timing_type: Delay by Minutes
//	        delay_by_seconds: 600     # Delay by Minutes
//	        notes: Call the lead
//	teams:                            # teams must exist (members are managed in LionDesk)
//	  - name: North Team
//	    order_method: Rank            # optional team settings, corrected when they differ
//	    mins_until_next_alert: 5
//	    distribution_zipcodes: "92618,91109"
//	    distribution_options:         # one per member who gets lead offers, by user id
//	      - user_id: 1002
//	        rank: 1
//	        assign_automatically: true
//	        has_text_alert: true
//	routes:                           # found by lead source, contact source and filter
//	  - lead_source: Zillow           # LionDesk's lead source, by name
//	    contact_source: Email         # your contact source, by name (created when missing)
//	    filter: Buyer                 # optional: only leads of this type
//	    campaign: Buyer Drip          # by name; started for each lead's contact
//	    distribution_target: Team Rollout   # Myself or Team Rollout
//	    team_selection_method: Specific Team # Team Rollout: Specific Team or Zipcode
//	    team: North Team              # Specific Team
//
// Fields not given are not compared (an existing action with other
// notes still counts as equal when the spec gives no notes). Setup never
// deletes: actions, options and routes beyond the spec are left as they
// are.
type SetupSpec struct {
	ContactSources []string       `yaml:"contact_sources"`
	Campaigns      []CampaignSpec `yaml:"campaigns"`
	Teams          []TeamSpec     `yaml:"teams"`
	Routes         []RouteSpec    `yaml:"routes"`
	// DryRun reports what Setup would create or change and writes
	// nothing (set by `leadsync setup --dry-run`, not by the YAML).
	DryRun bool `yaml:"-"`
}

// CampaignSpec is a campaign and its actions.
type CampaignSpec struct {
	Name              string       `yaml:"name"`
	IsBrokerSharingOn *bool        `yaml:"is_broker_sharing_on"`
	Actions           []ActionSpec `yaml:"actions"`
}

// ActionSpec is a campaign action (VENDORS.md 3.5, campaign actions).
type ActionSpec struct {
	Type             string `yaml:"type"`
	TimingType       string `yaml:"timing_type"`
	DispatchTime     string `yaml:"dispatch_time"`     // HH:MM:SS
	DelayByDays      *int64 `yaml:"delay_by_days"`     // with dispatch_time
	DelayBySeconds   *int64 `yaml:"delay_by_seconds"`  // Delay by Minutes
	DispatchDatetime string `yaml:"dispatch_datetime"` // Exact Date and Time, ISO-8601
	Recurrence       string `yaml:"recurrence"`        // Recurring (agent tasks), RFC 5545 rule
	TemplateID       *int64 `yaml:"template_id"`       // sent as template_metadata_id
	AssignedUserID   *int64 `yaml:"assigned_user_id"`
	Notes            string `yaml:"notes"`
	StopOnTextReply  *bool  `yaml:"is_stopped_on_text_reply"`
}

// TeamSpec is an existing team's lead settings and distribution options.
type TeamSpec struct {
	Name                 string                   `yaml:"name"`
	OrderMethod          string                   `yaml:"order_method"`          // Rank or Time
	MinsUntilNextAlert   *int64                   `yaml:"mins_until_next_alert"` // Rank only
	DistributionZipcodes *string                  `yaml:"distribution_zipcodes"` // "92618,91109"
	DistributionOptions  []DistributionOptionSpec `yaml:"distribution_options"`
}

// DistributionOptionSpec is one team member's lead-offer options.
type DistributionOptionSpec struct {
	UserID              int64  `yaml:"user_id"`
	Rank                *int64 `yaml:"rank"`                  // Rank teams: lowest first
	MinsUntilLeadOffer  *int64 `yaml:"mins_until_lead_offer"` // Time teams
	AssignAutomatically bool   `yaml:"assign_automatically"`
	HasCallAlert        bool   `yaml:"has_call_alert"`
	HasTextAlert        bool   `yaml:"has_text_alert"`
	HasEmailAlert       bool   `yaml:"has_email_alert"`
}

// RouteSpec is a lead route.
type RouteSpec struct {
	LeadSource          string `yaml:"lead_source"`
	ContactSource       string `yaml:"contact_source"`
	Filter              string `yaml:"filter"`
	Campaign            string `yaml:"campaign"`
	DistributionTarget  string `yaml:"distribution_target"`
	TeamSelectionMethod string `yaml:"team_selection_method"`
	Team                string `yaml:"team"`
}

// SetupAction is what Setup did with one item.
type SetupAction string

// Setup actions. In a dry run, created and updated mean "would be".
const (
	Created SetupAction = "created"
	Found   SetupAction = "found"
	Updated SetupAction = "updated"
)

// SetupItem is one thing Setup ensured.
type SetupItem struct {
	Kind   string // contact source, campaign, campaign action, team, distribution option, lead route
	Name   string // what it is, for people
	ID     int64  // LionDesk id; 0 for what a dry run would create
	Action SetupAction
	// Changes lists the fields an update set ("order_method: Time -> Rank").
	Changes []string
}

func (it SetupItem) String() string {
	s := fmt.Sprintf("%s %s: %s", it.Action, it.Kind, it.Name)
	if it.ID != 0 {
		s += fmt.Sprintf(" (id %d)", it.ID)
	}
	if len(it.Changes) > 0 {
		s += " [" + strings.Join(it.Changes, "; ") + "]"
	}
	return s
}

// SetupResult is everything Setup ensured, in order.
type SetupResult struct {
	DryRun bool
	Items  []SetupItem
}

// Count is how many items Setup handled with action a.
func (r SetupResult) Count(a SetupAction) int {
	n := 0
	for _, it := range r.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// Changed reports whether Setup created or updated anything.
func (r SetupResult) Changed() bool { return r.Count(Created)+r.Count(Updated) > 0 }

func (r *SetupResult) add(kind, name string, id int64, a SetupAction, changes ...string) {
	r.Items = append(r.Items, SetupItem{Kind: kind, Name: name, ID: id, Action: a, Changes: changes})
}

// Enumerations of the set-up resources.
var (
	actionTypes = []string{
		"Email Contact", "Call Contact", "Text Contact",
		"Agent Task - Email Reminder", "Agent Task - Call Reminder",
		"Agent Task - Text Reminder", "Agent Task - No Reminder",
	}
	timingTypes  = []string{"Delay by Day and Time", "Delay by Minutes", "Exact Date and Time", "Recurring"}
	orderMethods = []string{"Rank", "Time"}
)

// Validate reports every problem of the spec at once, before any call.
func (spec SetupSpec) Validate() error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	for i, n := range spec.ContactSources {
		if strings.TrimSpace(n) == "" || utf8.RuneCountInString(n) > 200 {
			add("contact_sources[%d]: a name of 1 to 200 characters is required", i)
		}
	}
	names := map[string]bool{}
	for i, c := range spec.Campaigns {
		at := fmt.Sprintf("campaigns[%d]", i)
		if strings.TrimSpace(c.Name) == "" {
			add("%s.name is required", at)
		} else if names[strings.ToLower(c.Name)] {
			add("%s: campaign %q is listed twice", at, c.Name)
		}
		names[strings.ToLower(c.Name)] = true
		for j, a := range c.Actions {
			for _, e := range a.problems() {
				add("%s.actions[%d]: %s", at, j, e)
			}
		}
	}
	teams := map[string]bool{}
	for i, t := range spec.Teams {
		at := fmt.Sprintf("teams[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			add("%s.name is required", at)
		} else if teams[strings.ToLower(t.Name)] {
			add("%s: team %q is listed twice", at, t.Name)
		}
		teams[strings.ToLower(t.Name)] = true
		if t.OrderMethod != "" && !slices.Contains(orderMethods, t.OrderMethod) {
			add("%s.order_method must be Rank or Time, not %q", at, t.OrderMethod)
		}
		if t.OrderMethod == "Time" && t.MinsUntilNextAlert != nil && *t.MinsUntilNextAlert != 0 {
			add("%s.mins_until_next_alert only applies to Rank teams (LionDesk zeroes it for Time)", at)
		}
		if t.MinsUntilNextAlert != nil && *t.MinsUntilNextAlert < 0 {
			add("%s.mins_until_next_alert must not be negative", at)
		}
		users := map[int64]bool{}
		for j, o := range t.DistributionOptions {
			oat := fmt.Sprintf("%s.distribution_options[%d]", at, j)
			if o.UserID <= 0 {
				add("%s.user_id is required", oat)
			} else if users[o.UserID] {
				add("%s: user %d is listed twice", oat, o.UserID)
			}
			users[o.UserID] = true
			if (o.Rank != nil && *o.Rank < 0) || (o.MinsUntilLeadOffer != nil && *o.MinsUntilLeadOffer < 0) {
				add("%s: rank and mins_until_lead_offer must not be negative", oat)
			}
		}
	}
	for i, r := range spec.Routes {
		at := fmt.Sprintf("routes[%d]", i)
		for _, f := range [][2]string{{"lead_source", r.LeadSource}, {"contact_source", r.ContactSource}, {"campaign", r.Campaign}} {
			if strings.TrimSpace(f[1]) == "" {
				add("%s.%s is required", at, f[0])
			}
		}
		switch r.DistributionTarget {
		case "Myself":
			if (r.TeamSelectionMethod != "" && r.TeamSelectionMethod != "None") || r.Team != "" {
				add("%s: a Myself route has no team_selection_method or team", at)
			}
		case "Team Rollout":
			switch r.TeamSelectionMethod {
			case "Specific Team":
				if strings.TrimSpace(r.Team) == "" {
					add("%s.team is required with team_selection_method Specific Team", at)
				}
			case "Zipcode":
				if r.Team != "" {
					add("%s: a Zipcode route picks the team by the lead's zipcode; remove team", at)
				}
			default:
				add("%s.team_selection_method must be Specific Team or Zipcode for Team Rollout, not %q", at, r.TeamSelectionMethod)
			}
		default:
			add("%s.distribution_target must be Myself or Team Rollout, not %q", at, r.DistributionTarget)
		}
	}
	if len(p) > 0 {
		return fmt.Errorf("liondesk setup: %s", strings.Join(p, "; "))
	}
	return nil
}

func isTaskAction(t string) bool { return strings.HasPrefix(t, "Agent Task") }

func (a ActionSpec) problems() []string {
	var p []string
	if !slices.Contains(actionTypes, a.Type) {
		p = append(p, fmt.Sprintf("type must be one of %s, not %q", strings.Join(actionTypes, ", "), a.Type))
	}
	switch a.TimingType {
	case "Delay by Day and Time":
		if _, err := time.Parse("15:04:05", a.DispatchTime); err != nil || len(a.DispatchTime) != 8 {
			p = append(p, "dispatch_time (HH:MM:SS) is required with Delay by Day and Time")
		}
		if a.DelayByDays == nil {
			p = append(p, "delay_by_days is required with Delay by Day and Time")
		}
	case "Delay by Minutes":
		if a.DelayBySeconds == nil {
			p = append(p, "delay_by_seconds is required with Delay by Minutes")
		}
	case "Exact Date and Time":
		if _, err := time.Parse(time.RFC3339Nano, a.DispatchDatetime); err != nil {
			p = append(p, "dispatch_datetime (ISO-8601, e.g. 2025-07-08T11:11:11.000Z) is required with Exact Date and Time")
		}
	case "Recurring":
		if !isTaskAction(a.Type) {
			p = append(p, "Recurring timing is only for agent task actions")
		}
		if strings.TrimSpace(a.Recurrence) == "" {
			p = append(p, "recurrence is required with Recurring")
		}
	default:
		p = append(p, fmt.Sprintf("timing_type must be one of %s, not %q", strings.Join(timingTypes, ", "), a.TimingType))
	}
	if a.TemplateID != nil && *a.TemplateID != 0 && isTaskAction(a.Type) {
		p = append(p, "template_id is only for contact communication actions")
	}
	for _, n := range []*int64{a.DelayByDays, a.DelayBySeconds, a.TemplateID, a.AssignedUserID} {
		if n != nil && *n < 0 {
			p = append(p, "numbers must not be negative")
			break
		}
	}
	return p
}

// Setup ensures spec exists in LionDesk: contact sources, campaigns with
// their actions, teams' lead settings and distribution options, then lead
// routes (which refer to the others by name). It creates only what is
// missing and updates only what differs, so a second run creates
// nothing. The result lists every item with what was done, also when an
// error stops Setup half-way (what was created stays created; running it
// again continues).
func Setup(ctx context.Context, c *Client, spec SetupSpec) (SetupResult, error) {
	res := SetupResult{DryRun: spec.DryRun}
	if err := spec.Validate(); err != nil {
		return res, err
	}
	st := &setup{c: c, dry: spec.DryRun, res: &res, sources: map[string]int64{}, campaigns: map[string]int64{}, teams: map[string]int64{}}
	for _, name := range spec.ContactSources {
		if _, err := st.contactSource(ctx, name); err != nil {
			return res, err
		}
	}
	for _, cs := range spec.Campaigns {
		if err := st.campaign(ctx, cs); err != nil {
			return res, fmt.Errorf("liondesk setup: campaign %q: %w", cs.Name, err)
		}
	}
	for _, ts := range spec.Teams {
		if err := st.team(ctx, ts); err != nil {
			return res, fmt.Errorf("liondesk setup: team %q: %w", ts.Name, err)
		}
	}
	for _, rs := range spec.Routes {
		if err := st.route(ctx, rs); err != nil {
			return res, fmt.Errorf("liondesk setup: route %s: %w", rs.describe(), err)
		}
	}
	return res, nil
}

// setup is one Setup run: ids resolved so far, by lower-cased name.
type setup struct {
	c         *Client
	dry       bool
	res       *SetupResult
	sources   map[string]int64 // contact sources
	campaigns map[string]int64
	teams     map[string]int64
}

func (r RouteSpec) describe() string {
	s := fmt.Sprintf("%s/%s", r.LeadSource, r.ContactSource)
	if r.Filter != "" {
		s += " (" + r.Filter + ")"
	}
	return s
}

// contactSource finds or creates one of the caller's contact sources.
func (st *setup) contactSource(ctx context.Context, name string) (int64, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if id, ok := st.sources[key]; ok {
		return id, nil
	}
	recs, err := st.c.findByName(ctx, "find contact source", "/contact-sources", name)
	if err != nil {
		return 0, fmt.Errorf("liondesk setup: contact source %q: %w", name, err)
	}
	var id int64
	if r := pickByName(recs, name); r != nil {
		id = intOf(r, "id")
		st.res.add("contact source", name, id, Found)
	} else {
		if !st.dry {
			var created namedID
			if err := st.c.post(ctx, "create contact source", "/contact-sources", map[string]any{"name": strings.TrimSpace(name)}, &created); err != nil {
				return 0, fmt.Errorf("liondesk setup: contact source %q: %w", name, err)
			}
			id = created.ID
		}
		st.res.add("contact source", name, id, Created)
	}
	st.sources[key] = id
	return id, nil
}

// campaign finds (preferring the caller's own over LionDesk's defaults)
// or creates a campaign, then its actions.
func (st *setup) campaign(ctx context.Context, cs CampaignSpec) error {
	recs, err := st.c.findByName(ctx, "find campaign", "/campaigns", cs.Name)
	if err != nil {
		return err
	}
	var own []map[string]any
	for _, r := range recs {
		if r["is_default"] != true {
			own = append(own, r)
		}
	}
	found := pickByName(own, cs.Name)
	if found == nil {
		found = pickByName(recs, cs.Name)
	}
	var id int64
	var existing []map[string]any
	if found == nil {
		body := map[string]any{"name": strings.TrimSpace(cs.Name)}
		if cs.IsBrokerSharingOn != nil {
			body["is_broker_sharing_on"] = *cs.IsBrokerSharingOn
		}
		if !st.dry {
			var created namedID
			if err := st.c.post(ctx, "create campaign", "/campaigns", body, &created); err != nil {
				return err
			}
			id = created.ID
		}
		st.res.add("campaign", cs.Name, id, Created)
	} else {
		id = intOf(found, "id")
		if want := cs.IsBrokerSharingOn; want != nil && found["is_broker_sharing_on"] != *want {
			change := fmt.Sprintf("is_broker_sharing_on: %v -> %v", found["is_broker_sharing_on"], *want)
			if !st.dry {
				if err := st.c.patch(ctx, "update campaign", idPath("/campaigns/%d", id), map[string]any{"is_broker_sharing_on": *want}, nil); err != nil {
					return err
				}
			}
			st.res.add("campaign", cs.Name, id, Updated, change)
		} else {
			st.res.add("campaign", cs.Name, id, Found)
		}
		err := st.c.findAll(ctx, "find campaign actions", idPath("/campaigns/%d/actions", id), nil, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err == nil {
				existing = append(existing, m)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	st.campaigns[strings.ToLower(strings.TrimSpace(cs.Name))] = id
	used := make([]bool, len(existing))
	for _, a := range cs.Actions {
		name := fmt.Sprintf("%s: %s, %s", cs.Name, a.Type, a.TimingType)
		match := -1
		for i, m := range existing {
			if !used[i] && a.matches(m) {
				match = i
				break
			}
		}
		if match >= 0 {
			used[match] = true
			st.res.add("campaign action", name, intOf(existing[match], "id"), Found)
			continue
		}
		var aid int64
		if !st.dry {
			var created namedID
			if err := st.c.post(ctx, "create campaign action", idPath("/campaigns/%d/actions", id), a.body(), &created); err != nil {
				return fmt.Errorf("action %s: %w", name, err)
			}
			aid = created.ID
		}
		st.res.add("campaign action", name, aid, Created)
	}
	return nil
}

// body is the POST /campaigns/:id/actions body.
func (a ActionSpec) body() map[string]any {
	b := map[string]any{"type": a.Type, "timing_type": a.TimingType}
	if a.DispatchTime != "" {
		b["dispatch_time"] = a.DispatchTime
	}
	if a.DelayByDays != nil {
		b["delay_by_days"] = *a.DelayByDays
	}
	if a.DelayBySeconds != nil {
		b["delay_by_seconds"] = *a.DelayBySeconds
	}
	if a.DispatchDatetime != "" {
		t, _ := time.Parse(time.RFC3339Nano, a.DispatchDatetime)
		b["dispatch_datetime"] = t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if a.Recurrence != "" {
		b["recurrence"] = a.Recurrence
	}
	if a.TemplateID != nil {
		b["template_metadata_id"] = *a.TemplateID
	}
	if a.AssignedUserID != nil {
		b["assigned_user_id"] = *a.AssignedUserID
	}
	if a.Notes != "" {
		b["notes"] = a.Notes
	}
	if a.StopOnTextReply != nil {
		b["is_stopped_on_text_reply"] = *a.StopOnTextReply
	}
	return b
}

// matches reports whether an existing action is the one the spec asks
// for: same type and timing, and equal in every field the spec gives.
func (a ActionSpec) matches(m map[string]any) bool {
	if stringOf(m["type"]) != a.Type || stringOf(m["timing_type"]) != a.TimingType {
		return false
	}
	eqInt := func(want *int64, k string) bool { return want == nil || (m[k] != nil && intOf(m, k) == *want) }
	if !eqInt(a.DelayByDays, "delay_by_days") || !eqInt(a.DelayBySeconds, "delay_by_seconds") ||
		!eqInt(a.TemplateID, "template_metadata_id") || !eqInt(a.AssignedUserID, "assigned_user_id") {
		return false
	}
	if a.DispatchTime != "" && stringOf(m["dispatch_time"]) != a.DispatchTime {
		return false
	}
	if a.DispatchDatetime != "" {
		want, _ := time.Parse(time.RFC3339Nano, a.DispatchDatetime)
		got, err := time.Parse(time.RFC3339Nano, stringOf(m["dispatch_datetime"]))
		if err != nil || !got.Equal(want) {
			return false
		}
	}
	if a.Recurrence != "" && stringOf(m["recurrence"]) != a.Recurrence {
		return false
	}
	if a.Notes != "" && stringOf(m["notes"]) != a.Notes {
		return false
	}
	if a.StopOnTextReply != nil && m["is_stopped_on_text_reply"] != *a.StopOnTextReply {
		return false
	}
	return true
}

// findTeam resolves a team the caller created or belongs to, by name.
func (st *setup) findTeam(ctx context.Context, name string) (map[string]any, error) {
	recs, err := st.c.findByName(ctx, "find team", "/teams", name)
	if err != nil {
		return nil, err
	}
	t := pickByName(recs, name)
	if t == nil {
		return nil, errors.New("no such team (teams and their members are managed in LionDesk)")
	}
	st.teams[strings.ToLower(strings.TrimSpace(name))] = intOf(t, "id")
	return t, nil
}

// zipList normalizes a comma-separated zipcode list for comparison.
func zipList(s string) string {
	var zs []string
	for _, z := range strings.Split(s, ",") {
		if z = strings.TrimSpace(z); z != "" {
			zs = append(zs, z)
		}
	}
	sort.Strings(zs)
	return strings.Join(slices.Compact(zs), ",")
}

// team corrects a team's lead settings and ensures its distribution
// options.
func (st *setup) team(ctx context.Context, ts TeamSpec) error {
	t, err := st.findTeam(ctx, ts.Name)
	if err != nil {
		return err
	}
	id := intOf(t, "id")
	patch := map[string]any{}
	var changes []string
	method := stringOf(t["order_method"])
	if ts.OrderMethod != "" && ts.OrderMethod != method {
		patch["order_method"] = ts.OrderMethod
		changes = append(changes, fmt.Sprintf("order_method: %s -> %s", method, ts.OrderMethod))
		method = ts.OrderMethod
	}
	if ts.MinsUntilNextAlert != nil && method != "Time" && intOf(t, "mins_until_next_alert") != *ts.MinsUntilNextAlert {
		patch["mins_until_next_alert"] = *ts.MinsUntilNextAlert
		changes = append(changes, fmt.Sprintf("mins_until_next_alert: %d -> %d", intOf(t, "mins_until_next_alert"), *ts.MinsUntilNextAlert))
	}
	if z := ts.DistributionZipcodes; z != nil && zipList(*z) != zipList(stringOf(t["distribution_zipcodes"])) {
		patch["distribution_zipcodes"] = zipList(*z)
		changes = append(changes, fmt.Sprintf("distribution_zipcodes: %q -> %q", stringOf(t["distribution_zipcodes"]), zipList(*z)))
	}
	if len(patch) > 0 {
		if !st.dry {
			if err := st.c.patch(ctx, "update team", idPath("/teams/%d", id), patch, nil); err != nil {
				return err
			}
		}
		st.res.add("team", ts.Name, id, Updated, changes...)
	} else {
		st.res.add("team", ts.Name, id, Found)
	}
	if len(ts.DistributionOptions) == 0 {
		return nil
	}
	byUser := map[int64]map[string]any{}
	q := url.Values{"team_id": {strconv.FormatInt(id, 10)}}
	err = st.c.findAll(ctx, "find team member distribution options", "/team-member-distribution-options", q, func(raw json.RawMessage) error {
		m, err := decodeObject(raw)
		if err == nil {
			if _, dup := byUser[intOf(m, "user_id")]; !dup {
				byUser[intOf(m, "user_id")] = m
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, o := range ts.DistributionOptions {
		name := fmt.Sprintf("%s: user %d", ts.Name, o.UserID)
		cur, ok := byUser[o.UserID]
		if !ok {
			body := o.body()
			body["team_id"], body["user_id"] = id, o.UserID
			var oid int64
			if !st.dry {
				var created namedID
				if err := st.c.post(ctx, "create team member distribution option", "/team-member-distribution-options", body, &created); err != nil {
					return fmt.Errorf("distribution option for user %d: %w", o.UserID, err)
				}
				oid = created.ID
			}
			st.res.add("distribution option", name, oid, Created)
			continue
		}
		oid := intOf(cur, "id")
		diff, changes := o.diff(cur, method)
		if len(diff) == 0 {
			st.res.add("distribution option", name, oid, Found)
			continue
		}
		if !st.dry {
			if err := st.c.patch(ctx, "update team member distribution option", idPath("/team-member-distribution-options/%d", oid), diff, nil); err != nil {
				return fmt.Errorf("distribution option for user %d: %w", o.UserID, err)
			}
		}
		st.res.add("distribution option", name, oid, Updated, changes...)
	}
	return nil
}

func (o DistributionOptionSpec) body() map[string]any {
	b := map[string]any{
		"assign_automatically": o.AssignAutomatically,
		"has_call_alert":       o.HasCallAlert,
		"has_text_alert":       o.HasTextAlert,
		"has_email_alert":      o.HasEmailAlert,
	}
	if o.Rank != nil {
		b["rank"] = *o.Rank
	}
	if o.MinsUntilLeadOffer != nil {
		b["mins_until_lead_offer"] = *o.MinsUntilLeadOffer
	}
	return b
}

// diff is the PATCH that makes cur equal the spec (empty when equal).
// A Rank team zeroes mins_until_lead_offer, so it is not compared there.
func (o DistributionOptionSpec) diff(cur map[string]any, method string) (map[string]any, []string) {
	want := o.body()
	if method == "Rank" {
		delete(want, "mins_until_lead_offer")
	}
	out := map[string]any{}
	var changes []string
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := want[k]
		var same bool
		switch wv := w.(type) {
		case bool:
			same = cur[k] == wv
		case int64:
			same = cur[k] != nil && intOf(cur, k) == wv
		}
		if !same {
			out[k] = w
			changes = append(changes, fmt.Sprintf("%s: %s -> %v", k, stringOrNull(cur[k]), w))
		}
	}
	return out, changes
}

func stringOrNull(v any) string {
	if v == nil {
		return "null"
	}
	return stringOf(v)
}

// route finds the route of the spec's sources and filter, corrects its
// campaign, target and team when they differ, or creates it.
func (st *setup) route(ctx context.Context, rs RouteSpec) error {
	var leadSource int64
	recs, err := st.c.findByName(ctx, "find lead source", "/lead-sources", rs.LeadSource)
	if err != nil {
		return err
	}
	if r := pickByName(recs, rs.LeadSource); r != nil {
		leadSource = intOf(r, "id")
	} else {
		return fmt.Errorf("lead source %q does not exist (LionDesk's lead sources are fixed)", rs.LeadSource)
	}
	contactSource, err := st.contactSource(ctx, rs.ContactSource)
	if err != nil {
		return err
	}
	campaign, ok := st.campaigns[strings.ToLower(strings.TrimSpace(rs.Campaign))]
	if !ok {
		recs, err := st.c.findByName(ctx, "find campaign", "/campaigns", rs.Campaign)
		if err != nil {
			return err
		}
		r := pickByName(recs, rs.Campaign)
		if r == nil {
			return fmt.Errorf("campaign %q does not exist (list it under campaigns to create it)", rs.Campaign)
		}
		campaign = intOf(r, "id")
	}
	var team int64
	if rs.TeamSelectionMethod == "Specific Team" {
		if team, ok = st.teams[strings.ToLower(strings.TrimSpace(rs.Team))]; !ok {
			t, err := st.findTeam(ctx, rs.Team)
			if err != nil {
				return fmt.Errorf("team %q: %w", rs.Team, err)
			}
			team = intOf(t, "id")
		}
	}
	want := map[string]any{"campaign_id": campaign, "distribution_target": rs.DistributionTarget}
	if rs.DistributionTarget == "Team Rollout" {
		want["team_selection_method"] = rs.TeamSelectionMethod
		if team != 0 {
			want["team_id"] = team
		}
	}

	var cur map[string]any
	if contactSource != 0 { // 0: a dry run's contact source to be created has no routes yet
		q := url.Values{"lead_source_id": {strconv.FormatInt(leadSource, 10)}, "contact_source_id": {strconv.FormatInt(contactSource, 10)}}
		err := st.c.findAll(ctx, "find lead routes", "/lead-routes", q, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err == nil && cur == nil && strings.EqualFold(strings.TrimSpace(stringOf(m["filter"])), strings.TrimSpace(rs.Filter)) {
				cur = m
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	name := rs.describe() + " -> " + rs.Campaign + ", " + rs.DistributionTarget
	if cur == nil {
		body := map[string]any{"lead_source_id": leadSource, "contact_source_id": contactSource}
		for k, v := range want {
			body[k] = v
		}
		if rs.Filter != "" {
			body["filter"] = rs.Filter
		}
		var id int64
		if !st.dry {
			var created namedID
			if err := st.c.post(ctx, "create lead route", "/lead-routes", body, &created); err != nil {
				return err
			}
			id = created.ID
		}
		st.res.add("lead route", name, id, Created)
		return nil
	}
	id := intOf(cur, "id")
	var changes []string
	if got := intOf(objectOf(cur, "campaign"), "id"); got != campaign {
		changes = append(changes, fmt.Sprintf("campaign: %d -> %d", got, campaign))
	}
	if got := stringOf(cur["distribution_target"]); got != rs.DistributionTarget {
		changes = append(changes, fmt.Sprintf("distribution_target: %s -> %s", got, rs.DistributionTarget))
	}
	gotMethod := stringOf(cur["team_selection_method"])
	if gotMethod == "None" {
		gotMethod = ""
	}
	wantMethod, _ := want["team_selection_method"].(string)
	if gotMethod != wantMethod {
		changes = append(changes, fmt.Sprintf("team_selection_method: %s -> %s", stringOrNull(cur["team_selection_method"]), wantMethod))
	}
	if got := intOf(objectOf(cur, "team"), "id"); got != team {
		changes = append(changes, fmt.Sprintf("team: %d -> %d", got, team))
	}
	if len(changes) == 0 {
		st.res.add("lead route", name, id, Found)
		return nil
	}
	if !st.dry {
		if _, ok := want["team_id"]; !ok {
			want["team_id"] = nil
		}
		if _, ok := want["team_selection_method"]; !ok {
			want["team_selection_method"] = nil
		}
		if err := st.c.patch(ctx, "update lead route", idPath("/lead-routes/%d", id), want, nil); err != nil {
			return err
		}
	}
	st.res.add("lead route", name, id, Updated, changes...)
	return nil
}
