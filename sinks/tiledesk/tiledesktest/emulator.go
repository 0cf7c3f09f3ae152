package tiledesktest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// Options configures an Emulator (see emulator.VendorOptions). The zero
// value is a real-time emulator with DefaultFixtures, no rate limit and no
// faults. Limit is an opt-in rate limit per credential (the raw
// Authorization header); nil means none: Tiledesk documents no limit. Over
// the limit the answer is 429 {"message":"Rate limit exceeded"} without
// Retry-After, the only 429 tiledesk-server has. Fixtures are the
// projects, users, tokens and memberships (and leads to start with).
type Options = emulator.VendorOptions[Fixtures, Quirks]

// Quirks are Tiledesk's own switches (Options.Vendor).
type Quirks struct {
	// NotFoundOnMissing makes PUT and DELETE of a well-formed id that
	// matches no lead answer 404 {"success":false,"msg":"Object not found."}.
	// By default they upsert a bare lead, as the real server does
	// (VENDORS.md section 6, #9).
	NotFoundOnMissing bool
	// FaithfulScope makes GET, PUT and DELETE by id ignore the project in
	// the path, as the real server does. By default a lead of another
	// project answers 404 as if it did not exist (VENDORS.md section 6, #10).
	FaithfulScope bool
}

// Emulator is the Tiledesk Leads API (v3) emulator. It is safe for
// concurrent use; all state is behind one mutex.
type Emulator struct {
	emulator.Base
	quirks   Quirks
	fixtures Fixtures

	mu sync.Mutex
	st *state
}

// state is everything the API can read or change.
type state struct {
	projects    map[string]Project // by lower-case id
	users       map[string]User    // by lower-case id
	byEmail     map[string]string  // lower-case email -> user id
	tokens      map[string]Token   // by token (no "JWT " prefix)
	memberships map[memberKey]Membership
	leads       map[string]*leadRecord // by _id
	nextLead    uint64
	nextToken   int
	seq         int
	pcg         *rand.PCG // source of generated lead_id UUIDs
}

// leadIDBase is where generated lead ids start counting.
const leadIDBase = 1000

func newState() *state {
	return &state{
		projects:    map[string]Project{},
		users:       map[string]User{},
		byEmail:     map[string]string{},
		tokens:      map[string]Token{},
		memberships: map[memberKey]Membership{},
		leads:       map[string]*leadRecord{},
		nextLead:    leadIDBase,
		pcg:         rand.NewPCG(0x711e, 0xde5c),
	}
}

