package leaddesk

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// ContactSink writes contacts into calling lists (mod=contact).
//
// Every phone it sends is E.164 (see toE164), so the phones LeadDesk
// stores are the engine's match keys and later finds match them.
type ContactSink struct{ sinkBase }

var _ interface {
	sinks.Sink
	sinks.Checker
} = (*ContactSink)(nil)

// FindsBy says Find searches by phone keys only (sinks.KeyFinder).
func (s *ContactSink) FindsBy(kind string) bool { return keys.Kind(kind) == keys.Phone }

// Find returns the contacts whose phone equals a phone key of q (cmd=find,
// one call per distinct phone), ids only: Record.Fields is nil because
// LeadDesk's find does not return the record. When q.Fields["list"] is a
// numeric list id the search is narrowed to that list (contact_list_id);
// a list given by name cannot narrow it (find takes ids only), so a
// contact with that phone in any list is found.
//
// LeadDesk cannot search by email: email keys are skipped, and a query
// with only email keys finds nothing without a call. The engine's state
// index still matches by email what leadsync created itself (FindsBy).
func (s *ContactSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	const op = "leaddesk: find contact"
	listID := strings.TrimSpace(q.Fields["list"])
	if !isDigits(listID) {
		listID = ""
	}
	var out []sinks.Record
	seenPhone, seenID := map[string]bool{}, map[string]bool{}
	for _, k := range q.Keys {
		if keys.Kind(k.Kind) != keys.Phone {
			continue
		}
		phone := strings.TrimSpace(k.Value)
		if p, ok := toE164(phone, s.region); ok {
			phone = p
		}
		if phone == "" || seenPhone[phone] {
			continue
		}
		seenPhone[phone] = true
		form := url.Values{"phone": {phone}}
		if listID != "" {
			form.Set("contact_list_id", listID)
		}
		body, err := s.c.call(ctx, op, "contact", "find", form, nil, false, false)
		if err != nil {
			return nil, err
		}
		var v struct {
			ContactIDs []json.Number `json:"contact_ids"`
		}
		if err := decode(op, body, &v); err != nil {
			return nil, err
		}
		for _, n := range v.ContactIDs {
			if id := idString(n); id != "" && !seenID[id] {
				seenID[id] = true
				out = append(out, sinks.Record{ID: id})
			}
		}
	}
	return out, nil
}

// Create adds a contact (cmd=add, return_value=1) with every non-empty
// field of f, sent as a POST form, and returns its contact_id. phone and
// list are required.
//
// Create may have created the contact even when it returns an error
// (sinks.IsUnknownOutcome); find by phone before trying again.
func (s *ContactSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	const op = "leaddesk: create contact"
	form, err := s.form(op, f, true)
	if err != nil {
		return sinks.Record{}, err
	}
	for _, req := range []string{"phone", "list"} {
		if form.Get(req) == "" {
			return sinks.Record{}, rejected(op, CodeArgumentMissing, req)
		}
	}
	form.Set("return_value", "1")
	body, err := s.c.call(ctx, op, "contact", "add", form, nil, true, false)
	if err != nil {
		return sinks.Record{}, err
	}
	var v struct {
		ContactID json.Number `json:"contact_id"`
	}
	if err := decode(op, body, &v); err != nil {
		return sinks.Record{}, err
	}
	id := idString(v.ContactID)
	if id == "" {
		return sinks.Record{}, unexpected(op, "created, but the answer has no contact_id")
	}
	return sinks.Record{ID: id}, nil
}

// Update modifies contact id (cmd=modify) with the fields of f only; an
// empty value clears that field at LeadDesk. A new list moves the
// contact; order moves it within its list.
func (s *ContactSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	const op = "leaddesk: modify contact"
	if !isDigits(id) {
		return rejected(op, CodeArgumentInvalid, "contact_id")
	}
	form, err := s.form(op, f, false)
	if err != nil || len(form) == 0 {
		return err
	}
	form.Set("contact_id", id)
	_, err = s.c.call(ctx, op, "contact", "modify", form, nil, true, false)
	return err
}

// form turns fields into the command's parameters. Create leaves empty
// values out (there is nothing to clear); modify sends them (to clear).
func (s *ContactSink) form(op string, f sinks.Fields, create bool) (url.Values, error) {
	form := url.Values{}
	for _, name := range sortedFieldNames(f) {
		v := f[name]
		field, ok := s.obj.Field(name)
		if !ok {
			return nil, rejected(op, CodeArgumentInvalid, "unknown contact field "+name)
		}
		if create && strings.TrimSpace(v) == "" {
			continue
		}
		if field.Type == sinks.Phone && strings.TrimSpace(v) != "" {
			p, ok := toE164(v, s.region)
			if !ok {
				return nil, rejected(op, CodeArgumentInvalid, name+": not a valid phone number"+regionNote(s.region))
			}
			v = p
		}
		form.Set(name, v)
	}
	return form, nil
}

func regionNote(region string) string {
	if region == "" {
		return " (and no region is set for numbers without a country code)"
	}
	return " in region " + strings.ToUpper(region)
}

func sortedFieldNames(f sinks.Fields) []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
