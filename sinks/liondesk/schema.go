// Package liondesk holds what leadsync knows about the LionDesk API v2
// (VENDORS.md section 3). Its sink writes contacts (found by email and
// phones, created, updated, with an address) and the lead submission flow
// of LionDesk's "Leads Overview" walkthrough (find or create the contact,
// create the lead, start the lead route's campaign for the contact, send
// Team Rollout lead offers); Setup is the idempotent set-up of campaigns,
// campaign actions, lead routes and team distribution options that
// `leadsync setup` runs; its source is the Pager over the contacts a token
// sees (source.go). Its emulator is the subpackage liondesktest.
package liondesk

import "github.com/leadsync/leadsync/sinks"

// Object names.
const (
	ObjectContact = "contact"
	ObjectLead    = "lead"
)

// Schema is LionDesk's writable objects.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor:  "liondesk",
		Doc:     "LionDesk CRM for real-estate agents (API v2, https://api-v2.liondesk.com).",
		Objects: []sinks.Object{contactObject(), leadObject()},
	}
}

// contactKeys are the fields a contact is found by, in the order the flow
// tries them.
var contactKeys = []string{"email", "mobile_phone", "home_phone", "office_phone"}

// personFields are a contact's own fields, shared by the contact and the
// lead objects. Phones are stored as E.164 so that finds by phone, which
// LionDesk answers by exact string equality, find what leadsync wrote.
func personFields() []sinks.Field {
	return []sinks.Field{
		{Name: "first_name", Type: sinks.String, MaxLen: 255},
		{Name: "last_name", Type: sinks.String, MaxLen: 255},
		{Name: "email", Type: sinks.Email, MaxLen: 255, PII: true, Doc: "stored lower-cased; found by exact equality"},
		{Name: "mobile_phone", Type: sinks.Phone, MaxLen: 255, PII: true, Doc: "stored as E.164 (+16045554572); found by exact equality"},
		{Name: "home_phone", Type: sinks.Phone, MaxLen: 45, PII: true, Doc: "stored as E.164; found by exact equality"},
		{Name: "office_phone", Type: sinks.Phone, MaxLen: 45, PII: true, Doc: "stored as E.164; found by exact equality"},
		{Name: "fax", Type: sinks.String, MaxLen: 45, PII: true},
		{Name: "company", Type: sinks.String, MaxLen: 45},
		{Name: "birthday", Type: sinks.Date, MaxLen: 45, PII: true, Doc: "YYYY-MM-DD"},
		{Name: "anniversary", Type: sinks.Date, MaxLen: 45, PII: true, Doc: "YYYY-MM-DD"},
		{Name: "spouse_name", Type: sinks.String, MaxLen: 45, PII: true},
		{Name: "spouse_email", Type: sinks.Email, MaxLen: 45, PII: true},
		{Name: "spouse_phone", Type: sinks.Phone, PII: true, Doc: "stored as E.164"},
		{Name: "spouse_birthday", Type: sinks.Date, PII: true, Doc: "YYYY-MM-DD"},
		{Name: "tags", Type: sinks.Tags, MaxLen: 508, Doc: `one comma-separated string, e.g. "Pending, VIP"`},
		{Name: "hotness_id", Type: sinks.Int, Doc: "LionDesk hotness id"},
		{Name: "assigned_user_id", Type: sinks.Int, Doc: "user id of the assignee: you or a member of one of your teams"},
		{Name: "contact_source", Type: sinks.String, MaxLen: 200, Doc: "contact source by name (one of yours; `leadsync setup` can create it); sets source_id"},
	}
}

// addressFields are the contact's address (LionDesk keeps addresses under
// /contacts/:id/addresses). leadsync writes one: the contact's first
// address of address_type, or its first address when no type is mapped.
func addressFields() []sinks.Field {
	return []sinks.Field{
		{Name: "address_type", Type: sinks.String, MaxLen: 45, Doc: "the address's type (e.g. Home); picks which of the contact's addresses leadsync writes"},
		{Name: "street_address_1", Type: sinks.String, MaxLen: 255, PII: true},
		{Name: "street_address_2", Type: sinks.String, MaxLen: 255, PII: true},
		{Name: "zip", Type: sinks.String, MaxLen: 45},
		{Name: "city", Type: sinks.String, MaxLen: 255},
		{Name: "state", Type: sinks.String, MaxLen: 255},
	}
}

