package leaddesktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// Fixed test credentials and fixture objects of DefaultFixtures.
const (
	// TestAPIKey is the default fixture's API key (the `auth` parameter).
	TestAPIKey = "5f1e0a9b3c7d42e8a6b0c4d2e9f71a38"
	// TestAPIKey2 is a second connection's key, with its own rate-limit window.
	TestAPIKey2 = "c0ffee00d15ea5e5a11ce0b0b0c0ffee"

	TestCampaignID     = 3001
	TestCampaignName   = "Autumn renewals"
	TestCampaign2ID    = 3002
	TestCampaign2Name  = "Winback"
	TestListID         = 2001
	TestListName       = "Nightly leads"
	TestList2ID        = 2002
	TestList2Name      = "Renewals Q4"
	TestAgentGroupID   = 4001
	TestAgentGroupName = "Helsinki team"
	TestCompanyID      = 5001
	TestAgentID        = 1001
	TestAgentUsername  = "aino.virtanen"
	TestAgentName      = "Aino Virtanen"
	TestAgent2ID       = 1002
	TestAgent2Username = "mikko.laine"
	TestAgent2Name     = "Mikko Laine"
)

// ID counters: a new record gets max(base, highest existing ID)+1, so the
// ID ranges of the record types never overlap and never look like counts.
const (
	agentIDBase    = 1000
	contactIDBase  = 48000
	callbackIDBase = 90000
)

// Campaign is a fixture campaign (found by ID in campaign access, by name in
// callbacks).
type Campaign struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// CallingList is a fixture calling list (found by ID or name).
type CallingList struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// AgentGroup is a fixture agent group (by ID in agents, by name in callbacks).
type AgentGroup struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Company is a fixture company (referenced by `companyid`).
type Company struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
}

// Agent is a stored agent. JSON names follow the API's keys.
type Agent struct {
	ID              int64             `json:"id"`
	Username        string            `json:"username"`
	Password        string            `json:"password,omitempty"`
	Level           string            `json:"level"`
	InboundNumber   string            `json:"inbound_number,omitempty"`
	Lang            int64             `json:"lang"`
	TimeZone        string            `json:"time_zone"`
	VoipUsername    string            `json:"voip_username,omitempty"`
	ExternalID      string            `json:"external_id,omitempty"`
	ForceIPAddr     bool              `json:"force_ipaddr,omitempty"`
	Name            string            `json:"name"`
	Email           string            `json:"email,omitempty"`
	Phone           string            `json:"phone,omitempty"`
	Workphone       string            `json:"workphone,omitempty"`
	Address         string            `json:"address,omitempty"`
	City            string            `json:"city,omitempty"`
	Country         string            `json:"country,omitempty"`
	Postal          string            `json:"postal,omitempty"`
	EContacts       string            `json:"e_contacts,omitempty"`
	AgentGroupID    int64             `json:"agent_group_id,omitempty"`
	Employment      string            `json:"employment"`
	EmploymentStart string            `json:"employment_start,omitempty"`
	Office          string            `json:"office,omitempty"`
	BankAcc         string            `json:"bank_acc,omitempty"`
	Description     string            `json:"description,omitempty"`
	SSN             string            `json:"ssn,omitempty"`
	Workshift       string            `json:"workshift,omitempty"`
	CustomFields    map[string]string `json:"custom_fields,omitempty"`
	Disabled        bool              `json:"disabled"`
	// Campaigns holds the IDs of the campaigns the agent may work in, ascending.
	Campaigns []int64 `json:"campaigns,omitempty"`
}

// Contact is a stored contact.
type Contact struct {
	ID     int64 `json:"id"`
	ListID int64 `json:"list_id"`
	// Position orders the contacts of a list for dialling (ascending):
	// order=first gives a position below every other, order=last above.
	Position int64  `json:"position"`
	Phone    string `json:"phone"` // exactly as received
	// Fields holds every other non-empty string field by its API name:
	// fname, lname, email, www, address, postcode, city, country, ssc,
	// birthyear, gender, company, vatin, title, comment, other1..other35,
	// other_label1, other_label2.
	Fields          map[string]string `json:"fields,omitempty"`
	CompanyID       int64             `json:"companyid,omitempty"`
	AssignedAgentID int64             `json:"assigned_agent_id,omitempty"`
}

