package leadsquared

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// leadSink finds and creates leads.
type leadSink struct{ base }

var _ sinks.Checker = (*leadSink)(nil)

// Find looks the lead up by each key: an email with
// Leads.GetByEmailaddress, a phone with RetrieveLeadByPhoneNumber (which
// matches Phone and Mobile and answers one lead, the most recently
// active). Records carry the lead's fields, emails lower-cased and phones
// in E.164.
func (s *leadSink) Find(ctx context.Context, q sinks.Query) ([]sinks.Record, error) {
	var out []sinks.Record
	seen := map[string]bool{}
	for _, k := range q.Keys {
		v := strings.TrimSpace(k.Value)
		if v == "" {
			continue
		}
		var leads []lead
		var err error
		switch keys.Kind(k.Kind) {
		case keys.Email:
			leads, err = s.c.leadsByEmail(ctx, v)
		case keys.Phone:
			leads, err = s.c.leadsByPhone(ctx, v)
		default:
			return nil, rejected("leadsquared: find lead", "cannot find a lead by %s (only by email or phone)", k.Field)
		}
		if err != nil {
			return nil, err
		}
		for _, l := range leads {
			id := strings.TrimSpace(l.str("ProspectID"))
			if id == "" || seen[strings.ToLower(id)] {
				continue
			}
			seen[strings.ToLower(id)] = true
			out = append(out, sinks.Record{ID: id, Fields: s.recordFields(l)})
		}
	}
	return out, nil
}

// recordFields maps a lead object to the schema's fields, skipping nulls.
func (s *leadSink) recordFields(l lead) sinks.Fields {
	f := sinks.Fields{}
	for _, fd := range s.obj.Fields {
		v := asSent(fd, l.str(fd.Name))
		if v == "" {
			continue
		}
		switch fd.Type {
		case sinks.Email:
			v = strings.ToLower(v)
		case sinks.Phone:
			v = s.c.phones.normalize(v)
		}
		f[fd.Name] = v
	}
	return f
}

// Create sends Lead.Create with the non-empty fields and returns the new
// ProspectID. A lead whose EmailAddress or Phone another lead has is
// Rejected (MXDuplicateEntryException).
//
// Create may have created the lead even when it returns an error
// (sinks.IsUnknownOutcome): Find before trying again.
func (s *leadSink) Create(ctx context.Context, f sinks.Fields) (sinks.Record, error) {
	const op = "leadsquared: create lead"
	vals, err := s.fields(op, f)
	if err != nil {
		return sinks.Record{}, err
	}
	if vals["FirstName"] == "" && vals["LastName"] == "" && vals["EmailAddress"] == "" && vals["Phone"] == "" {
		return sinks.Record{}, rejected(op, "a lead needs at least one of FirstName, LastName, EmailAddress or Phone")
	}
	id, err := s.c.post(ctx, op, pathLeadCreate, s.attributes(vals))
	if err != nil {
		return sinks.Record{}, err
	}
	return sinks.Record{ID: id}, nil
}

// Update sends Lead.Update?leadId=id with the non-empty fields of f, and
// only those: what f does not name is left as it is, and an empty value
// never clears a field (a blank cell is not an instruction to erase). With
// nothing to send it makes no call. Update is idempotent: after a lost
// answer it may simply be sent again. An EmailAddress or Phone another
// lead has is Rejected (MXDuplicateEntryException).
func (s *leadSink) Update(ctx context.Context, id string, f sinks.Fields) error {
	const op = "leadsquared: update lead"
	id = strings.TrimSpace(id)
	if id == "" {
		return rejected(op, "no ProspectID to update")
	}
	vals, err := s.fields(op, f)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		return nil
	}
	_, err = s.c.write(ctx, op, pathLeadUpdate, url.Values{"leadId": {id}}, s.attributes(vals))
	return err
}

// attributes is the body of Lead.Create and Lead.Update: the values in
// schema order, phones as +CC-NUMBER.
func (s *leadSink) attributes(vals map[string]string) []attribute {
	attrs := make([]attribute, 0, len(vals))
	for _, fd := range s.obj.Fields {
		v, ok := vals[fd.Name]
		if !ok {
			continue
		}
		if fd.Type == sinks.Phone {
			v = s.c.phones.body(v)
		}
		attrs = append(attrs, attribute{Attribute: fd.Name, Value: v})
	}
	return attrs
}

// attribute is one element of Lead.Create's and Lead.Update's body.
type attribute struct {
	Attribute string `json:"Attribute"`
	Value     string `json:"Value"`
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
