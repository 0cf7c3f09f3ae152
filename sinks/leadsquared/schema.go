package leadsquared

import "github.com/leadsync/leadsync/sinks"

// Object names.
const (
	ObjectCallLog    = "call_log"
	ObjectAgentPopup = "agent_popup"
	ObjectLead       = "lead"
)

// callTimeLayout is LeadSquared's UTC time format of StartTime and EndTime.
const callTimeLayout = "2006-01-02 15:04:05"

// Schema is LeadSquared's writable objects.
func Schema() sinks.Schema {
	return sinks.Schema{
		Vendor: "leadsquared",
		Doc: "LeadSquared: call logs and agent popups of the Generic Telephony Connector, " +
			"and leads (found by email and phone, created).",
		Objects: []sinks.Object{
			callLogObject(),
			agentPopupObject(),
			leadObject(),
		},
	}
}

// Fields shared by both telephony objects; they are sent under these names.
var (
	fieldSourceNumber = sinks.Field{Name: "SourceNumber", Type: sinks.Phone, Required: true, PII: true,
		Doc: "inbound: the lead's number; outbound: the agent's number. Sent as +CC-NUMBER (+91-9876543210)"}
	fieldDestinationNumber = sinks.Field{Name: "DestinationNumber", Type: sinks.Phone, Required: true, PII: true,
		Doc: "inbound: the agent's number; outbound: the lead's number. Sent as +CC-NUMBER"}
	fieldDisplayNumber = sinks.Field{Name: "DisplayNumber", Type: sinks.Phone,
		Doc: "the IVR / virtual number"}
	fieldDirection = sinks.Field{Name: "Direction", Type: sinks.Enum, Required: true, Enum: []string{"Inbound", "Outbound"},
		Doc: "direction of the call; it says which number is the lead's"}
	fieldCallSessionID = sinks.Field{Name: "CallSessionId", Type: sinks.ID, Required: true,
		Doc: "unique id of the call session (the telephony system's call id)"}
	fieldLeadID = sinks.Field{Name: "LeadId", Type: sinks.ID,
		Doc: "the lead's ProspectID (a GUID). When empty, the lead is looked up by LeadPhone, the lead-side " +
			"number of the call, then LeadEmailAddress. call_log: no match sends the call without LeadId and " +
			"LeadSquared makes the lead from the lead-side number, with CallerSource as its source; " +
			"agent_popup: no match rejects the row"}
	fieldUserID = sinks.Field{Name: "UserId", Type: sinks.ID, Required: true,
		Doc: "the LeadSquared user (agent) id, a GUID, as the Get Users API lists it"}
	fieldTag = sinks.Field{Name: "Tag", Type: sinks.String,
		Doc: "per virtual number; added to the lead's origin"}
	fieldLeadEmail = sinks.Field{Name: "LeadEmailAddress", Type: sinks.Email, PII: true,
		Doc: "not sent: the lead's email address, to find the lead when LeadId is empty"}
	fieldLeadPhone = sinks.Field{Name: "LeadPhone", Type: sinks.Phone, PII: true,
		Doc: "not sent: the lead's phone, to find the lead when LeadId is empty " +
			"(default: SourceNumber of an inbound call, DestinationNumber of an outbound one)"}
)

// lookupOnly are fields that only serve the lead lookup and are never sent.
var lookupOnly = map[string]bool{fieldLeadEmail.Name: true, fieldLeadPhone.Name: true}

func callLogObject() sinks.Object {
	return sinks.Object{
		Name: ObjectCallLog,
		Doc: "A phone call logged as an activity on a lead (POST Telephony.svc/LogCall); a caller without a lead " +
			"gets one, made by the call. An event: one call per CallSessionId (rows of one session are one call; " +
			"two calls of one caller are two). LeadSquared cannot look call logs up: resume relies on write " +
			"intents, and a call whose answer was lost stays uncertain. Create returns the activity id.",
		Fields: []sinks.Field{
			fieldSourceNumber,
			{Name: "CallerSource", Type: sinks.String, MaxLen: 50,
				Doc: "how the caller came, e.g. \"Newspaper Advertisement\"; the Source of a lead the call makes"},
			fieldDestinationNumber,
			fieldDisplayNumber,
			{Name: "StartTime", Type: sinks.DateTime, Required: true, Format: callTimeLayout,
				Doc: "start of the call, UTC, YYYY-MM-DD HH:MM:SS"},
			{Name: "EndTime", Type: sinks.DateTime, Required: true, Format: callTimeLayout,
				Doc: "end of the call, UTC, YYYY-MM-DD HH:MM:SS"},
			{Name: "CallDuration", Type: sinks.Int,
				Doc: "duration in whole seconds, sent as a number; when empty, EndTime - StartTime"},
			{Name: "Status", Type: sinks.String, Required: true,
				Doc: "call status: Answered, Missed, ..."},
			{Name: "ResourceURL", Type: sinks.String, PII: true,
				Doc: "URL of the call recording"},
			fieldDirection,
			fieldCallSessionID,
			fieldLeadID,
			fieldTag,
			fieldUserID,
			fieldLeadEmail,
			fieldLeadPhone,
		},
		Keys:     []string{"CallSessionId"},
		Event:    true,
		EventKey: []string{"CallSessionId"},
	}
}

