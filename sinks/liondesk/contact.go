package liondesk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// contactSink writes LionDesk contacts.
type contactSink struct{ *base }

// Find returns the contacts matching any of q's keys: one exact-equality
// find per key (email=, mobile_phone=, home_phone=, office_phone=) with
// the value as leadsync stores it (E.164, lower case), ids deduplicated.
// Fields hold the contact's values; its address fields and contact_source
// name are fetched (one more call per contact, resp. per source) only
// when q.Fields maps them.
func (s *contactSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	var found []map[string]any
	seen := map[int64]bool{}
	for _, k := range q.Keys {
		if !slices.Contains(contactKeys, k.Field) {
			return nil, fmt.Errorf("liondesk: find contacts: %s is not a contact key (keys: %s)", k.Field, strings.Join(contactKeys, ", "))
		}
		v, ok := s.keyValue(k.Field, k.Value)
		if !ok {
			continue // a value that cannot be stored as a key matches nothing
		}
		recs, err := s.findContacts(ctx, k.Field, v)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if id := intOf(r, "id"); id != 0 && !seen[id] {
				seen[id] = true
				found = append(found, r)
			}
		}
	}
	wantAddress, wantSource := false, false
	for k := range q.Fields {
		if _, ok := addressFieldNames[k]; ok {
			wantAddress = true
		}
		if k == "contact_source" {
			wantSource = true
		}
	}
	out := make([]sinks.Record, 0, len(found))
	for _, r := range found {
		id := intOf(r, "id")
		fields := s.vendorFields(r)
		if sid := intOf(r, "source_id"); wantSource && sid != 0 {
			name, err := s.contactSourceName(ctx, sid)
			if err != nil {
				return nil, err
			}
			if name != "" {
				fields["contact_source"] = name
			}
		}
		if wantAddress {
			addr, err := s.address(ctx, id, q.Fields["address_type"])
			if err != nil {
				return nil, err
			}
			for k, v := range addressValues(addr) {
				fields[k] = v
			}
		}
		out = append(out, sinks.Record{ID: strconv.FormatInt(id, 10), Fields: fields})
	}
	return out, nil
}

// Create creates the contact with ONE call (POST /contacts). LionDesk
// keeps addresses under /contacts/:id/addresses, which the create does
// not take: when address fields are given, the record's Fields are what
// the contact holds (every field sent, without the address), and the
// engine sends the address with Update. Without address fields, Fields
// is nil: everything sent is set.
func (s *contactSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	const op = "create contact"
	body, err := s.personBody(ctx, op, f, false)
	if err != nil {
		return sinks.Record{}, err
	}
	var created map[string]any
	if err := s.c.post(ctx, op, "/contacts", body, &created); err != nil {
		return sinks.Record{}, err
	}
	id := intOf(created, "id")
	if id == 0 {
		return sinks.Record{}, &sinks.Error{Class: sinks.Transient, Op: "liondesk: " + op, Msg: "the answer carries no contact id"}
	}
	rec := sinks.Record{ID: strconv.FormatInt(id, 10)}
	if len(addressBody(f, false)) > 0 {
		rec.Fields = sinks.Fields{}
		for k, v := range f {
			if _, isAddress := addressFieldNames[k]; !isAddress {
				rec.Fields[k] = v
			}
		}
	}
	return rec, nil
}

// Update patches the given contact fields (PATCH /contacts/:id; an empty
// value clears the field) and, when address fields are given, the
// contact's address (PATCH the address of address_type, or the first
// one; POST one when there is none).
func (s *contactSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	const op = "update contact"
	cid, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || cid <= 0 {
		return invalid(op, "contact id %q is not a LionDesk id", id)
	}
	body, err := s.personBody(ctx, op, f, true)
	if err != nil {
		return err
	}
	addrBody := addressBody(f, true)
	if len(body) > 0 {
		if err := s.c.patch(ctx, op, idPath("/contacts/%d", cid), body, nil); err != nil {
			return err
		}
	}
	if len(addrBody) == 0 {
		return nil
	}
	addr, err := s.address(ctx, cid, f["address_type"])
	if err != nil {
		return err
	}
	if addr == nil {
		create := addressBody(f, false)
		if len(create) == 0 {
			return nil // clearing an address that does not exist
		}
		return s.c.post(ctx, "create contact address", idPath("/contacts/%d/addresses", cid), create, nil)
	}
	return s.c.patch(ctx, "update contact address", idPath("/contacts/%d/addresses/%d", cid, intOf(addr, "id")), addrBody, nil)
}

// address returns the contact's address that leadsync writes: the first
// of type addrType (case-insensitive) when one is given, else the first;
// nil when there is none.
func (s *contactSink) address(ctx context.Context, contactID int64, addrType string) (map[string]any, error) {
	addrType = strings.TrimSpace(addrType)
	var pick map[string]any
	err := s.c.findAll(ctx, "find contact addresses", idPath("/contacts/%d/addresses", contactID), nil, func(raw json.RawMessage) error {
		m, err := decodeObject(raw)
		if err != nil {
			return err
		}
		if pick == nil && (addrType == "" || strings.EqualFold(strings.TrimSpace(stringOf(m["type"])), addrType)) {
			pick = m
		}
		return nil
	})
	return pick, err
}

// addressBody converts the address fields of f to an addresses body; on
// create an empty value is left out, on update it clears (null).
func addressBody(f sinks.Fields, update bool) map[string]any {
	body := map[string]any{}
	for k, apiName := range addressFieldNames {
		v, ok := f[k]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch {
		case v != "":
			body[apiName] = v
		case update:
			body[apiName] = nil
		}
	}
	return body
}

// addressValues renders an address record in schema field names.
func addressValues(addr map[string]any) sinks.Fields {
	out := sinks.Fields{}
	if addr == nil {
		return out
	}
	for k, apiName := range addressFieldNames {
		if v := strings.TrimSpace(stringOf(addr[apiName])); v != "" {
			out[k] = v
		}
	}
	return out
}
