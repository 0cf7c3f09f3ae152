package liondesktest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Every handler runs with the store locked (see Emulator.handle). Checks
// run in one order: body arguments (400), the path's records (404),
// permission (403), then records the body refers to and business rules
// (400).

// ---- helpers

// lookup finds the record named by the i-th path id, or 404 when it does
// not exist or the caller may not see it.
func (c *call) lookup(name string, i int, visible func(row) bool) (row, *apiError) {
	id, aerr := c.pathID(i)
	if aerr != nil {
		return nil, aerr
	}
	r := c.e.st.get(name, id)
	if r == nil || (visible != nil && !visible(r)) {
		return nil, notFound(c.params[i])
	}
	return r, nil
}

// find answers a Feathers find over the rows of a table the caller may
// see (visible nil: all of them).
func (c *call) find(name string, visible func(row) bool, render func(row, findQuery) any, loads ...string) (int, any, *apiError) {
	q, aerr := parseFind(c.r.URL.RawQuery, schemas[name], loads...)
	if aerr != nil {
		return 0, nil, aerr
	}
	total, pg := q.apply(schemas[name], c.e.st.table(name), visible)
	data := make([]any, 0, len(pg))
	for _, r := range pg {
		if render != nil {
			data = append(data, render(r, q))
		} else {
			data = append(data, present(name, r))
		}
	}
	return 200, page{Total: total, Limit: q.limit, Skip: q.skip, Data: data}, nil
}

func (c *call) input(name string, create bool) (map[string]any, *apiError) {
	return schemas[name].input(c.body, create)
}

// merged is r with vals applied, for checking before committing.
func merged(r row, vals map[string]any) row {
	m := copyRow(r)
	for k, v := range vals {
		m[k] = v
	}
	return m
}

func isMember(team row, uid int64) bool {
	ids, _ := team["member_ids"].([]int64)
	return asInt(team["owner_user_id"]) == uid || containsID(ids, uid)
}

// teamsOf returns the teams uid created or belongs to.
func (e *Emulator) teamsOf(uid int64) []row {
	return e.st.where(tTeams, func(t row) bool { return isMember(t, uid) })
}

// teammates is uid and every member of uid's teams.
func (e *Emulator) teammates(uid int64) map[int64]bool {
	m := map[int64]bool{uid: true}
	for _, t := range e.teamsOf(uid) {
		m[asInt(t["owner_user_id"])] = true
		ids, _ := t["member_ids"].([]int64)
		for _, id := range ids {
			m[id] = true
		}
	}
	return m
}

// contactVisible: the owner, the assigned user, and members of a team
// with contact sharing enabled that the owner also belongs to.
func (e *Emulator) contactVisible(uid int64) func(row) bool {
	owners := map[int64]bool{uid: true}
	for _, t := range e.teamsOf(uid) {
		if t["is_contact_resource_sharing_enabled"] != true {
			continue
		}
		owners[asInt(t["owner_user_id"])] = true
		ids, _ := t["member_ids"].([]int64)
		for _, id := range ids {
			owners[id] = true
		}
	}
	return func(ct row) bool {
		return owners[asInt(ct["owner_user_id"])] || asInt(ct["assigned_user_id"]) == uid
	}
}

func ownedBy(fieldName string, uid int64) func(row) bool {
	return func(r row) bool { return asInt(r[fieldName]) == uid }
}

// campaignVisible: the caller's own campaigns and LionDesk's defaults.
func campaignVisible(uid int64) func(row) bool {
	return func(r row) bool {
		o := asInt(r["owner_user_id"])
		return o == uid || o == 0
	}
}

func teamVisible(uid int64) func(row) bool {
	return func(t row) bool { return isMember(t, uid) }
}

// checkAssignee accepts no assignee (null or 0), the caller, or a member
// of one of the caller's teams.
func (e *Emulator) checkAssignee(uid int64, vals map[string]any) *apiError {
	v := vals["assigned_user_id"]
	if v == nil || asInt(v) == 0 || e.teammates(uid)[asInt(v)] {
		return nil
	}
	return validation(map[string]string{"assigned_user_id": fmt.Sprintf("must be you or a member of one of your teams (%d is not)", asInt(v))})
}

// ---- me, lead sources

func (e *Emulator) getMe(c *call) (int, any, *apiError) {
	return 200, present(tUsers, e.st.get(tUsers, c.uid)), nil
}

