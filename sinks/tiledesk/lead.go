package tiledesk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
	"github.com/leadsync/leadsync/sinks/keys"
)

// Operation names, the Op of every sinks.Error this package returns.
const (
	opFind   = "tiledesk: find lead"
	opList   = "tiledesk: list leads"
	opCount  = "tiledesk: count leads"
	opCheck  = "tiledesk: check credentials"
	opCreate = "tiledesk: create lead"
	opUpdate = "tiledesk: update lead"
	opGet    = "tiledesk: read lead (to merge its attributes)"
	opDelete = "tiledesk: delete lead"
)

// statusDeleted is a soft-deleted lead's status (models/leadConstants.js).
const statusDeleted = "1000"

// attrPrefix starts the field name of one custom attribute
// ("attributes.source"); the schema declares them as "attributes.*".
const attrPrefix = "attributes."

// LeadSink writes the leads of one Tiledesk project. It implements
// sinks.Sink, sinks.Checker, sinks.Lister and sinks.Deleter, and is safe
// for concurrent use (it holds no mutable state).
//
// # Create: one call
//
// Tiledesk's create (POST) keeps only lead_id, fullname, email and
// attributes. Create sends exactly that POST and returns the lead as the
// answer shows it (Record.Fields, in schema field names): the engine sends
// what the POST ignored (phone, company, tags, ...) with Update, a PUT.
// The sink never makes the follow-up PUT itself, so a lead is never left
// half-written by a PUT failing inside Create.
//
// # Deterministic lead_id
//
// When the job maps no lead_id (or the row's is empty), Create sets one
// derived from the entity the engine names in the context
// (sinks.EntityOf): "ls-" and 20 hex digits of the SHA-256 of the entity
// id; without an entity, of the lead's normalized email and phone (or,
// lacking both, of all its fields). The same entity gets the same lead_id
// on every attempt and every run.
//
// # Find
//
// Find returns the live leads that match any of the query's keys. When a
// lead carries the entity's own lead_id (the one the job maps, else the
// deterministic one), Find returns that lead alone: it is the lead this
// job created for this entity.
//
//   - Email keys alone: one call per address (one, as a rule). Tiledesk's
//     email filter is exact and case-sensitive while leads keep an email
//     as it was sent ("Giulia@Example.it"), so Find searches the address
//     as a phrase of the list's full-text search (full_text, over fullname
//     and email, case-insensitive) and compares the normalized addresses
//     itself: every spelling is found, look-alikes are dropped.
//   - Any other key (phone, lead_id: Tiledesk filters by neither): the
//     leads are read newest first (sort=_id&direction=-1; ObjectIds begin
//     with their creation second, and unlike createdAt they have no ties,
//     which MongoDB pages in no fixed order), page by page, and compared
//     here; the walk stops after the first page holding the entity's own
//     lead_id, else it reads all ceil(count / page size) pages.
//
// # A lost create, and what it costs
//
// When the POST's answer is lost (the lead may or may not exist), the
// engine calls Find. The lead, if it was created, carries the
// deterministic lead_id and the email as sent: an email-keyed job finds
// it with the one full-text call; any other job finds it on the first page
// of the newest-first walk (one call while fewer than a page of leads,
// 1,000 by default, were created after it) and at worst after a full
// listing. Find returns exactly that lead, never a look-alike, and
// nothing when the POST did not happen, so the engine creates again only
// then. A failed PUT after a good POST leaves a lead that Find finds
// like any other; the engine completes it with Update.
//
// # Attributes
//
// Custom attributes are fields "attributes.<key>" (one per key). Found
// and listed leads report every stored key that way (objects and arrays
// as compact JSON). Update merges: the keys it is given are set, every
// other stored key is kept, an empty value never clears a key, and the
// merged object is PUT. Since Tiledesk's PUT replaces the whole object,
// an Update that sets attributes first reads the lead (GET, one more
// call: two calls instead of one); an Update without attributes is one
// PUT. A single JSON "attributes" value is refused (it would replace
// every stored key, and could never compare equal to the stored object).
//
// Soft-deleted leads (status 1000) are never found nor listed: the list
// route hides them, and to the people using Tiledesk they are gone, so a
// source record that matches only a deleted lead creates a new one.
type LeadSink struct {
	obj      sinks.Object
	client   *httpc.Client
	path     string // "/<project>/leads"
	project  string // lower-case
	region   string
	pageSize int
	scope    string
}

