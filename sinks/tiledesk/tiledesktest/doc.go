// Package tiledesktest is a strict local emulator of the Tiledesk Leads API
// (v3), VENDORS.md section 2: list, get, create, update and soft-delete
// leads under /v3/:project_id/leads (also served without /v3, like
// tiledesk-server itself), plus POST /v3/auth/signin for JWTs. It keeps the
// real server's rules: the project checks before authentication, Basic and
// JWT authentication as passport does them, membership and the agent role,
// the create route that keeps only lead_id, fullname, email and attributes,
// PUT's partial update with upsert, status 1000 on DELETE, and the real
// error bodies ({"error": ...} for project checks, plain "Unauthorized"
// from passport, {"success":false,"msg":...} elsewhere).
//
// Where the emulator differs from the real service:
//
//   - Assumptions adopted from VENDORS.md: no rate limit unless
//     Options.Limit is set, and then 429 {"message":"Rate limit exceeded"}
//     without Retry-After [A, section 6 #8]; PUT and DELETE of an unknown
//     well-formed id upsert a bare document (_id, the sent fields,
//     createdAt, updatedAt, __v: 0; no id_project, so no list shows it),
//     or answer 404 with Options.Vendor.NotFoundOnMissing [A, #9]; GET, PUT and
//     DELETE by id are scoped to the path's project (404
//     {"success":false,"msg":"Object not found."} for another project's
//     lead) unless Options.Vendor.FaithfulScope [A, #10]; both sort (implemented)
//     and sortField (documented) are honoured, sort first [A, quirk 1].
//   - Requests the real server never answers (an unhandled promise or an
//     error passed to nowhere) get 500 {"success":false,"msg":...} with the
//     route's usual message: malformed JSON bodies (VENDORS.md [A]),
//     values Mongoose cannot cast (an object for fullname, a non-numeric
//     status), a page, limit or status query MongoDB would refuse, and an
//     invalid direction (a thrown TypeError in the real server). A
//     malformed body is detected after the auth checks, although the real
//     body parser runs before them; DELETE and GET bodies are never read.
//     Bodies above 16 MiB count as malformed.
//   - A non-JSON, non-form Content-Type is not refused: like Express, the
//     body is then ignored, so a create stores a lead with a generated
//     lead_id and nothing else. Form-encoded bodies work as in Express.
//   - JWTs are opaque: only fixture tokens and tokens issued by signin
//     pass, by exact lookup; signatures, issuers and audiences are not
//     checked. Only user callers exist: bot and subscription tokens, the
//     ADMIN_EMAIL super-admin bypass and signin's super password are not
//     modelled. Issued tokens are forgotten by ResetRecords.
//   - Project and lead ids are valid only as 24 hex digits (the bson
//     library also accepts any 12-byte string).
//   - Signin validates only the JSON or form body (express-validator's
//     check() also looks at query, headers and cookies); its 422 items use
//     the v6 shape {value, msg, param, location}; an unparsable body is
//     treated as one without fields. The user object returned holds _id,
//     email, firstname, lastname and emailverified (always true).
//   - full_text approximates MongoDB $text with language "none": tokens
//     split on white space, punctuation and symbols (not "_"), lower-case,
//     no diacritic folding; any term matches, every "phrase" must match
//     (then plain terms are ignored), -term excludes.
//   - Sort follows BSON order (empty array < null/missing < numbers <
//     strings < objects < arrays < booleans < dates; objects compare by
//     their JSON), arrays by their smallest (ascending) or largest
//     (descending) element; ties, which MongoDB leaves unordered, follow
//     creation order in the sort's direction.
//   - segment: the emulator stores no segments, so any segment answers 404
//     {"success":false,"msg":"Error segment not found"}.
//   - A repeated page, limit, sort, direction or full_text uses its first
//     value (Express would pass an array and the route would misbehave);
//     repeated status and email match any value, repeated tags the whole
//     array.
//   - Not emulated, answering Express's 404 page after the project and
//     auth checks: GET /leads/csv, PUT /leads/:id/tag, DELETE
//     /leads/:id/tag/:tag, PATCH /leads/:id/attributes, /properties and
//     DELETE /leads/:id/physical. Other tiledesk-server routes answer the
//     404 page without any check; CORS preflights are not answered.
//   - Injected 500s (Faults.Error500) use the operation's database-error
//     message: "Error saving object." for create, "Error updating object."
//     for update and delete, "Error getting object." otherwise.
//   - Generated _ids come from a counter (66d1e4c0 followed by 16 hex
//     digits, from 1000) and lead_id UUIDs from a seeded generator, so runs
//     are reproducible; real ObjectIds embed a timestamp.
package tiledesktest