// Field returns a contact field by its API name ("phone" included).
func (c Contact) Field(name string) string {
	if name == "phone" {
		return c.Phone
	}
	return c.Fields[name]
}

// Callback is a stored callback.
type Callback struct {
	ID           int64  `json:"id"`
	AgentID      int64  `json:"agent_id"`
	CampaignID   int64  `json:"campaign_id"`
	AgentGroupID int64  `json:"agent_group_id,omitempty"`
	Type         string `json:"type"`      // private | public
	Timestamp    string `json:"timestamp"` // YYYY-MM-DD HH:MM:SS, as sent
	Phone        string `json:"phone"`
	Comment      string `json:"comment,omitempty"`
	// ContactID is set when the request named an existing contact; the
	// inline contact values are then ignored, as the API documents.
	ContactID int64 `json:"contact_id,omitempty"`
	// Contact holds the inline contact's string values (fname, lname,
	// address, city, postcode, country, other1..other35) when no contactid
	// was given.
	Contact       map[string]string `json:"contact,omitempty"`
	ContactListID int64             `json:"contact_list_id,omitempty"`
	CompanyID     int64             `json:"companyid,omitempty"`
}

// Fixtures are the objects the emulator starts with, and the document
// Seed accepts (every list is optional there; records are added).
type Fixtures struct {
	APIKeys      []string      `json:"api_keys,omitempty"`
	Campaigns    []Campaign    `json:"campaigns,omitempty"`
	CallingLists []CallingList `json:"calling_lists,omitempty"`
	AgentGroups  []AgentGroup  `json:"agent_groups,omitempty"`
	Companies    []Company     `json:"companies,omitempty"`
	Agents       []Agent       `json:"agents,omitempty"`
	Contacts     []Contact     `json:"contacts,omitempty"`
	Callbacks    []Callback    `json:"callbacks,omitempty"`
}

// DefaultFixtures returns two API keys, two campaigns, two calling lists,
// an agent group, a company and two agents (see the Test* constants).
func DefaultFixtures() Fixtures {
	agent := func(id int64, username, name string) Agent {
		return Agent{ID: id, Username: username, Password: "fixture-pass", Level: "agent", Lang: 4,
			TimeZone: "Europe/Helsinki", Name: name, AgentGroupID: TestAgentGroupID, Employment: "active"}
	}
	a1 := agent(TestAgentID, TestAgentUsername, TestAgentName)
	a1.Campaigns = []int64{TestCampaignID}
	return Fixtures{
		APIKeys:      []string{TestAPIKey, TestAPIKey2},
		Campaigns:    []Campaign{{TestCampaignID, TestCampaignName}, {TestCampaign2ID, TestCampaign2Name}},
		CallingLists: []CallingList{{TestListID, TestListName}, {TestList2ID, TestList2Name}},
		AgentGroups:  []AgentGroup{{TestAgentGroupID, TestAgentGroupName}},
		Companies:    []Company{{TestCompanyID, "Example Oy"}},
		Agents:       []Agent{a1, agent(TestAgent2ID, TestAgent2Username, TestAgent2Name)},
	}
}

// state is everything the emulator stores. Guarded by Emulator.mu.
type state struct {
	keys      map[string]bool
	campaigns map[int64]Campaign
	lists     map[int64]CallingList
	groups    map[int64]AgentGroup
	companies map[int64]Company
	agents    map[int64]*Agent
	contacts  map[int64]*Contact
	callbacks map[int64]*Callback

	nextAgent, nextContact, nextCallback int64
	// Positions: "last" counts up from 1, "first" counts down from -1, so
	// comparing positions orders any list without per-list bookkeeping; 0
	// means "not given" in a seed.
	nextLast, nextFirst int64
	// byPhone indexes the contacts by normalized phone for finds (built
	// on the first find, kept up to date by addContact and setPhone).
	byPhone map[string][]int64
}