// Object is the lead schema.
func (s *LeadSink) Object() sinks.Object { return s.obj }

// Scope names the connection: host and a hash of the project (leads
// belong to the project, whichever user writes them).
func (s *LeadSink) Scope() string { return s.scope }

// Check lists one lead: the cheapest read that runs every check of the
// leads routes (project, credentials, membership, role).
func (s *LeadSink) Check(ctx context.Context) error {
	_, err := s.listPage(ctx, opCheck, nil, 0, 1, 1)
	return err
}

// OwnLeadID is the lead_id Create gives the lead of f: f's own lead_id
// when it has one, else the deterministic one of the entity named in ctx
// (see the type's documentation). "" when there is nothing to derive it
// from.
// OwnKeyField and OwnKey make the lead_id stamp known to the engine
// (sinks.OwnKeyer), so a listing finds a lead a killed run left bare.
func (s *LeadSink) OwnKeyField() string { return "lead_id" }

// OwnKey is OwnLeadID.
func (s *LeadSink) OwnKey(ctx context.Context, f sinks.Fields) string { return s.OwnLeadID(ctx, f) }

func (s *LeadSink) OwnLeadID(ctx context.Context, f sinks.Fields) string {
	if v := strings.TrimSpace(f["lead_id"]); v != "" {
		return v
	}
	basis := sinks.EntityOf(ctx)
	if basis == "" {
		basis = s.fieldsBasis(f)
	}
	if basis == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(basis))
	return "ls-" + hex.EncodeToString(sum[:10])
}

