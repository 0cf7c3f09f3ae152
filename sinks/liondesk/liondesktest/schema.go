package liondesktest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// kind is the JSON type of a stored field.
type kind int

const (
	kString kind = iota
	kInt
	kBool
	kEnum
	kTime  // ISO-8601 date-time, stored as 2006-01-02T15:04:05.000Z
	kClock // HH:MM:SS
	kFlex  // a string or a number, stored as sent (the docs' examples drift between the two)
	kIDs   // a list of ids (internal: team members)
)

// flag describes how a field behaves towards API callers.
type flag uint

const (
	fIn    flag = 1 << iota // writeable through the API
	fReq                    // required on create
	fNull                   // JSON null accepted
	fOut                    // part of the API's answer
	fQuery                  // may be filtered and sorted on in a find
	fIndex                  // kString: exact-match index (the dedup keys a sync finds by)
)

const (
	pub = fOut | fQuery               // documented, read-only
	rw  = fIn | fNull | fOut | fQuery // documented, writeable, optional
)

// field is one stored field of a table. Fields without fOut are internal:
// kept for the emulator's own rules (owners, links) and shown only by Dump.
type field struct {
	name  string
	kind  kind
	flags flag
	max   int      // kString: most characters, 0 = no limit
	enum  []string // kEnum
	min0  bool     // kInt: negative values refused
	def   any      // value on create when absent (nil = null)
}

func (f *field) has(fl flag) bool { return f.flags&fl != 0 }

// schema is a table: its stored fields in answer order and where its
// created ids start.
type schema struct {
	table  string
	start  int64
	fields []field
	byName map[string]*field
}

func newSchema(table string, start int64, fields ...field) *schema {
	s := &schema{table: table, start: start, fields: fields, byName: map[string]*field{}}
	for i := range s.fields {
		s.byName[s.fields[i].name] = &s.fields[i]
	}
	return s
}

func (s *schema) field(name string) *field { return s.byName[name] }

// Enumerations from VENDORS.md section 3.5.
var (
	actionTypes = []string{
		"Email Contact", "Call Contact", "Text Contact",
		"Agent Task - Email Reminder", "Agent Task - Call Reminder",
		"Agent Task - Text Reminder", "Agent Task - No Reminder",
	}
	timingTypes        = []string{"Delay by Day and Time", "Delay by Minutes", "Exact Date and Time", "Recurring"}
	claimedVia         = []string{"None", "Email", "Text", "Phone", "Assigned", "Auto"}
	distributionTarget = []string{"Myself", "Team Rollout"}
	teamSelection      = []string{"None", "Specific Team", "Zipcode"}
	orderMethods       = []string{"Rank", "Time"}
	taskStatuses       = []string{"complete", "incomplete", "deleted"}
	taskActionTypes    = []string{
		"None", "Email Contact", "Call Contact", "Text Contact",
		"Agent Task - Email Reminder", "Agent Task - Call Reminder",
		"Agent Task - Text Reminder", "Agent Task - No Reminder",
		"BombBomb Video Email", "Direct Mail: Letter", "Direct Mail: Postcard",
		"Agent Task - Direct Mail: Letter (Manual)", "Agent Task - Direct Mail: Postcard (Manual)",
	}
)

// Table names, as used by Dump and Seed.
const (
	tUsers          = "users"
	tLeadSources    = "lead_sources"
	tContactSources = "contact_sources"
	tTeams          = "teams"
	tCampaigns      = "campaigns"
	tActions        = "campaign_actions"
	tCampContacts   = "campaign_contacts"
	tComms          = "contact_communications"
	tContacts       = "contacts"
	tAddresses      = "addresses"
	tLeads          = "leads"
	tRoutes         = "lead_routes"
	tOptions        = "team_member_distribution_options"
	tOffers         = "lead_offers"
	tTasks          = "tasks"
)

// tableOrder is the order in which Seed loads tables (references first)
// and Dump lists them.
var tableOrder = []string{
	tUsers, tLeadSources, tContactSources, tTeams, tCampaigns, tActions,
	tContacts, tAddresses, tCampContacts, tComms, tTasks, tLeads, tRoutes,
	tOptions, tOffers,
}