// phoneIndex returns the index of contacts by normalized phone.
func (st *state) phoneIndex() map[string][]int64 {
	if st.byPhone == nil {
		st.byPhone = make(map[string][]int64, len(st.contacts))
		for id, c := range st.contacts {
			n := normalizePhone(c.Phone)
			st.byPhone[n] = append(st.byPhone[n], id)
		}
	}
	return st.byPhone
}

// setPhone changes a contact's phone, keeping the index.
func (st *state) setPhone(c *Contact, phone string) {
	if st.byPhone != nil {
		old := normalizePhone(c.Phone)
		st.byPhone[old] = slices.DeleteFunc(st.byPhone[old], func(id int64) bool { return id == c.ID })
		n := normalizePhone(phone)
		st.byPhone[n] = append(st.byPhone[n], c.ID)
	}
	c.Phone = phone
}

func emptyState() *state {
	return &state{
		keys:      map[string]bool{},
		campaigns: map[int64]Campaign{},
		lists:     map[int64]CallingList{},
		groups:    map[int64]AgentGroup{},
		companies: map[int64]Company{},
		agents:    map[int64]*Agent{},
		contacts:  map[int64]*Contact{},
		callbacks: map[int64]*Callback{},
		nextAgent: agentIDBase + 1, nextContact: contactIDBase + 1, nextCallback: callbackIDBase + 1,
		nextLast: 1, nextFirst: -1,
	}
}

func newState(fx Fixtures) (*state, error) {
	st := emptyState()
	if err := st.add(fx); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *state) keyList() []string {
	return slices.Sorted(maps.Keys(st.keys))
}

func (st *state) clone() *state {
	c := *st
	c.byPhone = nil // rebuilt on demand: never shared between copies
	c.keys = maps.Clone(st.keys)
	c.campaigns = maps.Clone(st.campaigns)
	c.lists = maps.Clone(st.lists)
	c.groups = maps.Clone(st.groups)
	c.companies = maps.Clone(st.companies)
	c.agents = make(map[int64]*Agent, len(st.agents))
	for id, a := range st.agents {
		c.agents[id] = cloneAgent(a)
	}
	c.contacts = make(map[int64]*Contact, len(st.contacts))
	for id, ct := range st.contacts {
		c.contacts[id] = cloneContact(ct)
	}
	c.callbacks = make(map[int64]*Callback, len(st.callbacks))
	for id, cb := range st.callbacks {
		c.callbacks[id] = cloneCallback(cb)
	}
	return &c
}

func cloneAgent(a *Agent) *Agent {
	c := *a
	c.CustomFields = maps.Clone(a.CustomFields)
	c.Campaigns = slices.Clone(a.Campaigns)
	return &c
}

func cloneContact(ct *Contact) *Contact {
	c := *ct
	c.Fields = maps.Clone(ct.Fields)
	return &c
}

func cloneCallback(cb *Callback) *Callback {
	c := *cb
	c.Contact = maps.Clone(cb.Contact)
	return &c
}

func cloneFixtures(fx Fixtures) Fixtures {
	out := Fixtures{
		APIKeys:      slices.Clone(fx.APIKeys),
		Campaigns:    slices.Clone(fx.Campaigns),
		CallingLists: slices.Clone(fx.CallingLists),
		AgentGroups:  slices.Clone(fx.AgentGroups),
		Companies:    slices.Clone(fx.Companies),
	}
	for i := range fx.Agents {
		out.Agents = append(out.Agents, *cloneAgent(&fx.Agents[i]))
	}
	for i := range fx.Contacts {
		out.Contacts = append(out.Contacts, *cloneContact(&fx.Contacts[i]))
	}
	for i := range fx.Callbacks {
		out.Callbacks = append(out.Callbacks, *cloneCallback(&fx.Callbacks[i]))
	}
	return out
}