// ---- reads, one shape for every resource

// visibility says which rows of a table a caller may see (nil: every
// row): the one place the read rules of each resource are stated.
func (e *Emulator) visibility(table string, uid int64) func(row) bool {
	switch table {
	case tLeadSources:
		return nil
	case tContactSources:
		return ownedBy("user_id", uid)
	case tCampaigns:
		return campaignVisible(uid)
	case tContacts:
		return e.contactVisible(uid)
	case tLeads:
		return leadVisible(uid)
	case tRoutes:
		return ownedBy("owner_user_id", uid)
	case tTeams:
		return teamVisible(uid)
	case tOptions:
		return e.optionVisible(uid)
	case tTasks:
		return taskVisible(uid)
	}
	panic("liondesktest: no visibility rule for " + table)
}

// render is a record as the API answers it (lead routes embed their
// team, campaign and sources; an action's template is null).
func (e *Emulator) render(table string, r row) any {
	switch table {
	case tRoutes:
		return e.presentRoute(r)
	case tActions:
		return presentAction(r, "")
	}
	return present(table, r)
}

// ---- campaigns

// campaignNameTaken: names are unique per user, compared case-insensitively
// as a MySQL unique index would.
func (e *Emulator) campaignNameTaken(uid int64, name string, except int64) bool {
	for _, r := range e.st.where(tCampaigns, ownedBy("owner_user_id", uid)) {
		if asInt(r["id"]) != except && strings.EqualFold(r["name"].(string), name) {
			return true
		}
	}
	return false
}

func duplicateCampaign(name string) *apiError {
	return &apiError{status: 400, message: fmt.Sprintf("A campaign named '%s' already exists", name),
		errors: map[string]string{"name": "name must be unique"}}
}

// ---- campaign actions

func isTaskType(t any) bool {
	s, _ := t.(string)
	return strings.HasPrefix(s, "Agent Task")
}

// checkAction applies the timing rules of the campaign actions page.
func checkAction(v map[string]any) *apiError {
	errs := map[string]string{}
	timing, _ := v["timing_type"].(string)
	need := func(names ...string) {
		for _, n := range names {
			if v[n] == nil {
				errs[n] = "is required when timing_type is " + timing
			}
		}
	}
	switch timing {
	case "Delay by Day and Time":
		need("dispatch_time", "delay_by_days")
	case "Delay by Minutes":
		need("delay_by_seconds")
	case "Exact Date and Time":
		need("dispatch_datetime")
	case "Recurring":
		if !isTaskType(v["type"]) {
			errs["timing_type"] = "Recurring is only allowed for agent task actions"
		}
		if r, _ := v["recurrence"].(string); r == "" {
			errs["recurrence"] = "is required when timing_type is Recurring"
		}
	}
	if isTaskType(v["type"]) && asInt(v["template_metadata_id"]) != 0 {
		errs["template_metadata_id"] = "is only allowed for contact communication actions"
	}
	if len(errs) > 0 {
		return validation(errs)
	}
	return nil
}

// ---- campaign contacts, communications

func (e *Emulator) createCampaignContact(c *call) (int, any, *apiError) {
	vals, aerr := c.input(tCampContacts, true)
	if aerr != nil {
		return 0, nil, aerr
	}
	camp, aerr := c.lookup(tCampaigns, 0, campaignVisible(c.uid))
	if aerr != nil {
		return 0, nil, aerr
	}
	contactID := asInt(vals["contact_id"])
	ct := e.st.get(tContacts, contactID)
	if ct == nil || !e.contactVisible(c.uid)(ct) {
		return 0, nil, badReference("contact_id", contactID)
	}
	campID := asInt(camp["id"])
	for _, cc := range e.st.all(tCampContacts) {
		if asInt(cc["campaign_id"]) == campID && asInt(cc["contact_id"]) == contactID {
			return 0, nil, badRequest("Contact %d is already in campaign %d", contactID, campID)
		}
	}
	cc := e.st.insert(tCampContacts, map[string]any{"campaign_id": campID, "contact_id": contactID, "owner_user_id": c.uid})
	e.startCampaign(c, camp, ct, cc)
	c.wrote = true
	return 201, present(tCampContacts, cc), nil
}