// fieldsBasis is what a lead_id is derived from without an entity: the
// normalized email and phone, or else every non-empty field.
func (s *LeadSink) fieldsBasis(f sinks.Fields) string {
	var parts []string
	if e, ok := keys.Key(keys.Email, strings.TrimSpace(f["email"]), s.region); ok {
		parts = append(parts, e)
	}
	if p, ok := keys.Key(keys.Phone, strings.TrimSpace(f["phone"]), s.region); ok {
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		for k, v := range f {
			if strings.TrimSpace(v) != "" {
				parts = append(parts, k+"="+v)
			}
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}

// Find returns the live leads matching any of q's keys, with Fields from
// the vendor's answer; see the type's documentation for how and at what
// cost.
func (s *LeadSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	type want struct{ field, kind, key string }
	var wants []want
	var emails []string
	scan := false
	for _, k := range q.Keys {
		key, ok := keys.Key(keys.Kind(k.Kind), k.Value, s.region)
		if !ok {
			continue
		}
		wants = append(wants, want{k.Field, k.Kind, key})
		if k.Field != "email" {
			scan = true
			continue
		}
		// A normalized address holds no quote or space: a valid phrase.
		emails = appendNew(emails, strings.TrimPrefix(key, k.Kind+":"))
	}
	own := ""
	if len(q.Fields) > 0 || sinks.EntityOf(ctx) != "" {
		own = s.OwnLeadID(ctx, q.Fields)
	}
	if len(wants) == 0 && own == "" {
		return nil, nil
	}
	var mine, matched []sinks.Record
	collect := func(doc map[string]any) error {
		f := s.fields(doc)
		rec := sinks.Record{ID: docString(doc["_id"]), Fields: f}
		if own != "" && f["lead_id"] == own {
			mine = append(mine, rec)
			return nil
		}
		for _, w := range wants {
			if got, ok := keys.Key(keys.Kind(w.kind), f[w.field], s.region); ok && got == w.key {
				matched = append(matched, rec)
				return nil
			}
		}
		return nil
	}
	var err error
	if len(wants) > 0 && !scan {
		// The email filter is exact and case-sensitive, and Tiledesk
		// stores an email as it was sent: the full-text index (fullname
		// and email, case-insensitive) finds every spelling of it as a
		// phrase, and collect compares the normalized addresses.
		for _, e := range emails {
			if _, err = s.walk(ctx, opFind, url.Values{"full_text": {`"` + e + `"`}}, 1, collect, nil); err != nil {
				break
			}
		}
	} else {
		_, err = s.walk(ctx, opFind, nil, -1, collect, func() bool { return len(mine) > 0 })
	}
	if err != nil {
		return nil, err
	}
	if len(mine) > 0 {
		return mine, nil
	}
	return matched, nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Create posts the lead: lead_id (f's, else the deterministic one),
// fullname, email and the attributes.* keys, the only fields Tiledesk's
// create keeps. It is one call. Every field of f is validated first, so
// a value Update would refuse is refused before anything is created. The
// returned Record holds the lead as Tiledesk answered it: the engine
// sends the fields the POST ignored (phone, company, tags, ...) with
// Update.
//
// Create may have created the lead even when it returns an error: after
// an unknown outcome (sinks.IsUnknownOutcome) callers Find before
// retrying, since Tiledesk refuses no duplicate; Find looks for the
// lead_id this call sent.
func (s *LeadSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	body, err := s.createBody(ctx, f)
	if err != nil {
		return sinks.Record{}, err
	}
	resp, err := s.client.Do(ctx, httpc.Request{Op: opCreate, Method: http.MethodPost, Path: s.path,
		Body: body, ContentType: "application/json", Write: true})
	if err != nil {
		return sinks.Record{}, err
	}
	doc, err := decodeLead(resp.Body)
	id := docString(doc["_id"])
	if err != nil || !objectIDRe.MatchString(id) {
		// The create was answered 200: the lead most likely exists.
		return sinks.Record{}, &sinks.Error{Class: sinks.Transient, Op: opCreate, Status: resp.Status,
			Msg: "the answer names no lead id; the lead may exist: find it before retrying"}
	}
	return sinks.Record{ID: id, Fields: s.fields(doc)}, nil
}

// Update sets the given fields of lead id with one partial PUT; an empty
// value clears a text field (or the tags), never an attribute. lead_id is
// not sent: Tiledesk's update ignores it, so an external id is fixed at
// create. attributes.* keys are merged with the stored attributes, which
// Update reads first (GET: two calls instead of one); other stored keys
// are kept. Update is idempotent.
//
// Tiledesk's PUT upserts: a well-formed id that matches no lead of the
// project stores a bare document under that id, which Update reports as
// Rejected. It also reports an update of a soft-deleted lead as Rejected
// (the change is stored, but the lead stays deleted) unless f sets status.
func (s *LeadSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	if !objectIDRe.MatchString(id) {
		return &sinks.Error{Class: sinks.Rejected, Op: opUpdate, Msg: fmt.Sprintf("%q is not a Tiledesk lead id (24 hex digits)", id)}
	}
	body, attrs, err := s.updateBody(f)
	if err != nil {
		return err
	}
	if len(attrs) > 0 {
		stored, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkOwned(opGet, id, stored, f, false); err != nil {
			return err
		}
		current, _ := stored["attributes"].(map[string]any)
		merged := make(map[string]any, len(current)+len(attrs))
		changed := false
		for k, v := range current {
			merged[k] = v
		}
		for k, v := range attrs {
			if old, ok := current[k]; !ok || attrString(old) != v {
				changed = true
			}
			merged[k] = v
		}
		if changed {
			body["attributes"] = merged
		}
	}
	if len(body) == 0 {
		return nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	doc, err := s.put(ctx, opUpdate, id, data)
	if err != nil {
		return err
	}
	return s.checkOwned(opUpdate, id, doc, f, true)
}

// checkOwned reports a lead document that is not a live lead of the
// project as Rejected: a bare document (no project), another project's
// lead, or (unless f sets status) a soft-deleted one. written says
// whether the change was already stored.
func (s *LeadSink) checkOwned(op, id string, doc map[string]any, f sinks.Fields, written bool) error {
	switch p := strings.ToLower(docString(doc["id_project"])); {
	case p == "" && written:
		return &sinks.Error{Class: sinks.Rejected, Op: op, Status: http.StatusOK,
			Msg: fmt.Sprintf("no lead %s in the project; Tiledesk's PUT stored a bare document under that id instead", id)}
	case p == "":
		return &sinks.Error{Class: sinks.Rejected, Op: op, Status: http.StatusOK,
			Msg: fmt.Sprintf("no lead %s in the project (only a bare document, no lead); nothing was changed", id)}
	case p != s.project && written:
		return &sinks.Error{Class: sinks.Rejected, Op: op, Status: http.StatusOK,
			Msg: fmt.Sprintf("lead %s belongs to another project (%s); Tiledesk updated it anyway", id, p)}
	case p != s.project:
		return &sinks.Error{Class: sinks.Rejected, Op: op, Status: http.StatusOK,
			Msg: fmt.Sprintf("lead %s belongs to another project (%s); nothing was changed", id, p)}
	}
	if _, setsStatus := f["status"]; written && !setsStatus && docString(doc["status"]) == statusDeleted {
		return &sinks.Error{Class: sinks.Rejected, Op: op, Status: http.StatusOK,
			Msg: fmt.Sprintf("lead %s is deleted in Tiledesk (status 1000): the change was stored but the lead stays deleted; map status 100 to restore it", id)}
	}
	return nil
}

// Delete soft-deletes lead id (status 1000); deleting twice succeeds.
// Tiledesk's DELETE upserts like PUT: an id that matches no lead leaves a
// bare deleted document, invisible to every list.
func (s *LeadSink) Delete(ctx context.Context, id string) error {
	if !objectIDRe.MatchString(id) {
		return &sinks.Error{Class: sinks.Rejected, Op: opDelete, Msg: fmt.Sprintf("%q is not a Tiledesk lead id (24 hex digits)", id)}
	}
	_, err := s.client.Do(ctx, httpc.Request{Op: opDelete, Method: http.MethodDelete, Path: s.path + "/" + id, Write: true})
	return err
}

// List calls fn for every live lead of the project, in _id order, pages
// of the configured page size. Each record carries every stored field
// (phone, email, lead_id, attributes.<key>, ...) so an index can key on
// any match key. A lead that moves between pages while the listing runs
// is reported once; one soft-deleted during the listing may shift a
// later lead back into a page already read and be missed (Tiledesk pages
// by skip, not by cursor).
func (s *LeadSink) List(ctx context.Context, fn func(sinks.Record) error) (pages int, err error) {
	return s.walk(ctx, opList, nil, 1, func(doc map[string]any) error {
		return fn(sinks.Record{ID: docString(doc["_id"]), Fields: s.fields(doc)})
	}, nil)
}

// ListCost reads the count of live leads (one call) and returns the calls
// List takes: ceil(count / page size), at least 1.
func (s *LeadSink) ListCost(ctx context.Context) (calls int, err error) {
	page, err := s.listPage(ctx, opCount, nil, 0, 1, 1)
	if err != nil {
		return 0, err
	}
	return max(1, (page.Count+s.pageSize-1)/s.pageSize), nil
}

// listResponse is the list route's answer.
type listResponse struct {
	PerPage int              `json:"perPage"`
	Count   int              `json:"count"`
	Leads   []map[string]any `json:"leads"`
}

// listPage reads one page (zero-based), sorted by _id: unique, and
// growing with creation, so ascending (direction 1) leads created during
// a listing land on later pages instead of shifting earlier ones, and
// descending (-1) reads the newest leads first. Both sort (what the
// server reads) and sortField (what the docs name) are sent (VENDORS.md
// 2.6).
func (s *LeadSink) listPage(ctx context.Context, op string, filter url.Values, page, limit, direction int) (listResponse, error) {
	q := url.Values{}
	for k, vs := range filter {
		q[k] = vs
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("page", strconv.Itoa(page))
	q.Set("sort", "_id")
	q.Set("sortField", "_id")
	q.Set("direction", strconv.Itoa(direction))
	resp, err := s.client.Do(ctx, httpc.Request{Op: op, Method: http.MethodGet, Path: s.path, Query: q})
	if err != nil {
		return listResponse{}, err
	}
	var lr listResponse
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&lr); err != nil {
		return listResponse{}, &sinks.Error{Class: sinks.Transient, Op: op, Status: resp.Status, Msg: "unreadable list answer", Err: err}
	}
	return lr, nil
}

// walk pages through the list with filter in the given _id direction,
// calling fn once per lead id; it stops early when done (checked after
// each page) reports true.
func (s *LeadSink) walk(ctx context.Context, op string, filter url.Values, direction int, fn func(map[string]any) error, done func() bool) (pages int, err error) {
	seen := map[string]bool{}
	for page := 0; ; page++ {
		lr, err := s.listPage(ctx, op, filter, page, s.pageSize, direction)
		if err != nil {
			return pages, err
		}
		pages++
		for _, doc := range lr.Leads {
			id := docString(doc["_id"])
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			if err := fn(doc); err != nil {
				return pages, err
			}
		}
		if done != nil && done() {
			return pages, nil
		}
		// The server pages with its own limit; perPage says which.
		per := lr.PerPage
		if per <= 0 {
			per = s.pageSize
		}
		if len(lr.Leads) < per || (page+1)*per >= lr.Count {
			return pages, nil
		}
	}
}

// get reads one lead by id (soft-deleted ones too).
func (s *LeadSink) get(ctx context.Context, id string) (map[string]any, error) {
	resp, err := s.client.Do(ctx, httpc.Request{Op: opGet, Method: http.MethodGet, Path: s.path + "/" + id})
	if err != nil {
		return nil, err
	}
	doc, err := decodeLead(resp.Body)
	if err != nil {
		return nil, &sinks.Error{Class: sinks.Transient, Op: opGet, Status: resp.Status, Msg: "unreadable lead", Err: err}
	}
	return doc, nil
}

// put sends a partial update and returns the updated lead.
func (s *LeadSink) put(ctx context.Context, op, id string, body []byte) (map[string]any, error) {
	resp, err := s.client.Do(ctx, httpc.Request{Op: op, Method: http.MethodPut, Path: s.path + "/" + id,
		Body: body, ContentType: "application/json", Write: true})
	if err != nil {
		return nil, err
	}
	doc, err := decodeLead(resp.Body)
	if err != nil {
		// Answered 200: the update was stored.
		return map[string]any{"_id": id, "id_project": s.project}, nil
	}
	return doc, nil
}

func decodeLead(body []byte) (map[string]any, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("not a JSON object")
	}
	return doc, nil
}

// postFields are the only fields Tiledesk's create keeps (besides the
// attributes.* keys, sent as the attributes object).
var postFields = map[string]bool{"lead_id": true, "fullname": true, "email": true}

// createBody validates every field of f and builds the POST body: the
// fields Tiledesk's create keeps, the lead_id (f's or the deterministic
// one) and the non-empty attributes. Empty values are not sent.
func (s *LeadSink) createBody(ctx context.Context, f sinks.Fields) ([]byte, error) {
	b := map[string]any{}
	attrs := map[string]any{}
	for name, v := range f {
		jv, err := s.wireValue(opCreate, name, v)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		switch {
		case strings.HasPrefix(name, attrPrefix):
			attrs[strings.TrimPrefix(name, attrPrefix)] = jv
		case postFields[name]:
			b[name] = jv
		}
	}
	if own := s.OwnLeadID(ctx, f); own != "" {
		b["lead_id"] = own
	}
	if len(attrs) > 0 {
		b["attributes"] = attrs
	}
	return json.Marshal(b)
}

// updateBody validates f and builds the PUT body without the attributes,
// which it returns apart (the non-empty attributes.* keys). Empty values
// clear: "" for text, [] for tags; an empty status or attribute is not
// sent.
func (s *LeadSink) updateBody(f sinks.Fields) (map[string]any, map[string]string, error) {
	b := map[string]any{}
	attrs := map[string]string{}
	for name, v := range f {
		jv, err := s.wireValue(opUpdate, name, v)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case name == "lead_id":
		case strings.HasPrefix(name, attrPrefix):
			if strings.TrimSpace(v) != "" {
				attrs[strings.TrimPrefix(name, attrPrefix)] = v
			}
		case name == "status" && strings.TrimSpace(v) == "":
		default:
			b[name] = jv
		}
	}
	return b, attrs, nil
}

func unknownField(op, name string) error {
	if name == "attributes" {
		return &sinks.Error{Class: sinks.Rejected, Op: op, Msg: "attributes: a single JSON value for every attribute is not accepted " +
			"(it would replace the stored keys): map each key as attributes.<key>, e.g. attributes.source: {column: Source}"}
	}
	return &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("unknown field %q (lead fields: %s)", name, strings.Join(Schema().Objects[0].FieldNames(), ", "))}
}

// wireValue validates a field's string value and converts it to its JSON
// value, refusing values Tiledesk would store wrongly or answer with a
// 500.
func (s *LeadSink) wireValue(op, name, v string) (any, error) {
	fd, ok := s.obj.Field(name)
	if !ok || name == "attributes" {
		return nil, unknownField(op, name)
	}
	switch {
	case name == "tags":
		tags := []string{}
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		return tags, nil
	case name == "status":
		t := strings.TrimSpace(v)
		if t == "" {
			return nil, nil
		}
		for _, e := range fd.Enum {
			if t == e {
				return json.Number(t), nil
			}
		}
		return nil, &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("status: %q is not one of 100, 50, 1000", truncate(v))}
	}
	return v, nil
}

// fields turns a lead document into schema fields, normalized like the
// engine's match keys: emails trimmed and lower-cased, phones in E.164
// (with the configured region) when valid, lead_id trimmed, tags joined
// with commas, each attribute as attributes.<key> (objects and arrays as
// compact JSON with sorted keys). Absent, null and empty values are left
// out.
func (s *LeadSink) fields(doc map[string]any) sinks.Fields {
	out := sinks.Fields{}
	for _, fd := range s.obj.Fields {
		if strings.HasSuffix(fd.Name, "*") {
			continue
		}
		v, ok := doc[fd.Name]
		if !ok || v == nil {
			continue
		}
		var val string
		switch fd.Name {
		case "tags":
			arr, _ := v.([]any)
			parts := make([]string, 0, len(arr))
			for _, t := range arr {
				if ts := strings.TrimSpace(docString(t)); ts != "" {
					parts = append(parts, ts)
				}
			}
			if len(arr) == 0 {
				if ts := docString(v); ts != "" { // a single tag stored as text
					parts = append(parts, ts)
				}
			}
			val = strings.Join(parts, ",")
		case "email":
			val = strings.TrimSpace(docString(v))
			if e, err := keys.NormalizeEmail(val); err == nil {
				val = e
			} else {
				val = strings.ToLower(val)
			}
		case "phone":
			val = strings.TrimSpace(docString(v))
			if p, err := keys.NormalizePhone(val, s.region); err == nil && val != "" {
				val = p
			}
		case "lead_id":
			val = strings.TrimSpace(docString(v))
		default:
			val = docString(v)
		}
		if val != "" {
			out[fd.Name] = val
		}
	}
	if attrs, ok := doc["attributes"].(map[string]any); ok {
		for k, v := range attrs {
			if val := attrString(v); val != "" && k != "" {
				out[attrPrefix+k] = val
			}
		}
	}
	return out
}

// attrString is an attribute's value as a field value: scalars as text,
// objects and arrays as compact JSON, null as "".
func attrString(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case map[string]any, []any:
		return compactJSON(v)
	}
	return docString(v)
}

// docString is a scalar JSON value as text ("" for objects and arrays).
func docString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}
