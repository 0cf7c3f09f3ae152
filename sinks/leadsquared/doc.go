// Package leadsquared holds what leadsync knows about LeadSquared: its
// sink (call logs and agent popups of the Generic Telephony Connector,
// Telephony.svc LogCall and ShowAgentPopup, and leads, found by email and
// phone, created, updated), as VENDORS.md section 4 describes them; its
// source, the Pager that reads leads by lookups (source.go); and, in the
// subpackage leadsquaredtest, its emulator.
//
// # Objects
//
//   - call_log (LogCall) is an event, one per CallSessionId: rows of one
//     session are one call, two calls of one caller are two writes. Each
//     call names its lead by LeadId, or is looked up by LeadPhone, the
//     lead-side number (SourceNumber inbound, DestinationNumber outbound)
//     and LeadEmailAddress. When no lead is found, the call is sent
//     without LeadId and LeadSquared makes the lead, with CallerSource as
//     its source (4.6 [C]).
//   - agent_popup (ShowAgentPopup) is an event, one per CallSessionId and
//     UserId (the seed: a popup shows one call session to one user; the
//     same session shown to a second agent is a second popup). The API
//     requires a LeadId: a popup whose lead is not found is Rejected.
//   - lead is found (Leads.GetByEmailaddress, RetrieveLeadByPhoneNumber),
//     created (Lead.Create) and updated (Lead.Update, only the fields the
//     engine found changed).
//
// # Why the call log still looks the lead up
//
// Sending every call without LeadId would cost one call instead of two,
// but VENDORS.md confirms only that a call without LeadId makes a new
// lead; that LeadSquared first matches the caller's number to an existing
// lead is an assumption (4.6 [A]). Were it wrong, every call of a known
// caller would make a duplicate lead. So a call without LeadId first looks
// the lead up by phone (a read, safe to repeat), and is sent without LeadId
// only when no lead is found. To keep the price low, a lead found is
// remembered for the run: a known caller with n calls costs 1 lookup and
// n LogCalls; a new caller 2 lookups (before its first call, and once
// more to find the lead that call made) and n LogCalls. A call with a
// LeadId costs no lookup. Leads not found are never remembered,
// and calls of one number wait while a call that makes its lead is in
// flight, so the lead is made once per run even at concurrency 16.
//
// # Why Lead.Create and Lead.Update, not Lead.Capture
//
// Lead.Capture is create-or-update in one call (match order ProspectId,
// EmailAddress, Phone). It would serve a blind upsert: a lead whose
// lookup the caller skipped. leadsync always finds first (by every match
// key), so it knows whether the lead exists, and then each call does
// exactly one documented thing: Lead.Create refuses a second lead with
// the same EmailAddress or Phone (MXDuplicateEntryException, reported)
// instead of silently merging the row into whichever lead Capture matches
// first, and Lead.Update changes the one lead the engine found, by
// ProspectID, with only the changed fields. A lost create answer is
// resolved by the engine's find (two lookups), which Capture would not
// save: its answer after a resend could not tell "made" from "matched".
//
// # Errors and outcomes
//
// Classify is the one classifier. Every answer of LeadSquared's says what
// was done: 500 is documented as "the API call failed" (4.3), so a 500
// whose body names an MX…Exception is a refusal of the record (Rejected,
// with the vendor's ExceptionMessage) and any other is a failed call that
// did nothing (Transient, NotSent: httpc sends it again, bounded); 4xx are
// refusals, rate limits (429, and the 403/200 variants) a pause. Only an
// unanswered call, or a gateway's 502/504 (LeadSquared's answer was lost
// in front of it), is an unknown outcome.
//
// # Verifying an uncertain call
//
// None exists. VENDORS.md documents no API that reads call logs, popups or
// lead activities (4.7 lists only the lead lookups and writes; activity
// APIs are out of its scope), and a popup stores nothing (4.5 [I]). The
// lookups show a lead's latest activity (ProspectActivityId_Max, …), but
// that names neither the call session nor a call that is not the latest,
// so it cannot tell whether a given call was logged. A call log or popup
// whose answer was lost therefore stays uncertain and is reported, never
// sent again (LeadSquared does not deduplicate CallSessionId, 6 #21).
package leadsquared
