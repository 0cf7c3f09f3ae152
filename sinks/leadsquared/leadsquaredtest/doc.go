// Package leadsquaredtest is a strict local emulator of LeadSquared: the
// Generic Telephony Connector calls (POST /v2/Telephony.svc/LogCall and
// /v2/Telephony.svc/ShowAgentPopup) and the lead APIs around them
// (GET Leads.GetByEmailaddress, GET RetrieveLeadByPhoneNumber,
// GET Leads.GetById, POST Lead.Create, POST Lead.Update under
// /v2/LeadManagement.svc/), as
// VENDORS.md section 4 describes them. It refuses what LeadSquared
// refuses, with LeadSquared's status codes and bodies, records every call
// log and popup (CallLogs, Popups), and injects faults through the shared
// emulator core. Tests and `leadsync sandbox` use it; it listens on
// loopback only.
//
// Order of checks: unknown path (404, empty body) and wrong method (405)
// first, outside the core; then the rate limit per access key (25 calls in
// any sliding 5 s window); then the keys (401); then Content-Type and JSON
// shape (400); then attributes in the order of the documented example body
// (500); then ids (500).
//
// # Where it differs from LeadSquared
//
// Assumptions of VENDORS.md (section 6) adopted, marked [A] there:
//
//   - #18 required attributes. LogCall: SourceNumber, DestinationNumber,
//     StartTime, EndTime, CallDuration, Status, Direction, CallSessionId,
//     UserId; LeadId is optional (without it the call is matched to a lead
//     by number, see below). ShowAgentPopup: SourceNumber,
//     DestinationNumber, Direction, CallSessionId (the 4.5 table says
//     required [I]; #18 leaves it out, the emulator follows the table),
//     LeadId, UserId. A missing, null or blank one is a 500
//     MXMandatoryAttributeMissingException "'X' is mandatory".
//   - #19 the 400 body: {"Status":"Error","ExceptionType":
//     "MXInvalidInputException","ExceptionMessage":"…"}, for a Content-Type
//     other than application/json, a body that is not JSON, not an object
//     (an array for Lead.Create), or larger than 1 MiB.
//   - #20 the rate limit: sliding window per access key (the raw key sent,
//     valid or not), 429 with the documented body and no Retry-After.
//     Options.Vendor.RateLimitStatus sends the same body with 403 or 200, as
//     integrators have seen. The message names the limit of Options in
//     vendor time (not scaled); Core().Configure changes the limit but not
//     the message.
//   - #21 Message.Id is a fresh id per call; CallSessionId is not
//     deduplicated: the same call logged twice is stored twice.
//   - #22 paths and query parameter names match in any letter case.
//   - 4.3: 404 has an empty body.
//   - 4.5: an unknown LeadId or UserId, a bad Direction (Inbound or
//     Outbound, any case) is a 500 MXInvalidInputException.
//   - 4.6: LogCall without LeadId looks the lead up by the lead-side number
//     (SourceNumber for Inbound, DestinationNumber for Outbound) in Phone
//     and Mobile, and creates one when none matches, with Phone = that
//     number as sent, Source = CallerSource, Origin = Tag, owner = UserId.
//
// Further choices of the emulator, where LeadSquared documents nothing:
//
//   - Attribute names of telephony bodies are case-sensitive and an
//     unknown one is a 400 (LeadSquared's WCF service probably ignores
//     unknown members; refusing them catches misspelt optional fields,
//     which the real service would drop silently).
//   - A string attribute sent as a number, CallDuration sent as a string
//     (even "34"), a fractional or negative CallDuration, a time not
//     exactly YYYY-MM-DD HH:MM:SS, EndTime before StartTime, CallerSource
//     over 50 characters, a LeadId or UserId that is not a GUID, or a
//     number that is not digits with optional '+', '-', ' ', '.', '()'
//     separators is a 500 MXInvalidInputException. CallDuration is not
//     compared with StartTime and EndTime (the documented example has
//     equal times and 34 s).
//   - A UserId of a deactivated user is refused like an unknown one; keys
//     of a deactivated user get 401.
//   - Keys: each from its x-LSQ-* header, else from the query parameter;
//     a header and a query parameter may be mixed. HTTPS is not required.
//   - Phone matching (Get lead by phone, LogCall without LeadId, the unique
//     Phone of Lead.Create): a number is its digits; written with a leading
//     '+' it matches only those digits, without '+' it may also be read
//     with the account's default country code in front. With default +91,
//     "+91-9876543210" matches 919876543210 and 9876543210, and a lead
//     stored as "9988776655" is found by 919988776655. No trunk-prefix
//     ('0') handling. RetrieveLeadByPhoneNumber refuses anything but
//     digits with a 500 MXInvalidInputException (the documentation says
//     no spaces, hyphens or other characters; an unescaped '+' arrives as
//     a space). Several matches: the lead with the latest activity (lead
//     creation counts; a logged call's activity time is its StartTime);
//     ties go to the newest lead.
//   - Lookups: a missing emailaddress, phone or id parameter is a 500
//     MXMandatoryAttributeMissingException; email matches case-insensitively;
//     an unknown id or address gives [].
//   - Lead.Create accepts the standard fields FirstName, LastName,
//     EmailAddress, Phone, Mobile, Company, Source, Origin, ProspectStage,
//     OwnerId, Notes, Website, JobTitle, SourceMedium, SourceCampaign,
//     SourceContent, DoNotEmail, DoNotCall and the account's custom fields
//     (Fixtures.CustomFields); any other attribute is a 500
//     MXUnknownAttributeException. Names are case-sensitive. EmailAddress
//     and Phone are unique (500 MXDuplicateEntryException, "A Lead with
//     same Email Address already exists." / "… Phone Number …"); Mobile is
//     not. A non-string Value is a 500 MXInvalidInputException; custom
//     field sets ("Fields") are accepted and ignored. OwnerId defaults to
//     the caller and must be an active user.
//   - Lead objects returned carry a subset of LeadSquared's keys (ids,
//     names, contact fields, source, stage, owner, dates, last activity,
//     scores "0", the optional standard fields and every custom field),
//     unset ones as null. ModifiedOn and ModifiedBy are CreatedOn and
//     CreatedBy until Lead.Update changes the lead.
//   - Lead.Update?leadId=<ProspectID> (4.7 [F]) takes Lead.Create's
//     attribute array and changes only the attributes sent; an empty or
//     null Value clears one (an empty OwnerId keeps the owner). It checks
//     what Lead.Create checks (names, formats, owner, at least one of
//     FirstName, LastName, EmailAddress, Phone left) and refuses an
//     EmailAddress or Phone another lead has (500
//     MXDuplicateEntryException); a missing leadId is a 500
//     MXMandatoryAttributeMissingException "'leadId' is mandatory", one
//     that is not a GUID or names no lead a 500 MXInvalidInputException.
//     All or nothing. Success: {"Status":"Success","Message":
//     {"AffectedRows":1}}, also when nothing changed (the same update
//     sent twice is the same answer).
//   - An injected 500 answers {"Status":"Error","ExceptionType":"Exception",
//     "ExceptionMessage":"Internal Server Error"}: deliberately not an
//     MX…Exception, because it stands for a transient failure.
//   - Wrong method on a known path: 405 with an Allow header and no body.
//     404 and 405 are not rate limited and not in the call log.
//   - Ids are GUIDs built from per-type counters starting at 1000
//     (leads 1ead0000-…, call activities ca110000-…, popups 9a9e0000-…);
//     ProspectAutoId counts from 1000 too.
//   - Not emulated (404): Lead.Capture, the other connector
//     calls (Call Route, Click-to-Call, Call Disposition, SSO), user and
//     activity APIs; plan-dependent limits and daily caps; regional hosts.
//   - ResetRecords reloads the fixtures the emulator was built with;
//     what Seed added is gone.
package leadsquaredtest
