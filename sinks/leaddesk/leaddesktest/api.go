package leaddesktest

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// apiPaths are the paths the emulator answers: the Original API's root and
// the connector's cosmetic per-operation paths. Among them the path is
// ignored; mod and cmd choose the command.
var apiPaths = set("/", "/agent_campaign_access", "/create_callback", "/create_contact",
	"/create_agent", "/find_contact", "/find_agent", "/modify_contact", "/modify_agent")

// command is one mod/cmd pair. run validates everything before it changes
// anything, so a refused request leaves no trace; it runs under e.mu and
// reports whether it wrote.
type command struct {
	op    string
	write bool
	run   func(st *state, req *request) (resp any, wrote bool, err *apiError)
}

var modules = map[string]map[string]command{
	"agent": {
		"modify_campaign_access": {OpCampaignAccess, true, campaignAccess},
		"create":                 {OpCreateAgent, true, createAgent},
		"find":                   {OpFindAgent, false, findAgent},
		"modify":                 {OpModifyAgent, true, modifyAgent},
	},
	"call": {
		"create_callback": {OpCreateCallback, true, createCallback},
	},
	"contact": {
		"add":    {OpCreateContact, true, createContact},
		"find":   {OpFindContact, false, findContact},
		"exists": {OpContactExists, false, contactExists},
		"modify": {OpModifyContact, true, modifyContact},
	},
}

