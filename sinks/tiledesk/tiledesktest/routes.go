package tiledesktest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// Operation names, as counted in emulator.Stats and the call log.
const (
	OpList    = "leads.list"
	OpGet     = "leads.get"
	OpCreate  = "leads.create"
	OpUpdate  = "leads.update"
	OpDelete  = "leads.delete"
	OpSignin  = "auth.signin"
	OpUnknown = "unknown" // any other path or method
)

// route is what the path and method name.
type route struct {
	op      string
	project string // raw :project_id ("" outside /:project_id/leads)
	leadID  string // raw :id
	// leads is true under /:project_id/leads: the project and auth checks
	// run there even for a method or sub-path the emulator does not serve.
	leads bool
}

// parseRoute maps a path, with or without the hosted /v3 prefix, to a
// route. Like Express it ignores one trailing slash.
func parseRoute(method, path string) route {
	if path == "/v3" || strings.HasPrefix(path, "/v3/") {
		path = path[len("/v3"):]
	}
	path = strings.TrimSuffix(path, "/")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) == 2 && segs[0] == "auth" && segs[1] == "signin" && method == http.MethodPost {
		return route{op: OpSignin}
	}
	if len(segs) < 2 || segs[0] == "" || !strings.EqualFold(segs[1], "leads") {
		return route{op: OpUnknown}
	}
	rt := route{op: OpUnknown, project: segs[0], leads: true}
	switch rest := segs[2:]; {
	case len(rest) == 0:
		switch method {
		case http.MethodGet:
			rt.op = OpList
		case http.MethodPost:
			rt.op = OpCreate
		}
	case len(rest) == 1 && rest[0] != "":
		rt.leadID = rest[0]
		switch method {
		case http.MethodGet:
			if rest[0] != "csv" { // GET /leads/csv is the (unemulated) CSV export
				rt.op = OpGet
			}
		case http.MethodPut:
			rt.op = OpUpdate
		case http.MethodDelete:
			rt.op = OpDelete
		}
	}
	return rt
}

func (rt route) writes() bool {
	return rt.op == OpCreate || rt.op == OpUpdate || rt.op == OpDelete
}

// serveVendor answers every non-admin request through the core, which
// applies the rate limit and faults first.
func (e *Emulator) serveVendor(w http.ResponseWriter, r *http.Request) {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet // Express answers HEAD with the GET route
	}
	rt := parseRoute(method, r.URL.Path)
	cred := credentialOf(r)
	if rt.op == OpSignin {
		cred = signinCredential(r)
	}
	meta := emulator.Meta{Op: rt.op, Credential: cred, Write: rt.writes()}
	e.Core().Serve(&opWriter{ResponseWriter: w, op: rt.op}, redactRequest(r), meta, func(w http.ResponseWriter) {
		e.mu.Lock()
		defer e.mu.Unlock()
		switch {
		case rt.op == OpSignin:
			e.signin(w, r)
		case !rt.leads:
			writeExpressNotFound(w, r)
		default:
			e.serveLeads(w, r, rt)
		}
	})
}

// serveLeads runs the checks of app.js and the middleware in their order
// (project, passport, valid-token, role), then the route.
func (e *Emulator) serveLeads(w http.ResponseWriter, r *http.Request, rt route) {
	if !isObjectID(rt.project) {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid project id: " + rt.project})
		return
	}
	project, ok := e.st.projects[strings.ToLower(rt.project)]
	if !ok || project.Status != 100 {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Project not found with id: " + rt.project})
		return
	}
	user, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	m, ok := e.st.memberships[memberKey{project.ID, user.ID}]
	if !ok || m.Status != "active" {
		writeMsg(w, http.StatusForbidden, "you dont belong to the project.")
		return
	}
	if roleRank(m.Role) < roleRank(requiredRole) {
		writeMsg(w, http.StatusForbidden, "you dont have the required role.")
		return
	}
	switch rt.op {
	case OpList:
		e.list(w, r, rt)
	case OpGet:
		e.get(w, rt)
	case OpCreate:
		e.create(w, r, rt, user)
	case OpUpdate:
		e.update(w, r, rt)
	case OpDelete:
		e.softDelete(w, rt)
	default:
		writeExpressNotFound(w, r)
	}
}

