package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	jobpkg "github.com/leadsync/leadsync/pipeline/job"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/vendors"
)

// skeletonConstants are the fields each object's test file leaves out, so
// the skeleton has a placeholder for them, and what fills it in.
var skeletonConstants = map[string]map[string]string{
	"leaddesk/contact":        {"list": leaddesktest.TestListName},
	"leaddesk/callback":       {"agent": leaddesktest.TestAgentUsername, "campaign": leaddesktest.TestCampaignName},
	"leadsquared/call_log":    {"UserId": leadsquaredtest.TestUserID},
	"leadsquared/agent_popup": {"UserId": leadsquaredtest.TestUserID},
}

// skeletonExtra are fields an object's test file carries besides its
// required and key fields: what its create needs.
var skeletonExtra = map[string][]string{
	"leaddesk/agent": {"password"},
}

// liondeskLeadSetup routes the test's leads: LionDesk rejects a lead no
// route takes, and validate --online says so first.
const liondeskLeadSetup = `  lead_source: {value: Zillow}
  contact_source: {value: Web}
setup:
  contact_sources: [Web]
  campaigns: [{name: Buyer Drip}]
  routes:
    - {lead_source: Zillow, contact_source: Web, campaign: Buyer Drip, distribution_target: Myself}
`

// agentPopupLeads makes the leads the popups are for, in the same sandbox
// (ShowAgentPopup needs an existing lead).
func agentPopupLeads(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Phone,LastName\n")
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, "%s,Lead%d\n", sampleValue("leadsquared", sinks.Field{Type: sinks.Phone}, i), i)
	}
	writeFile(t, dir, "popup-leads.csv", b.String())
	job := writeFile(t, dir, "popup-leads.yaml", `source: {path: popup-leads.csv}
sink: {vendor: leadsquared, object: lead, url: sandbox}
region: IN
match: {keys: [Phone]}
mapping: {Phone: Phone, LastName: LastName}
`)
	if r := runApp(t, nil, "run", "--quiet", job); r.code != ExitOK {
		t.Fatalf("popup leads: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// sampleValue is a valid value of f for row i.
func sampleValue(vendor string, f sinks.Field, i int) string {
	switch f.Type {
	case sinks.Phone:
		if vendor == "leadsquared" {
			return fmt.Sprintf("+9198765432%02d", i)
		}
		if vendor == "liondesk" {
			return fmt.Sprintf("+1415555%04d", i)
		}
		return fmt.Sprintf("+3584012345%02d", i)
	case sinks.Email:
		return fmt.Sprintf("person%d@example.com", i)
	case sinks.DateTime:
		if f.Name == "EndTime" {
			return fmt.Sprintf("2026-01-02 10:%02d:30", i)
		}
		return fmt.Sprintf("2026-01-02 10:%02d:00", i)
	case sinks.Date:
		return "1990-01-02"
	case sinks.Enum:
		return f.Enum[0]
	case sinks.Int, sinks.Number:
		return "1"
	}
	if f.Name == "password" {
		return fmt.Sprintf("secret-%d", i)
	}
	if f.Name == "Status" {
		return "Answered"
	}
	return fmt.Sprintf("%s%d", strings.ToLower(f.Name), i)
}

// objectFile writes a CSV for obj: its key, name and required fields,
// but not the constants, named as the fields, 3 rows.
func objectFile(t *testing.T, dir, vendor string, obj sinks.Object) string {
	t.Helper()
	consts := skeletonConstants[vendor+"/"+obj.Name]
	var cols []sinks.Field
	add := func(name string) {
		f, ok := obj.Field(name)
		if !ok || consts[name] != "" || slices.ContainsFunc(cols, func(c sinks.Field) bool { return c.Name == name }) {
			return
		}
		cols = append(cols, f)
	}
	for _, f := range obj.Fields {
		if f.Required {
			add(f.Name)
		}
	}
	for _, k := range append(append(append([]string{}, obj.Keys...), obj.NameFields...), skeletonExtra[vendor+"/"+obj.Name]...) {
		add(k)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	var header []string
	for _, c := range cols {
		header = append(header, c.Name)
	}
	w.Write(header)
	for i := 1; i <= 3; i++ {
		var row []string
		for _, c := range cols {
			row = append(row, sampleValue(vendor, c, i))
		}
		w.Write(row)
	}
	w.Flush()
	return writeFile(t, dir, strings.ReplaceAll(vendor+"-"+obj.Name, "_", "-")+".csv", b.String())
}

// For each vendor object: inspect writes a whole job, validate refuses it
// naming each placeholder, the filled-in job validates (online too) and
// runs against the sandbox.
func TestInspectSkeletonRoundTrip(t *testing.T) {
	for _, ve := range vendors.All() {
		if ve.NewSink == nil {
			continue
		}
		for _, obj := range ve.Schema().Objects {
			name := ve.Name + "/" + obj.Name
			t.Run(strings.ReplaceAll(name, "/", "-"), func(t *testing.T) {
				dir := t.TempDir()
				file := objectFile(t, dir, ve.Name, obj)
				job := filepath.Join(dir, "job.yaml")
				r := runApp(t, nil, "inspect", file, "--sink", name, "--out", job, "--json")
				var out jobpkg.Inspection
				if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &out) != nil || out.Skeleton == nil {
					t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				text, err := os.ReadFile(job)
				if err != nil || string(text) != out.Skeleton.YAML {
					t.Fatalf("the written skeleton differs from the JSON's: %v", err)
				}
				for _, want := range []string{"vendor: " + ve.Name + "\n", "object: " + obj.Name + "\n", "url: ${", "path: " + filepath.Base(file) + "\n", "mapping:\n"} {
					if !strings.Contains(string(text), want) {
						t.Errorf("skeleton lacks %q:\n%s", want, text)
					}
				}
				phs := out.Skeleton.Placeholders
				if len(phs) == 0 {
					t.Fatalf("no placeholder:\n%s", text)
				}
				r = runApp(t, nil, "validate", job)
				if r.code != ExitUsage {
					t.Fatalf("validate of the skeleton: exit %d\n%s", r.code, r.stdout)
				}
				fills := map[string]string{"$.region": "FI"}
				for f, v := range skeletonConstants[name] {
					fills["$.mapping."+f+".value"] = v
				}
				filled := string(text)
				for _, p := range phs {
					if want := fmt.Sprintf("%s:%d:%d: placeholder %s is still there", job, p.Line, p.Col, p.Text); !strings.Contains(r.stderr, want) {
						t.Errorf("validate does not name placeholder %s:\n%s\nwant %s", p.Text, r.stderr, want)
					}
					v, ok := fills[p.Path]
					if !ok {
						t.Fatalf("no fill for placeholder %+v:\n%s", p, text)
					}
					filled = strings.Replace(filled, p.Text, v, 1)
				}
				writeFile(t, dir, "job.yaml", filled)
				if name == "liondesk/lead" {
					r := runApp(t, nil, "validate", "--online", job)
					if r.code != ExitUsage || !strings.Contains(r.stderr, "no lead route takes this lead") {
						t.Fatalf("validate of an unroutable lead job: exit %d\n%s", r.code, r.stderr)
					}
					filled += liondeskLeadSetup
					writeFile(t, dir, "job.yaml", filled)
					if r := runApp(t, nil, "setup", job); r.code != ExitOK {
						t.Fatalf("setup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
					}
				}
				if r := runApp(t, nil, "validate", "--online", job); r.code != ExitOK {
					t.Fatalf("validate of the filled skeleton: exit %d\n%s%s\n%s", r.code, r.stdout, r.stderr, filled)
				}
				if name == "leadsquared/agent_popup" {
					agentPopupLeads(t, dir)
				}
				r = runApp(t, nil, "run", "--quiet", job)
				if r.code != ExitOK || !strings.Contains(r.stdout, "written   3") {
					rej, _ := os.ReadFile(filepath.Join(dir, ".leadsync", "runs", "2", "rejected.csv"))
					t.Fatalf("run: exit %d\n%s%s\n%s\n%s", r.code, r.stdout, r.stderr, filled, rej)
				}
			})
		}
	}
}

// inspect JOB suggests a mapping for the job's own sink (it suggested
// LeadDesk's even for a Tiledesk job), and --skeleton writes the job's
// sink, keeping its name and region.
func TestInspectJobUsesItsSink(t *testing.T) {
	dir := copyExample(t)
	job := writeFile(t, dir, "td.yaml", `name: td
source: {path: leads.csv}
sink: {vendor: tiledesk, object: lead, url: sandbox}
region: FI
match: {keys: [email]}
mapping:
  email: Sähköposti
`)
	r := runApp(t, nil, "inspect", job)
	if r.code != ExitOK || !strings.Contains(r.stdout, "suggested mapping for tiledesk/lead") || !strings.Contains(r.stdout, `fullname: {column: "Etunimi"`) || strings.Contains(r.stdout, "list:") {
		t.Fatalf("inspect JOB: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, nil, "inspect", job, "--skeleton")
	for _, want := range []string{"job skeleton for tiledesk/lead", "name: td-tiledesk\n", "vendor: tiledesk\n", "project: ${TILEDESK_PROJECT:-}", "token: ${TILEDESK_TOKEN:-}", "region: FI\n", "keys: [email, phone]\n", "delimiter: \";\"", "encoding: windows-1252"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect JOB --skeleton lacks %q", want)
		}
	}
	if r.code != ExitOK || t.Failed() {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// --out never overwrites.
	if r := runApp(t, nil, "inspect", job, "--skeleton", "--out", job); r.code != ExitUsage || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("--out onto an existing file: exit %d\n%s", r.code, r.stderr)
	}
	// An export has no connection to write.
	if r := runApp(t, nil, "inspect", job, "--sink", "export"); r.code != ExitUsage {
		t.Fatalf("--sink export: exit %d\n%s", r.code, r.stderr)
	}
}

// The --json keys the README documents are all there.
func TestInspectAndValidateJSONKeys(t *testing.T) {
	dir := copyExample(t)
	keysOf := func(s string) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, s)
		}
		return m
	}
	r := runApp(t, nil, "inspect", "--json", "--sink", "leaddesk/contact", filepath.Join(dir, "leads.csv"))
	m := keysOf(r.stdout)
	for _, k := range []string{"file", "format", "encoding", "bom", "delimiter", "line_ending", "sheets", "columns", "warnings", "suggested", "skeleton"} {
		if _, ok := m[k]; !ok {
			t.Errorf("inspect --json lacks %q", k)
		}
	}
	sk, _ := m["skeleton"].(map[string]any)
	for _, k := range []string{"sink", "path", "yaml", "placeholders"} {
		if _, ok := sk[k]; !ok {
			t.Errorf("inspect --json skeleton lacks %q", k)
		}
	}
	if m := keysOf(runApp(t, nil, "inspect", "--json", filepath.Join(dir, "leads.csv")).stdout); m["skeleton"] != nil {
		t.Errorf("skeleton without --sink: %v", m["skeleton"])
	}
	r = runApp(t, nil, "validate", "--json", "--online", filepath.Join(dir, "job.yaml"))
	m = keysOf(r.stdout)
	for _, k := range []string{"file", "ok", "source", "sink", "fields", "keys", "warnings", "problems", "online"} {
		if _, ok := m[k]; !ok {
			t.Errorf("validate --json lacks %q", k)
		}
	}
	// An export has nothing to check online.
	if on, _ := m["online"].(map[string]any); r.code != ExitOK || m["ok"] != true || on["checked"] != false || on["calls"] != 0.0 {
		t.Errorf("validate --json --online of an export: exit %d %v", r.code, m)
	}
	if m := keysOf(runApp(t, nil, "validate", "--json", filepath.Join(dir, "job.yaml")).stdout); m["online"] != nil {
		t.Errorf("online without --online: %v", m["online"])
	}
}