func lookupCommand(p map[string]string) (command, *apiError) {
	cmds, ok := modules[p["mod"]]
	if !ok {
		return command{op: OpInvalid}, errInvalidModule
	}
	c, ok := cmds[p["cmd"]]
	if !ok {
		return command{op: OpInvalid}, errInvalidCommand
	}
	return c, nil
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	req := readRequest(r)
	cmd, cmdErr := lookupCommand(req.params)
	auth := req.params["auth"]
	meta := emulator.Meta{Op: cmd.op, Credential: auth, Write: cmd.write}
	e.Core().Serve(w, r, meta, func(w http.ResponseWriter) {
		switch {
		case !apiPaths[r.URL.Path]:
			writeText(w, http.StatusNotFound, "404 page not found")
			return
		case r.Method != http.MethodGet && r.Method != http.MethodPost:
			w.Header().Set("Allow", "GET, POST")
			writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		case req.tooLarge:
			writeText(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if !e.st.keys[auth] {
			writeText(w, http.StatusBadRequest, errAuthentication.Error())
			return
		}
		if cmdErr != nil {
			writeText(w, http.StatusBadRequest, cmdErr.Error())
			return
		}
		resp, wrote, err := cmd.run(e.st, req)
		if err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return
		}
		if wrote {
			emulator.MarkWrite(w)
		}
		emulator.WriteJSON(w, http.StatusOK, resp)
	})
}

type successResp struct {
	Success bool `json:"success"`
}

var success = successResp{Success: true}

// ---- agent / modify_campaign_access -------------------------------------

func campaignAccess(st *state, req *request) (any, bool, *apiError) {
	a := args(req.params)
	if err := a.only(set("agent_id", "campaign_id", "type")); err != nil {
		return nil, false, err
	}
	var vals [3]string
	for i, k := range []string{"agent_id", "campaign_id", "type"} {
		v, err := a.required(k)
		if err != nil {
			return nil, false, err
		}
		vals[i] = v
	}
	agentID, ok := parseID(vals[0])
	if !ok {
		return nil, false, errInvalid("agent_id")
	}
	campaignID, ok := parseID(vals[1])
	if !ok {
		return nil, false, errInvalid("campaign_id")
	}
	typ := vals[2]
	if typ != "add" && typ != "remove" {
		return nil, false, errInvalid("type")
	}
	agent := st.agents[agentID]
	if agent == nil {
		return nil, false, errNotFound("agent")
	}
	if _, ok := st.campaigns[campaignID]; !ok {
		return nil, false, errNotFound("campaign")
	}
	if typ == "add" {
		agent.Campaigns = sortedUnique(append(agent.Campaigns, campaignID))
	} else {
		agent.Campaigns = slices.DeleteFunc(agent.Campaigns, func(id int64) bool { return id == campaignID })
		if len(agent.Campaigns) == 0 {
			agent.Campaigns = nil
		}
	}
	return success, true, nil
}

// ---- contact / add, modify, find, exists --------------------------------

var (
	createContactParams = union(contactStringFields,
		set("return_value", "phone", "list", "companyid", "assign_to_agent", "order"))
	modifyContactParams = union(contactStringFields,
		set("contact_id", "phone", "companyid", "list", "order", "assign_to_agent"))
	findContactParams = set("fname", "lname", "phone", "contact_list_id")
)

func createContact(st *state, req *request) (any, bool, *apiError) {
	a := args(req.params)
	if err := a.only(createContactParams); err != nil {
		return nil, false, err
	}
	phone, err := a.required("phone")
	if err != nil {
		return nil, false, err
	}
	listRef, err := a.required("list")
	if err != nil {
		return nil, false, err
	}
	returnValue, _ := a.get("return_value")
	if _, ok := a["return_value"]; ok && returnValue != "0" && returnValue != "1" {
		return nil, false, errInvalid("return_value")
	}
	if !validPhone(phone) {
		return nil, false, errInvalid("phone")
	}
	var companyID int64
	if v := a["companyid"]; v != "" {
		id, ok := parseID(v)
		if !ok {
			return nil, false, errInvalid("companyid")
		}
		companyID = id
	}
	order := "last"
	if v, ok := a.get("order"); ok {
		if v != "first" && v != "last" {
			return nil, false, errInvalid("order")
		}
		order = v
	}

	list, ok := st.listByIDOrName(listRef)
	if !ok {
		return nil, false, errNotFound("list")
	}
	var agentID int64
	if v := a["assign_to_agent"]; v != "" {
		agent := st.agentByIDOrUsername(v)
		if agent == nil {
			return nil, false, errNotFound("agent")
		}
		agentID = agent.ID
	}
	if companyID != 0 {
		if _, ok := st.companies[companyID]; !ok {
			return nil, false, errNotFound("company")
		}
	}

	c := &Contact{ListID: list.ID, Phone: phone, CompanyID: companyID, AssignedAgentID: agentID,
		Position: st.position(order)}
	for k, v := range a {
		if contactStringFields[k] && v != "" {
			if c.Fields == nil {
				c.Fields = map[string]string{}
			}
			c.Fields[k] = v
		}
	}
	if err := st.addContact(c); err != nil {
		// Unreachable: every reference was checked above.
		return nil, false, &apiError{code: "ERR_UNDEFINED"}
	}
	if returnValue == "1" {
		return struct {
			Success   bool  `json:"success"`
			ContactID int64 `json:"contact_id"`
		}{true, c.ID}, true, nil
	}
	return success, true, nil
}

func modifyContact(st *state, req *request) (any, bool, *apiError) {
	a := args(req.params)
	if err := a.only(modifyContactParams); err != nil {
		return nil, false, err
	}
	idText, err := a.required("contact_id")
	if err != nil {
		return nil, false, err
	}
	id, ok := parseID(idText)
	if !ok {
		return nil, false, errInvalid("contact_id")
	}
	phone, hasPhone := a.get("phone")
	if hasPhone && !validPhone(phone) {
		return nil, false, errInvalid("phone")
	}
	companyText, hasCompany := a.get("companyid")
	var companyID int64
	if hasCompany && companyText != "" {
		if companyID, ok = parseID(companyText); !ok {
			return nil, false, errInvalid("companyid")
		}
	}
	listRef, hasList := a.get("list")
	if hasList && listRef == "" {
		return nil, false, errInvalid("list")
	}
	order, hasOrder := a.get("order")
	if hasOrder && order != "first" && order != "last" {
		return nil, false, errInvalid("order")
	}
	agentRef, hasAgent := a.get("assign_to_agent")

	c := st.contacts[id]
	if c == nil {
		return nil, false, errNotFound("contact")
	}
	listID := c.ListID
	if hasList {
		l, ok := st.listByIDOrName(listRef)
		if !ok {
			return nil, false, errNotFound("list")
		}
		listID = l.ID
	}
	agentID := c.AssignedAgentID
	if hasAgent {
		agentID = 0
		if agentRef != "" {
			agent := st.agentByIDOrUsername(agentRef)
			if agent == nil {
				return nil, false, errNotFound("agent")
			}
			agentID = agent.ID
		}
	}
	if companyID != 0 {
		if _, ok := st.companies[companyID]; !ok {
			return nil, false, errNotFound("company")
		}
	}

	if hasPhone {
		st.setPhone(c, phone)
	}
	if hasCompany {
		c.CompanyID = companyID
	}
	c.AssignedAgentID = agentID
	for k, v := range a {
		if !contactStringFields[k] {
			continue
		}
		if v == "" {
			delete(c.Fields, k)
			continue
		}
		if c.Fields == nil {
			c.Fields = map[string]string{}
		}
		c.Fields[k] = v
	}
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	moved := listID != c.ListID
	c.ListID = listID
	switch {
	case hasOrder:
		c.Position = st.position(order)
	case moved:
		c.Position = st.position("last")
	}
	return struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
	}{true, "Contact modified"}, true, nil
}