func agentPopupObject() sinks.Object {
	return sinks.Object{
		Name: ObjectAgentPopup,
		Doc: "A real-time popup of a lead shown to an agent (POST Telephony.svc/ShowAgentPopup). " +
			"An event: one popup per call session and agent (CallSessionId + UserId; a call passed to a second " +
			"agent pops up again). Nothing is stored that can be looked up: resume relies on write intents, and " +
			"a popup whose answer was lost stays uncertain. Create returns the message id.",
		Fields: []sinks.Field{
			fieldSourceNumber,
			fieldDestinationNumber,
			fieldDisplayNumber,
			fieldDirection,
			fieldCallSessionID,
			fieldLeadID,
			fieldTag,
			fieldUserID,
			fieldLeadEmail,
			fieldLeadPhone,
		},
		Keys:     []string{"CallSessionId"},
		Event:    true,
		EventKey: []string{"CallSessionId", "UserId"},
	}
}

// customLeadFields are the custom lead fields every LeadSquared account
// starts with (schema names mx_...).
var customLeadFields = []string{"mx_Street1", "mx_Street2", "mx_City", "mx_State", "mx_Country", "mx_Zip"}

func leadObject() sinks.Object {
	flag := func(name, doc string) sinks.Field {
		return sinks.Field{Name: name, Type: sinks.Enum, Enum: []string{"0", "1"}, Doc: doc + ": 1 yes, 0 no"}
	}
	fields := []sinks.Field{
		{Name: "FirstName", Type: sinks.String, PII: true},
		{Name: "LastName", Type: sinks.String, PII: true},
		{Name: "EmailAddress", Type: sinks.Email, PII: true, Doc: "unique in the account"},
		{Name: "Phone", Type: sinks.Phone, PII: true, Doc: "unique in the account; sent as +CC-NUMBER (+91-9876543210)"},
		{Name: "Mobile", Type: sinks.Phone, PII: true, Doc: "sent as +CC-NUMBER"},
		{Name: "Company", Type: sinks.String},
		{Name: "JobTitle", Type: sinks.String},
		{Name: "Website", Type: sinks.String},
		{Name: "Source", Type: sinks.String, Doc: "lead source, e.g. Website, Referral Sites"},
		{Name: "SourceMedium", Type: sinks.String},
		{Name: "SourceCampaign", Type: sinks.String},
		{Name: "SourceContent", Type: sinks.String},
		{Name: "Origin", Type: sinks.String},
		{Name: "ProspectStage", Type: sinks.String, Doc: "lead stage; LeadSquared's default is Prospect"},
		{Name: "OwnerId", Type: sinks.ID, Doc: "owner's user id (GUID); default: the user of the access key"},
		{Name: "Notes", Type: sinks.String},
		flag("DoNotEmail", "opted out of email"),
		flag("DoNotCall", "opted out of calls"),
	}
	for _, name := range customLeadFields {
		fields = append(fields, sinks.Field{Name: name, Type: sinks.String, PII: name == "mx_Street1" || name == "mx_Street2",
			Doc: "custom field of the account"})
	}
	return sinks.Object{
		Name: ObjectLead,
		Doc: "A lead. Found by email (Leads.GetByEmailaddress) and by phone (RetrieveLeadByPhoneNumber, " +
			"matching Phone and Mobile), created with Lead.Create. EmailAddress and Phone are unique: " +
			"creating a second lead with either is rejected (MXDuplicateEntryException). " +
			"Changed fields are sent with Lead.Update by ProspectID (only those; an empty value never clears one).",
		Fields:     fields,
		Keys:       []string{"EmailAddress", "Phone", "Mobile"},
		CanFind:    true,
		CanUpdate:  true,
		NameFields: []string{"FirstName", "LastName"},
	}
}