// authenticate is passport.authenticate(['basic', 'jwt'], {session: false})
// followed by middleware/valid-token.js. It writes the failure itself.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request) (User, bool) {
	header := r.Header.Get("Authorization")
	user, basicStatus, ok := e.st.basicAuth(header)
	if !ok {
		user, ok = e.st.jwtAuth(header, r.URL.Query(), e.Now())
	}
	if !ok {
		// passport answers with the first failing strategy's status, and
		// sends challenges only with 401.
		if basicStatus == http.StatusBadRequest {
			writePlain(w, http.StatusBadRequest, "Bad Request")
			return User{}, false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="Users"`)
		writePlain(w, http.StatusUnauthorized, "Unauthorized")
		return User{}, false
	}
	if header == "" || len(strings.Split(header, " ")) != 2 {
		writeMsg(w, http.StatusForbidden, "Unauthorized.")
		return User{}, false
	}
	return user, true
}

// basicAuth is passport-http's BasicStrategy with Tiledesk's verify
// callback. On failure status is 400 for a malformed header and 0 for a
// challenge (401).
func (st *state) basicAuth(header string) (user User, status int, ok bool) {
	if header == "" {
		return User{}, 0, false
	}
	parts := strings.Split(header, " ")
	if len(parts) < 2 {
		return User{}, http.StatusBadRequest, false
	}
	creds := strings.Split(nodeBase64(parts[1]), ":")
	if !strings.Contains(strings.ToLower(parts[0]), "basic") { // /Basic/i.test(scheme)
		return User{}, 0, false
	}
	if len(creds) < 2 {
		return User{}, http.StatusBadRequest, false
	}
	// Only the text between the first and second colon is the password,
	// as in passport-http.
	email, password := strings.ToLower(creds[0]), creds[1]
	if email == "" || password == "" {
		return User{}, 0, false
	}
	u, found := st.users[st.byEmail[email]]
	if !found || u.Status != 100 || u.Password != password {
		return User{}, 0, false
	}
	return u, 0, true
}

var authHeaderRe = regexp.MustCompile(`(\S+)\s+(\S+)`)

// jwtAuth is passport-jwt with the extractors Tiledesk configures: the
// Authorization header with scheme "jwt" (any case), else ?secret_token=.
// Tokens are looked up, not verified.
func (st *state) jwtAuth(header string, q url.Values, now time.Time) (User, bool) {
	token := ""
	if m := authHeaderRe.FindStringSubmatch(header); m != nil && strings.ToLower(m[1]) == "jwt" {
		token = m[2]
	}
	if token == "" {
		token = q.Get("secret_token")
	}
	t, ok := st.tokens[token]
	if token == "" || !ok || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return User{}, false
	}
	u, ok := st.users[t.UserID]
	if !ok || u.Status != 100 {
		return User{}, false
	}
	return u, true
}

// nodeBase64 decodes like Node's Buffer.from(s, 'base64'): both alphabets,
// padding optional, anything else skipped, stopping at the first '='.
func nodeBase64(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '=':
			goto done
		case c == '-':
			b.WriteByte('+')
		case c == '_':
			b.WriteByte('/')
		case c == '+' || c == '/' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9'):
			b.WriteRune(c)
		}
	}
done:
	clean := b.String()
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(clean)
	return string(out)
}

// list is GET /:project_id/leads.
func (e *Emulator) list(w http.ResponseWriter, r *http.Request, rt route) {
	lq, err := parseListQuery(rt.project, r.URL.Query())
	switch {
	case errors.Is(err, errSegmentNotFound):
		writeMsg(w, http.StatusNotFound, "Error segment not found")
		return
	case err != nil:
		writeMsg(w, http.StatusInternalServerError, "Error getting object.")
		return
	}
	page, count := lq.run(e.st)
	emulator.WriteJSON(w, http.StatusOK, struct {
		PerPage int              `json:"perPage"`
		Count   int              `json:"count"`
		Leads   []map[string]any `json:"leads"`
	}{lq.limit, count, page})
}

// find looks a lead up by the :id of a by-id route. It writes 500 for an
// id MongoDB cannot cast (with failMsg) and reports found=false for an
// unknown id or, unless FaithfulScope, a lead of another project.
func (e *Emulator) find(w http.ResponseWriter, rt route, failMsg string) (rec *leadRecord, id string, found, ok bool) {
	if !isObjectID(rt.leadID) {
		writeMsg(w, http.StatusInternalServerError, failMsg)
		return nil, "", false, false
	}
	id = strings.ToLower(rt.leadID)
	rec, found = e.st.leads[id]
	if found && !e.quirks.FaithfulScope && rec.owner() != strings.ToLower(rt.project) {
		writeMsg(w, http.StatusNotFound, "Object not found.")
		return nil, id, true, false
	}
	return rec, id, found, true
}

// get is GET /:project_id/leads/:id. Soft-deleted leads are returned too.
func (e *Emulator) get(w http.ResponseWriter, rt route) {
	rec, _, found, ok := e.find(w, rt, "Error getting object.")
	if !ok {
		return
	}
	if !found {
		writeMsg(w, http.StatusNotFound, "Object not found.")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, rec.doc)
}

// create is POST /:project_id/leads: leadService.createWitId with only
// lead_id, fullname, email and attributes from the body.
func (e *Emulator) create(w http.ResponseWriter, r *http.Request, rt route, user User) {
	const failMsg = "Error saving object."
	body, err := readBody(r)
	if err != nil {
		writeMsg(w, http.StatusInternalServerError, failMsg)
		return
	}
	doc := map[string]any{}
	if v := body["lead_id"]; truthy(v) {
		if doc["lead_id"], err = castString(v); err != nil {
			writeMsg(w, http.StatusInternalServerError, failMsg)
			return
		}
	}
	for _, k := range []string{"fullname", "email"} {
		if v, present := body[k]; present {
			if doc[k], err = castString(v); err != nil {
				writeMsg(w, http.StatusInternalServerError, failMsg)
				return
			}
		}
	}
	if v, present := body["attributes"]; present {
		doc["attributes"] = deepCopy(v)
	}
	if _, set := doc["lead_id"]; !set {
		doc["lead_id"] = e.st.uuid()
	}
	now := mongoTime{e.clock()}
	doc["_id"] = e.st.newLeadID()
	doc["phone"] = nil
	doc["tags"] = []any{}
	doc["status"] = float64(StatusNormal)
	doc["id_project"] = rt.project
	doc["createdBy"] = user.ID
	doc["createdAt"], doc["updatedAt"] = now, now
	doc["__v"] = float64(0)
	e.st.insert(&leadRecord{doc: doc})
	emulator.MarkWrite(w)
	emulator.WriteJSON(w, http.StatusOK, doc)
}

// updatable are the body keys PUT copies when they are neither undefined
// nor null, with their Mongoose casts; tags is handled apart.
var updatable = []struct {
	key  string
	cast func(any) (any, error)
}{
	{"fullname", castString}, {"email", castString}, {"attributes", func(v any) (any, error) { return deepCopy(v), nil }},
	{"status", castNumber}, {"phone", castString}, {"company", castString}, {"note", castString},
	{"streetAddress", castString}, {"city", castString}, {"region", castString}, {"zipcode", castString},
	{"country", castString},
}

// update is PUT /:project_id/leads/:id: a partial update with upsert.
func (e *Emulator) update(w http.ResponseWriter, r *http.Request, rt route) {
	const failMsg = "Error updating object."
	body, err := readBody(r)
	if err != nil {
		writeMsg(w, http.StatusInternalServerError, failMsg)
		return
	}
	set := map[string]any{}
	for _, f := range updatable {
		v := body[f.key]
		if v == nil { // req.body.x != undefined is false for null too
			continue
		}
		if set[f.key], err = f.cast(v); err != nil {
			writeMsg(w, http.StatusInternalServerError, failMsg)
			return
		}
	}
	if v := body["tags"]; truthy(v) {
		if set["tags"], err = castStringArray(v); err != nil {
			writeMsg(w, http.StatusInternalServerError, failMsg)
			return
		}
	}
	e.findAndUpdate(w, rt, set, failMsg)
}

// softDelete is DELETE /:project_id/leads/:id: status 1000, with upsert.
func (e *Emulator) softDelete(w http.ResponseWriter, rt route) {
	e.findAndUpdate(w, rt, map[string]any{"status": float64(StatusDeleted)}, "Error updating object.")
}

// findAndUpdate is Lead.findByIdAndUpdate(id, set, {new: true, upsert: true}).
func (e *Emulator) findAndUpdate(w http.ResponseWriter, rt route, set map[string]any, failMsg string) {
	rec, id, found, ok := e.find(w, rt, failMsg)
	if !ok {
		return
	}
	now := mongoTime{e.clock()}
	if !found {
		if e.quirks.NotFoundOnMissing {
			writeMsg(w, http.StatusNotFound, "Object not found.")
			return
		}
		// The upserted document holds only _id, the update and the
		// timestamps: no id_project, so no list ever shows it.
		rec = &leadRecord{doc: map[string]any{"_id": id, "createdAt": now, "__v": float64(0)}, upsertedIn: strings.ToLower(rt.project)}
		e.st.insert(rec)
	}
	for k, v := range set {
		rec.doc[k] = v
	}
	rec.doc["updatedAt"] = now
	emulator.MarkWrite(w)
	emulator.WriteJSON(w, http.StatusOK, rec.doc)
}

// signin is POST /auth/signin (routes/auth.js): a JWT for email+password.
func (e *Emulator) signin(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		body = map[string]any{} // a body that does not parse has no valid field
	}
	var problems []map[string]any
	email, emailOK := body["email"].(string)
	if !emailOK || !emailRe.MatchString(email) {
		problems = append(problems, validationError("email", body))
	}
	password, _ := body["password"].(string)
	if pv, present := body["password"]; !present || pv == nil || pv == "" {
		problems = append(problems, validationError("password", body))
	}
	if len(problems) > 0 {
		emulator.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": problems})
		return
	}
	u, found := e.st.users[e.st.byEmail[strings.ToLower(email)]]
	if !found || u.Status != 100 {
		writeMsg(w, http.StatusUnauthorized, "Authentication failed. User not found.")
		return
	}
	if password != u.Password {
		writeMsg(w, http.StatusUnauthorized, "Authentication failed. Wrong password.")
		return
	}
	userJSON := map[string]any{"_id": u.ID, "email": u.Email, "firstname": u.Firstname, "lastname": u.Lastname, "emailverified": true}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "token": "JWT " + e.st.issueToken(u, e.Now()), "user": userJSON})
}

// emailRe approximates validator.js isEmail.
var emailRe = regexp.MustCompile(`^[^\s@"(),:;<>\[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$`)

// validationError is one express-validator (v6) error item.
func validationError(field string, body map[string]any) map[string]any {
	item := map[string]any{"msg": "Invalid value", "param": field, "location": "body"}
	if v, ok := body[field]; ok {
		item["value"] = v
	}
	return item
}

// issueToken makes and remembers a JWT-shaped token for u.
func (st *state) issueToken(u User, now time.Time) string {
	st.nextToken++
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(map[string]any{
		"_id": u.ID, "email": u.Email, "firstname": u.Firstname, "lastname": u.Lastname,
		"iat": now.Unix(), "aud": "https://tiledesk.com", "iss": "https://tiledesk.com", "sub": "user",
		"jti": fmt.Sprintf("tiledesktest-%d", st.nextToken),
	})
	token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + enc.EncodeToString(payload) + "." +
		enc.EncodeToString([]byte(fmt.Sprintf("tiledesktest-unsigned-%d", st.nextToken)))
	st.tokens[token] = Token{Token: token, UserID: u.ID}
	return token
}

// maxBody bounds a request body; a larger one is treated as malformed.
const maxBody = 16 << 20

var errMalformedBody = errors.New("malformed body")

// readBody is what Express's bodyParser.json() and urlencoded() leave in
// req.body: the JSON object for application/json (an array or empty body
// yields no fields), the form fields for application/x-www-form-urlencoded,
// and no fields for any other content type.
func readBody(r *http.Request) (map[string]any, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" && mediaType != "application/x-www-form-urlencoded" {
		return map[string]any{}, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(data) > maxBody {
		return nil, errMalformedBody
	}
	if mediaType == "application/x-www-form-urlencoded" {
		vals, _ := url.ParseQuery(string(data)) // qs keeps what it can parse
		out := map[string]any{}
		for k, vs := range vals {
			if len(vs) == 1 {
				out[k] = vs[0]
				continue
			}
			arr := make([]any, len(vs))
			for i, v := range vs {
				arr[i] = v
			}
			out[k] = arr
		}
		return out, nil
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return map[string]any{}, nil
	}
	if trimmed[0] != '{' && trimmed[0] != '[' { // body-parser's strict mode
		return nil, errMalformedBody
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, errMalformedBody
	}
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return map[string]any{}, nil
}

// writeMsg writes the usual Tiledesk error body {"success":false,"msg":...}.
func writeMsg(w http.ResponseWriter, status int, msg string) {
	emulator.WriteJSON(w, status, map[string]any{"success": false, "msg": msg})
}

// writePlain writes a body the way Node's res.end does: no Content-Type.
func writePlain(w http.ResponseWriter, status int, body string) {
	w.Header()["Content-Type"] = nil // stops net/http from sniffing one
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// writeExpressNotFound is Express's final handler for an unmatched route.
func writeExpressNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot %s %s</pre>\n</body>\n</html>\n",
		html.EscapeString(r.Method), html.EscapeString(r.URL.EscapedPath()))
}

// writeRateLimited is the opt-in 429: tiledesk-server's only rate-limit
// body, and no Retry-After.
func writeRateLimited(w http.ResponseWriter, _ time.Duration) {
	emulator.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Rate limit exceeded"})
}

// writeInternalError is an injected 500 with the message the operation's
// route uses for a database error.
func writeInternalError(w http.ResponseWriter) {
	op := OpUnknown
	if ow, ok := w.(*opWriter); ok {
		op = ow.op
	}
	msg := "Error getting object."
	switch op {
	case OpCreate:
		msg = "Error saving object."
	case OpUpdate, OpDelete:
		msg = "Error updating object."
	}
	writeMsg(w, http.StatusInternalServerError, msg)
}

// opWriter carries the operation to writeInternalError; it still lets the
// core hijack the connection for the drop-after-write fault.
type opWriter struct {
	http.ResponseWriter
	op string
}

func (o *opWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(o.ResponseWriter).Hijack()
}

func (o *opWriter) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// credentialOf is what the rate limit counts by: the Authorization header,
// else the query token.
func credentialOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		return h
	}
	if t := r.URL.Query().Get("secret_token"); t != "" {
		return "secret_token " + t
	}
	return ""
}

// signinCredential is the lower-cased email of a signin body; the body is
// put back for the handler.
func signinCredential(r *http.Request) string {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), r.Body))
	if err != nil {
		return ""
	}
	var body struct {
		Email string `json:"email"`
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		vals, _ := url.ParseQuery(string(data))
		body.Email = vals.Get("email")
	} else {
		_ = json.Unmarshal(data, &body)
	}
	return strings.ToLower(body.Email)
}

// redactRequest hides ?secret_token= from the call log (the core redacts
// other vendors' credential parameters, not this one).
func redactRequest(r *http.Request) *http.Request {
	if !r.URL.Query().Has("secret_token") {
		return r
	}
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("secret_token", "REDACTED")
	r2.URL.RawQuery = q.Encode()
	return r2
}
