package liondesktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// Options configures an Emulator (the fields every emulator shares; see
// emulator.VendorOptions). Limit is an opt-in rate limit per access token:
// nil means none, as LionDesk documents no rate limit (VENDORS.md 3.4).
// Fixtures are the users, lead sources, contact sources and teams (nil:
// DefaultFixtures()). Now is the clock for stored times (created_at,
// send_at, …; never scaled) and for the rate-limit window.
type Options = emulator.VendorOptions[Fixtures, emulator.NoQuirks]

// Emulator is a strict in-memory LionDesk API v2. It is safe for
// concurrent use.
type Emulator struct {
	emulator.Base
	fixtures Fixtures
	eps      []endpoint

	mu sync.Mutex
	st *store
}

// New returns an emulator that is not listening; serve Handler. It panics
// when opts.Fixtures do not load (see Fixtures.Validate).
func New(opts Options) *Emulator {
	e := &Emulator{
		Base:     emulator.NewBase(opts, emulator.Limit{}, responses(opts.TimeScale)),
		fixtures: opts.FixturesOr(DefaultFixtures),
	}
	e.eps = e.endpoints()
	e.st = e.freshStore()
	e.Route(http.HandlerFunc(e.serveVendor), e)
	return e
}

// Credentials describes the test accounts for `leadsync sandbox`.
func (e *Emulator) Credentials() []string {
	var lines []string
	for _, u := range e.Users() {
		if u.Token == "" {
			continue
		}
		lines = append(lines, fmt.Sprintf("access token (Authorization: Bearer; user %d %s %s): %s", u.ID, u.FirstName, u.LastName, u.Token))
	}
	return lines
}

// Server is an Emulator listening on loopback (URL, Client, Close).
type Server struct {
	*Emulator
	*emulator.Server
}

// NewServer starts an emulator on a loopback port. Close it when done.
func NewServer(opts Options) *Server {
	e := New(opts)
	return &Server{Emulator: e, Server: emulator.Start(e.Handler())}
}

// call is one request being handled.
type call struct {
	e      *Emulator
	r      *http.Request
	uid    int64
	params []string
	body   map[string]any
	wrote  bool
}

// handlerFunc answers a call with a status and a JSON-encodable value.
// It runs with the store locked.
type handlerFunc func(c *call) (int, any, *apiError)

// route is one method on one path pattern.
type route struct {
	op    string // resource.feathersMethod, e.g. "contact.create"
	write bool
	h     handlerFunc
}

// endpoint is a path pattern (":" marks an id segment) and its methods.
type endpoint struct {
	pattern  []string
	resource string // operation prefix
	item     bool   // the last segment is an id: GET is Feathers `get`, not `find`
	methods  map[string]handlerFunc
}

func (e *Emulator) endpoints() []endpoint {
	ep := func(pattern, resource string, methods map[string]handlerFunc) endpoint {
		segs := strings.Split(pattern, "/")
		return endpoint{pattern: segs, resource: resource, item: strings.HasPrefix(segs[len(segs)-1], ":"), methods: methods}
	}
	type m = map[string]handlerFunc
	rules := e.resources()
	res := func(table string) resource {
		r, ok := rules[table]
		if !ok {
			panic("liondesktest: no resource rules for " + table)
		}
		return r
	}
	find, get := e.finder, func(table string) handlerFunc { return e.getter(res(table)) }
	create := func(table string) handlerFunc { return e.creator(res(table)) }
	patch := func(table string) handlerFunc { return e.patcher(res(table)) }
	remove := func(table string) handlerFunc { return e.remover(res(table)) }
	byContact := func(table string) handlerFunc { return e.childFinder(tContacts, table, "contact_id", nil) }
	actions := e.childFinder(tCampaigns, tActions, "campaign_id", func(r row, q findQuery) any { return presentAction(r, q.load) }, "template")
	return []endpoint{
		ep("me", "me", m{"GET": e.getMe}),
		ep("lead-sources", "leadsource", m{"GET": find(tLeadSources)}),
		ep("lead-sources/:id", "leadsource", m{"GET": get(tLeadSources)}),
		ep("contact-sources", "contactsource", m{"GET": find(tContactSources), "POST": create(tContactSources)}),
		ep("contact-sources/:id", "contactsource", m{"GET": get(tContactSources), "PATCH": patch(tContactSources), "DELETE": remove(tContactSources)}),
		ep("campaigns", "campaign", m{"GET": find(tCampaigns), "POST": create(tCampaigns)}),
		ep("campaigns/:id", "campaign", m{"GET": get(tCampaigns), "PATCH": patch(tCampaigns)}),
		ep("campaigns/:id/actions", "campaignaction", m{"GET": actions, "POST": create(tActions)}),
		ep("campaigns/:id/actions/:id", "campaignaction", m{}),
		ep("campaigns/:id/contacts", "campaigncontact", m{"POST": e.createCampaignContact}),
		ep("campaigns/:id/contacts/:id", "campaigncontact", m{}),
		ep("contacts", "contact", m{"GET": find(tContacts), "POST": create(tContacts)}),
		ep("contacts/:id", "contact", m{"GET": get(tContacts), "PATCH": patch(tContacts)}),
		ep("contacts/:id/addresses", "address", m{"GET": byContact(tAddresses), "POST": create(tAddresses)}),
		ep("contacts/:id/addresses/:id", "address", m{"GET": get(tAddresses), "PATCH": patch(tAddresses), "DELETE": remove(tAddresses)}),
		ep("contacts/:id/campaign-communications", "communication", m{"GET": byContact(tComms)}),
		ep("contacts/:id/campaign-communications/:id", "communication", m{"GET": get(tComms), "PATCH": patch(tComms)}),
		ep("leads", "lead", m{"POST": create(tLeads)}),
		ep("leads/:id", "lead", m{"GET": get(tLeads)}),
		ep("leads/:id/offers", "leadoffer", m{"POST": e.createOffers}),
		ep("leads/:id/offers/:id", "leadoffer", m{}),
		ep("lead-routes", "leadroute", m{"GET": find(tRoutes), "POST": create(tRoutes)}),
		ep("lead-routes/:id", "leadroute", m{"GET": get(tRoutes), "PATCH": patch(tRoutes)}),
		ep("teams", "team", m{"GET": find(tTeams), "POST": create(tTeams)}),
		ep("teams/:id", "team", m{"GET": get(tTeams), "PATCH": patch(tTeams)}),
		ep("team-member-distribution-options", "distributionoption", m{"GET": find(tOptions), "POST": create(tOptions)}),
		ep("team-member-distribution-options/:id", "distributionoption", m{"GET": get(tOptions), "PATCH": patch(tOptions)}),
		ep("tasks", "task", m{"GET": find(tTasks), "POST": create(tTasks)}),
		ep("tasks/:id", "task", m{}),
	}
}