// add merges a fixtures document into st. Fixture objects (keys, campaigns,
// lists, groups, companies) are upserted by ID; records (agents, contacts,
// callbacks) are added, and an ID already in use is an error. A record with
// ID 0 gets the next ID. st may be left half-updated on error; callers
// work on a clone.
func (st *state) add(fx Fixtures) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for _, k := range fx.APIKeys {
		if len(k) != 32 {
			bad("api key %q: must be 32 characters, has %d", k, len(k))
			continue
		}
		st.keys[k] = true
	}
	for _, c := range fx.Campaigns {
		if err := upsertNamed(st.campaigns, c.ID, c.Name, c, func(c Campaign) string { return c.Name }); err != nil {
			bad("campaign %d: %v", c.ID, err)
		}
	}
	for _, l := range fx.CallingLists {
		if err := upsertNamed(st.lists, l.ID, l.Name, l, func(l CallingList) string { return l.Name }); err != nil {
			bad("calling list %d: %v", l.ID, err)
		}
	}
	for _, g := range fx.AgentGroups {
		if err := upsertNamed(st.groups, g.ID, g.Name, g, func(g AgentGroup) string { return g.Name }); err != nil {
			bad("agent group %d: %v", g.ID, err)
		}
	}
	for _, c := range fx.Companies {
		if c.ID <= 0 {
			bad("company %d: id must be positive", c.ID)
			continue
		}
		st.companies[c.ID] = c
	}
	for i := range fx.Agents {
		a := cloneAgent(&fx.Agents[i])
		if err := st.addAgent(a); err != nil {
			bad("agent %d (%q): %v", a.ID, a.Username, err)
		}
	}
	for i := range fx.Contacts {
		c := cloneContact(&fx.Contacts[i])
		if err := st.addContact(c); err != nil {
			bad("contact %d: %v", c.ID, err)
		}
	}
	for i := range fx.Callbacks {
		cb := cloneCallback(&fx.Callbacks[i])
		if err := st.addCallback(cb); err != nil {
			bad("callback %d: %v", cb.ID, err)
		}
	}
	return errors.Join(errs...)
}

// upsertNamed puts v under id, refusing a name that another ID already
// uses: the API finds these objects by name.
func upsertNamed[T any](m map[int64]T, id int64, name string, v T, nameOf func(T) string) error {
	if id <= 0 {
		return errors.New("id must be positive")
	}
	if name == "" {
		return errors.New("name is required")
	}
	for other, o := range m {
		if other != id && nameOf(o) == name {
			return fmt.Errorf("name %q is already used by id %d", name, other)
		}
	}
	m[id] = v
	return nil
}

func (st *state) addAgent(a *Agent) error {
	if a.ID < 0 {
		return errors.New("id must not be negative")
	}
	if _, taken := st.agents[a.ID]; taken {
		return errors.New("id already in use")
	}
	if a.Username == "" || a.Name == "" {
		return errors.New("username and name are required")
	}
	if st.agentByUsername(a.Username) != nil {
		return errors.New("username already in use")
	}
	if a.Level == "" {
		a.Level = "agent"
	}
	if a.Lang == 0 {
		a.Lang = 1
	}
	if a.TimeZone == "" {
		a.TimeZone = defaultTimeZone
	}
	if a.Employment == "" {
		a.Employment = "active"
	}
	if a.AgentGroupID != 0 {
		if _, ok := st.groups[a.AgentGroupID]; !ok {
			return fmt.Errorf("agent group %d does not exist", a.AgentGroupID)
		}
	}
	for _, c := range a.Campaigns {
		if _, ok := st.campaigns[c]; !ok {
			return fmt.Errorf("campaign %d does not exist", c)
		}
	}
	a.Campaigns = sortedUnique(a.Campaigns)
	if a.ID == 0 {
		a.ID = st.nextAgent
	}
	st.nextAgent = max(st.nextAgent, a.ID+1)
	st.agents[a.ID] = a
	return nil
}