// matchContacts is the AND of find's filters, in ID order.
func matchContacts(st *state, req *request) ([]int64, *apiError) {
	a := args(req.params)
	if err := a.only(findContactParams); err != nil {
		return nil, err
	}
	fname, lname, phone := a["fname"], a["lname"], a["phone"]
	listText := a["contact_list_id"]
	if fname == "" && lname == "" && phone == "" && listText == "" {
		return nil, &apiError{code: "ERR_ARGUMENT_MISSING"}
	}
	var listID int64
	if listText != "" {
		id, ok := parseID(listText)
		if !ok {
			return nil, errInvalid("contact_list_id")
		}
		if _, ok := st.lists[id]; !ok {
			return nil, errNotFound("list")
		}
		listID = id
	}
	wantPhone := normalizePhone(phone)
	ids := []int64{}
	// A find by phone looks at the contacts of that phone only, through
	// the index; others filter every contact. The matches are sorted.
	match := func(id int64, c *Contact) {
		switch {
		case listID != 0 && c.ListID != listID:
		case fname != "" && !strings.EqualFold(c.Fields["fname"], fname):
		case lname != "" && !strings.EqualFold(c.Fields["lname"], lname):
		case phone != "" && normalizePhone(c.Phone) != wantPhone:
		default:
			ids = append(ids, id)
		}
	}
	if phone != "" {
		for _, id := range st.phoneIndex()[wantPhone] {
			match(id, st.contacts[id])
		}
	} else {
		for id, c := range st.contacts {
			match(id, c)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func findContact(st *state, req *request) (any, bool, *apiError) {
	ids, err := matchContacts(st, req)
	if err != nil {
		return nil, false, err
	}
	return struct {
		Success    bool    `json:"success"`
		TotalCount int     `json:"total_count"`
		ContactIDs []int64 `json:"contact_ids"`
	}{true, len(ids), ids}, false, nil
}

func contactExists(st *state, req *request) (any, bool, *apiError) {
	ids, err := matchContacts(st, req)
	if err != nil {
		return nil, false, err
	}
	return struct {
		Success bool `json:"success"`
		Match   bool `json:"match"`
	}{true, len(ids) > 0}, false, nil
}

// ---- agent / find, create, modify ----------------------------------------

func findAgent(st *state, req *request) (any, bool, *apiError) {
	a := args(req.params)
	if err := a.only(set("username")); err != nil {
		return nil, false, err
	}
	username, err := a.required("username")
	if err != nil {
		return nil, false, err
	}
	agent := st.agentByUsername(username)
	if agent == nil {
		return nil, false, errNotFound("agent")
	}
	return struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}{agent.ID, agent.Name}, false, nil
}

var (
	accountKeys = set("username", "password", "level", "inbound_number", "lang", "time_zone",
		"voip_username", "external_id", "force_ipaddr")
	contactInfoKeys = set("name", "email", "phone", "workphone", "address", "city", "country",
		"postal", "e_contacts")
	employmentKeys = set("agent_group_id", "employment", "employment_start", "office", "bank_acc",
		"description", "ssn", "workshift")
)

func agentStrings(a *Agent) map[string]*string {
	return map[string]*string{
		"username": &a.Username, "password": &a.Password, "level": &a.Level,
		"inbound_number": &a.InboundNumber, "time_zone": &a.TimeZone,
		"voip_username": &a.VoipUsername, "external_id": &a.ExternalID,
		"name": &a.Name, "email": &a.Email, "phone": &a.Phone, "workphone": &a.Workphone,
		"address": &a.Address, "city": &a.City, "country": &a.Country, "postal": &a.Postal,
		"e_contacts": &a.EContacts,
		"employment": &a.Employment, "employment_start": &a.EmploymentStart, "office": &a.Office,
		"bank_acc": &a.BankAcc, "description": &a.Description, "ssn": &a.SSN, "workshift": &a.Workshift,
	}
}

// applyAgentSection checks one of account / contact_information /
// employment and writes it into a. Only the keys sent are checked, so a
// modify never fails on a field it does not touch. With create, an empty
// required value is missing, and employment fields cannot be cleared.
func applyAgentSection(a *Agent, o object, keys map[string]bool, create bool) *apiError {
	if err := o.only(keys); err != nil {
		return err
	}
	fields := agentStrings(a)
	for _, k := range sortedNames(keys) {
		switch k {
		case "lang":
			n, ok, err := o.integer(k, true)
			if err != nil {
				return err
			}
			if ok {
				if !validLangs[n] {
					return errInvalid(k)
				}
				a.Lang = n
			}
			continue
		case "agent_group_id":
			n, ok, err := o.integer(k, false)
			if err != nil {
				return err
			}
			if ok {
				a.AgentGroupID = n
			}
			continue
		case "force_ipaddr":
			b, ok, err := o.boolean(k)
			if err != nil {
				return err
			}
			if ok {
				a.ForceIPAddr = b
			}
			continue
		}
		v, ok, err := o.str(k)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := checkAgentString(k, v, create); err != nil {
			return err
		}
		*fields[k] = v
	}
	return nil
}

// checkAgentString enforces the documented limits of one agent field.
func checkAgentString(k, v string, create bool) *apiError {
	if create && v == "" && requiredAgentFields[k] {
		return errMissing(k)
	}
	n := utf8.RuneCountInString(v)
	switch k {
	case "username":
		if n < 2 || n > 64 {
			return errInvalid(k)
		}
	case "password":
		if n < 6 || n > 64 {
			return errInvalid(k)
		}
	case "level":
		if v != "agent" {
			return errInvalid(k)
		}
	case "name":
		if n < 1 || n > 40 {
			return errInvalid(k)
		}
	case "time_zone":
		if v == "" {
			return errInvalid(k)
		}
	case "employment":
		if v != "active" && v != "inactive" && (create || v != "") {
			return errInvalid(k)
		}
	case "employment_start":
		if !validDate(v) && (create || v != "") {
			return errInvalid(k)
		}
	}
	return nil
}

var requiredAgentFields = set("username", "password", "level", "name")

// checkAgentRefs is the lookup step: a unique username, an existing group.
func checkAgentRefs(st *state, a *Agent) *apiError {
	if other := st.agentByUsername(a.Username); other != nil && other.ID != a.ID {
		return errInvalid("username")
	}
	if a.AgentGroupID != 0 {
		if _, ok := st.groups[a.AgentGroupID]; !ok {
			return errNotFound("agent_group")
		}
	}
	return nil
}

func createAgent(st *state, req *request) (any, bool, *apiError) {
	body, err := parseBody(req.body)
	if err != nil {
		return nil, false, err
	}
	if err := args(req.params).only(nil); err != nil {
		return nil, false, err
	}
	if err := body.only(set("account", "contact_information", "employment", "custom_fields")); err != nil {
		return nil, false, err
	}
	agent := &Agent{Lang: 1, TimeZone: defaultTimeZone, Employment: "active"}
	sections := []struct {
		key  string
		keys map[string]bool
		req  bool
	}{{"account", accountKeys, true}, {"contact_information", contactInfoKeys, true}, {"employment", employmentKeys, false}}
	for _, s := range sections {
		o, ok, err := body.object(s.key)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			if s.req {
				return nil, false, errMissing(s.key)
			}
			continue
		}
		if err := applyAgentSection(agent, o, s.keys, true); err != nil {
			return nil, false, err
		}
	}
	if cf, ok, err := body.object("custom_fields"); err != nil {
		return nil, false, err
	} else if ok {
		agent.CustomFields = map[string]string{}
		for k := range cf {
			v, _, err := cf.str(k)
			if err != nil {
				return nil, false, errInvalid("custom_fields")
			}
			agent.CustomFields[k] = v
		}
	}
	for _, k := range []string{"username", "password", "level", "name"} {
		if *agentStrings(agent)[k] == "" {
			return nil, false, errMissing(k)
		}
	}
	if err := checkAgentRefs(st, agent); err != nil {
		return nil, false, err
	}
	if err := st.addAgent(agent); err != nil {
		return nil, false, &apiError{code: "ERR_UNDEFINED"}
	}
	return struct {
		Success bool  `json:"success"`
		ID      int64 `json:"id"`
	}{true, agent.ID}, true, nil
}

func modifyAgent(st *state, req *request) (any, bool, *apiError) {
	body, err := parseBody(req.body)
	if err != nil {
		return nil, false, err
	}
	if err := args(req.params).only(nil); err != nil {
		return nil, false, err
	}
	if err := body.only(set("id", "disable", "account", "contact_information", "employment")); err != nil {
		return nil, false, err
	}
	id, ok, err := body.integer("id", false)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errMissing("id")
	}
	disable, hasDisable, err := body.boolean("disable")
	if err != nil {
		return nil, false, err
	}
	// Validate into a copy (of a blank agent when the ID is unknown, so that
	// argument errors still come before the lookup error).
	existing := st.agents[id]
	target := &Agent{ID: id}
	if existing != nil {
		target = cloneAgent(existing)
	}
	for _, s := range []struct {
		key  string
		keys map[string]bool
	}{{"account", accountKeys}, {"contact_information", contactInfoKeys}, {"employment", employmentKeys}} {
		o, ok, err := body.object(s.key)
		if err != nil {
			return nil, false, err
		}
		if ok {
			if err := applyAgentSection(target, o, s.keys, false); err != nil {
				return nil, false, err
			}
		}
	}
	if existing == nil {
		return nil, false, errNotFound("agent")
	}
	if err := checkAgentRefs(st, target); err != nil {
		return nil, false, err
	}
	if hasDisable {
		target.Disabled = disable
	}
	st.agents[id] = target
	return success, true, nil
}