var schemas = map[string]*schema{
	tUsers: newSchema(tUsers, 1001,
		field{name: "id", kind: kInt, flags: fOut},
		field{name: "first_name", kind: kString, flags: fOut},
		field{name: "last_name", kind: kString, flags: fOut},
		field{name: "email", kind: kString, flags: fOut},
		field{name: "timezone_offset", kind: kInt, flags: fOut, def: int64(0)},
		field{name: "created_at", kind: kTime, flags: fOut},
		field{name: "modified_at", kind: kTime, flags: fOut},
		field{name: "timezone", kind: kString, flags: fOut, def: "UTC"},
		field{name: "token", kind: kString},
	),
	tLeadSources: newSchema(tLeadSources, 101,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "name", kind: kString, flags: pub},
	),
	tContactSources: newSchema(tContactSources, 301,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "name", kind: kString, flags: fIn | fReq | pub, max: 200},
		field{name: "user_id", kind: kInt, flags: pub},
	),
	tTeams: newSchema(tTeams, 601,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "name", kind: kString, flags: fIn | fReq | pub, max: 255},
		field{name: "is_contact_resource_sharing_enabled", kind: kBool, flags: fIn | pub, def: false},
		field{name: "order_method", kind: kEnum, flags: fIn | pub, enum: orderMethods, def: "Rank"},
		field{name: "mins_until_next_alert", kind: kInt, flags: rw, min0: true, def: int64(0)},
		field{name: "distribution_zipcodes", kind: kString, flags: rw, max: 2000},
		field{name: "owner_user_id", kind: kInt},
		field{name: "member_ids", kind: kIDs},
	),
	tCampaigns: newSchema(tCampaigns, 20001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "name", kind: kString, flags: fIn | fReq | pub, max: 255},
		field{name: "created_at", kind: kTime, flags: pub},
		field{name: "modified_at", kind: kTime, flags: pub},
		field{name: "is_broker_sharing_on", kind: kBool, flags: fIn | pub, def: false},
		field{name: "is_default", kind: kBool, flags: pub, def: false},
		field{name: "is_shared_by_broker", kind: kBool, flags: pub, def: false},
		field{name: "owner_user_id", kind: kInt},
	),
	tActions: newSchema(tActions, 21001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "template_metadata_id", kind: kInt, flags: rw, min0: true},
		field{name: "delay_by_seconds", kind: kInt, flags: rw, min0: true},
		field{name: "timing_type", kind: kEnum, flags: fIn | fReq | pub, enum: timingTypes},
		field{name: "dispatch_time", kind: kClock, flags: rw},
		field{name: "dispatch_datetime", kind: kTime, flags: rw},
		field{name: "delay_by_days", kind: kInt, flags: rw, min0: true},
		field{name: "notes", kind: kString, flags: rw, def: ""},
		field{name: "assigned_user_id", kind: kInt, flags: rw, min0: true},
		field{name: "recurrence", kind: kString, flags: rw},
		field{name: "is_stopped_on_text_reply", kind: kBool, flags: fIn | pub, def: false},
		field{name: "type", kind: kEnum, flags: fIn | fReq | pub, enum: actionTypes},
		field{name: "campaign_id", kind: kInt},
	),
	tCampContacts: newSchema(tCampContacts, 22001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "campaign_id", kind: kInt, flags: pub},
		field{name: "contact_id", kind: kInt, flags: fIn | fReq | pub},
		field{name: "owner_user_id", kind: kInt},
	),
	tComms: newSchema(tComms, 23001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "campaign_name", kind: kString, flags: pub},
		field{name: "type", kind: kEnum, flags: pub, enum: actionTypes[:3]},
		field{name: "is_stopped_on_text_reply", kind: kBool, flags: pub, def: false},
		field{name: "template_subject", kind: kString, flags: pub},
		field{name: "template_name", kind: kString, flags: pub},
		field{name: "template_folder_name", kind: kString, flags: pub},
		field{name: "is_active", kind: kBool, flags: fIn | pub, def: true},
		field{name: "send_at", kind: kTime, flags: pub},
		field{name: "completed_at", kind: kTime, flags: pub},
		field{name: "send_from_user_id", kind: kInt, flags: pub},
		field{name: "completing_user_id", kind: kInt, flags: pub},
		field{name: "contact_id", kind: kInt},
		field{name: "campaign_id", kind: kInt},
		field{name: "campaign_contact_id", kind: kInt},
		field{name: "campaign_action_id", kind: kInt},
	),
	tContacts: newSchema(tContacts, 100001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "owner_user_id", kind: kInt, flags: pub},
		field{name: "assigned_user_id", kind: kInt, flags: rw, min0: true},
		field{name: "first_name", kind: kString, flags: rw, max: 255},
		field{name: "last_name", kind: kString, flags: rw, max: 255},
		field{name: "email", kind: kString, flags: rw | fIndex, max: 255},
		field{name: "mobile_phone", kind: kString, flags: rw | fIndex, max: 255},
		field{name: "home_phone", kind: kString, flags: rw | fIndex, max: 45},
		field{name: "office_phone", kind: kString, flags: rw | fIndex, max: 45},
		field{name: "fax", kind: kString, flags: rw, max: 45},
		field{name: "company", kind: kString, flags: rw, max: 45},
		field{name: "birthday", kind: kString, flags: rw, max: 45},
		field{name: "anniversary", kind: kString, flags: rw, max: 45},
		field{name: "spouse_name", kind: kString, flags: rw, max: 45},
		field{name: "spouse_email", kind: kString, flags: rw, max: 45},
		field{name: "spouse_phone", kind: kString, flags: rw},
		field{name: "spouse_birthday", kind: kString, flags: rw},
		field{name: "tags", kind: kString, flags: rw, max: 508},
		field{name: "hotness_id", kind: kInt, flags: rw, min0: true},
		field{name: "source_id", kind: kInt, flags: rw, min0: true},
		field{name: "created_at", kind: kTime, flags: rw},
		field{name: "modified_at", kind: kTime, flags: rw},
	),
	tAddresses: newSchema(tAddresses, 150001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "type", kind: kString, flags: rw, max: 45},
		field{name: "street_address_1", kind: kString, flags: rw, max: 255},
		field{name: "street_address_2", kind: kString, flags: rw, max: 255},
		field{name: "zip", kind: kFlex, flags: rw, max: 45},
		field{name: "city", kind: kString, flags: rw, max: 255},
		field{name: "state", kind: kString, flags: rw, max: 255},
		field{name: "contact_id", kind: kInt},
	),
	tLeads: newSchema(tLeads, 200001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "contact_id", kind: kInt, flags: fIn | fReq | pub},
		field{name: "source_id", kind: kInt, flags: rw, min0: true},
		field{name: "claimed_via", kind: kEnum, flags: rw, enum: claimedVia},
		field{name: "text_body", kind: kString, flags: rw},
		field{name: "html_body", kind: kString, flags: rw},
		field{name: "mls_id", kind: kFlex, flags: rw, max: 255},
		field{name: "listing_status", kind: kString, flags: rw, max: 255},
		field{name: "listing_price", kind: kFlex, flags: rw, max: 255},
		field{name: "street_address", kind: kString, flags: rw, max: 255},
		field{name: "address_1", kind: kString, flags: pub},
		field{name: "city", kind: kString, flags: rw, max: 255},
		field{name: "state", kind: kString, flags: rw, max: 255},
		field{name: "zipcode", kind: kFlex, flags: rw, max: 45},
		field{name: "type", kind: kString, flags: rw, max: 255},
		field{name: "distribution_target", kind: kEnum, flags: pub, enum: distributionTarget},
		field{name: "claimed_by_user_id", kind: kInt, flags: pub},
		field{name: "claimed_at", kind: kTime, flags: pub},
		field{name: "time_to_claim", kind: kInt, flags: pub},
		field{name: "owner_user_id", kind: kInt},
		field{name: "lead_route_id", kind: kInt},
	),
	tRoutes: newSchema(tRoutes, 25001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "distribution_target", kind: kEnum, flags: fIn | fReq | pub, enum: distributionTarget},
		field{name: "filter", kind: kString, flags: rw, max: 255},
		field{name: "team_selection_method", kind: kEnum, flags: rw, enum: teamSelection},
		field{name: "team_id", kind: kInt, flags: fIn | fNull | fQuery, min0: true},
		field{name: "campaign_id", kind: kInt, flags: fIn | fReq | fQuery, min0: true},
		field{name: "lead_source_id", kind: kInt, flags: fIn | fReq | fQuery, min0: true},
		field{name: "contact_source_id", kind: kInt, flags: fIn | fReq | fQuery, min0: true},
		field{name: "owner_user_id", kind: kInt},
	),
	tOptions: newSchema(tOptions, 26001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "team_id", kind: kInt, flags: fIn | fReq | pub},
		field{name: "user_id", kind: kInt, flags: fIn | fReq | pub},
		field{name: "rank", kind: kInt, flags: rw, min0: true},
		field{name: "mins_until_lead_offer", kind: kInt, flags: rw, min0: true},
		field{name: "assign_automatically", kind: kBool, flags: fIn | fReq | pub},
		field{name: "has_call_alert", kind: kBool, flags: fIn | pub, def: false},
		field{name: "has_text_alert", kind: kBool, flags: fIn | pub, def: false},
		field{name: "has_email_alert", kind: kBool, flags: fIn | pub, def: false},
	),
	tOffers: newSchema(tOffers, 250001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "rank", kind: kInt},
		field{name: "notify_at", kind: kTime},
		field{name: "status", kind: kString, def: "Pending"},
		field{name: "assign_automatically", kind: kBool, def: false},
		field{name: "has_call_alert", kind: kBool, def: false},
		field{name: "has_text_alert", kind: kBool, def: false},
		field{name: "has_email_alert", kind: kBool, def: false},
		field{name: "lead_id", kind: kInt},
		field{name: "team_id", kind: kInt},
		field{name: "user_id", kind: kInt},
	),
	tTasks: newSchema(tTasks, 24001,
		field{name: "id", kind: kInt, flags: pub},
		field{name: "owner_user_id", kind: kInt, flags: pub},
		field{name: "contact_id", kind: kInt, flags: rw, min0: true},
		field{name: "campaign_contact_id", kind: kInt, flags: pub},
		field{name: "reminder_type", kind: kEnum, flags: fIn | pub, enum: taskActionTypes},
		field{name: "action_type", kind: kEnum, flags: fIn | fReq | pub, enum: taskActionTypes},
		field{name: "status", kind: kEnum, flags: fIn | fReq | pub, enum: taskStatuses},
		field{name: "created_at", kind: kTime, flags: pub},
		field{name: "modified_at", kind: kTime, flags: pub},
		field{name: "due_at", kind: kTime, flags: rw},
		field{name: "completed_at", kind: kTime, flags: pub},
		field{name: "description", kind: kString, flags: fIn | fReq | pub, max: 2000},
		field{name: "is_all_day", kind: kBool, flags: fIn | pub, def: false},
		field{name: "is_important", kind: kBool, flags: fIn | pub, def: false},
		field{name: "due_end_at", kind: kTime, flags: rw},
		field{name: "notes", kind: kString, flags: rw, max: 2000},
		field{name: "is_public", kind: kBool, flags: fIn | pub, def: false},
		field{name: "assigned_user_id", kind: kInt, flags: rw, min0: true, def: int64(0)},
		field{name: "completing_user_id", kind: kInt, flags: pub, def: int64(0)},
		field{name: "category", kind: kString, flags: pub},
		field{name: "folder", kind: kString, flags: pub},
	),
}