func (st *state) addContact(c *Contact) error {
	if c.ID < 0 {
		return errors.New("id must not be negative")
	}
	if _, taken := st.contacts[c.ID]; taken {
		return errors.New("id already in use")
	}
	if _, ok := st.lists[c.ListID]; !ok {
		return fmt.Errorf("calling list %d does not exist", c.ListID)
	}
	if c.Phone == "" {
		return errors.New("phone is required")
	}
	for k := range c.Fields {
		if !contactStringFields[k] {
			return fmt.Errorf("unknown field %q", k)
		}
	}
	if c.AssignedAgentID != 0 && st.agents[c.AssignedAgentID] == nil {
		return fmt.Errorf("agent %d does not exist", c.AssignedAgentID)
	}
	if c.CompanyID != 0 {
		if _, ok := st.companies[c.CompanyID]; !ok {
			return fmt.Errorf("company %d does not exist", c.CompanyID)
		}
	}
	if c.Position == 0 {
		c.Position = st.position("last")
	}
	st.nextLast = max(st.nextLast, c.Position+1)
	st.nextFirst = min(st.nextFirst, c.Position-1)
	if c.ID == 0 {
		c.ID = st.nextContact
	}
	st.nextContact = max(st.nextContact, c.ID+1)
	st.contacts[c.ID] = c
	if st.byPhone != nil {
		n := normalizePhone(c.Phone)
		st.byPhone[n] = append(st.byPhone[n], c.ID)
	}
	return nil
}

func (st *state) addCallback(cb *Callback) error {
	if cb.ID < 0 {
		return errors.New("id must not be negative")
	}
	if _, taken := st.callbacks[cb.ID]; taken {
		return errors.New("id already in use")
	}
	if st.agents[cb.AgentID] == nil {
		return fmt.Errorf("agent %d does not exist", cb.AgentID)
	}
	if _, ok := st.campaigns[cb.CampaignID]; !ok {
		return fmt.Errorf("campaign %d does not exist", cb.CampaignID)
	}
	if cb.Type != "private" && cb.Type != "public" {
		return fmt.Errorf("type %q is not private or public", cb.Type)
	}
	if !validTimestamp(cb.Timestamp) {
		return fmt.Errorf("timestamp %q is not YYYY-MM-DD HH:MM:SS", cb.Timestamp)
	}
	if cb.ContactID != 0 && st.contacts[cb.ContactID] == nil {
		return fmt.Errorf("contact %d does not exist", cb.ContactID)
	}
	if cb.ID == 0 {
		cb.ID = st.nextCallback
	}
	st.nextCallback = max(st.nextCallback, cb.ID+1)
	st.callbacks[cb.ID] = cb
	return nil
}

// position returns a fresh list position for order "first" or "last".
func (st *state) position(order string) int64 {
	if order == "first" {
		p := st.nextFirst
		st.nextFirst--
		return p
	}
	p := st.nextLast
	st.nextLast++
	return p
}

func (st *state) agentByUsername(username string) *Agent {
	for _, a := range st.agents {
		if a.Username == username {
			return a
		}
	}
	return nil
}

func (st *state) campaignByName(name string) (Campaign, bool) {
	for _, c := range st.campaigns {
		if c.Name == name {
			return c, true
		}
	}
	return Campaign{}, false
}

func (st *state) groupByName(name string) (AgentGroup, bool) {
	for _, g := range st.groups {
		if g.Name == name {
			return g, true
		}
	}
	return AgentGroup{}, false
}

// listByIDOrName resolves a `list` value: an ID when it is all digits and
// such a list exists, otherwise a name.
func (st *state) listByIDOrName(v string) (CallingList, bool) {
	if id, ok := parseID(v); ok {
		if l, ok := st.lists[id]; ok {
			return l, true
		}
	}
	for _, l := range st.lists {
		if l.Name == v {
			return l, true
		}
	}
	return CallingList{}, false
}

func (st *state) listByName(name string) (CallingList, bool) {
	for _, l := range st.lists {
		if l.Name == name {
			return l, true
		}
	}
	return CallingList{}, false
}

