package mapping

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sources"
)

// FuzzTransforms runs every transform over arbitrary input: no panic, a
// row error is always a *sources.RowError naming the column, and the email
// and phone outputs are fixed points (normalizing twice changes nothing:
// the mapping's e-mail key shortcut relies on it).
func FuzzTransforms(f *testing.F) {
	for _, s := range []string{"", " Anna-Liisa  O'BRIEN ", "040-1234567", "+358 40 123 4567", "a@B.fi", "3.1.2024", "\xff\xfe", "Virtanen, Anna", "=cmd|' /C calc'!A0"} {
		f.Add(s)
	}
	yml := `
a: {column: Notes, transform: [trim, lower, upper, title, collapse, digits]}
b: {column: Notes, transform: [{default: x}, {map: {fi: Finland}}, {replace: {pattern: "[0-9]+", with: "#"}}, {truncate: 5}]}
c: {column: Notes, transform: [{split_name: first}]}
d: {column: Notes, transform: [{split_name: last}]}
e: {column: Notes, transform: [{date: {from: [D.M.YYYY, YYYYMMDD]}}]}
`
	doc, err := config.Parse("f.yaml", []byte(yml), nil)
	if err != nil {
		f.Fatal(err)
	}
	m, err := Compile(doc, doc.Root, export(), Options{Header: testHeader, Region: "FI"})
	if err != nil {
		f.Fatal(err)
	}
	notes := 8
	f.Fuzz(func(t *testing.T, in string) {
		rec := sources.Record{Row: 2, Values: make([]string, len(testHeader))}
		rec.Values[notes] = in
		lead, err := m.Apply(rec)
		if err != nil {
			var re *sources.RowError
			if !errors.As(err, &re) || re.Column != "Notes" || re.Row != 2 {
				t.Fatalf("error is not a row error on Notes: %v", err)
			}
		} else if utf8.ValidString(in) && utf8.RuneCountInString(lead.Values[1]) > 5 {
			t.Fatalf("truncate 5 gave %q", lead.Values[1])
		}
		if e, err := keys.NormalizeEmail(in); err == nil {
			if e2, err := keys.NormalizeEmail(e); err != nil || e2 != e {
				t.Fatalf("email %q -> %q -> %q %v", in, e, e2, err)
			}
		}
		if p, err := keys.NormalizePhone(in, "FI"); err == nil {
			if p2, err := keys.NormalizePhone(p, "FI"); err != nil || p2 != p {
				t.Fatalf("phone %q -> %q -> %q %v", in, p, p2, err)
			}
		}
	})
}

// TestEmailKeyShortcut: a field whose last step normalizes an e-mail
// gives its value as the key without normalizing it again, and the key is
// keys.Key's (the fixed point FuzzTransforms checks is what makes it so).
func TestEmailKeyShortcut(t *testing.T) {
	variants := []struct {
		spec     string
		shortcut bool
	}{
		{`{column: E-mail}`, true}, // the schema's email type
		{`{column: E-mail, transform: [trim, email]}`, true},
		{`{column: E-mail, check: email}`, true},
		{`{column: E-mail, transform: [email, {default: "x@example.fi"}]}`, false},
		{`{column: E-mail, transform: [email], default: "X@Example.fi"}`, false},
	}
	inputs := []string{"Anna@Example.FI", " mailto:<B.b@x.fi> ", "", "not an address", "MAILTO:c@d.ee", "ÄÖ@example.fi"}
	for _, v := range variants {
		m, err := compile(t, "list: {value: L}\nphone: {column: Mobile}\nemail: "+v.spec+"\n", contact(t), "email")
		if err != nil {
			t.Fatalf("%s: %v", v.spec, err)
		}
		idx := slices.Index(m.Fields(), "email")
		if got := m.fields[idx].emailOut; got != v.shortcut {
			t.Errorf("%s: shortcut %v, want %v", v.spec, got, v.shortcut)
		}
		keyed := 0
		for _, in := range inputs {
			lead, err := m.Apply(row(map[string]string{"E-mail": in, "Mobile": "040 123 4567"}))
			if err != nil {
				continue
			}
			var want []string
			if k, ok := keys.Key(keys.Email, lead.Values[idx], ""); ok {
				want = []string{k}
			}
			if !slices.Equal(lead.Keys, want) {
				t.Errorf("%s, %q: keys %q, want %q", v.spec, in, lead.Keys, want)
			}
			keyed += len(want)
		}
		if keyed < 3 {
			t.Errorf("%s: only %d rows keyed", v.spec, keyed)
		}
	}
}
