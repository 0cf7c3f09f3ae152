package liondesktest

// Every resource's reads and writes have one shape: read the body against
// the table's schema (400), find the record the path names (404), apply
// the resource's own rules (403, 400), store, and answer the record as
// the API renders it. A resource states only its rules, as hooks; the
// handlers below run the shape. Checks keep the order of the comment at
// the top of handlers.go.

// resource is one table's rules around the shared shape.
type resource struct {
	table string
	// locate finds the record a by-id path names; nil: the path's id
	// among the rows the caller may see (Emulator.visibility).
	locate func(c *call) (row, *apiError)
	// body rewrites the raw body before the schema reads it (aliases).
	body func(c *call) *apiError
	// create applies the rules to a create's checked values and returns
	// the row to insert; nil inserts them as given.
	create func(c *call, vals map[string]any) (map[string]any, *apiError)
	// patch applies the rules to a patch's checked values and the found
	// record, and returns the changes to store; nil stores them as given.
	patch func(c *call, r row, vals map[string]any) (map[string]any, *apiError)
}

func (e *Emulator) locate(c *call, res resource) (row, *apiError) {
	if res.locate != nil {
		return res.locate(c)
	}
	return c.lookup(res.table, 0, e.visibility(res.table, c.uid))
}

// finder answers a paginated find of a table's visible rows.
func (e *Emulator) finder(table string) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		var render func(row, findQuery) any
		if table == tRoutes {
			render = func(r row, _ findQuery) any { return e.presentRoute(r) }
		}
		return c.find(table, e.visibility(table, c.uid), render)
	}
}

// childFinder answers a find of the rows of child whose fk is the path's
// parent record (which the caller must see).
func (e *Emulator) childFinder(parent, child, fk string, render func(row, findQuery) any, loads ...string) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		p, aerr := c.lookup(parent, 0, e.visibility(parent, c.uid))
		if aerr != nil {
			return 0, nil, aerr
		}
		return c.find(child, func(r row) bool { return asInt(r[fk]) == asInt(p["id"]) }, render, loads...)
	}
}

// child locates the path's second id among the rows of child whose fk is
// the path's first id, a parent record the caller sees.
func (e *Emulator) child(parent, child, fk string) func(c *call) (row, *apiError) {
	return func(c *call) (row, *apiError) {
		p, aerr := c.lookup(parent, 0, e.visibility(parent, c.uid))
		if aerr != nil {
			return nil, aerr
		}
		return c.lookup(child, 1, func(r row) bool { return asInt(r[fk]) == asInt(p["id"]) })
	}
}

// getter answers a get of the record the path names.
func (e *Emulator) getter(res resource) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		r, aerr := e.locate(c, res)
		if aerr != nil {
			return 0, nil, aerr
		}
		return 200, e.render(res.table, r), nil
	}
}

// creator answers a create: 201 and the stored record.
func (e *Emulator) creator(res resource) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		if res.body != nil {
			if aerr := res.body(c); aerr != nil {
				return 0, nil, aerr
			}
		}
		vals, aerr := c.input(res.table, true)
		if aerr != nil {
			return 0, nil, aerr
		}
		if res.create != nil {
			if vals, aerr = res.create(c, vals); aerr != nil {
				return 0, nil, aerr
			}
		}
		r := e.st.insert(res.table, vals)
		c.wrote = true
		return 201, e.render(res.table, r), nil
	}
}

// patcher answers a patch: 200 and the changed record.
func (e *Emulator) patcher(res resource) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		vals, aerr := c.input(res.table, false)
		if aerr != nil {
			return 0, nil, aerr
		}
		r, aerr := e.locate(c, res)
		if aerr != nil {
			return 0, nil, aerr
		}
		if res.patch != nil {
			if vals, aerr = res.patch(c, r, vals); aerr != nil {
				return 0, nil, aerr
			}
		}
		e.st.update(res.table, r, vals)
		c.wrote = true
		return 200, e.render(res.table, r), nil
	}
}

// remover answers a remove: 200 and the record as it was.
func (e *Emulator) remover(res resource) handlerFunc {
	return func(c *call) (int, any, *apiError) {
		r, aerr := e.locate(c, res)
		if aerr != nil {
			return 0, nil, aerr
		}
		out := e.render(res.table, r)
		e.st.remove(res.table, asInt(r["id"]))
		c.wrote = true
		return 200, out, nil
	}
}

