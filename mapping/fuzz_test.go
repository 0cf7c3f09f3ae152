package mapping

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sources"
)

// FuzzTransforms runs every transform over arbitrary input: no panic, a
// row error is always a *sources.RowError naming the column, and the email
// and phone outputs are fixed points (normalizing twice changes nothing).
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
