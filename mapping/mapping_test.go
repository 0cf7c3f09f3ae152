package mapping

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sources"
)

var testHeader = []string{"First name", "Last name", "Full name", "Mobile", "E-mail", "Budget", "Country", "Born", "Notes", "Campaign code"}

func contact(t *testing.T) sinks.Object {
	t.Helper()
	o, err := leaddesk.Schema().Object("contact")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func compile(t *testing.T, yml string, obj sinks.Object, keys ...string) (*Mapping, error) {
	t.Helper()
	doc, err := config.Parse("job.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Compile(doc, doc.Root, obj, Options{Header: testHeader, SourceFile: "leads.csv", Region: "FI", Keys: keys})
}

func row(vals map[string]string) sources.Record {
	rec := sources.Record{Row: 7, Values: make([]string, len(testHeader))}
	for i, h := range testHeader {
		rec.Values[i] = vals[h]
	}
	return rec
}

func TestTransforms(t *testing.T) {
	open := export()
	cases := []struct {
		name, spec, in, want string
		wantErr              error
	}{
		{"trim", `{column: Notes, transform: [trim]}`, "  a b  ", "a b", nil},
		{"lower", `{column: Notes, transform: [lower]}`, "ÄbC", "äbc", nil},
		{"upper", `{column: Notes, transform: [upper]}`, "äbc", "ÄBC", nil},
		{"title", `{column: Notes, transform: [title]}`, "anna-liisa o'brien", "Anna-Liisa O'Brien", nil},
		{"collapse", `{column: Notes, transform: [collapse]}`, " a \t b\n c ", "a b c", nil},
		{"digits", `{column: Notes, transform: [digits]}`, "040-123 45", "04012345", nil},
		{"default empty", `{column: Notes, transform: [trim, {default: n/a}]}`, "  ", "n/a", nil},
		{"default kept", `{column: Notes, transform: [{default: n/a}]}`, "x", "x", nil},
		{"map hit folded", `{column: Notes, transform: [{map: {fi: Finland, se: Sweden}}]}`, " FI ", "Finland", nil},
		{"map miss passes", `{column: Notes, transform: [{map: {fi: Finland}}]}`, "NO", "NO", nil},
		{"map otherwise", `{column: Notes, transform: [{map: {values: {fi: Finland}, otherwise: Other}}]}`, "NO", "Other", nil},
		{"map strict", `{column: Notes, transform: [{map: {values: {fi: Finland}, strict: true}}]}`, "NO", "", ErrUnmapped},
		{"replace", `{column: Notes, transform: [{replace: {pattern: "[()]", with: ""}}]}`, "(040) 1", "040 1", nil},
		{"truncate n", `{column: Notes, transform: [{truncate: 3}]}`, "äöåx", "äöå", nil},
		{"split first", `{column: Notes, transform: [{split_name: first}]}`, "Anna Maria  Virtanen", "Anna Maria", nil},
		{"split last", `{column: Notes, transform: [{split_name: last}]}`, "Anna Maria Virtanen", "Virtanen", nil},
		{"split comma", `{column: Notes, transform: [{split_name: first}]}`, "Virtanen, Anna", "Anna", nil},
		{"date fi", `{column: Notes, transform: [{date: {from: DD.MM.YYYY}}]}`, "3.1.2024", "", ErrInvalidDate},
		{"date fi ok", `{column: Notes, transform: [{date: {from: D.M.YYYY}}]}`, "3.1.2024", "2024-01-03", nil},
		{"date list", `{column: Notes, transform: [{date: {from: [DD/MM/YYYY, YYYYMMDD], to: "DD.MM.YYYY"}}]}`, "20240103", "03.01.2024", nil},
		{"date iso fallback", `{column: Notes, transform: [{date: {from: DD.MM.YYYY}}]}`, "2024-01-03", "2024-01-03", nil},
		{"phone e164", `{column: Notes, transform: [phone]}`, "040-1234567", "+358401234567", nil},
		{"phone intl", `{column: Notes, transform: [{phone: {region: SE, format: international}}]}`, "070-123 45 67", "+46 70 123 45 67", nil},
		{"phone invalid", `{column: Notes, transform: [phone]}`, "12345", "", ErrInvalidPhone},
		{"email", `{column: Notes, transform: [email]}`, " <Anna.V@Example.FI> ", "anna.v@example.fi", nil},
		{"email invalid", `{column: Notes, transform: [email]}`, "anna@@x", "", ErrInvalidEmail},
		{"check int", `{column: Notes, check: int}`, "x1", "", ErrNotInt},
		{"check email", `{column: Notes, check: email}`, "not-an-email", "", ErrInvalidEmail},
		{"field default", `{column: Notes, default: none}`, "", "none", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := compile(t, "out: "+tc.spec, open)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			lead, err := m.Apply(row(map[string]string{"Notes": tc.in}))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var re *sources.RowError
				if !errors.As(err, &re) || re.Row != 7 || re.Column != "Notes" || re.File != "leads.csv" {
					t.Fatalf("row error does not name file, row and column: %#v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if got := lead.Values[0]; got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func export() sinks.Object { return sinks.Object{Name: "record", Open: true} }

func TestSources(t *testing.T) {
	m, err := compile(t, `
list: {value: "Nightly leads"}
fname: "First name"
lname: {column: last name}
other1: {columns: [First name, Last name]}
other2: {template: "{{.Budget}} EUR"}
other3: {template: '{{index . "Campaign code"}}-{{.Country}}'}
phone: {column: Mobile}
email: {column: E-mail}
`, contact(t), "phone", "email")
	if err != nil {
		t.Fatal(err)
	}
	lead, err := m.Apply(row(map[string]string{"First name": "Anna", "Last name": "Virtanen", "Budget": "1200", "Campaign code": "C7",
		"Country": "FI", "Mobile": "+358 40 123 4567", "E-mail": " Anna@Example.fi"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Nightly leads", "Anna", "Virtanen", "Anna Virtanen", "1200 EUR", "C7-FI", "+358401234567", "anna@example.fi"}
	if diff := cmp.Diff(want, lead.Values); diff != "" {
		t.Fatalf("values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"phone:+358401234567", "email:anna@example.fi"}, lead.Keys); diff != "" {
		t.Fatalf("keys (-want +got):\n%s", diff)
	}
}

// The three spellings of one Finnish number are one key.
func TestPhoneKeysAgree(t *testing.T) {
	m, err := compile(t, "list: {value: L}\nphone: Mobile\n", contact(t), "phone")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"+358 40 123 4567", "040-1234567", "358401234567", "00358401234567", "(040) 123 4567"} {
		lead, err := m.Apply(row(map[string]string{"Mobile": in}))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(lead.Keys) != 1 || lead.Keys[0] != "phone:+358401234567" {
			t.Errorf("%q: keys %v", in, lead.Keys)
		}
	}
	k, ok := keys.Key(keys.Phone, "040 123 4567", "FI")
	if !ok || k != "phone:+358401234567" {
		t.Errorf("vendor-side key %q %v", k, ok)
	}
}

func TestSchemaValidationAtApply(t *testing.T) {
	cases := []struct {
		name, yml string
		in        map[string]string
		col       string
		want      error
	}{
		{"required empty", "list: {value: L}\nphone: Mobile\n", map[string]string{"Mobile": " "}, "Mobile", ErrRequired},
		{"invalid phone", "list: {value: L}\nphone: Mobile\n", map[string]string{"Mobile": "555"}, "Mobile", ErrInvalidPhone},
		{"int field", "list: {value: L}\nphone: {value: '+358401234567'}\nbirthyear: Born\n", map[string]string{"Born": "nineteen"}, "Born", ErrNotInt},
		{"email field", "list: {value: L}\nphone: {value: '+358401234567'}\nemail: E-mail\n", map[string]string{"E-mail": "x@y"}, "E-mail", ErrInvalidEmail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := compile(t, tc.yml, contact(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Apply(row(tc.in))
			var re *sources.RowError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Column != tc.col {
				t.Fatalf("err = %v, want %v on column %q", err, tc.want, tc.col)
			}
			if !strings.Contains(err.Error(), "leads.csv: row 7") {
				t.Fatalf("message %q does not name the file and row", err)
			}
		})
	}
	// Too long for the field, unless truncated.
	agent, _ := leaddesk.Schema().Object("agent")
	m, err := compile(t, "username: Notes\nname: {column: Full name}\n", agent)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 41)
	if _, err := m.Apply(row(map[string]string{"Notes": "u", "Full name": long})); !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	m, err = compile(t, "username: Notes\nname: {column: Full name, transform: [truncate]}\n", agent)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := m.Apply(row(map[string]string{"Notes": "u", "Full name": long})); err != nil || len(l.Values[1]) != 40 {
		t.Fatalf("truncate to max length: %v %v", l.Values, err)
	}
}

// Every compile error is reported, each with its line and column.
func TestCompileErrors(t *testing.T) {
	yml := `list: {value: L}
phone: {column: Mobil}
fnme: "First name"
email: {column: E-mail, transform: [trim, lowercase]}
other1: {column: Notes, colour: red}
other2: {template: "{{.Budgett}}"}
other3: {column: Notes, value: x}
other4: {column: Notes, transform: [{phone: {region: XX}}]}
other5: {column: Notes, transform: [{truncate: -1}]}
other6: {column: Notes, transform: [{replace: {pattern: "(", with: ""}}]}
`
	_, err := compile(t, yml, contact(t), "phone", "mail")
	var es config.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v, want config.Errors", err)
	}
	want := []string{
		`job.yaml: match key mail is not a mapped field; did you mean "email"?`,
		`job.yaml:2:8: column "Mobil" is not in the source header; did you mean "Mobile"?`,
		`job.yaml:3:1: contact has no field "fnme"; did you mean "fname"?`,
		`job.yaml:4:43: unknown transform "lowercase"; did you mean "lower"? (known: trim, lower,`,
		`job.yaml:5:25: unknown key "colour"`,
		`job.yaml:6:9: column "Budgett" is not in the source header; did you mean "Budget"?`,
		`job.yaml:7:9: field other3 needs exactly one of column, columns, value or template`,
		`job.yaml:8:45: unknown phone region "XX"`,
		`job.yaml:9:48: truncate takes a positive length, not "-1"`,
		`job.yaml:10:47: replace pattern: error parsing regexp`,
	}
	if len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(es), len(want), es)
	}
	for i, w := range want {
		if !strings.Contains(es[i].Error(), w) && !strings.HasPrefix(es[i].Error(), w) {
			t.Errorf("error %d:\n got %s\nwant %s", i, es[i], w)
		}
	}
}

func TestMissingRequired(t *testing.T) {
	_, err := compile(t, "fname: First name\n", contact(t))
	for _, want := range []string{"required field list of contact is not mapped", "required field phone of contact is not mapped"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestOther35(t *testing.T) {
	var b strings.Builder
	b.WriteString("list: {value: L}\nphone: {value: '+358401234567'}\n")
	for i := 1; i <= 35; i++ {
		fmt.Fprintf(&b, "other%d: {value: v%d}\n", i, i)
	}
	m, err := compile(t, b.String(), contact(t))
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Apply(row(nil))
	if err != nil || l.Values[36] != "v35" || m.Fields()[36] != "other35" {
		t.Fatalf("other35: %v %v", l.Values, err)
	}
	if _, err := compile(t, "list: {value: L}\nphone: Mobile\nother36: Notes\n", contact(t)); err == nil || !strings.Contains(err.Error(), `no field "other36"`) {
		t.Fatalf("other36 accepted: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	sugs := Suggest([]string{"Etunimi", "Sukunimi", "Puhelin", "Sähköposti", "Postinumero", "Random"}, contact(t))
	got := map[string]string{}
	for _, s := range sugs {
		got[s.Field] = s.Column
	}
	want := map[string]string{"fname": "Etunimi", "lname": "Sukunimi", "phone": "Puhelin", "email": "Sähköposti", "postcode": "Postinumero"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("suggestions (-want +got):\n%s", diff)
	}
	y := SuggestYAML(sugs, contact(t))
	if !strings.Contains(y, `phone: {column: "Puhelin", transform: [phone]}`) || !strings.Contains(y, "list: {value: \"<FILL IN: calling list name>\"}   # required") {
		t.Fatalf("yaml:\n%s", y)
	}
}

func TestConstantsAndPerRow(t *testing.T) {
	obj := sinks.Object{Name: "contact", Fields: []sinks.Field{{Name: "list"}, {Name: "phone"}, {Name: "note"}}}
	doc, err := config.Parse("job.yaml", []byte("mapping:\n  list: {value: Nightly leads}\n  phone: Puhelin\n  note: {template: \"{{.Puhelin}}\"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(doc, config.Pairs(doc.Root)[0].Value, obj, Options{Header: []string{"Puhelin"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Constants(); len(c) != 1 || c["list"] != "Nightly leads" {
		t.Errorf("constants %v", c)
	}
	if r := m.PerRow(); len(r) != 2 || r[0] != "phone" || r[1] != "note" {
		t.Errorf("per row %v", r)
	}
}

// A match key's kind is the kind its schema field declares: a field of an
// open object (an export without a schema) is a string, so its key is an
// id whatever its name; a phone field of a vendor schema is a phone key.
func TestKeyKindFromSchemaNotName(t *testing.T) {
	m, err := compile(t, "phone: Mobile\nemail: E-mail\n", export(), "phone", "email")
	if err != nil {
		t.Fatal(err)
	}
	names, kinds := m.KeyFields()
	if fmt.Sprint(names, kinds) != "[phone email] [id id]" {
		t.Errorf("open object keys %v %v, want ids", names, kinds)
	}
	lead, err := m.Apply(row(map[string]string{"Mobile": " 040 123 4567 ", "E-mail": "Anna@X.fi"}))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lead.Keys) != "[id:040 123 4567 id:Anna@X.fi]" {
		t.Errorf("open object keys %v", lead.Keys)
	}
	m, err = compile(t, "list: {value: L}\nphone: Mobile\nemail: E-mail\n", contact(t), "phone", "email")
	if err != nil {
		t.Fatal(err)
	}
	if _, kinds := m.KeyFields(); fmt.Sprint(kinds) != "[phone email]" {
		t.Errorf("contact keys %v", kinds)
	}
}

// ApplyPartialKeys gives ApplyPartial's lead and SinkKeys of it, for
// valid, invalid and empty phones and e-mails, with the e-mail key taken
// from a normalizing field's output and from a field that only trims.
func TestApplyPartialKeysIsSinkKeys(t *testing.T) {
	for _, c := range []struct {
		yml string
		obj sinks.Object
	}{
		{"list: {value: L}\nphone: Mobile\nemail: E-mail\n", contact(t)},
		{"list: {value: L}\nphone: {column: Mobile, transform: [trim]}\nemail: {column: E-mail, transform: [trim]}\n", contact(t)},
		{"phone: Mobile\nemail: E-mail\n", export()},
	} {
		m, err := compile(t, c.yml, c.obj, "phone", "email")
		if err != nil {
			t.Fatal(err)
		}
		for _, phone := range []string{"", "040 123 4567", "12345", "+46 70 123 45 67", "abc"} {
			for _, email := range []string{"", "Anna@X.fi", "not-an-email", " <B@Y.FI> ", "a@b"} {
				rec := row(map[string]string{"Mobile": phone, "E-mail": email})
				want, werr := m.ApplyPartial(rec)
				got, keys, gerr := m.ApplyPartialKeys(rec)
				if fmt.Sprint(werr) != fmt.Sprint(gerr) {
					t.Fatalf("%q %q: error %v, ApplyPartial's %v", phone, email, gerr, werr)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%q %q: lead differs (-ApplyPartial +ApplyPartialKeys):\n%s", phone, email, diff)
				}
				if werr != nil {
					continue
				}
				if diff := cmp.Diff(m.SinkKeys(want), keys); diff != "" {
					t.Fatalf("%s %q %q: keys differ (-SinkKeys +ApplyPartialKeys):\n%s", c.yml, phone, email, diff)
				}
			}
		}
	}
}
