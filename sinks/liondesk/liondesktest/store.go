package liondesktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// row is one stored record: field name to int64, string, bool, nil,
// json.Number (kFlex) or []int64 (kIDs). Every schema field is present.
type row = map[string]any

// table holds one record type, its id counter, and the exact-match index
// of its fIndex fields (field -> value -> ids). Rows change only through
// store methods, which keep the index true.
type table struct {
	schema *schema
	next   int64
	rows   map[int64]row
	index  map[string]map[string]map[int64]bool
}

func newTable(s *schema) *table {
	t := &table{schema: s, next: s.start, rows: map[int64]row{}, index: map[string]map[string]map[int64]bool{}}
	for _, f := range s.fields {
		if f.has(fIndex) {
			t.index[f.name] = map[string]map[int64]bool{}
		}
	}
	return t
}

func (t *table) indexRow(r row, add bool) {
	id := asInt(r["id"])
	for name, byValue := range t.index {
		v, ok := r[name].(string)
		if !ok {
			continue
		}
		ids := byValue[v]
		if add {
			if ids == nil {
				ids = map[int64]bool{}
				byValue[v] = ids
			}
			ids[id] = true
		} else if ids != nil {
			delete(ids, id)
			if len(ids) == 0 {
				delete(byValue, v)
			}
		}
	}
}

// candidates returns the ids that can satisfy an equality on an indexed
// field, and false when the field has no index.
func (t *table) candidates(fieldName, value string) (map[int64]bool, bool) {
	byValue, ok := t.index[fieldName]
	if !ok {
		return nil, false
	}
	return byValue[value], true
}

// store is every table. It is not safe for concurrent use; Emulator
// guards it with its mutex.
type store struct {
	tables map[string]*table
}

func newStore() *store {
	st := &store{tables: map[string]*table{}}
	for _, name := range tableOrder {
		st.tables[name] = newTable(schemas[name])
	}
	return st
}

func (st *store) get(name string, id int64) row { return st.tables[name].rows[id] }

// table returns a table.
func (st *store) table(name string) *table { return st.tables[name] }

// all returns a table's rows in id order.
func (st *store) all(name string) []row {
	t := st.tables[name]
	out := make([]row, 0, len(t.rows))
	for _, r := range t.rows {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return asInt(out[i]["id"]) < asInt(out[j]["id"]) })
	return out
}