// startCampaign materialises the campaign's actions for the contact: one
// communication per contact-communication action, one task per agent-task
// action (VENDORS.md 3.7).
func (e *Emulator) startCampaign(c *call, camp, ct, cc row) {
	now := e.Now()
	stamp := formatTime(now)
	for _, a := range e.st.where(tActions, func(r row) bool { return asInt(r["campaign_id"]) == asInt(camp["id"]) }) {
		at := scheduleTime(a, now)
		assigned := asInt(a["assigned_user_id"])
		notes, _ := a["notes"].(string)
		if isTaskType(a["type"]) {
			desc := notes
			if desc == "" {
				desc = fmt.Sprintf("%s: %s", camp["name"], a["type"])
			}
			if r := []rune(desc); len(r) > 2000 {
				desc = string(r[:2000])
			}
			e.st.insert(tTasks, map[string]any{
				"owner_user_id": c.uid, "contact_id": ct["id"], "campaign_contact_id": cc["id"],
				"reminder_type": a["type"], "action_type": a["type"], "status": "incomplete",
				"created_at": stamp, "modified_at": stamp, "due_at": at, "description": desc,
				"notes": a["notes"], "assigned_user_id": assigned,
			})
			continue
		}
		from := assigned
		if from == 0 {
			from = c.uid
		}
		comm := map[string]any{
			"campaign_name": camp["name"], "type": a["type"], "is_stopped_on_text_reply": a["is_stopped_on_text_reply"],
			"is_active": true, "send_at": at, "send_from_user_id": from,
			"contact_id": ct["id"], "campaign_id": camp["id"], "campaign_contact_id": cc["id"], "campaign_action_id": a["id"],
		}
		if t := asInt(a["template_metadata_id"]); t > 0 {
			comm["template_subject"] = fmt.Sprintf("Template %d", t)
			comm["template_name"] = fmt.Sprintf("Template %d", t)
			comm["template_folder_name"] = "Campaign Templates"
		}
		e.st.insert(tComms, comm)
	}
}

// scheduleTime is when an action fires for a campaign started at now.
func scheduleTime(a row, now time.Time) string {
	now = now.UTC()
	switch a["timing_type"] {
	case "Delay by Day and Time":
		clock, _ := a["dispatch_time"].(string)
		t, err := time.Parse("15:04:05", clock)
		if err != nil {
			t = time.Time{}
		}
		d := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		return formatTime(d.AddDate(0, 0, int(asInt(a["delay_by_days"]))))
	case "Delay by Minutes":
		return formatTime(now.Add(time.Duration(asInt(a["delay_by_seconds"])) * time.Second))
	case "Exact Date and Time":
		if s, ok := a["dispatch_datetime"].(string); ok {
			return s
		}
	}
	return formatTime(now)
}

// ---- contacts, addresses

// checkContactRefs: source_id 0 or null clears the source; another id must
// be one of the caller's contact sources. assigned_user_id must be the
// caller or a teammate.
func (e *Emulator) checkContactRefs(uid int64, vals map[string]any) *apiError {
	if v, ok := vals["source_id"]; ok {
		if asInt(v) == 0 {
			vals["source_id"] = nil
		} else if cs := e.st.get(tContactSources, asInt(v)); cs == nil || asInt(cs["user_id"]) != uid {
			return badReference("source_id", asInt(v))
		}
	}
	return e.checkAssignee(uid, vals)
}

// ---- leads, routing, offers

func leadVisible(uid int64) func(row) bool {
	return func(r row) bool {
		return asInt(r["owner_user_id"]) == uid || asInt(r["claimed_by_user_id"]) == uid
	}
}