// ---- call / create_callback ----------------------------------------------

var (
	callbackPropertyKeys = set("agent", "campaign", "phone", "timestamp", "type", "agent_group", "comment")
	callbackContactText  = set(append([]string{"fname", "lname", "address", "city", "postcode", "country"},
		otherFields()...)...)
	callbackContactKeys = union(callbackContactText, set("contactid", "companyid", "contact_list"))
)

func createCallback(st *state, req *request) (any, bool, *apiError) {
	body, err := parseBody(req.body)
	if err != nil {
		return nil, false, err
	}
	if err := args(req.params).only(nil); err != nil {
		return nil, false, err
	}
	if err := body.only(set("return_callback_id", "properties", "contact")); err != nil {
		return nil, false, err
	}
	returnID, ok, err := body.boolean("return_callback_id")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errMissing("return_callback_id")
	}
	props, ok, err := body.object("properties")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errMissing("properties")
	}
	if err := props.only(callbackPropertyKeys); err != nil {
		return nil, false, err
	}
	p := map[string]string{}
	if err := props.strings(callbackPropertyKeys, p); err != nil {
		return nil, false, err
	}
	for _, k := range []string{"agent", "campaign", "phone", "timestamp", "type"} {
		if p[k] == "" {
			return nil, false, errMissing(k)
		}
	}
	if !validPhone(p["phone"]) {
		return nil, false, errInvalid("phone")
	}
	if !validTimestamp(p["timestamp"]) {
		return nil, false, errInvalid("timestamp")
	}
	if p["type"] != "private" && p["type"] != "public" {
		return nil, false, errInvalid("type")
	}

	var (
		contactID int64
		inline    = map[string]string{}
		listName  string
		companyID int64
	)
	contactObject, hasContact, err := body.object("contact")
	if err != nil {
		return nil, false, err
	}
	if hasContact {
		if err := contactObject.only(callbackContactKeys); err != nil {
			return nil, false, err
		}
		ref, _, err := contactObject.str("contactid")
		if err != nil {
			return nil, false, err
		}
		if ref != "" {
			if contactID, ok = parseID(ref); !ok {
				return nil, false, errInvalid("contactid")
			}
		} else {
			if err := contactObject.strings(callbackContactText, inline); err != nil {
				return nil, false, err
			}
			if listName, _, err = contactObject.str("contact_list"); err != nil {
				return nil, false, err
			}
			if companyID, _, err = contactObject.integer("companyid", true); err != nil {
				return nil, false, err
			}
		}
	}

	agent := st.agentByUsername(p["agent"])
	if agent == nil {
		return nil, false, errNotFound("agent")
	}
	campaign, ok := st.campaignByName(p["campaign"])
	if !ok {
		return nil, false, errNotFound("campaign")
	}
	var groupID int64
	if name := p["agent_group"]; name != "" {
		g, ok := st.groupByName(name)
		if !ok {
			return nil, false, errNotFound("agent_group")
		}
		groupID = g.ID
	}
	var listID int64
	switch {
	case contactID != 0:
		if st.contacts[contactID] == nil {
			return nil, false, errNotFound("contact")
		}
	default:
		if listName != "" {
			l, ok := st.listByName(listName)
			if !ok {
				return nil, false, errNotFound("list")
			}
			listID = l.ID
		}
		if companyID != 0 {
			if _, ok := st.companies[companyID]; !ok {
				return nil, false, errNotFound("company")
			}
		}
	}
	for k, v := range inline {
		if v == "" {
			delete(inline, k)
		}
	}
	if len(inline) == 0 {
		inline = nil
	}
	cb := &Callback{AgentID: agent.ID, CampaignID: campaign.ID, AgentGroupID: groupID, Type: p["type"],
		Timestamp: p["timestamp"], Phone: p["phone"], Comment: p["comment"], ContactID: contactID,
		Contact: inline, ContactListID: listID, CompanyID: companyID}
	if err := st.addCallback(cb); err != nil {
		return nil, false, &apiError{code: "ERR_UNDEFINED"}
	}
	if !returnID {
		return success, true, nil
	}
	return struct {
		Success    bool  `json:"success"`
		CallbackID int64 `json:"callback_id"`
	}{true, cb.ID}, true, nil
}