// where returns the rows, in id order, for which keep is true.
func (st *store) where(name string, keep func(row) bool) []row {
	var out []row
	for _, r := range st.all(name) {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// insert stores values as a new record with the next id; absent fields
// take their defaults.
func (st *store) insert(name string, values map[string]any) row {
	return st.insertID(name, values, 0)
}

// insertID is insert with a given id (0: the next one); the counter moves
// past it.
func (st *store) insertID(name string, values map[string]any, id int64) row {
	t := st.tables[name]
	r := row{}
	for _, f := range t.schema.fields {
		if v, ok := values[f.name]; ok {
			r[f.name] = v
		} else {
			r[f.name] = f.def
		}
	}
	if id == 0 {
		id = t.next
	}
	if id >= t.next {
		t.next = id + 1
	}
	r["id"] = id
	t.rows[id] = r
	t.indexRow(r, true)
	return r
}

// update applies vals to a stored row.
func (st *store) update(name string, r row, vals map[string]any) {
	t := st.tables[name]
	t.indexRow(r, false)
	for k, v := range vals {
		r[k] = v
	}
	t.indexRow(r, true)
}

func (st *store) remove(name string, id int64) {
	t := st.tables[name]
	if r := t.rows[id]; r != nil {
		t.indexRow(r, false)
		delete(t.rows, id)
	}
}

// seedRecord adds one record from a Seed document: any stored field is
// accepted, converted by its kind; an id is kept (and must be free) or
// assigned.
func (st *store) seedRecord(name string, raw map[string]any) error {
	t := st.tables[name]
	values := map[string]any{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := t.schema.field(k)
		if f == nil {
			return fmt.Errorf("%s: unknown field %q", name, k)
		}
		v, problem := f.convert(raw[k])
		if problem != "" && raw[k] != nil {
			return fmt.Errorf("%s: %s %s", name, k, problem)
		}
		values[k] = v
	}
	id := asInt(values["id"])
	if id < 0 {
		return fmt.Errorf("%s: id %d is negative", name, id)
	}
	if id > 0 && t.rows[id] != nil {
		return fmt.Errorf("%s: id %d already exists", name, id)
	}
	if err := st.seedDefaults(name, values); err != nil {
		return err
	}
	st.insertID(name, values, id)
	return nil
}

// seedDefaults fills the fields a seeded record needs for the emulator's
// rules: owners default to the lowest user id, a team's creator is a
// member, tokens are unique, times default to now-less nulls.
func (st *store) seedDefaults(name string, values map[string]any) error {
	firstUser := int64(0)
	if users := st.all(tUsers); len(users) > 0 {
		firstUser = asInt(users[0]["id"])
	}
	owner := "owner_user_id"
	if name == tContactSources {
		owner = "user_id"
	}
	if f := schemas[name].field(owner); f != nil && name != tCampaigns && name != tUsers {
		if values[owner] == nil {
			if firstUser == 0 {
				return fmt.Errorf("%s: no users to own the record; seed users first", name)
			}
			values[owner] = firstUser
		}
	}
	switch name {
	case tCampaigns:
		if values["owner_user_id"] == nil {
			values["owner_user_id"] = int64(0) // a LionDesk default campaign
		}
	case tTeams:
		ownerID := asInt(values["owner_user_id"])
		ids, _ := values["member_ids"].([]int64)
		if !containsID(ids, ownerID) {
			ids = append([]int64{ownerID}, ids...)
		}
		values["member_ids"] = ids
	case tUsers:
		tok, _ := values["token"].(string)
		if tok != "" {
			for _, u := range st.all(tUsers) {
				if u["token"] == tok {
					return fmt.Errorf("users: token of user %d is already used by user %d", asInt(values["id"]), asInt(u["id"]))
				}
			}
		}
	}
	return nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// seed loads a JSON document whose keys are table names (the Fixtures
// keys, or any other table such as "contacts") and whose values are lists
// of records. It is all or nothing.
func (st *store) seed(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string][]map[string]any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("liondesktest: seed: %w", err)
	}
	var unknown []string
	for k := range doc {
		if schemas[k] == nil {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("liondesktest: seed: unknown tables %s (known: %s)", strings.Join(unknown, ", "), strings.Join(tableOrder, ", "))
	}
	trial := st.clone()
	for _, name := range tableOrder {
		for _, rec := range doc[name] {
			if err := trial.seedRecord(name, rec); err != nil {
				return fmt.Errorf("liondesktest: seed: %w", err)
			}
		}
	}
	*st = *trial
	return nil
}

// clone deep-copies the store so a failed seed leaves it unchanged.
func (st *store) clone() *store {
	c := &store{tables: map[string]*table{}}
	for name, t := range st.tables {
		nt := newTable(t.schema)
		nt.next = t.next
		for id, r := range t.rows {
			c := copyRow(r)
			nt.rows[id] = c
			nt.indexRow(c, true)
		}
		c.tables[name] = nt
	}
	return c
}

func copyRow(r row) row {
	c := make(row, len(r))
	for k, v := range r {
		if ids, ok := v.([]int64); ok {
			v = append([]int64(nil), ids...)
		}
		c[k] = v
	}
	return c
}

// dump returns every table's records in id order, tokens shortened.
func (st *store) dump() map[string][]row {
	out := map[string][]row{}
	for _, name := range tableOrder {
		rows := []row{}
		for _, r := range st.all(name) {
			c := copyRow(r)
			if tok, ok := c["token"].(string); ok && tok != "" {
				c["token"] = emulator.CredentialLabel(tok)
			}
			rows = append(rows, c)
		}
		out[name] = rows
	}
	return out
}

// Dump returns every stored record by table, each table in id order
// (emulator.Store). Access tokens are shortened.
func (e *Emulator) Dump() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.dump()
}

// Seed adds records from a JSON document: an object whose keys are table
// names ("users", "lead_sources", "contact_sources", "teams", as in
// Fixtures, or any other table: "contacts", "campaigns", "campaign_actions",
// "leads", "lead_routes", "team_member_distribution_options", "tasks", …)
// and whose values are lists of records with their stored field names
// (owner_user_id, member_ids and other internal fields included). Records
// without an id get the next one. Nothing is added when any record fails.
func (e *Emulator) Seed(data []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.seed(data)
}

// ResetRecords drops every stored record and reloads the fixtures.
func (e *Emulator) ResetRecords() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = e.freshStore()
}

