package sinks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/phone"
	"github.com/leadsync/leadsync/sinks/keys"
)

// FieldType is the kind of value a field holds; it decides validation and,
// for match keys, normalization.
type FieldType string

// Field types.
const (
	String   FieldType = "string"
	Int      FieldType = "int"
	Bool     FieldType = "bool"
	Email    FieldType = "email"    // normalized: trimmed, lower-cased
	Phone    FieldType = "phone"    // normalized: E.164 with the job's region
	Date     FieldType = "date"     // YYYY-MM-DD
	DateTime FieldType = "datetime" // the vendor's timestamp format (Field.Format)
	Enum     FieldType = "enum"     // one of Field.Enum
	ID       FieldType = "id"       // an external identifier, compared trimmed
	Tags     FieldType = "tags"     // a comma-separated set: order, spaces and repeats do not matter
	Number   FieldType = "number"   // a decimal number, compared as a number ("10" = "10.0")
)

// Field is one writable field of an object.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	MaxLen   int      // in characters; 0 = no documented limit
	Enum     []string // for Enum
	Format   string   // for DateTime: a Go time layout
	Doc      string
	// PII marks fields that reports mask when asked to.
	PII bool
}

// KeyKind is how the field's values are normalized as match keys, as its
// declared type says: a Phone field's in E.164, an Email field's
// lower-cased, any other field's trimmed (an id). The name plays no part:
// a field called "mobile" of type String is an id key.
func (f Field) KeyKind() keys.Kind {
	switch f.Type {
	case Phone:
		return keys.Phone
	case Email:
		return keys.Email
	}
	return keys.ID
}

// Canonical is v as the vendor means it, for comparing and hashing: phones
// in E.164 (when they parse), e-mails trimmed and lower-cased, tags as a
// sorted set, numbers as numbers, ids trimmed. Other values are as given.
func (f Field) Canonical(v string) string {
	switch f.Type {
	case Phone:
		if p, err := phone.Normalize(v, ""); err == nil {
			return p
		}
		return strings.TrimSpace(v)
	case Email:
		return strings.ToLower(strings.TrimSpace(v))
	case ID:
		v = strings.TrimSpace(v)
		if isGUID(v) {
			return strings.ToLower(v) // GUIDs ignore case (LeadSquared's ids)
		}
		return v
	case Tags:
		return canonicalTags(v)
	case Int, Number:
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strings.TrimSpace(v)
	}
	return v
}

// Equal reports whether a and b are the same value as the vendor means it.
func (f Field) Equal(a, b string) bool {
	return a == b || f.Canonical(a) == f.Canonical(b)
}

// isGUID reports an 8-4-4-4-12 hexadecimal identifier.
func isGUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func canonicalTags(v string) string {
	parts := strings.Split(v, ",")
	out := parts[:0]
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Object is one kind of record a sink writes.
type Object struct {
	Name string
	Doc  string
	// Open objects accept any field name (as strings): export sinks
	// without a declared schema.
	Open   bool
	Fields []Field
	// Keys are the fields that can serve as match keys, in the order the
	// sink prefers them.
	Keys []string
	// CanFind and CanUpdate say whether the vendor can look the object up
	// and change it; without Find, dedup relies on state and intents.
	CanFind   bool
	CanUpdate bool
	// Event objects (a call log, a callback) are things that happened, not
	// people: an entity is one event, identified by all of EventKey's
	// values together (or by the job's match keys, all together), so two
	// events of one person are two writes and only rows of the same event
	// merge.
	Event    bool
	EventKey []string
	// NameFields are the fields that together form an entity's display
	// name in reports (first and last name, or a full name), in order; the
	// first non-empty email field stands in when they are all empty.
	NameFields []string
	// FindNoFields, when set, says why the vendor's find returns no field
	// values (ids only): reports and --verify cannot see vendor edits.
	FindNoFields string
}

// Field returns the named field. An open object returns a string field for
// any name. A field declared as "prefix.*" (Tiledesk "attributes.*")
// stands for every name under that prefix; the returned field carries the
// asked name.
func (o Object) Field(name string) (Field, bool) {
	for _, f := range o.Fields {
		if f.Name == name {
			return f, true
		}
	}
	for _, f := range o.Fields {
		if p, ok := strings.CutSuffix(f.Name, "*"); ok && strings.HasPrefix(name, p) && len(name) > len(p) {
			f.Name = name
			return f, true
		}
	}
	if o.Open {
		return Field{Name: name, Type: String}, true
	}
	return Field{}, false
}

// FieldNames lists the declared field names in order.
func (o Object) FieldNames() []string {
	out := make([]string, len(o.Fields))
	for i, f := range o.Fields {
		out[i] = f.Name
	}
	return out
}

// Required lists the names of required fields.
func (o Object) Required() []string {
	var out []string
	for _, f := range o.Fields {
		if f.Required {
			out = append(out, f.Name)
		}
	}
	return out
}

// Schema is every object of one sink.
type Schema struct {
	Vendor  string
	Doc     string
	Objects []Object
}

// Object returns the named object.
func (s Schema) Object(name string) (Object, error) {
	for _, o := range s.Objects {
		if o.Name == name {
			return o, nil
		}
	}
	names := make([]string, len(s.Objects))
	for i, o := range s.Objects {
		names[i] = o.Name
	}
	sort.Strings(names)
	return Object{}, fmt.Errorf("%s has no object %q (it has: %s)", s.Vendor, name, strings.Join(names, ", "))
}

// Check reports declaration mistakes: duplicate fields, keys that are not
// fields, enums without values. Tests run it on every schema.
func (s Schema) Check() error {
	var problems []string
	for _, o := range s.Objects {
		seen := map[string]bool{}
		for _, f := range o.Fields {
			if seen[f.Name] {
				problems = append(problems, fmt.Sprintf("%s.%s: field %s declared twice", s.Vendor, o.Name, f.Name))
			}
			seen[f.Name] = true
			if f.Type == Enum && len(f.Enum) == 0 {
				problems = append(problems, fmt.Sprintf("%s.%s: enum field %s has no values", s.Vendor, o.Name, f.Name))
			}
			if f.Type == "" {
				problems = append(problems, fmt.Sprintf("%s.%s: field %s has no type", s.Vendor, o.Name, f.Name))
			}
		}
		for _, k := range o.Keys {
			if !seen[k] && !o.Open {
				problems = append(problems, fmt.Sprintf("%s.%s: key %s is not a field", s.Vendor, o.Name, k))
				continue
			}
			// A key's kind is its type: declare it.
			if f, ok := o.Field(k); ok && f.Type != Phone && f.Type != Email && f.Type != ID {
				problems = append(problems, fmt.Sprintf("%s.%s: key %s is a %s field (a key is a phone, email or id field)", s.Vendor, o.Name, k, f.Type))
			}
		}
		for _, k := range o.EventKey {
			if !seen[k] {
				problems = append(problems, fmt.Sprintf("%s.%s: event key %s is not a field", s.Vendor, o.Name, k))
			}
		}
		if o.Event && len(o.EventKey) == 0 {
			problems = append(problems, fmt.Sprintf("%s.%s: an event object needs an EventKey", s.Vendor, o.Name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("schema: %s", strings.Join(problems, "; "))
	}
	return nil
}
