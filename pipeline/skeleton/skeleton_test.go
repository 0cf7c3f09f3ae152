package skeleton

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
)

func contactObject() sinks.Object {
	return sinks.Object{Name: "contact", Keys: []string{"phone", "email"}, Fields: []sinks.Field{
		{Name: "list", Required: true}, {Name: "phone", Type: sinks.Phone, Required: true}, {Name: "email", Type: sinks.Email}, {Name: "fname"},
	}}
}

// The skeleton parses as a job once filled in, and each placeholder is
// where config.Load says it is.
func TestBuildPlaceholdersAreWhereLoadFindsThem(t *testing.T) {
	sk := Build(Input{
		Source: Source{Path: "leads.csv", Type: "csv", Delimiter: ";", Encoding: "windows-1252"},
		Vendor: "leaddesk", Object: contactObject(),
		Conn:        []Conn{{Key: "url", Env: "LEADDESK_URL", Default: "sandbox"}, {Key: "api_key", Env: "LEADDESK_API_KEY"}},
		BudgetCalls: 100, BudgetPer: "60s",
		Header: []string{"Puhelin", "Etunimi", "Email"},
	})
	for _, want := range []string{"path: leads.csv\n", `delimiter: ";"`, "encoding: windows-1252", "vendor: leaddesk\n", "object: contact\n",
		"url: ${LEADDESK_URL:-sandbox}\n", "api_key: ${LEADDESK_API_KEY:-}\n", "budget: {calls: 100, per: 60s}", "keys: [phone, email]\n",
		`phone: {column: "Puhelin", transform: [phone]}`} {
		if !strings.Contains(sk.YAML, want) {
			t.Errorf("skeleton lacks %q:\n%s", want, sk.YAML)
		}
	}
	if len(sk.Placeholders) != 2 || sk.Placeholders[0].Path != "$.region" || sk.Placeholders[1].Path != "$.mapping.list.value" {
		t.Fatalf("placeholders %+v", sk.Placeholders)
	}
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte(sk.YAML), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(job, func(string) (string, bool) { return "", false })
	es, ok := err.(config.Errors)
	if !ok || len(es) != len(sk.Placeholders) {
		t.Fatalf("load: %v", err)
	}
	for i, e := range es {
		p := sk.Placeholders[i]
		if e.Line != p.Line || e.Col != p.Col || !strings.Contains(e.Msg, p.Text) {
			t.Errorf("placeholder %+v, load says %v", p, e)
		}
	}
	filled := strings.NewReplacer(sk.Placeholders[0].Text, "FI", sk.Placeholders[1].Text, "Nightly leads").Replace(sk.YAML)
	if err := os.WriteFile(job, []byte(filled), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := config.LoadJob(job, func(string) (string, bool) { return "", false }, vendors.All())
	if err != nil {
		t.Fatalf("filled: %v\n%s", err, filled)
	}
	if j.Region != "FI" || j.Sink.Conn.Get("url") != "sandbox" || j.Source.Delimiter != ";" || len(j.Match.Keys) != 2 {
		t.Fatalf("filled job %+v", j)
	}
}

// No key field matched: the match keys are a placeholder; an event
// object gets none.
func TestBuildMatchPlaceholder(t *testing.T) {
	sk := Build(Input{Source: Source{Path: "x.csv"}, Vendor: "v", Object: contactObject(), Region: "FI", Header: []string{"Etunimi"}})
	if len(sk.Placeholders) != 3 || sk.Placeholders[0].Path != "$.match.keys" || strings.Contains(sk.YAML, "region: \"") {
		t.Fatalf("placeholders %+v\n%s", sk.Placeholders, sk.YAML)
	}
	ev := contactObject()
	ev.Event = true
	if sk := Build(Input{Source: Source{Path: "x.csv"}, Vendor: "v", Object: ev, Region: "FI", Header: []string{"phone", "list"}}); strings.Contains(sk.YAML, "match:") || len(sk.Placeholders) != 0 {
		t.Fatalf("event object:\n%s", sk.YAML)
	}
}
