package mapping

import (
	"slices"
	"testing"
)

// A lead's Values and Keys share one allocation: each is capped to its own
// part, so appending to one never changes the other, and a lead without
// keys has nil Keys as before.
func TestLeadValuesAndKeysApart(t *testing.T) {
	m, err := compile(t, `
list: {value: "L"}
fname: "First name"
phone: {column: Mobile}
email: {column: E-mail}
`, contact(t), "phone", "email")
	if err != nil {
		t.Fatal(err)
	}
	lead, err := m.Apply(row(map[string]string{"First name": "Anna", "Mobile": "+358 40 123 4567", "E-mail": "anna@example.fi"}))
	if err != nil {
		t.Fatal(err)
	}
	if cap(lead.Values) != len(lead.Values) || cap(lead.Keys) != 2 {
		t.Fatalf("caps: values %d of %d, keys %d", cap(lead.Values), len(lead.Values), cap(lead.Keys))
	}
	keys, values := slices.Clone(lead.Keys), slices.Clone(lead.Values)
	_ = append(lead.Values, "x", "y")
	_ = append(lead.Keys, "z")
	if !slices.Equal(keys, lead.Keys) || !slices.Equal(values, lead.Values) {
		t.Fatalf("an append reached the other slice: values %q, keys %q", lead.Values, lead.Keys)
	}
	m, err = compile(t, `
list: {value: "L"}
fname: "First name"
phone: {column: Mobile}
email: {column: E-mail}
`, contact(t), "email")
	if err != nil {
		t.Fatal(err)
	}
	none, err := m.Apply(row(map[string]string{"First name": "Anna", "Mobile": "+358 40 123 4567"}))
	if err != nil {
		t.Fatal(err)
	}
	if none.Keys != nil {
		t.Fatalf("keys %q, want nil", none.Keys)
	}
}
