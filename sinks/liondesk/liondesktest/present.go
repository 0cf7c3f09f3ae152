package liondesktest

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// object is a JSON object that keeps its keys in the order given, so
// answers read like the docs' examples.
type object []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the pairs in order, without HTML escaping.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeTo(&buf, p.k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encodeTo(&buf, p.v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func encodeTo(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}

// page is the Feathers paginated envelope.
type page struct {
	Total int   `json:"total"`
	Limit int   `json:"limit"`
	Skip  int   `json:"skip"`
	Data  []any `json:"data"`
}

// present is a record as the API shows it: the documented fields, in order.
func present(name string, r row) object {
	s := schemas[name]
	o := make(object, 0, len(s.fields))
	for _, f := range s.fields {
		if f.has(fOut) {
			o = append(o, kv{f.name, r[f.name]})
		}
	}
	return o
}

// presentAction adds the template relation: null unless ?$load=template
// and the action has a template.
func presentAction(r row, load string) object {
	o := present(tActions, r)
	var tmpl any
	if id := asInt(r["template_metadata_id"]); load == "template" && id > 0 {
		tmpl = object{
			{"template_metadata_id", id},
			{"id", id},
			{"description", "Template " + strconv.FormatInt(id, 10)},
			{"subject", "Template " + strconv.FormatInt(id, 10)},
		}
	}
	out := make(object, 0, len(o)+1)
	for _, p := range o {
		out = append(out, p)
		if p.k == "template_metadata_id" {
			out = append(out, kv{"template", tmpl})
		}
	}
	return out
}

// orderMethodNumber is the lead-route rendering of a team's order method
// (quirk 3: "Rank" in /teams, 1 inside a lead route).
func orderMethodNumber(m any) any {
	switch m {
	case "Rank":
		return int64(1)
	case "Time":
		return int64(2)
	}
	return nil
}

func boolInt(v any) int64 {
	if b, _ := v.(bool); b {
		return 1
	}
	return 0
}

// presentRoute embeds the team, campaign and sources as the docs show.
func (e *Emulator) presentRoute(r row) object {
	var team any
	if t := e.st.get(tTeams, asInt(r["team_id"])); t != nil {
		team = object{
			{"id", t["id"]},
			{"name", t["name"]},
			{"is_sharing_contacts", boolInt(t["is_contact_resource_sharing_enabled"])},
			{"order_method", orderMethodNumber(t["order_method"])},
			{"mins_until_next_alert", t["mins_until_next_alert"]},
			{"distribution_zipcodes", t["distribution_zipcodes"]},
		}
	}
	ref := func(name string, id any) any {
		if x := e.st.get(name, asInt(id)); x != nil {
			return object{{"id", x["id"]}, {"name", x["name"]}}
		}
		return nil
	}
	return object{
		{"id", r["id"]},
		{"distribution_target", r["distribution_target"]},
		{"filter", r["filter"]},
		{"team_selection_method", r["team_selection_method"]},
		{"team", team},
		{"campaign", ref(tCampaigns, r["campaign_id"])},
		{"lead_source", ref(tLeadSources, r["lead_source_id"])},
		{"contact_source", ref(tContactSources, r["contact_source_id"])},
	}
}

// presentOffer renders an offer with the doc example's strings for
// numbers and booleans (quirk 3).
func (e *Emulator) presentOffer(r row) object {
	team := e.st.get(tTeams, asInt(r["team_id"]))
	lead := e.st.get(tLeads, asInt(r["lead_id"]))
	user := e.st.get(tUsers, asInt(r["user_id"]))
	var teamObj, leadObj, userObj any
	if team != nil {
		teamObj = object{{"id", team["id"]}, {"name", team["name"]}}
	}
	if lead != nil {
		var contact any
		if ct := e.st.get(tContacts, asInt(lead["contact_id"])); ct != nil {
			contact = object{{"id", ct["id"]}, {"first_name", ct["first_name"]}, {"last_name", ct["last_name"]}}
		}
		leadObj = object{{"id", lead["id"]}, {"distribution_target", lead["distribution_target"]}, {"contact", contact}}
	}
	if user != nil {
		userObj = object{{"id", user["id"]}, {"first_name", user["first_name"]}, {"last_name", user["last_name"]}, {"email", user["email"]}}
	}
	var rank any
	if r["rank"] != nil {
		rank = stringOf(r["rank"])
	}
	return object{
		{"id", r["id"]},
		{"rank", rank},
		{"notify_at", r["notify_at"]},
		{"status", r["status"]},
		{"assign_automatically", boolString(r["assign_automatically"])},
		{"has_call_alert", boolString(r["has_call_alert"])},
		{"has_text_alert", boolString(r["has_text_alert"])},
		{"has_email_alert", boolString(r["has_email_alert"])},
		{"team", teamObj},
		{"lead", leadObj},
		{"user", userObj},
	}
}