// resources are the rules of every table the API writes, by table.
func (e *Emulator) resources() map[string]resource {
	all := []resource{
		{table: tLeadSources},
		{table: tContactSources, create: func(c *call, vals map[string]any) (map[string]any, *apiError) {
			vals["user_id"] = c.uid
			return vals, nil
		}},
		{table: tCampaigns, create: e.newCampaign, patch: e.changeCampaign},
		{table: tActions, body: actionAliases, create: e.newAction},
		{table: tComms, locate: e.child(tContacts, tComms, "contact_id")},
		{table: tContacts, create: e.newContact, patch: e.changeContact},
		{table: tAddresses, locate: e.child(tContacts, tAddresses, "contact_id"), create: e.newAddress},
		{table: tLeads, create: e.newLead},
		{table: tRoutes, create: e.newRoute, patch: e.changeRoute},
		{table: tTeams, create: e.newTeam, patch: e.changeTeam},
		{table: tOptions, create: e.newOption, patch: e.changeOption},
		{table: tTasks, body: taskAliases, create: e.newTask},
	}
	m := make(map[string]resource, len(all))
	for _, r := range all {
		m[r.table] = r
	}
	return m
}

// ---- campaigns

func (e *Emulator) newCampaign(c *call, vals map[string]any) (map[string]any, *apiError) {
	if e.campaignNameTaken(c.uid, vals["name"].(string), 0) {
		return nil, duplicateCampaign(vals["name"].(string))
	}
	now := c.now()
	vals["created_at"], vals["modified_at"], vals["owner_user_id"] = now, now, c.uid
	return vals, nil
}

func (e *Emulator) changeCampaign(c *call, r row, vals map[string]any) (map[string]any, *apiError) {
	if asInt(r["owner_user_id"]) != c.uid {
		return nil, forbidden("You may only change your own campaigns")
	}
	if name, ok := vals["name"].(string); ok && e.campaignNameTaken(c.uid, name, asInt(r["id"])) {
		return nil, duplicateCampaign(name)
	}
	vals["modified_at"] = c.now()
	return vals, nil
}

// actionAliases: the field table says template_id, the examples
// template_metadata_id: accept either (not both, unless equal).
func actionAliases(c *call) *apiError {
	if tid, ok := c.body["template_id"]; ok {
		if tm, both := c.body["template_metadata_id"]; both && stringOf(tm) != stringOf(tid) {
			return validation(map[string]string{"template_id": "must equal template_metadata_id when both are given"})
		}
		c.body["template_metadata_id"] = tid
		delete(c.body, "template_id")
	}
	return nil
}

func (e *Emulator) newAction(c *call, vals map[string]any) (map[string]any, *apiError) {
	if aerr := checkAction(vals); aerr != nil {
		return nil, aerr
	}
	camp, aerr := c.lookup(tCampaigns, 0, campaignVisible(c.uid))
	if aerr != nil {
		return nil, aerr
	}
	if asInt(camp["owner_user_id"]) != c.uid {
		return nil, forbidden("You may only add actions to your own campaigns")
	}
	if a := asInt(vals["assigned_user_id"]); a != 0 && e.st.get(tUsers, a) == nil {
		return nil, badReference("assigned_user_id", a)
	}
	vals["campaign_id"] = camp["id"]
	return vals, nil
}

// ---- contacts, addresses

func (e *Emulator) newContact(c *call, vals map[string]any) (map[string]any, *apiError) {
	if aerr := e.checkContactRefs(c.uid, vals); aerr != nil {
		return nil, aerr
	}
	now := c.now()
	for _, k := range []string{"created_at", "modified_at"} {
		if vals[k] == nil {
			vals[k] = now
		}
	}
	vals["owner_user_id"] = c.uid
	return vals, nil
}

func (e *Emulator) changeContact(c *call, _ row, vals map[string]any) (map[string]any, *apiError) {
	if aerr := e.checkContactRefs(c.uid, vals); aerr != nil {
		return nil, aerr
	}
	if vals["modified_at"] == nil {
		vals["modified_at"] = c.now()
	}
	return vals, nil
}

func (e *Emulator) newAddress(c *call, vals map[string]any) (map[string]any, *apiError) {
	ct, aerr := c.lookup(tContacts, 0, e.contactVisible(c.uid))
	if aerr != nil {
		return nil, aerr
	}
	vals["contact_id"] = ct["id"]
	return vals, nil
}

// ---- leads

