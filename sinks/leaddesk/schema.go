// Package leaddesk is the LeadDesk sink: its schema (contacts in calling
// lists with other1..other35, callbacks, agents), declared once from
// VENDORS.md section 1.
package leaddesk

import (
	"fmt"

	"github.com/leadsync/leadsync/sinks"
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

func contactFields() []sinks.Field {
	fields := []sinks.Field{
		{Name: "phone", Type: sinks.Phone, Required: true, Doc: "contact's phone; sent as E.164 (+358...)"},
		{Name: "fname", Type: sinks.String, Doc: "first name"},
		{Name: "lname", Type: sinks.String, Doc: "last name"},
		{Name: "email", Type: sinks.Email, PII: true},
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
		{Name: "vatin", Type: sinks.String},
		{Name: "title", Type: sinks.String},
		{Name: "comment", Type: sinks.String},
	}
	for i := 1; i <= 35; i++ {
		fields = append(fields, sinks.Field{Name: fmt.Sprintf("other%d", i), Type: sinks.String, Doc: fmt.Sprintf("free field %d", i)})
	}
	return fields
}

func contactObject() sinks.Object {
	fields := append([]sinks.Field{
		{Name: "list", Type: sinks.String, Required: true, Doc: "calling list name or id"},
	}, contactFields()...)
	fields = append(fields,
		sinks.Field{Name: "assign_to_agent", Type: sinks.String, Doc: "agent id or username"},
	)
	return sinks.Object{
		Name:      "contact",
		Doc:       "A contact in a calling list. Found by phone (optionally with name and list), created, modified.",
		Fields:    fields,
		Keys:      []string{"phone", "email"},
		CanFind:   true,
		CanUpdate: true,
	}
}

func callbackObject() sinks.Object {
	return sinks.Object{
		Name: "callback",
		Doc:  "A scheduled callback for an agent. LeadDesk cannot find callbacks: resume relies on write intents.",
		Fields: []sinks.Field{
			{Name: "agent", Type: sinks.String, Required: true, Doc: "agent's username"},
			{Name: "campaign", Type: sinks.String, Required: true, Doc: "campaign name"},
			{Name: "phone", Type: sinks.Phone, Required: true, Doc: "number the callback dials"},
			{Name: "timestamp", Type: sinks.DateTime, Required: true, Format: "2006-01-02 15:04:05", Doc: "callback time, YYYY-MM-DD HH:MM:SS"},
			{Name: "type", Type: sinks.Enum, Enum: []string{"private", "public"}, Doc: "default private"},
			{Name: "agent_group", Type: sinks.String, Doc: "agent group name"},
			{Name: "comment", Type: sinks.String},
			{Name: "contact_list", Type: sinks.String, Doc: "contact list name"},
			{Name: "fname", Type: sinks.String},
			{Name: "lname", Type: sinks.String},
		},
		Keys: []string{"phone"},
	}
}

func agentObject() sinks.Object {
	return sinks.Object{
		Name: "agent",
		Doc:  "An agent account. Found by username; created and modified.",
		Fields: []sinks.Field{
			{Name: "username", Type: sinks.ID, Required: true, MaxLen: 64},
			{Name: "password", Type: sinks.String, MaxLen: 64, PII: true, Doc: "6-64 characters; required to create"},
			{Name: "name", Type: sinks.String, Required: true, MaxLen: 40, Doc: "full name"},
			{Name: "email", Type: sinks.Email, PII: true},
			{Name: "phone", Type: sinks.Phone},
			{Name: "lang", Type: sinks.Int, Doc: "1 EN, 4 FI, 5 SE, 7 DE, 14 NO, 17 DK, 23 NL"},
			{Name: "time_zone", Type: sinks.String},
			{Name: "agent_group_id", Type: sinks.Int},
			{Name: "employment", Type: sinks.Enum, Enum: []string{"active", "inactive"}},
			{Name: "office", Type: sinks.String},
			{Name: "ssn", Type: sinks.String, PII: true},
			{Name: "bank_acc", Type: sinks.String, PII: true},
		},
		Keys:      []string{"username"},
		CanFind:   true,
		CanUpdate: true,
	}
}