// timeLayout is how LionDesk prints times: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// convert checks one JSON value (decoded with UseNumber) against the field
// and returns the value to store, or a problem phrased to follow the
// field name ("must be an integer").
func (f *field) convert(v any) (any, string) {
	if v == nil {
		if f.has(fNull) || !f.has(fIn) {
			return nil, ""
		}
		return nil, "must not be null"
	}
	switch f.kind {
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if f.max > 0 && utf8.RuneCountInString(s) > f.max {
			return nil, fmt.Sprintf("must be at most %d characters", f.max)
		}
		return s, ""
	case kInt:
		n, ok := v.(json.Number)
		if !ok {
			return nil, "must be an integer"
		}
		i, err := n.Int64()
		if err != nil {
			return nil, "must be an integer"
		}
		if f.min0 && i < 0 {
			return nil, "must not be negative"
		}
		return i, ""
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be a boolean"
		}
		return b, ""
	case kEnum:
		s, ok := v.(string)
		if !ok || !contains(f.enum, s) {
			return nil, "must be one of: " + strings.Join(f.enum, ", ")
		}
		return s, ""
	case kTime:
		s, ok := v.(string)
		if !ok {
			return nil, "must be an ISO-8601 date-time string"
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, "must be an ISO-8601 date-time such as 2025-07-08T11:11:11.000Z"
		}
		return formatTime(t), ""
	case kClock:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a time of day HH:MM:SS"
		}
		if _, err := time.Parse("15:04:05", s); err != nil || len(s) != 8 {
			return nil, "must be a time of day HH:MM:SS"
		}
		return s, ""
	case kFlex:
		switch x := v.(type) {
		case string:
			if f.max > 0 && utf8.RuneCountInString(x) > f.max {
				return nil, fmt.Sprintf("must be at most %d characters", f.max)
			}
			return x, ""
		case json.Number:
			return x, ""
		}
		return nil, "must be a string or a number"
	case kIDs:
		list, ok := v.([]any)
		if !ok {
			return nil, "must be a list of ids"
		}
		ids := make([]int64, 0, len(list))
		for _, x := range list {
			n, ok := x.(json.Number)
			if !ok {
				return nil, "must be a list of ids"
			}
			i, err := n.Int64()
			if err != nil {
				return nil, "must be a list of ids"
			}
			ids = append(ids, i)
		}
		return ids, ""
	}
	return nil, "has an unknown type"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// input checks a request body against the schema. Writeable fields are