func (e *Emulator) newLead(c *call, vals map[string]any) (map[string]any, *apiError) {
	contactID := asInt(vals["contact_id"])
	ct := e.st.get(tContacts, contactID)
	if ct == nil || !e.contactVisible(c.uid)(ct) {
		return nil, badReference("contact_id", contactID)
	}
	if v, ok := vals["source_id"]; ok {
		if asInt(v) == 0 {
			vals["source_id"] = nil
		} else if e.st.get(tLeadSources, asInt(v)) == nil {
			return nil, badReference("source_id", asInt(v))
		}
	}
	vals["address_1"] = vals["street_address"]
	vals["owner_user_id"] = c.uid
	leadType, _ := vals["type"].(string)
	if rt := e.matchRoute(c.uid, asInt(vals["source_id"]), asInt(ct["source_id"]), leadType); rt != nil {
		vals["lead_route_id"] = rt["id"]
		vals["distribution_target"] = rt["distribution_target"]
		if rt["distribution_target"] == "Myself" {
			vals["claimed_by_user_id"] = c.uid
			vals["claimed_at"] = c.now()
			vals["time_to_claim"] = int64(0)
			if vals["claimed_via"] == nil {
				vals["claimed_via"] = "Auto"
			}
		}
	}
	if vals["claimed_via"] == nil {
		vals["claimed_via"] = "None"
	}
	return vals, nil
}

// ---- lead routes

func (e *Emulator) newRoute(c *call, vals map[string]any) (map[string]any, *apiError) {
	if aerr := e.checkRoute(c.uid, vals); aerr != nil {
		return nil, aerr
	}
	vals["owner_user_id"] = c.uid
	return vals, nil
}

func (e *Emulator) changeRoute(c *call, r row, vals map[string]any) (map[string]any, *apiError) {
	m := merged(r, vals)
	if aerr := e.checkRoute(c.uid, m); aerr != nil {
		return nil, aerr
	}
	return m, nil
}

// ---- teams

func (e *Emulator) newTeam(c *call, vals map[string]any) (map[string]any, *apiError) {
	m := row{"order_method": "Rank", "mins_until_next_alert": int64(0)}
	for k, v := range vals {
		m[k] = v
	}
	if m["order_method"] == "Time" {
		m["mins_until_next_alert"] = int64(0)
	}
	if aerr := e.checkZips(c.uid, m); aerr != nil {
		return nil, aerr
	}
	m["owner_user_id"] = c.uid
	m["member_ids"] = []int64{c.uid}
	return m, nil
}

func (e *Emulator) changeTeam(c *call, r row, vals map[string]any) (map[string]any, *apiError) {
	if asInt(r["owner_user_id"]) != c.uid {
		return nil, forbidden("Only the team's creator can change its settings")
	}
	m := merged(r, vals)
	if m["order_method"] == "Time" {
		m["mins_until_next_alert"] = int64(0)
	}
	if aerr := e.checkZips(c.uid, m); aerr != nil {
		return nil, aerr
	}
	if vals["order_method"] == "Rank" {
		for _, o := range e.st.where(tOptions, func(o row) bool { return asInt(o["team_id"]) == asInt(r["id"]) }) {
			e.st.update(tOptions, o, map[string]any{"mins_until_lead_offer": int64(0)})
		}
	}
	return m, nil
}

// ---- team member distribution options

func (e *Emulator) newOption(c *call, vals map[string]any) (map[string]any, *apiError) {
	if aerr := e.checkOption(c.uid, vals); aerr != nil {
		return nil, aerr
	}
	return vals, nil
}

func (e *Emulator) changeOption(c *call, r row, vals map[string]any) (map[string]any, *apiError) {
	m := merged(r, vals)
	if aerr := e.checkOption(c.uid, m); aerr != nil {
		return nil, aerr
	}
	return m, nil
}

// ---- tasks

// taskAliases: reminder_type is an alias of action_type.
func taskAliases(c *call) *apiError {
	if rt, ok := c.body["reminder_type"]; ok {
		if at, both := c.body["action_type"]; both && stringOf(at) != stringOf(rt) {
			return validation(map[string]string{"reminder_type": "must equal action_type when both are given"})
		}
		c.body["action_type"] = rt
	}
	return nil
}

func (e *Emulator) newTask(c *call, vals map[string]any) (map[string]any, *apiError) {
	vals["reminder_type"] = vals["action_type"]
	if v := asInt(vals["contact_id"]); v != 0 {
		if ct := e.st.get(tContacts, v); ct == nil || !e.contactVisible(c.uid)(ct) {
			return nil, badReference("contact_id", v)
		}
	} else {
		vals["contact_id"] = nil
	}
	if aerr := e.checkAssignee(c.uid, vals); aerr != nil {
		return nil, aerr
	}
	if vals["assigned_user_id"] == nil {
		vals["assigned_user_id"] = int64(0)
	}
	now := c.now()
	vals["owner_user_id"], vals["created_at"], vals["modified_at"] = c.uid, now, now
	if vals["status"] == "complete" {
		vals["completed_at"], vals["completing_user_id"] = now, c.uid
	}
	return vals, nil
}