// matchRoute picks the caller's lead route for a lead: a route's
// lead_source_id and contact_source_id must equal the lead's and the
// contact's source (0 matches any), and a non-empty filter must equal the
// lead's type (case-insensitively). The most specific route wins, then
// the oldest.
func (e *Emulator) matchRoute(uid, leadSource, contactSource int64, leadType string) row {
	var best row
	bestScore := -1
	for _, r := range e.st.where(tRoutes, ownedBy("owner_user_id", uid)) {
		ls, cs := asInt(r["lead_source_id"]), asInt(r["contact_source_id"])
		if (ls != 0 && ls != leadSource) || (cs != 0 && cs != contactSource) {
			continue
		}
		if f, _ := r["filter"].(string); strings.TrimSpace(f) != "" && !strings.EqualFold(strings.TrimSpace(f), strings.TrimSpace(leadType)) {
			continue
		}
		score := 0
		if ls != 0 {
			score++
		}
		if cs != 0 {
			score++
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// zipSet splits a distribution_zipcodes string.
func zipSet(v any) map[string]bool {
	s, _ := v.(string)
	m := map[string]bool{}
	for _, z := range strings.Split(s, ",") {
		if z = strings.TrimSpace(z); z != "" {
			m[z] = true
		}
	}
	return m
}

func (e *Emulator) createOffers(c *call) (int, any, *apiError) {
	if len(c.body) > 0 {
		errs := map[string]string{}
		for k := range c.body {
			errs[k] = "is not allowed (lead offers take an empty body)"
		}
		return 0, nil, validation(errs)
	}
	lead, aerr := c.lookup(tLeads, 0, leadVisible(c.uid))
	if aerr != nil {
		return 0, nil, aerr
	}
	leadID := asInt(lead["id"])
	if asInt(lead["owner_user_id"]) != c.uid {
		return 0, nil, forbidden("Only the lead's creator can send lead offers")
	}
	if lead["distribution_target"] != "Team Rollout" {
		return 0, nil, badRequest("Lead %d is not distributed by Team Rollout; lead offers cannot be created", leadID)
	}
	if lead["claimed_by_user_id"] != nil {
		return 0, nil, badRequest("Lead %d has already been claimed", leadID)
	}
	if len(e.st.where(tOffers, func(r row) bool { return asInt(r["lead_id"]) == leadID })) > 0 {
		return 0, nil, badRequest("Lead offers for lead %d have already been sent", leadID)
	}
	route := e.st.get(tRoutes, asInt(lead["lead_route_id"]))
	if route == nil {
		return 0, nil, badRequest("Lead %d has no lead route", leadID)
	}
	var team row
	switch route["team_selection_method"] {
	case "Specific Team":
		team = e.st.get(tTeams, asInt(route["team_id"]))
		if team == nil {
			return 0, nil, badRequest("The team of lead route %d no longer exists", asInt(route["id"]))
		}
	case "Zipcode":
		zip := strings.TrimSpace(stringOf(lead["zipcode"]))
		if zip == "" {
			return 0, nil, badRequest("Lead %d has no zipcode to select a team by", leadID)
		}
		for _, t := range e.teamsOf(asInt(route["owner_user_id"])) {
			if zipSet(t["distribution_zipcodes"])[zip] {
				team = t
				break
			}
		}
		if team == nil {
			return 0, nil, badRequest("No team has distribution zipcode %s", zip)
		}
	default:
		return 0, nil, badRequest("Lead route %d selects no team (team_selection_method is %v)", asInt(route["id"]), stringOrNull(route["team_selection_method"]))
	}
	teamID := asInt(team["id"])
	opts := e.st.where(tOptions, func(r row) bool { return asInt(r["team_id"]) == teamID })
	if len(opts) == 0 {
		return 0, nil, badRequest("Team %d has no team member distribution options", teamID)
	}
	byTime := team["order_method"] == "Time"
	key := "rank"
	if byTime {
		key = "mins_until_lead_offer"
	}
	sort.SliceStable(opts, func(i, j int) bool {
		a, b := opts[i][key], opts[j][key]
		if !byTime && (a == nil) != (b == nil) {
			return b == nil // an unranked member comes last; an unset delay is 0
		}
		return asInt(a) < asInt(b)
	})
	var active []row
	for _, o := range opts {
		if o["has_call_alert"] == true || o["has_text_alert"] == true || o["has_email_alert"] == true {
			active = append(active, o)
		}
	}
	if len(active) == 0 {
		return 0, nil, badRequest("Every member of team %d has lead offer alerts paused", teamID)
	}
	now := e.Now()
	out := make([]any, 0, len(active))
	for i, o := range active {
		notify := now.Add(time.Duration(int64(i)*asInt(team["mins_until_next_alert"])) * time.Minute)
		if byTime {
			notify = now.Add(time.Duration(asInt(o["mins_until_lead_offer"])) * time.Minute)
		}
		r := e.st.insert(tOffers, map[string]any{
			"rank": o["rank"], "notify_at": formatTime(notify), "status": "Pending",
			"assign_automatically": o["assign_automatically"], "has_call_alert": o["has_call_alert"],
			"has_text_alert": o["has_text_alert"], "has_email_alert": o["has_email_alert"],
			"lead_id": leadID, "team_id": teamID, "user_id": o["user_id"],
		})
		out = append(out, e.presentOffer(r))
	}
	c.wrote = true
	return 201, out, nil
}

func stringOrNull(v any) string {
	if v == nil {
		return "null"
	}
	return stringOf(v)
}

// ---- lead routes

// checkRoute applies the server rules (Myself clears the team and the
// selection method, Zipcode clears the team, Specific Team needs one) and
// checks the records the route names.
func (e *Emulator) checkRoute(uid int64, m row) *apiError {
	switch m["distribution_target"] {
	case "Myself":
		m["team_id"], m["team_selection_method"] = nil, nil
	case "Team Rollout":
		switch m["team_selection_method"] {
		case "Specific Team":
			if asInt(m["team_id"]) == 0 {
				return validation(map[string]string{"team_id": "is required when team_selection_method is Specific Team"})
			}
		case "Zipcode":
			m["team_id"] = nil
		}
	}
	if camp := e.st.get(tCampaigns, asInt(m["campaign_id"])); camp == nil || !campaignVisible(uid)(camp) {
		return badReference("campaign_id", asInt(m["campaign_id"]))
	}
	if id := asInt(m["lead_source_id"]); id != 0 && e.st.get(tLeadSources, id) == nil {
		return badReference("lead_source_id", id)
	}
	if id := asInt(m["contact_source_id"]); id != 0 {
		if cs := e.st.get(tContactSources, id); cs == nil || asInt(cs["user_id"]) != uid {
			return badReference("contact_source_id", id)
		}
	}
	if id := asInt(m["team_id"]); id == 0 {
		m["team_id"] = nil
	} else if t := e.st.get(tTeams, id); t == nil || !isMember(t, uid) {
		return badReference("team_id", id)
	}
	return nil
}

// ---- teams

// checkZips refuses distribution zipcodes that another of the caller's
// teams already has: offers by zipcode must find exactly one team.
func (e *Emulator) checkZips(uid int64, m row) *apiError {
	mine := zipSet(m["distribution_zipcodes"])
	for _, t := range e.teamsOf(uid) {
		if asInt(t["id"]) == asInt(m["id"]) {
			continue
		}
		var clash []string
		for z := range zipSet(t["distribution_zipcodes"]) {
			if mine[z] {
				clash = append(clash, z)
			}
		}
		if len(clash) > 0 {
			sort.Strings(clash)
			return validation(map[string]string{"distribution_zipcodes": fmt.Sprintf("overlap with team %d (%s): %s", asInt(t["id"]), t["name"], strings.Join(clash, ","))})
		}
	}
	return nil
}

// ---- team member distribution options

// optionVisible: options of teams the caller created.
func (e *Emulator) optionVisible(uid int64) func(row) bool {
	return func(o row) bool {
		t := e.st.get(tTeams, asInt(o["team_id"]))
		return t != nil && asInt(t["owner_user_id"]) == uid
	}
}

// checkOption checks an option's team (created by the caller) and user (a
// member), and that the member has no other option in the team.
func (e *Emulator) checkOption(uid int64, m row) *apiError {
	teamID, userID := asInt(m["team_id"]), asInt(m["user_id"])
	t := e.st.get(tTeams, teamID)
	if t == nil || !isMember(t, uid) {
		return badReference("team_id", teamID)
	}
	if asInt(t["owner_user_id"]) != uid {
		return forbidden("Only the creator of team %d can set its distribution options", teamID)
	}
	if !isMember(t, userID) {
		return validation(map[string]string{"user_id": fmt.Sprintf("is not a member of team %d (%d)", teamID, userID)})
	}
	for _, o := range e.st.all(tOptions) {
		if asInt(o["id"]) != asInt(m["id"]) && asInt(o["team_id"]) == teamID && asInt(o["user_id"]) == userID {
			return validation(map[string]string{"user_id": fmt.Sprintf("already has distribution options in team %d (id %d)", teamID, asInt(o["id"]))})
		}
	}
	return nil
}

// ---- tasks

func taskVisible(uid int64) func(row) bool {
	return func(r row) bool {
		return asInt(r["owner_user_id"]) == uid || asInt(r["assigned_user_id"]) == uid
	}
}