// converted and returned; documented read-only fields are ignored, as a
// Feathers service that discards them would; anything else is refused.
// On create, required fields must be present (and non-empty strings).
func (s *schema) input(body map[string]any, create bool) (map[string]any, *apiError) {
	out := map[string]any{}
	errs := map[string]string{}
	for k, v := range body {
		f := s.field(k)
		if f == nil || (!f.has(fOut) && !f.has(fIn)) {
			errs[k] = "is not allowed"
			continue
		}
		if !f.has(fIn) {
			continue
		}
		cv, problem := f.convert(v)
		if problem != "" {
			errs[k] = problem
			continue
		}
		if f.has(fReq) && cv == "" {
			errs[k] = "must not be empty"
			continue
		}
		out[k] = cv
	}
	if create {
		for i := range s.fields {
			f := &s.fields[i]
			if !f.has(fReq) {
				continue
			}
			if _, ok := out[f.name]; !ok && errs[f.name] == "" {
				errs[f.name] = "is required"
			}
		}
	}
	if len(errs) > 0 {
		return nil, validation(errs)
	}
	return out, nil
}

// validation turns field problems into one BadRequest whose message lists
// them in field order and whose errors object maps field to message.
func validation(problems map[string]string) *apiError {
	names := make([]string, 0, len(problems))
	for k := range problems {
		names = append(names, k)
	}
	sort.Strings(names)
	errs := map[string]string{}
	msgs := make([]string, 0, len(names))
	for _, k := range names {
		m := k + " " + problems[k]
		errs[k] = m
		msgs = append(msgs, m)
	}
	msg := msgs[0]
	if len(msgs) > 1 {
		msg = "Invalid data: " + strings.Join(msgs, "; ")
	}
	return &apiError{status: 400, message: msg, errors: errs}
}
