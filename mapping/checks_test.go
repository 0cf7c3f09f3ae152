package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/config"
)

// compileJob compiles the mapping of a job document, with its match keys
// and their node, as prepare does.
func compileJob(t *testing.T, yml string) error {
	t.Helper()
	doc, err := config.Parse("job.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var match struct {
		Keys []string `yaml:"keys"`
	}
	keysNode := doc.NodeAt("$.match.keys")
	if n := doc.NodeAt("$.match"); n != doc.Root {
		if err := doc.Decode(n, &match); err != nil {
			t.Fatal(err)
		}
	}
	keys := match.Keys
	_, err = Compile(doc, doc.NodeAt("$.mapping"), contact(t), Options{Header: testHeader, SourceFile: "leads.csv", Region: "FI", Keys: keys, KeysNode: keysNode})
	return err
}

// wantError checks one config error at line:col that says want.
func wantError(t *testing.T, err error, line, col int, want string) {
	t.Helper()
	var es config.Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("got %v, want one error", err)
	}
	if e := es[0]; e.Line != line || e.Col != col || !strings.Contains(e.Msg, want) {
		t.Fatalf("got %d:%d %q\nwant %d:%d containing %q", e.Line, e.Col, e.Msg, line, col, want)
	}
}

func TestDateFormatTokens(t *testing.T) {
	for _, tc := range []struct {
		format    string
		line, col int
		want      string
	}{
		{"{from: dd/mm/yyyy}", 5, 45, `date format "dd/mm/yyyy": unknown token "dd"`},
		{"{from: DD.MM.YYYY, to: YYYY-MM-DD hh}", 5, 45, `date format "YYYY-MM-DD hh": unknown token "hh"`},
		{"{from: [DD.MM.YYYY, DD.MM.AAAA]}", 5, 45, `unknown token "AAAA"`},
		{"{from: 02.01.2006 Uhr}", 5, 45, `unknown word "Uhr" in a Go layout`},
		{"DDMMYYY", 5, 45, `date format "DDMMYYY": unknown token "Y"`},
	} {
		err := compileJob(t, "mapping:\n  list: {value: L}\n  phone: Mobile\n  fname: {column: First name}\n  other3: {column: Born, transform: [{date: "+tc.format+"}]}\n")
		wantError(t, err, tc.line, tc.col, tc.want)
	}
	for _, ok := range []string{"DD.MM.YYYY", "{from: D.M.YYYY}", "{from: [DD.MM.YYYY, YYYY/MM/DD], to: DD.MM.YYYY}", "YYYY-MM-DDTHH:mm:ss", "02.01.2006", "{from: \"Jan 2, 2006\"}"} {
		if err := compileJob(t, "mapping:\n  list: {value: L}\n  phone: Mobile\n  other3: {column: Born, transform: [{date: "+ok+"}]}\n"); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestEmptyConstantInRequiredField(t *testing.T) {
	for _, v := range []string{`""`, `"  "`} {
		err := compileJob(t, "mapping:\n  list: {value: "+v+"}\n  phone: Mobile\n")
		wantError(t, err, 2, 9, "field list is required by contact, but its value is empty: every row would be rejected")
	}
	err := compileJob(t, "mapping:\n  list: {value: L}\n  phone: Mobile\n  fname: {value: \"\", required: true}\n")
	wantError(t, err, 4, 10, "field fname is required by contact, but its value is empty")
	// Not required, or filled by a default: accepted.
	for _, ok := range []string{
		"mapping:\n  list: {value: L}\n  phone: Mobile\n  other1: {value: \"\"}\n",
		"mapping:\n  list: {value: \"\", transform: [{default: Nightly}]}\n  phone: Mobile\n",
	} {
		if err := compileJob(t, ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestMatchKeysAreKeyFields(t *testing.T) {
	err := compileJob(t, "match:\n  keys: [phone, city]\nmapping:\n  list: {value: L}\n  phone: Mobile\n  city: Country\n")
	wantError(t, err, 2, 17, "match key city is not a key field of contact (its keys: phone, email; or a phone or e-mail field): matching on it would merge different records that share a city")
	if err := compileJob(t, "match:\n  keys: [phone, email]\nmapping:\n  list: {value: L}\n  phone: Mobile\n  email: E-mail\n"); err != nil {
		t.Fatal(err)
	}
}
