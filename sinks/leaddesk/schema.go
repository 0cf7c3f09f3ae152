// Package leaddesk holds what leadsync knows about LeadDesk: its sink
// (contacts in calling lists, with other1..other35, callbacks and agents,
// with campaign access), written through LeadDesk's Original API as
// VENDORS.md section 1 describes it. LeadDesk is a sink only: it has no
// source (pager). Its emulator is the subpackage leaddesktest.
//
// The schema is declared once here; the client (client.go), the error
// classifier (classify.go) and one sink per object (contact.go,
// callback.go, agent.go) build on it. Tests run against the emulator in
// leaddesktest.
//
// # Failures and what the engine does with them
//
// Classifier is the one place answers are judged. A 500 is LeadDesk's
// "internal; report or retry later" (VENDORS.md 1.4): a failed call,
// Transient with NotSent, so sinks/httpc sends it again (bounded), the
// creates included. The document does not say in so many words that a
// 500 stored nothing; it names 500 as an error answer whose remedy is
// resending, for every command alike, and that is what this package
// relies on (see Classifier for the one line to change if LeadDesk is
// ever seen acting on a call it answered 500). ERR_* refusals of a record
// (ERR_ARGUMENT_*, ERR_NOT_FOUND:<what>) are Rejected with the vendor's
// code and detail, whatever the status. Only an unanswered write (a lost
// answer, a timeout after sending) is an unknown outcome.
//
// A create whose answer was lost is resolved per object:
//
//   - contact: Find by phone (one contact/find per distinct phone,
//     narrowed to the list when list is a numeric id). LeadDesk's find
//     answers ids only, so the engine sends every wanted field with one
//     contact/modify: 2 calls. Found twice or more: ambiguous, reported.
//   - agent: Find by username (one agent/find, which answers id and name),
//     then Update: one agent/modify with the fields it cannot compare and
//     one modify_campaign_access per campaign id (idempotent at LeadDesk):
//     2 calls plus one per campaign. Create itself is one call and returns
//     the agent's fields without campaigns_add, so a create whose answer
//     arrived is completed the same way.
//   - callback: LeadDesk can neither find nor list callbacks: a lost answer
//     leaves the callback uncertain (reported, never sent again: it most
//     likely exists); there is nothing to verify it with. Callbacks are
//     events, identified by phone and timestamp together.
//
// Campaign access cannot be read back through the API (no command returns
// it), so `--verify` confirms an agent's id and name only; the access is
// known from what leadsync last sent successfully.
package leaddesk

import (
	"fmt"

	"github.com/leadsync/leadsync/sinks"
)

// Object names.
const (
	ObjectContact  = "contact"
	ObjectCallback = "callback"
	ObjectAgent    = "agent"
)

// Schema is LeadDesk's writable objects.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor: "leaddesk",
		Doc:    "LeadDesk contact-center dialer (Original API, as the Power Platform connector calls it).",
		Objects: []sinks.Object{
			contactObject(),
			callbackObject(),
			agentObject(),
		},
	}
}

// timestampLayout is LeadDesk's callback time format.
const timestampLayout = "2006-01-02 15:04:05"

func otherFields() []sinks.Field {
	out := make([]sinks.Field, 0, 35)
	for i := 1; i <= 35; i++ {
		out = append(out, sinks.Field{Name: fmt.Sprintf("other%d", i), Type: sinks.String, Doc: fmt.Sprintf("free field %d", i)})
	}
	return out
}

func contactFields() []sinks.Field {
	fields := []sinks.Field{
		{Name: "phone", Type: sinks.Phone, Required: true, PII: true, Doc: "contact's phone; always sent as E.164 (+358...), as LeadDesk stores phones as sent and finds them by exact match"},
		{Name: "fname", Type: sinks.String, PII: true, Doc: "first name"},
		{Name: "lname", Type: sinks.String, PII: true, Doc: "last name"},
		{Name: "email", Type: sinks.Email, PII: true, Doc: "stored, but not searchable at LeadDesk: an email match key finds nothing there (the engine's state index covers it)"},
		{Name: "www", Type: sinks.String},
		{Name: "address", Type: sinks.String, PII: true},
		{Name: "postcode", Type: sinks.String},
		{Name: "city", Type: sinks.String},
		{Name: "country", Type: sinks.String},
		{Name: "ssc", Type: sinks.String, PII: true, Doc: "social security code"},
		{Name: "birthyear", Type: sinks.Int},
		{Name: "gender", Type: sinks.String},
		{Name: "companyid", Type: sinks.Int, Doc: "company's LeadDesk id"},
		{Name: "company", Type: sinks.String},
		{Name: "vatin", Type: sinks.String, Doc: "VAT identification number"},
		{Name: "title", Type: sinks.String},
		{Name: "comment", Type: sinks.String},
	}
	return append(fields, otherFields()...)
}

func contactObject() sinks.Object {
	fields := append([]sinks.Field{
		{Name: "list", Type: sinks.String, Required: true, Doc: "calling list name or numeric id; an id also narrows Find to that list (a name cannot: LeadDesk's find takes list ids only)"},
	}, contactFields()...)
	fields = append(fields,
		sinks.Field{Name: "assign_to_agent", Type: sinks.ID, Doc: "agent id or username"},
		sinks.Field{Name: "order", Type: sinks.Enum, Enum: []string{"first", "last"}, Doc: "position in the calling list, default last (modify: connector; create: Original API, as a third-party client sends it)"},
	)
	return sinks.Object{
		Name: ObjectContact,
		Doc: "A contact in a calling list. Found by phone (E.164, within the list when `list` is a numeric id); " +
			"LeadDesk's find returns ids only and cannot search by email. Created and modified.",
		Fields:     fields,
		Keys:       []string{"phone", "email"},
		CanFind:    true,
		CanUpdate:  true,
		NameFields: []string{"fname", "lname"},
		FindNoFields: "LeadDesk's contact find returns ids only: old values are the last synced ones, " +
			"and edits made at LeadDesk are not seen",
	}
}

