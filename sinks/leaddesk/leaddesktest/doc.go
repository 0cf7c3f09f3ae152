// Package leaddesktest is a strict local emulator of the LeadDesk Original
// API as the "LeadDesk (Preview)" Power Platform connector uses it
// (VENDORS.md section 1), for tests and `leadsync sandbox`.
//
// It serves "/" and the eight connector paths (/agent_campaign_access,
// /create_callback, /create_contact, /create_agent, /find_contact,
// /find_agent, /modify_contact, /modify_agent) and, like the real server,
// ignores which of them was used: the query (or form) parameters mod and
// cmd choose the command. auth, mod, cmd and every scalar parameter are
// read from the query string or from an application/x-www-form-urlencoded
// POST body, so the connector's GET-that-creates, its POST-that-finds with
// an empty body, and a client that POSTs forms all work. agent/create,
// agent/modify and call/create_callback read a JSON object from the body.
//
// Every request, admin endpoints excepted, passes the shared emulator core
// first: the connector gateway's limit of 100 calls per 60 s per auth value
// (sliding window; every request counts, refused ones included) answers 429
// application/json {"statusCode":429,"message":"Rate limit is exceeded. Try
// again in N seconds."} ("1 second" when singular) with Retry-After. Then,
// in order: auth (400 ERR_AUTHENTICATION), mod (ERR_INVALID_MODULE), cmd
// (ERR_INVALID_COMMAND), arguments (ERR_ARGUMENT_MISSING:<field>,
// ERR_ARGUMENT_INVALID:<field>), lookups (ERR_NOT_FOUND:<agent|campaign|
// contact|list|agent_group|company>). Errors are 400 text/plain. Success is
// 200 with a JSON object. A command checks everything before it changes
// anything, so a refused request stores nothing.
//
// # Where the emulator differs from the real service
//
// Assumptions of VENDORS.md adopted (its [A] and [I] items):
//   - Every client error is 400 text/plain "ERR_CODE" or "ERR_CODE:detail",
//     ERR_AUTHENTICATION included; success is 200 (the connector declares
//     201); an injected 500 has the body ERR_UNDEFINED.
//   - The path is ignored among the nine paths above.
//   - Unknown IDs and names give ERR_NOT_FOUND:<what>; a taken username and
//     length violations give ERR_ARGUMENT_INVALID:<field>; adding a
//     campaign access that exists or removing one that does not succeeds.
//   - contact/modify answers {"success":true,"message":"Contact modified"};
//     an empty value clears a field.
//   - contact/find: AND of the filters given; fname and lname match exactly
//     but case-insensitively; phone matches after removing spaces and
//     dashes from both sides and nothing else, so "+358 40-123" matches
//     "+35840123" but "358…" does not match "+358…" (a client that forgets
//     to encode "+" as %2B sends a space, and finds nothing). No filter at
//     all is 400 ERR_ARGUMENT_MISSING (no detail). No match is
//     {"success":true,"total_count":0,"contact_ids":[]}. IDs ascend.
//   - Duplicate contacts (same phone) are allowed; phones are stored
//     exactly as received.
//   - Type drift: lang (agent create and modify) and companyid (callback
//     contact) accept a JSON number or a numeric string; contact/find's
//     phone is a string. Other integer JSON fields (id, agent_group_id)
//     must be JSON numbers, string fields must be JSON strings, booleans
//     JSON booleans.
//   - The 429 comes from the gateway, so it precedes every other check.
//
// Further choices of this emulator (the vendor is silent):
//   - Stricter than the vendor probably is: a parameter or JSON key that
//     the command does not define is ERR_ARGUMENT_INVALID:<name> (the first
//     in sorted order), so a misspelt field fails loudly instead of being
//     dropped. Accepted beyond the connector: contact/add's order
//     (first|last) and other_label1/other_label2, which a third-party PHP
//     client sends (LD-PHP).
//   - Only GET and POST are served (others: 405); another path is 404
//     "404 page not found"; a body over 1 MiB is 413. These checks come
//     before auth. They pass the rate limiter like every request.
//   - A parameter given twice, or in both the query and a form body, takes
//     the last value, the body winning (PHP's $_REQUEST). A body that is
//     not form-urlencoded (e.g. JSON sent to a scalar command) is ignored.
//     multipart/form-data is not parsed.
//   - A JSON command's body must be one JSON object (an empty body counts
//     as {}); otherwise ERR_ARGUMENT_INVALID:json. A JSON null is absent.
//     Its query string may hold only auth, mod and cmd.
//   - Required scalar parameters that are present but empty are missing.
//     IDs are positive decimal integers without sign or spaces.
//   - Phones (contact add/modify, callback) must be dialable: digits (1 to
//     20), an optional leading "+", separators " -.()"; otherwise
//     ERR_ARGUMENT_INVALID:phone. Find does not validate its phone.
//   - return_value (contact/add) is optional; "1" adds contact_id to the
//     answer, "0" or absent answers {"success":true}; other values are
//     invalid. return_callback_id=false likewise drops callback_id.
//   - list (contact add/modify) and assign_to_agent are tried as an ID
//     first (when all digits), then as a name/username. Names, usernames
//     and list names match exactly (case-sensitive). contact/find's
//     contact_list_id must name an existing list (ERR_NOT_FOUND:list).
//   - companyid must name a fixture company (ERR_NOT_FOUND:company); a
//     callback's agent_group must name a fixture group.
//   - Agents: lang must be one of 1 3 4 5 7 8 9 10 11 12 13 14 15 17 23
//     (the union of the connector's two lists), default 1; time_zone is
//     any non-empty string (not checked against the tz database), default
//     Europe/Helsinki; employment active|inactive (modify also ""),
//     default active; employment_start YYYY-MM-DD; custom_fields (create
//     only) maps names to strings. The minimum password length is the
//     default 6. A disabled agent can still be found, assigned and given
//     callbacks; campaign access is not checked for callbacks.
//   - A callback stores its inline contact values; it does not create a
//     contact. With contactid set, the other contact values are ignored
//     (only checked for unknown keys).
//   - Contact order: each contact has a Position; order=first puts it
//     before, order=last (the default) after, every contact of its list.
//     Moving a contact to another list without order puts it last.
//   - A write command that succeeds counts as a write (emulator.MarkWrite)
//     even when the values it sets equal the stored ones.
//   - With a TimeScale below 1, Retry-After is fractional seconds (see
//     emulator.RetryAfterSeconds) while the 429 message states whole
//     seconds, at least 1.
//   - Commands the real API has and the connector does not use (contact
//     get/delete, calls, …) are ERR_INVALID_COMMAND. contact/exists is
//     served (same filters as find, {"success":true,"match":bool}).
//
// IDs come from per-type counters: agents after 1000, contacts after
// 48000, callbacks after 90000 (or after the highest seeded ID). Fixture
// objects use their own ranges (lists 2001…, campaigns 3001…, groups
// 4001…, companies 5001…); see DefaultFixtures and the Test* constants.
package leaddesktest
