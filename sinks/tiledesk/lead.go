package tiledesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// Operation names, the Op of every sinks.Error this package returns.
const (
	opFind       = "tiledesk: find lead"
	opList       = "tiledesk: list leads"
	opCount      = "tiledesk: count leads"
	opCheck      = "tiledesk: check credentials"
	opCreate     = "tiledesk: create lead"
	opCreateRest = "tiledesk: create lead (set the fields POST ignores)"
	opUpdate     = "tiledesk: update lead"
	opDelete     = "tiledesk: delete lead"
)

// statusDeleted is a soft-deleted lead's status (models/leadConstants.js).
const statusDeleted = "1000"

// ErrPartialCreate is matched (errors.Is) by the error Create returns when
// the lead was created but the PUT of the fields Tiledesk's create ignores
// failed. Create then also returns the created Record: the lead exists,
// with lead_id, fullname, email and attributes only, and an Update with
// the same fields completes it. The error also wraps the PUT's
// *sinks.Error, so sinks.ClassOf reports that call's class.
var ErrPartialCreate = errors.New("tiledesk: the lead was created, but setting its other fields failed")

type partialCreateError struct {
	id  string
	err error
}

func (e *partialCreateError) Error() string {
	return fmt.Sprintf("tiledesk: create lead: lead %s was created, but the PUT of its other fields failed (update it to complete it): %v", e.id, e.err)
}

func (e *partialCreateError) Unwrap() []error { return []error{ErrPartialCreate, e.err} }

// LeadSink writes the leads of one Tiledesk project. It implements
// sinks.Sink, sinks.Checker, sinks.Lister and sinks.Deleter, and is safe
// for concurrent use (it holds no mutable state).
//
// Find by email uses the list's exact email filter (one call, or more for
// many duplicates). Tiledesk cannot filter by lead_id (nor by phone), so a
// find with any other key pages through every lead of the project
// (ceil(count / page size) calls) and matches keys itself: for jobs keyed
// on lead_id the planner's prefetch through List is far cheaper.
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
	_, err := s.listPage(ctx, opCheck, nil, 0, 1)
	return err
}