func callbackObject() sinks.Object {
	fields := []sinks.Field{
		{Name: "agent", Type: sinks.ID, Required: true, Doc: "agent's username"},
		{Name: "campaign", Type: sinks.String, Required: true, Doc: "campaign name"},
		{Name: "phone", Type: sinks.Phone, Required: true, PII: true, Doc: "number the callback dials; sent as E.164"},
		{Name: "timestamp", Type: sinks.DateTime, Required: true, Format: timestampLayout, Doc: "callback time, YYYY-MM-DD HH:MM:SS"},
		{Name: "type", Type: sinks.Enum, Enum: []string{"private", "public"}, Doc: "private (for the agent only) or public; default private"},
		{Name: "agent_group", Type: sinks.String, Doc: "agent group name"},
		{Name: "comment", Type: sinks.String},
		{Name: "contactid", Type: sinks.ID, Doc: "an existing contact's LeadDesk id; when set, LeadDesk ignores the other contact fields"},
		{Name: "contact_list", Type: sinks.String, Doc: "contact list name"},
		{Name: "fname", Type: sinks.String, PII: true},
		{Name: "lname", Type: sinks.String, PII: true},
		{Name: "address", Type: sinks.String, PII: true},
		{Name: "city", Type: sinks.String},
		{Name: "postcode", Type: sinks.String},
		{Name: "country", Type: sinks.String},
		{Name: "companyid", Type: sinks.Int, Doc: "company's LeadDesk id"},
	}
	return sinks.Object{
		Name: ObjectCallback,
		Doc: "A scheduled callback for an agent, with optional inline contact values. An event: one callback " +
			"is identified by its phone and timestamp together, so two callbacks of one number at different " +
			"times are two writes and only rows of the same phone and time merge. Create only: LeadDesk can " +
			"neither find nor modify callbacks, so resume relies on write intents.",
		Fields:     append(fields, otherFields()...),
		Keys:       []string{"phone"},
		NameFields: []string{"fname", "lname"},
		Event:      true,
		EventKey:   []string{"phone", "timestamp"},
	}
}

func agentObject() sinks.Object {
	return sinks.Object{
		Name: ObjectAgent,
		Doc:  "An agent account. Found by username (LeadDesk returns its id and name only); created (password required) and modified.",
		Fields: []sinks.Field{
			{Name: "username", Type: sinks.ID, Required: true, MaxLen: 64, Doc: "2-64 characters, unique"},
			{Name: "password", Type: sinks.String, MaxLen: 64, PII: true, Doc: "6-64 characters; required to create"},
			{Name: "name", Type: sinks.String, Required: true, MaxLen: 40, PII: true, Doc: "full name"},
			{Name: "email", Type: sinks.Email, PII: true},
			{Name: "phone", Type: sinks.Phone, PII: true},
			{Name: "workphone", Type: sinks.Phone, PII: true},
			{Name: "address", Type: sinks.String, PII: true},
			{Name: "city", Type: sinks.String},
			{Name: "country", Type: sinks.String},
			{Name: "postal", Type: sinks.String, Doc: "postal code"},
			{Name: "e_contacts", Type: sinks.String, PII: true, Doc: "emergency contact"},
			{Name: "lang", Type: sinks.Int, Doc: "1 EN, 3 EE, 4 FI, 5 SE, 7 DE, 8 HU, 9 RO, 10 ES, 11 PL, 12 CZ, 13 SK, 14 NO, 15 RU, 17 DK, 23 NL; default 1; cannot be cleared"},
			{Name: "time_zone", Type: sinks.String, Doc: "tz name; default Europe/Helsinki"},
			{Name: "inbound_number", Type: sinks.Phone, Doc: "agent's inbound phone number"},
			{Name: "voip_username", Type: sinks.String, Doc: "ignored when LeadDesk assigns VoIP accounts itself"},
			{Name: "external_id", Type: sinks.String},
			{Name: "agent_group_id", Type: sinks.Int, Doc: "agent group's LeadDesk id; cannot be cleared"},
			{Name: "employment", Type: sinks.Enum, Enum: []string{"active", "inactive"}, Doc: "default active"},
			{Name: "employment_start", Type: sinks.Date},
			{Name: "office", Type: sinks.String},
			{Name: "description", Type: sinks.String},
			{Name: "workshift", Type: sinks.String},
			{Name: "ssn", Type: sinks.String, PII: true},
			{Name: "bank_acc", Type: sinks.String, PII: true},
			{Name: "campaigns_add", Type: sinks.Tags, Doc: "roster: campaign ids (comma-separated, a set) the agent gets access to; set with campaign access calls after the agent exists (LeadDesk cannot read access back)"},
			{Name: "campaigns_remove", Type: sinks.Tags, Doc: "roster: campaign ids (comma-separated, a set) whose access is removed"},
		},
		Keys:         []string{"username"},
		CanFind:      true,
		CanUpdate:    true,
		NameFields:   []string{"name"},
		FindNoFields: "LeadDesk's agent find returns the id and name only: other old values are the last synced ones",
	}
}