// clone copies st for an all-or-nothing seed. Lead records are shared: a
// seed only adds records, it never changes existing ones.
func (st *state) clone() *state {
	c := *st
	c.projects = cloneMap(st.projects)
	c.users = cloneMap(st.users)
	c.byEmail = cloneMap(st.byEmail)
	c.tokens = cloneMap(st.tokens)
	c.memberships = cloneMap(st.memberships)
	c.leads = cloneMap(st.leads)
	pcg := *st.pcg
	c.pcg = &pcg
	return &c
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// New returns an emulator that is not listening; serve Handler().
// It panics if opts.Fixtures is invalid (a programming error in a test).
func New(opts Options) *Emulator {
	e := &Emulator{
		Base:     emulator.NewBase(opts, emulator.Limit{}, emulator.Responses{RateLimited: writeRateLimited, InternalError: writeInternalError}),
		quirks:   opts.Vendor,
		fixtures: opts.FixturesOr(DefaultFixtures),
	}
	st, err := e.initialState()
	if err != nil {
		panic(err)
	}
	e.st = st
	e.Route(http.HandlerFunc(e.serveVendor), e)
	return e
}

func (e *Emulator) initialState() (*state, error) {
	st := newState()
	if err := st.apply(e.fixtures, e.clock()); err != nil {
		return nil, fmt.Errorf("tiledesktest: fixtures: %w", err)
	}
	return st, nil
}

// clock is the current time at the millisecond precision MongoDB keeps.
func (e *Emulator) clock() time.Time { return e.Now().UTC().Truncate(time.Millisecond) }

// Credentials are human-readable lines for `leadsync sandbox`, built from
// the fixtures the emulator started with.
func (e *Emulator) Credentials() []string {
	f := e.fixtures
	var lines []string
	for _, p := range f.Projects {
		lines = append(lines, fmt.Sprintf("project id (path /v3/<project_id>/leads): %s %s", p.ID, p.Name))
	}
	for _, u := range f.Users {
		var rolesIn []string
		for _, m := range f.Memberships {
			if strings.EqualFold(m.UserID, u.ID) {
				rolesIn = append(rolesIn, m.Role+" in "+m.ProjectID)
			}
		}
		where := "no project"
		if len(rolesIn) > 0 {
			where = strings.Join(rolesIn, ", ")
		}
		lines = append(lines, fmt.Sprintf("basic auth (Authorization: Basic): %s / %s (%s)", u.Email, u.Password, where))
	}
	for _, t := range f.Tokens {
		who := t.UserID
		for _, u := range f.Users {
			if strings.EqualFold(u.ID, t.UserID) {
				who = u.Email
			}
		}
		lines = append(lines, fmt.Sprintf("jwt (Authorization: JWT <token>) for %s: %s", who, strings.TrimPrefix(t.Token, "JWT ")))
	}
	return lines
}

// Dump returns the projects, memberships and leads (in insertion order) as
// JSON-encodable values. Users and tokens are left out: they are secrets.
func (e *Emulator) Dump() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	type dump struct {
		Projects    []Project        `json:"projects"`
		Memberships []Membership     `json:"memberships"`
		Leads       []map[string]any `json:"leads"`
	}
	d := dump{Projects: []Project{}, Memberships: []Membership{}, Leads: []map[string]any{}}
	for _, p := range e.st.projects {
		d.Projects = append(d.Projects, p)
	}
	sort.Slice(d.Projects, func(i, j int) bool { return d.Projects[i].ID < d.Projects[j].ID })
	for _, m := range e.st.memberships {
		d.Memberships = append(d.Memberships, m)
	}
	sort.Slice(d.Memberships, func(i, j int) bool {
		a, b := d.Memberships[i], d.Memberships[j]
		if a.ProjectID != b.ProjectID {
			return a.ProjectID < b.ProjectID
		}
		return a.UserID < b.UserID
	})
	for _, rec := range e.st.ordered() {
		d.Leads = append(d.Leads, deepCopy(rec.doc).(map[string]any))
	}
	return d
}

// Seed adds a JSON Fixtures document: projects, users, tokens, memberships
// (replacing entries with the same id) and leads (added; a duplicate _id is
// an error). Nothing is added when any part is invalid.
func (e *Emulator) Seed(data []byte) error {
	f, err := decodeFixtures(data)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.st.clone()
	if err := next.apply(f, e.clock()); err != nil {
		return fmt.Errorf("tiledesktest: seed: %w", err)
	}
	e.st = next
	return nil
}

// ResetRecords drops every lead, every seeded fixture and every token
// issued by signin, and reloads the fixtures the emulator started with.
// Generated ids start again from the beginning.
func (e *Emulator) ResetRecords() {
	st, err := e.initialState()
	if err != nil {
		panic(err) // the same fixtures loaded in New
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = st
}

// Leads returns every stored lead, soft-deleted ones and upserted bare
// documents included, in insertion order.
func (e *Emulator) Leads() []Lead {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Lead
	for _, rec := range e.st.ordered() {
		out = append(out, typedLead(rec.doc))
	}
	return out
}

// Lead returns the stored lead with the given _id.
func (e *Emulator) Lead(id string) (Lead, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.st.leads[strings.ToLower(id)]
	if !ok {
		return Lead{}, false
	}
	return typedLead(rec.doc), true
}

// Server is an Emulator listening on a loopback port (URL, Client,
// Close); the API lives under URL+"/v3".
type Server struct {
	*Emulator
	*emulator.Server
}

// NewServer starts an emulator on loopback. Close it when done.
func NewServer(opts Options) *Server {
	e := New(opts)
	return &Server{Emulator: e, Server: emulator.Start(e.Handler())}
}