// freshStore is a store holding only the fixtures.
func (e *Emulator) freshStore() *store {
	st := newStore()
	data, err := json.Marshal(e.fixtures)
	if err == nil {
		err = st.seed(data)
	}
	if err != nil {
		panic(fmt.Sprintf("liondesktest: invalid fixtures: %v", err))
	}
	return st
}

// Validate reports whether the fixtures load: ids unique, tokens unique,
// fields of the right types.
func (f Fixtures) Validate() error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := newStore().seed(data); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "liondesktest: seed: "))
	}
	return nil
}

// records decodes a table into typed records, in id order.
func records[T any](e *Emulator, name string) []T {
	e.mu.Lock()
	rows := e.st.all(name)
	data, err := json.Marshal(rows)
	e.mu.Unlock()
	var out []T
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("liondesktest: decode %s: %v", name, err))
	}
	return out
}

// Users returns the users (fixtures), in id order.
func (e *Emulator) Users() []User { return records[User](e, tUsers) }

// LeadSources returns the lead sources, in id order.
func (e *Emulator) LeadSources() []LeadSource { return records[LeadSource](e, tLeadSources) }

// ContactSources returns every user's contact sources, in id order.
func (e *Emulator) ContactSources() []ContactSource {
	return records[ContactSource](e, tContactSources)
}

// Teams returns the teams with creators and members, in id order.
func (e *Emulator) Teams() []Team { return records[Team](e, tTeams) }

// Campaigns returns the campaigns, in id order.
func (e *Emulator) Campaigns() []Campaign { return records[Campaign](e, tCampaigns) }

// CampaignActions returns every campaign's actions, in id order.
func (e *Emulator) CampaignActions() []CampaignAction {
	return records[CampaignAction](e, tActions)
}

// CampaignContacts returns the campaign starts, in id order.
func (e *Emulator) CampaignContacts() []CampaignContact {
	return records[CampaignContact](e, tCampContacts)
}

// Communications returns the contact communications, in id order.
func (e *Emulator) Communications() []Communication {
	return records[Communication](e, tComms)
}

// Contacts returns every user's contacts, in id order.
func (e *Emulator) Contacts() []Contact { return records[Contact](e, tContacts) }

// Addresses returns every contact's addresses, in id order.
func (e *Emulator) Addresses() []Address { return records[Address](e, tAddresses) }

// Leads returns the leads, in id order.
func (e *Emulator) Leads() []Lead { return records[Lead](e, tLeads) }

// LeadRoutes returns the lead routes, in id order.
func (e *Emulator) LeadRoutes() []LeadRoute { return records[LeadRoute](e, tRoutes) }

// DistributionOptions returns the team member distribution options, in id order.
func (e *Emulator) DistributionOptions() []DistributionOption {
	return records[DistributionOption](e, tOptions)
}

// LeadOffers returns the lead offers, in id order.
func (e *Emulator) LeadOffers() []LeadOffer { return records[LeadOffer](e, tOffers) }

// Tasks returns the tasks, in id order.
func (e *Emulator) Tasks() []Task { return records[Task](e, tTasks) }
