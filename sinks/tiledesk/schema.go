package tiledesk

import "github.com/leadsync/leadsync/sinks"

// ObjectLead is the one object this sink writes.
const ObjectLead = "lead"

// Schema is Tiledesk's writable object, declared once from VENDORS.md
// section 2.3 and the PUT route of section 2.4.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor:  "tiledesk",
		Doc:     "Tiledesk Leads API (v3): leads of one project, found by email, phone or external lead_id.",
		Objects: []sinks.Object{leadObject()},
	}
}

func leadObject() sinks.Object {
	return sinks.Object{
		Name: ObjectLead,
		Doc: "A lead (contact) of the project. Found by email (the list's exact email filter), or by phone or lead_id " +
			"(Tiledesk filters by neither: a find reads the leads newest first and compares, so prefer the planner's prefetch). " +
			"Created with one POST, which keeps only lead_id, fullname, email and attributes; the engine sends the other fields " +
			"with a PUT. Without a mapped lead_id, leadsync sets a deterministic one (\"ls-\" and 20 hex digits derived from the " +
			"entity) so a create whose answer was lost is found exactly. Updated with a partial PUT; deleted softly (status 1000). " +
			"Soft-deleted leads are never found.",
		Fields: []sinks.Field{
			{Name: "lead_id", Type: sinks.ID, Doc: "external id, set on create only (Tiledesk ignores it on update); when not mapped, leadsync sets \"ls-\" + 20 hex digits derived from the entity"},
			{Name: "fullname", Type: sinks.String, PII: true, Doc: "name and surname"},
			{Name: "email", Type: sinks.Email, PII: true, Doc: "stored as sent; found with an exact, case-sensitive filter; compared case-insensitively"},
			{Name: "phone", Type: sinks.Phone, PII: true, Doc: "sent as mapped (E.164); not taken by create: set by the PUT the engine sends after it; found by reading the leads"},
			{Name: "company", Type: sinks.String},
			{Name: "note", Type: sinks.String, Doc: "free text"},
			{Name: "streetAddress", Type: sinks.String, PII: true},
			{Name: "city", Type: sinks.String},
			{Name: "region", Type: sinks.String},
			{Name: "zipcode", Type: sinks.String},
			{Name: "country", Type: sinks.String},
			{Name: "tags", Type: sinks.Tags, Doc: "comma-separated set; replaces the lead's tags (an empty value clears them)"},
			{Name: "attributes.*", Type: sinks.String, Doc: "one custom attribute per key, e.g. attributes.source: {column: Source}; merged with the stored attributes " +
				"(other keys are kept, an empty value never clears a key); an update that sets one reads the lead first (one more call)"},
			{Name: "status", Type: sinks.Enum, Enum: []string{"100", "50", "1000"}, Doc: "100 normal (default), 50 temporary, 1000 deleted"},
		},
		Keys:       []string{"email", "lead_id", "phone"},
		NameFields: []string{"fullname"},
		CanFind:    true,
		CanUpdate:  true,
	}
}