// addressFieldNames maps the schema's address fields to the API's.
var addressFieldNames = map[string]string{
	"address_type":     "type",
	"street_address_1": "street_address_1",
	"street_address_2": "street_address_2",
	"zip":              "zip",
	"city":             "city",
	"state":            "state",
}

func contactObject() sinks.Object {
	fields := personFields()
	fields = append(fields, sinks.Field{Name: "source_id", Type: sinks.Int, Doc: "contact source id (instead of contact_source)"})
	fields = append(fields, addressFields()...)
	return sinks.Object{
		Name: ObjectContact,
		Doc: "A contact. Found by email, mobile_phone, home_phone or office_phone (one exact-equality find per key), " +
			"created (POST /contacts, then its address) and updated (PATCH, only the given fields).",
		Fields:     fields,
		Keys:       contactKeys,
		CanFind:    true,
		CanUpdate:  true,
		NameFields: []string{"first_name", "last_name"},
	}
}

// leadOnlyFields are the lead's own fields (POST /leads).
func leadOnlyFields() []sinks.Field {
	return []sinks.Field{
		{Name: "lead_source", Type: sinks.String, Doc: "lead source by name (e.g. Zillow); LionDesk's lead sources are fixed. With contact_source it picks the lead route"},
		{Name: "type", Type: sinks.String, MaxLen: 255, Doc: "lead type, e.g. Buyer; a lead route with a filter only takes leads of that type"},
		{Name: "claimed_via", Type: sinks.Enum, Enum: []string{"None", "Email", "Text", "Phone", "Assigned", "Auto"}},
		{Name: "text_body", Type: sinks.String, Doc: "the lead's notes (plain text)"},
		{Name: "html_body", Type: sinks.String, Doc: "the lead's notes (HTML)"},
		{Name: "mls_id", Type: sinks.String, MaxLen: 255, Doc: "MLS listing id; sent as a number when it is one"},
		{Name: "listing_status", Type: sinks.String, MaxLen: 255, Doc: "e.g. For Sale"},
		{Name: "listing_price", Type: sinks.String, MaxLen: 255, Doc: `sent as a string ("10000000")`},
		{Name: "street_address", Type: sinks.String, MaxLen: 255, Doc: "the property's street address"},
		{Name: "city", Type: sinks.String, MaxLen: 255, Doc: "the property's city"},
		{Name: "state", Type: sinks.String, MaxLen: 255, Doc: "the property's state"},
		{Name: "zipcode", Type: sinks.String, MaxLen: 45, Doc: "the property's zipcode; a Zipcode lead route picks the team by it (sent as a string, keeping leading zeros)"},
	}
}

// leadFieldSet is the set of lead-only field names.
var leadFieldSet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range leadOnlyFields() {
		m[f.Name] = true
	}
	return m
}()

func leadObject() sinks.Object {
	return sinks.Object{
		Name: ObjectLead,
		Doc: "A lead submission (LionDesk's Leads Overview walkthrough), written in four steps: contact (find by email, then " +
			"mobile_phone, home_phone, office_phone, or create it with the contact fields and contact_source; a found contact is " +
			"not changed and its own source routes the lead), lead (POST /leads), campaign (start the matching lead route's " +
			"campaign for the contact) and offers (Team Rollout routes only). A lead no route takes, or whose Team Rollout team " +
			"has nobody to offer it to, is rejected before anything is written, saying what the LionDesk set-up lacks. A lead " +
			"needs an email or a phone. After a lost answer the contact is found again, a campaign start is checked in the " +
			"contact's campaign communications or tasks, offers are checked by sending them again (LionDesk refuses offers " +
			"already sent); LionDesk cannot look leads up, so a lead whose answer was lost is left uncertain and listed. Rows are " +
			"grouped into one lead per person by the job's match keys.",
		Fields:       append(personFields(), leadOnlyFields()...),
		Keys:         contactKeys,
		NameFields:   []string{"first_name", "last_name"},
		FindNoFields: "LionDesk cannot look leads up: nothing at LionDesk is compared, and edits made there are not seen",
	}
}
