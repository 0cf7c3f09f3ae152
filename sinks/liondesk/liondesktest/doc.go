// Package liondesktest is a strict local emulator of the LionDesk API v2
// (https://api-v2.liondesk.com), for tests and `leadsync sandbox`. It
// follows VENDORS.md section 3 and the "Leads Overview" walkthrough: bearer
// tokens mapped to fixture users, Feathers-style finds ($limit default 10,
// capped at 100, $skip, $sort, equality, $ne, $like, $in, $nin, $lt, $lte,
// $gt, $gte, and $load=template on campaign actions) answered with
// {total, limit, skip, data}, Feathers error bodies
// {name, message, code, className, errors}, 201 to every create, repeated
// slashes in paths collapsed, and the lead submission flow: contact
// sources, campaigns and their actions, campaign starts that schedule
// contact communications and agent tasks, contacts (and their addresses),
// leads routed by lead routes, teams, team member distribution options,
// lead offers and tasks.
//
// # Routes
//
//	GET    /me
//	GET    /lead-sources, /lead-sources/:id                 (fixtures only)
//	GET    /contact-sources, /contact-sources/:id
//	POST   /contact-sources; PATCH, DELETE /contact-sources/:id
//	GET    /campaigns, /campaigns/:id; POST /campaigns; PATCH /campaigns/:id
//	GET    /campaigns/:id/actions[?$load=template]; POST /campaigns/:id/actions
//	POST   /campaigns/:id/contacts
//	GET    /contacts/:id/campaign-communications[/:id]; PATCH …/campaign-communications/:id
//	GET    /contacts, /contacts/:id; POST /contacts; PATCH /contacts/:id
//	GET    /contacts/:id/addresses[/:id]; POST …/addresses; PATCH, DELETE …/addresses/:id
//	POST   /leads; GET /leads/:id; POST /leads/:id/offers (answers a plain array)
//	GET    /lead-routes, /lead-routes/:id; POST /lead-routes; PATCH /lead-routes/:id
//	GET    /teams, /teams/:id; POST /teams; PATCH /teams/:id
//	GET    /team-member-distribution-options[/:id]; POST …; PATCH …/:id
//	GET    /tasks; POST /tasks
//
// Any other path answers 404 NotFound "Page not found"; any other method on
// a known path answers 405 MethodNotAllowed (PUT included: VENDORS.md 3.1).
// Checks run in this order: rate limit and injected faults (emulator.Core),
// route (404/405), token (401), body (400: not JSON, wrong Content-Type,
// unknown or mistyped fields, missing required fields), the records the
// path names (404 "No record found for id 'X'"), permission (403), then the
// records the body names and the business rules (400).
//
// # Where the emulator differs from LionDesk
//
// The assumptions of VENDORS.md adopted here ([A] there):
//
//   - Errors are FeathersJS errors (section 6 #11); messages are the
//     emulator's own, as LionDesk's validation messages are unknown. A
//     missing token answers "Not authenticated", a wrong one "Invalid
//     access token".
//   - Creates answer 201 (#12). $limit is capped at 100, and the default
//     order is id ascending (#13).
//   - Equality filters match the stored string exactly (#14): phones only
//     as stored, and emails case-sensitively (MySQL would usually compare
//     case-insensitively). $like is case-insensitive with % and _.
//   - No rate limit unless Options.Limit is set; the opt-in limit answers
//     429 TooManyRequests with Retry-After (#15).
//   - POST /campaigns/:id/contacts answers the created record
//     {id, campaign_id, contact_id} (#16).
//   - There is no OAuth endpoint: fixture tokens are accepted as they are
//     and never expire (#17).
//   - Duplicate campaign names answer 400 (compared case-insensitively).
//     Failed lead-offer preconditions answer 400.
//   - Campaign actions accept template_id as an alias of
//     template_metadata_id.
//
// Simplifications and further assumptions of this emulator:
//
//   - Strictness beyond what is documented: a body field the resource does
//     not document is refused (400), as is a value of the wrong JSON type
//     (a string for an integer, 1 for a boolean), a non-JSON body, a
//     non-empty body without Content-Type application/json, a query field
//     that is not documented for the resource, an unknown $ parameter or
//     operator, a repeated equality filter, and a non-integer or negative
//     $limit or $skip (Feathers would fall back to the defaults).
//     Documented read-only fields in a body are ignored. Lengths documented
//     in the field tables are enforced. Query parameters of get, create and
//     patch requests are ignored. $select and $or are not supported.
//   - Query semantics follow MySQL where the docs say nothing: numbers
//     compare numerically, booleans match true/1 and false/0, times compare
//     as times, a null field matches no condition (not even $ne or $nin),
//     sorting puts nulls first and compares strings case-insensitively.
//     Query strings are decoded like Node's qs: '+' is a space and a value
//     that is not valid percent-encoding is kept as sent.
//   - A body field naming a record the caller cannot see (contact_id,
//     source_id, campaign_id, team_id, …) answers 400 with the field in
//     errors; an unknown id in the path answers 404.
//   - Visibility: contact sources, campaigns, lead routes and leads are the
//     caller's own (campaigns also LionDesk defaults: campaigns seeded
//     without an owner, which nobody may change); a contact is visible to
//     its owner, its assigned user and members of a contact-sharing team
//     the owner belongs to; teams to their creator and members; team
//     member distribution options to the team's creator; tasks to their
//     owner and assignee. Broker sharing and contact sharing with single
//     users are not modelled.
//   - assigned_user_id (contacts, tasks) must be the caller or a member of
//     one of the caller's teams; a campaign action's must be a known user.
//   - Team membership is fixture data (or seeded): no documented endpoint
//     changes it. A created team has its creator as its only member.
//   - Routing: a lead takes the caller's lead route whose lead_source_id
//     equals the lead's source_id and whose contact_source_id equals the
//     contact's source_id, 0 in a route matching any source; a non-empty
//     route filter must equal the lead's type (case-insensitively); the
//     most specific route wins, then the oldest. "Myself" claims the lead
//     for the caller at once (claimed_via "Auto" unless given); "Team
//     Rollout" leaves it unclaimed for POST /leads/:id/offers. Without a
//     matching route distribution_target stays null and claimed_via is
//     "None". Creating a lead does not start the route's campaign: the
//     walkthrough does that with POST /campaigns/:id/contacts.
//   - Lead offers go to the team's members that have distribution options
//     and at least one alert on, ordered by rank (Rank teams, notified
//     mins_until_next_alert apart) or by mins_until_lead_offer (Time
//     teams). A Zipcode route picks the route owner's team whose
//     distribution_zipcodes contain the lead's zipcode; overlapping zipcode
//     sets among a user's teams are refused (400). Offers are never claimed
//     or expired by the emulator, and there is no endpoint to read them
//     back (GET answers 405).
//   - Starting a campaign for a contact twice answers 400. Each campaign
//     action becomes one communication (Email/Call/Text Contact) or one
//     task (Agent Task types, status "incomplete", description = the
//     action's notes or "<campaign>: <type>") scheduled from the timing
//     (Delay by Day and Time: start day + delay_by_days at dispatch_time
//     UTC; Delay by Minutes: start + delay_by_seconds seconds; Exact Date
//     and Time: dispatch_datetime; Recurring: the start). Nothing is ever
//     sent or completed. The campaign action trigger option (birthday) is
//     not modelled. Communications carry an id (the docs' example shows
//     none) so they can be patched.
//   - Templates do not exist as records: template ids are not checked, and
//     $load=template and a communication's template fields show
//     placeholders ("Template N").
//   - A lead's zipcode, mls_id and listing_price, and an address's zip,
//     accept a string or a number and are echoed as sent.
//   - Lead routes answer the documented read shape only (embedded team,
//     campaign, lead_source, contact_source; the team in the route's
//     number-coded form: order_method 1 = Rank, 2 = Time) and can be
//     filtered on team_id, campaign_id, lead_source_id and
//     contact_source_id. Leads cannot be listed (GET /leads answers 405).
//   - Only the documented methods exist: tasks have find and create (GET
//     and PATCH /tasks/:id answer 405), campaign actions find and create,
//     campaign contacts create, contacts no DELETE.
//   - Undocumented output fields are not invented: no created_at on leads,
//     no owner on teams. Dump shows the internal fields (owners, members,
//     links) too, with tokens shortened.
//   - An injected 429 (Faults.Extra429) without a configured limit asks
//     for a wait of one (scaled) second.
//   - Retry-After is in whole seconds in real time; with a TimeScale below
//     1 it is the scaled wait in fractional seconds (emulator core).
package liondesktest
