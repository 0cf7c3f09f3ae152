package tiledesk

import "github.com/leadsync/leadsync/sinks"

// ObjectLead is the one object this sink writes.
const ObjectLead = "lead"

// Schema is Tiledesk's writable object, declared once from VENDORS.md
// section 2.3 and the PUT route of section 2.4.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor:  "tiledesk",
		Doc:     "Tiledesk Leads API (v3): leads of one project, found by email or external lead_id.",
		Objects: []sinks.Object{leadObject()},
	}
}

// postFields are the only fields Tiledesk's create route keeps; every
// other field is set by a PUT right after it.
var postFields = map[string]bool{"lead_id": true, "fullname": true, "email": true, "attributes": true}

func leadObject() sinks.Object {
	return sinks.Object{
		Name: ObjectLead,
		Doc: "A lead (contact) of the project. Found by email (the list's exact email filter) or by lead_id " +
			"(Tiledesk cannot filter by it: a find pages through every lead, so prefer the planner's prefetch). " +
			"Created with POST, then a PUT for the fields POST ignores; updated with a partial PUT; deleted softly " +
			"(status 1000). Soft-deleted leads are never found.",
		Fields: []sinks.Field{
			{Name: "lead_id", Type: sinks.ID, Doc: "external id, set on create only (Tiledesk ignores it on update); a UUID is generated when absent"},
			{Name: "fullname", Type: sinks.String, PII: true, Doc: "name and surname"},
			{Name: "email", Type: sinks.Email, PII: true, Doc: "stored as sent; found with an exact, case-sensitive filter"},
			{Name: "phone", Type: sinks.Phone, PII: true, Doc: "sent as E.164 (set by the PUT after create)"},
			{Name: "company", Type: sinks.String},
			{Name: "note", Type: sinks.String, Doc: "free text"},
			{Name: "streetAddress", Type: sinks.String, PII: true},
			{Name: "city", Type: sinks.String},
			{Name: "region", Type: sinks.String},
			{Name: "zipcode", Type: sinks.String},
			{Name: "country", Type: sinks.String},
			{Name: "tags", Type: sinks.Tags, Doc: "comma-separated; replaces the lead's tags (an empty value clears them)"},
			{Name: "attributes", Type: sinks.String, Doc: `custom attributes as a JSON object, e.g. {"source":"webform"}; replaces the whole object. Found leads report it as compact JSON with sorted keys`},
			{Name: "status", Type: sinks.Enum, Enum: []string{"100", "50", "1000"}, Doc: "100 normal (default), 50 temporary, 1000 deleted"},
		},
		Keys:      []string{"email", "lead_id"},
		CanFind:   true,
		CanUpdate: true,
	}
}
