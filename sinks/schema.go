// Package sinks declares what every sink shares: the schema of the objects
// a sink writes (declared once in code, read by mapping validation,
// `leadsync fields` and the docs), and the classification of vendor errors.
package sinks

import (
	"fmt"
	"sort"
	"strings"
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
}

// Field returns the named field. An open object returns a string field for
// any name.
func (o Object) Field(name string) (Field, bool) {
	for _, f := range o.Fields {
		if f.Name == name {
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
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("schema: %s", strings.Join(problems, "; "))
	}
	return nil
}