// Find returns the live leads matching any of q's keys, with Fields from
// the vendor's answer. Email keys alone use Tiledesk's exact
// (case-sensitive) email filter with the normalized key and the mapped
// value as written; any other key (lead_id) makes Find page through every
// lead and compare normalized values, emails then case-insensitively.
func (s *LeadSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	type want struct{ field, kind, key string }
	var wants []want
	var emails []string
	scan := false
	for _, k := range q.Keys {
		key, ok := mapping.Key(mapping.KeyKind(k.Kind), k.Value, s.region)
		if !ok {
			continue
		}
		wants = append(wants, want{k.Field, k.Kind, key})
		if k.Field != "email" {
			scan = true
			continue
		}
		emails = appendNew(emails, strings.TrimPrefix(key, k.Kind+":"))
		if raw := strings.TrimSpace(q.Fields[k.Field]); raw != "" {
			if rk, ok := mapping.Key(mapping.KeyKind(k.Kind), raw, s.region); ok && rk == key {
				emails = appendNew(emails, raw)
			}
		}
	}
	if len(wants) == 0 {
		return nil, nil
	}
	var filter url.Values
	if !scan {
		filter = url.Values{"email": emails}
	}
	var out []sinks.Record
	_, err := s.walk(ctx, opFind, filter, func(doc map[string]any) error {
		f := s.fields(doc)
		for _, w := range wants {
			if got, ok := mapping.Key(mapping.KeyKind(w.kind), f[w.field], s.region); ok && got == w.key {
				out = append(out, sinks.Record{ID: docString(doc["_id"]), Fields: f})
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Create posts the lead, then, when f holds fields Tiledesk's create
// ignores (phone, company, tags, address, note, status), sets them with a
// PUT: two calls.
//
// Create may have created the lead even when it returns an error: after
// an unknown outcome of the POST (sinks.IsUnknownOutcome) callers Find
// before retrying, and never retry blindly, since Tiledesk does not refuse
// duplicates. When the POST succeeded and the PUT failed, Create returns
// the created Record with an error matching ErrPartialCreate.
func (s *LeadSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	post, put, err := s.createBodies(f)
	if err != nil {
		return sinks.Record{}, err
	}
	resp, err := s.client.Do(ctx, httpc.Request{Op: opCreate, Method: http.MethodPost, Path: s.path,
		Body: post, ContentType: "application/json", Write: true})
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
	rec := sinks.Record{ID: id, Fields: s.fields(doc)}
	if put == nil {
		return rec, nil
	}
	doc, err = s.put(ctx, opCreateRest, id, put)
	if err != nil {
		return rec, &partialCreateError{id: id, err: err}
	}
	rec.Fields = s.fields(doc)
	return rec, nil
}

// Update sets the given fields of lead id with one partial PUT; an empty
// value clears the field. lead_id is not sent: Tiledesk's update ignores
// it, so an external id is fixed at create. Tiledesk's PUT upserts: a
// well-formed id that matches no lead of the project stores a bare
// document under that id, which Update reports as Rejected. It also
// reports an update of a soft-deleted lead as Rejected (the change is
// stored, but the lead stays deleted) unless f sets status.
func (s *LeadSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	if !objectIDRe.MatchString(id) {
		return &sinks.Error{Class: sinks.Rejected, Op: opUpdate, Msg: fmt.Sprintf("%q is not a Tiledesk lead id (24 hex digits)", id)}
	}
	body, err := s.updateBody(f)
	if err != nil || body == nil {
		return err
	}
	doc, err := s.put(ctx, opUpdate, id, body)
	if err != nil {
		return err
	}
	switch p := strings.ToLower(docString(doc["id_project"])); {
	case p == "":
		return &sinks.Error{Class: sinks.Rejected, Op: opUpdate, Status: http.StatusOK,
			Msg: fmt.Sprintf("no lead %s in the project; Tiledesk's PUT stored a bare document under that id instead", id)}
	case p != s.project:
		return &sinks.Error{Class: sinks.Rejected, Op: opUpdate, Status: http.StatusOK,
			Msg: fmt.Sprintf("lead %s belongs to another project (%s); Tiledesk updated it anyway", id, p)}
	}
	if _, setsStatus := f["status"]; !setsStatus && docString(doc["status"]) == statusDeleted {
		return &sinks.Error{Class: sinks.Rejected, Op: opUpdate, Status: http.StatusOK,
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
// of the configured page size. A lead that moves between pages while the
// listing runs is reported once; one soft-deleted during the listing may
// shift a later lead back into a page already read and be missed
// (Tiledesk pages by skip, not by cursor).
func (s *LeadSink) List(ctx context.Context, fn func(sinks.Record) error) (pages int, err error) {
	return s.walk(ctx, opList, nil, func(doc map[string]any) error {
		return fn(sinks.Record{ID: docString(doc["_id"]), Fields: s.fields(doc)})
	})
}

// ListCost reads the count of live leads (one call) and returns the calls
// List takes: ceil(count / page size), at least 1.
func (s *LeadSink) ListCost(ctx context.Context) (calls int, err error) {
	page, err := s.listPage(ctx, opCount, nil, 0, 1)
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

// listPage reads one page (zero-based), sorted by _id ascending: unique
// and growing with creation, so leads created during a listing land on
// later pages instead of shifting earlier ones. Both sort (what the server
// reads) and sortField (what the docs name) are sent (VENDORS.md 2.6).
func (s *LeadSink) listPage(ctx context.Context, op string, filter url.Values, page, limit int) (listResponse, error) {
	q := url.Values{}
	for k, vs := range filter {
		q[k] = vs
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("page", strconv.Itoa(page))
	q.Set("sort", "_id")
	q.Set("sortField", "_id")
	q.Set("direction", "1")
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

// walk pages through the list with filter, calling fn once per lead id.
func (s *LeadSink) walk(ctx context.Context, op string, filter url.Values, fn func(map[string]any) error) (pages int, err error) {
	seen := map[string]bool{}
	for page := 0; ; page++ {
		lr, err := s.listPage(ctx, op, filter, page, s.pageSize)
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

// createBodies validates f and splits it into the POST body (the fields
// Tiledesk's create keeps) and the PUT body (the rest; nil when empty).
// Empty values are not sent.
func (s *LeadSink) createBodies(f sinks.Fields) (post, put []byte, err error) {
	pb, ub := map[string]any{}, map[string]any{}
	for name, v := range f {
		if strings.TrimSpace(v) == "" {
			if _, ok := s.obj.Field(name); !ok {
				return nil, nil, unknownField(opCreate, name)
			}
			continue
		}
		jv, err := s.wireValue(opCreate, name, v)
		if err != nil {
			return nil, nil, err
		}
		if postFields[name] {
			pb[name] = jv
		} else {
			ub[name] = jv
		}
	}
	if post, err = json.Marshal(pb); err != nil {
		return nil, nil, err
	}
	if len(ub) > 0 {
		if put, err = json.Marshal(ub); err != nil {
			return nil, nil, err
		}
	}
	return post, put, nil
}

// updateBody validates f and builds the PUT body (nil when nothing is
// left to send). Empty values clear: "" for text, [] for tags, {} for
// attributes; an empty status is not sent.
func (s *LeadSink) updateBody(f sinks.Fields) ([]byte, error) {
	b := map[string]any{}
	for name, v := range f {
		if name == "lead_id" {
			continue
		}
		if strings.TrimSpace(v) == "" {
			switch name {
			case "status":
				continue
			case "attributes":
				b[name] = map[string]any{}
				continue
			}
		}
		jv, err := s.wireValue(opUpdate, name, v)
		if err != nil {
			return nil, err
		}
		b[name] = jv
	}
	if len(b) == 0 {
		return nil, nil
	}
	return json.Marshal(b)
}

func unknownField(op, name string) error {
	return &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("unknown field %q (lead fields: %s)", name, strings.Join(Schema().Objects[0].FieldNames(), ", "))}
}

// wireValue converts a field's string value to its JSON value, refusing
// values Tiledesk would store wrongly or answer with a 500.
func (s *LeadSink) wireValue(op, name, v string) (any, error) {
	if _, ok := s.obj.Field(name); !ok {
		return nil, unknownField(op, name)
	}
	switch name {
	case "tags":
		tags := []string{}
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		return tags, nil
	case "attributes":
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
			return nil, &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("attributes: %q is not a JSON object", truncate(v))}
		}
		return obj, nil
	case "status":
		t := strings.TrimSpace(v)
		for _, e := range s.mustField(name).Enum {
			if t == e {
				return json.Number(t), nil
			}
		}
		return nil, &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("status: %q is not one of 100, 50, 1000", truncate(v))}
	}
	return v, nil
}

func (s *LeadSink) mustField(name string) sinks.Field {
	f, _ := s.obj.Field(name)
	return f
}

// fields turns a lead document into schema fields, normalized like the
// engine's match keys: emails trimmed and lower-cased, phones in E.164
// (with the configured region) when valid, lead_id trimmed, tags joined
// with commas, attributes as compact JSON with sorted keys. Absent, null
// and empty values are left out.
func (s *LeadSink) fields(doc map[string]any) sinks.Fields {
	out := sinks.Fields{}
	for _, fd := range s.obj.Fields {
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
		case "attributes":
			if m, isMap := v.(map[string]any); !isMap || len(m) == 0 {
				continue
			}
			val = compactJSON(v)
		case "email":
			val = strings.TrimSpace(docString(v))
			if e, err := mapping.NormalizeEmail(val); err == nil {
				val = e
			} else {
				val = strings.ToLower(val)
			}
		case "phone":
			val = strings.TrimSpace(docString(v))
			if p, err := mapping.NormalizePhone(val, s.region); err == nil && val != "" {
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
	return out
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