// agentByIDOrUsername resolves `assign_to_agent`: an ID when it is all
// digits and such an agent exists, otherwise a username.
func (st *state) agentByIDOrUsername(v string) *Agent {
	if id, ok := parseID(v); ok {
		if a := st.agents[id]; a != nil {
			return a
		}
	}
	return st.agentByUsername(v)
}

// snapshot is the Dump document: a Fixtures without the API keys, every
// list in ID order.
func (st *state) snapshot() Fixtures {
	var fx Fixtures
	for _, id := range sortedKeys(st.campaigns) {
		fx.Campaigns = append(fx.Campaigns, st.campaigns[id])
	}
	for _, id := range sortedKeys(st.lists) {
		fx.CallingLists = append(fx.CallingLists, st.lists[id])
	}
	for _, id := range sortedKeys(st.groups) {
		fx.AgentGroups = append(fx.AgentGroups, st.groups[id])
	}
	for _, id := range sortedKeys(st.companies) {
		fx.Companies = append(fx.Companies, st.companies[id])
	}
	for _, id := range sortedKeys(st.agents) {
		fx.Agents = append(fx.Agents, *cloneAgent(st.agents[id]))
	}
	for _, id := range sortedKeys(st.contacts) {
		fx.Contacts = append(fx.Contacts, *cloneContact(st.contacts[id]))
	}
	for _, id := range sortedKeys(st.callbacks) {
		fx.Callbacks = append(fx.Callbacks, *cloneCallback(st.callbacks[id]))
	}
	return fx
}

func sortedKeys[V any](m map[int64]V) []int64 {
	return slices.Sorted(maps.Keys(m))
}

func sortedUnique(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Dump returns every stored record and fixture object except the API keys,
// as a Fixtures document (so a dump can be seeded into another emulator).
func (e *Emulator) Dump() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.snapshot()
}

// Seed merges a JSON Fixtures document: API keys and fixture objects are
// added or replaced by ID, agents/contacts/callbacks are added (ID 0 = next
// ID). Unknown JSON keys and inconsistent references are errors, and an
// error leaves the state unchanged. Seeded data lasts until ResetRecords.
func (e *Emulator) Seed(data []byte) error {
	var fx Fixtures
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return fmt.Errorf("leaddesktest: seed: %w", err)
	}
	if dec.More() {
		return errors.New("leaddesktest: seed: trailing data after the JSON document")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.st.clone()
	if err := next.add(fx); err != nil {
		return fmt.Errorf("leaddesktest: seed: %w", err)
	}
	e.st = next
	return nil
}

// ResetRecords drops every record and anything seeded, and reloads the
// fixtures the emulator was built with. Counters are the Core's to reset.
func (e *Emulator) ResetRecords() {
	st, err := newState(e.fixtures)
	if err != nil {
		panic(err) // the same fixtures were accepted by New
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = st
}

// Agents returns copies of the stored agents in ID order.
func (e *Emulator) Agents() []Agent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.snapshot().Agents
}

// Agent returns a copy of one agent.
func (e *Emulator) Agent(id int64) (Agent, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.st.agents[id]; a != nil {
		return *cloneAgent(a), true
	}
	return Agent{}, false
}

// Contacts returns copies of the stored contacts in ID order.
func (e *Emulator) Contacts() []Contact {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.snapshot().Contacts
}

// Contact returns a copy of one contact.
func (e *Emulator) Contact(id int64) (Contact, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.st.contacts[id]; c != nil {
		return *cloneContact(c), true
	}
	return Contact{}, false
}

// ListContacts returns the contacts of one calling list in dialling order
// (Position ascending).
func (e *Emulator) ListContacts(listID int64) []Contact {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Contact
	for _, c := range e.st.contacts {
		if c.ListID == listID {
			out = append(out, *cloneContact(c))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	return out
}

// Callbacks returns copies of the stored callbacks in ID order.
func (e *Emulator) Callbacks() []Callback {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.snapshot().Callbacks
}