// feathersMethod names a request the way Feathers' REST transport does.
func feathersMethod(method string, item bool) string {
	switch method {
	case "GET":
		if item {
			return "get"
		}
		return "find"
	case "POST":
		return "create"
	case "PATCH":
		return "patch"
	case "PUT":
		return "update"
	case "DELETE":
		return "remove"
	}
	return strings.ToLower(method)
}

// cleanSegments collapses repeated slashes (the docs print
// https://api-v2.liondesk.com//contacts) and drops a trailing one.
func cleanSegments(path string) []string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// resolve finds the route for a request; the error is a 404 (no such path)
// or a 405 (no such method on it).
func (e *Emulator) resolve(method string, segs []string) (route, []string, *apiError) {
	for _, ep := range e.eps {
		if len(ep.pattern) != len(segs) {
			continue
		}
		var params []string
		ok := true
		for i, p := range ep.pattern {
			if strings.HasPrefix(p, ":") {
				params = append(params, segs[i])
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		fm := feathersMethod(method, ep.item)
		rt := route{op: ep.resource + "." + fm, write: method != "GET" && method != "HEAD", h: ep.methods[method]}
		if rt.h == nil {
			return rt, params, methodNotAllowed(fm)
		}
		return rt, params, nil
	}
	return route{op: "unknown", write: method != "GET" && method != "HEAD"}, nil, errPageNotFound
}

// bearer returns the access token of an Authorization header, or "".
func bearer(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

const maxBody = 1 << 20

func (e *Emulator) serveVendor(w http.ResponseWriter, r *http.Request) {
	rt, params, routeErr := e.resolve(r.Method, cleanSegments(r.URL.Path))
	token := bearer(r)
	e.Core().Serve(w, r, emulator.Meta{Op: rt.op, Credential: token, Write: rt.write}, func(w http.ResponseWriter) {
		status, v, aerr, wrote := e.handle(r, rt, params, routeErr, token)
		if wrote {
			emulator.MarkWrite(w)
		}
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		emulator.WriteJSON(w, status, v)
	})
}

// handle applies the checks in LionDesk's order (route, authentication,
// body, then the handler's lookups and rules) and runs the handler.
func (e *Emulator) handle(r *http.Request, rt route, params []string, routeErr *apiError, token string) (int, any, *apiError, bool) {
	if routeErr != nil {
		return 0, nil, routeErr, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &call{e: e, r: r, params: params}
	if aerr := e.authenticate(r, token, c); aerr != nil {
		return 0, nil, aerr, false
	}
	if r.Method == "POST" || r.Method == "PATCH" {
		body, aerr := readBody(r)
		if aerr != nil {
			return 0, nil, aerr, false
		}
		c.body = body
	}
	status, v, aerr := rt.h(c)
	return status, v, aerr, c.wrote
}

func (e *Emulator) authenticate(r *http.Request, token string, c *call) *apiError {
	if token == "" {
		if r.Header.Get("Authorization") == "" {
			return errNoToken
		}
		return errInvalidToken
	}
	for _, u := range e.st.all(tUsers) {
		if t, _ := u["token"].(string); t != "" && t == token {
			c.uid = asInt(u["id"])
			return nil
		}
	}
	return errInvalidToken
}

// readBody parses a JSON object body. An empty body is {}; a non-empty one
// must be declared application/json.
func readBody(r *http.Request) (map[string]any, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest(invalidJSON, err)
	}
	if len(data) > maxBody {
		return nil, errBodyTooLarge
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, errNotJSON
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest(invalidJSON, err)
	}
	if dec.More() {
		return nil, badRequest(invalidJSON, "data after the JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errBodyNotObject
	}
	return obj, nil
}

// pathID parses the i-th path id; an id that is not a number is simply
// not found, as a database adapter would answer.
func (c *call) pathID(i int) (int64, *apiError) {
	s := c.params[i]
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(s)
	}
	return id, nil
}

func (c *call) now() string { return formatTime(c.e.Now()) }
