package liondesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// invalid is a record leadsync refuses before calling LionDesk (a value
// the API would store wrongly or refuse): Rejected, permanent for the row.
func invalid(op, format string, args ...any) *sinks.Error {
	return &sinks.Error{Class: sinks.Rejected, Op: "liondesk: " + op, Code: "invalid", Msg: fmt.Sprintf(format, args...)}
}

// fieldTypes maps every field of both objects to its schema type.
var fieldTypes = func() map[string]sinks.FieldType {
	m := map[string]sinks.FieldType{}
	for _, o := range Schema().Objects {
		for _, f := range o.Fields {
			m[f.Name] = f.Type
		}
	}
	return m
}()

// personBody converts the contact fields of f (person fields, source_id,
// contact_source) to a /contacts body. On create an empty value is left
// out; on update it clears the field (null). Phones become E.164, emails
// lower case; contact_source is resolved to its id.
func (s *base) personBody(ctx context.Context, op string, f sinks.Fields, update bool) (map[string]any, error) {
	body := map[string]any{}
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := strings.TrimSpace(f[k])
		if !s.personField[k] {
			continue
		}
		if v == "" {
			if update {
				apiName := k
				if k == "contact_source" {
					apiName = "source_id"
				}
				body[apiName] = nil
			}
			continue
		}
		switch {
		case k == "contact_source":
			if sid := strings.TrimSpace(f["source_id"]); sid != "" {
				return nil, invalid(op, "give contact_source or source_id, not both")
			}
			id, err := s.contactSourceID(ctx, v)
			if err != nil {
				return nil, err
			}
			body["source_id"] = id
		case fieldTypes[k] == sinks.Int:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, invalid(op, "%s %q is not a non-negative integer", k, v)
			}
			body[k] = n
		case fieldTypes[k] == sinks.Phone:
			p, err := keys.NormalizePhone(v, s.c.region)
			if err != nil {
				return nil, invalid(op, "%s: %v", k, err)
			}
			body[k] = p
		case fieldTypes[k] == sinks.Email:
			e, err := keys.NormalizeEmail(v)
			if err != nil {
				return nil, invalid(op, "%s: %v", k, err)
			}
			body[k] = e
		default:
			body[k] = v
		}
	}
	return body, nil
}

// vendorFields renders a /contacts record in schema field names, with
// phones in E.164 and emails lower-cased (as the engine normalizes its
// keys); null and empty values are left out.
func (s *base) vendorFields(m map[string]any) sinks.Fields {
	out := sinks.Fields{}
	for _, f := range personFields() {
		if f.Name == "contact_source" {
			continue
		}
		v := strings.TrimSpace(stringOf(m[f.Name]))
		if v == "" {
			continue
		}
		switch f.Type {
		case sinks.Phone:
			if p, err := keys.NormalizePhone(v, s.c.region); err == nil {
				v = p
			}
		case sinks.Email:
			if e, err := keys.NormalizeEmail(v); err == nil && e != "" {
				v = e
			} else {
				v = strings.ToLower(v)
			}
		}
		out[f.Name] = v
	}
	if id := intOf(m, "source_id"); id != 0 {
		out["source_id"] = strconv.FormatInt(id, 10)
	}
	return out
}

// idCache remembers lookups for the life of a sink (lead and contact
// sources by name, source names by id, lead routes): each key is fetched
// once, concurrent callers wait for the one fetch, and errors are not
// remembered (the next caller tries again).
type idCache[V any] struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	mu   sync.Mutex
	done bool
	v    V
}

func (c *idCache[V]) get(key string, fetch func() (V, error)) (V, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cacheEntry[V]{}
	}
	e := c.entries[key]
	if e == nil {
		e = &cacheEntry[V]{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.v, nil
	}
	v, err := fetch()
	if err != nil {
		var zero V
		return zero, err
	}
	e.v, e.done = v, true
	return v, nil
}

// pickByName chooses among records whose names equal name ignoring case:
// the one spelled exactly so, else the oldest.
func pickByName(recs []map[string]any, name string) map[string]any {
	for _, r := range recs {
		if n, _ := r["name"].(string); n == name {
			return r
		}
	}
	if len(recs) > 0 {
		return recs[0]
	}
	return nil
}

// leadSourceID resolves a lead source name (cached; 0 = no such source).
func (s *base) leadSourceID(ctx context.Context, name string) (int64, error) {
	id, err := s.leadSources.get(strings.ToLower(name), func() (int64, error) {
		recs, err := s.c.findByName(ctx, "find lead source", "/lead-sources", name)
		if err != nil {
			return 0, err
		}
		return intOf(pickByName(recs, name), "id"), nil
	})
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, invalid("find lead source", "lead source %q does not exist (LionDesk's lead sources are fixed)", name)
	}
	return id, nil
}

// contactSourceID resolves one of the caller's contact sources by name
// (cached; a missing one is Rejected: `leadsync setup` creates sources).
func (s *base) contactSourceID(ctx context.Context, name string) (int64, error) {
	id, err := s.contactSources.get(strings.ToLower(name), func() (int64, error) {
		recs, err := s.c.findByName(ctx, "find contact source", "/contact-sources", name)
		if err != nil {
			return 0, err
		}
		return intOf(pickByName(recs, name), "id"), nil
	})
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, invalid("find contact source", "contact source %q does not exist (create it in LionDesk or with leadsync setup: contact_sources)", name)
	}
	return id, nil
}

// contactSourceName resolves a contact source id to its name (cached; ""
// when the caller cannot see it).
func (s *base) contactSourceName(ctx context.Context, id int64) (string, error) {
	return s.sourceNames.get(strconv.FormatInt(id, 10), func() (string, error) {
		var rec namedID
		err := s.c.get(ctx, "get contact source", idPath("/contact-sources/%d", id), nil, &rec)
		if sinks.ClassOf(err) == sinks.Rejected {
			return "", nil // gone or not the caller's: no name to show
		}
		return rec.Name, err
	})
}

// findContacts returns the contacts whose field equals value, oldest
// first (one paginated exact-equality find).
func (s *base) findContacts(ctx context.Context, field, value string) ([]map[string]any, error) {
	var out []map[string]any
	q := url.Values{}
	q.Set(field, value)
	err := s.c.findAll(ctx, "find contacts by "+field, "/contacts", q, func(raw json.RawMessage) error {
		m, err := decodeObject(raw)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// keyValue normalizes a match key's value the way the sink stores it.
func (s *base) keyValue(field, value string) (string, bool) {
	switch fieldTypes[field] {
	case sinks.Phone:
		p, err := keys.NormalizePhone(value, s.c.region)
		return p, err == nil
	case sinks.Email:
		e, err := keys.NormalizeEmail(value)
		return e, err == nil && e != ""
	}
	v := strings.TrimSpace(value)
	return v, v != ""
}
