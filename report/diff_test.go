package report

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleDiff has every kind of entity, and values that must be escaped
// or neutralized.
func sampleDiff() *Diff {
	d := &Diff{
		SchemaVersion: DiffSchemaVersion, Job: "nightly", Sink: "leaddesk/contact", Input: "leads.csv",
		InputHash: "ab12", GeneratedAt: "2026-11-21T06:00:00Z",
		Forecast: Forecast{Entities: 6, Unchanged: 1, Calls: 9, Budget: "100/1m0s", Duration: "0s"},
		Entities: []Entity{
			{ID: "phone:+358401234567|email:anna@example.fi", Name: "<b>Anna</b> Virtanen", Rows: []int{2, 9}, MergedOn: "phone:+358401234567", Action: "create",
				Changes: []Change{{Field: "fname", New: "<script>alert(1)</script>"}, {Field: "email", New: "anna@example.fi"}}},
			{ID: "phone:+358501111111", Name: "Mikko Korhonen", Rows: []int{3}, Action: "update", VendorID: "48001",
				Changes: []Change{{Field: "city", Old: "Oulu", New: "Espoo", OldKnown: true, OldFrom: "vendor"}, {Field: "comment", Old: "", New: "=HYPERLINK(\"x\")", OldKnown: true, OldFrom: "synced"}}},
			{ID: "phone:+358409999999", Rows: []int{4}, Action: "ambiguous", Candidates: []string{"7001", "7002"}, Reason: "2 vendor records match (7001, 7002); not written"},
			{ID: "phone:+358402222222", Rows: []int{5}, Action: "unchanged", VendorID: "48002"},
			{ID: "phone:+358403333333", Rows: []int{6}, Action: "rejected", Reason: "leaddesk: create contact: rejected (HTTP 400): ERR_NOT_FOUND: agent"},
			{ID: "email:ssn@example.fi", Name: "ssn@example.fi", Rows: []int{7}, Action: "create", Changes: []Change{{Field: "ssc", New: "010203-123A"}, {Field: "email", New: "ssn@example.fi"}}},
		},
		Rejected: []RejectedRow{{Row: 8, Column: "Puhelin", Reason: "field phone: not a valid phone number: \"12345\""}},
		Notes:    []string{"LeadDesk's contact find returns ids only: old values are the last synced ones, and edits made at LeadDesk are not seen."},
	}
	d.Sort()
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (go test ./report -update to accept):\n%s", name, got)
	}
}

func TestDiffGolden(t *testing.T) {
	d := sampleDiff()
	var j, c, h, r bytes.Buffer
	if err := d.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	d.WriteReviewCSV(&r)
	golden(t, "diff.json", j.Bytes())
	golden(t, "diff.csv", c.Bytes())
	golden(t, "diff.html", h.Bytes())
	golden(t, "review.csv", r.Bytes())

	// The plan file reads back to the same diff.
	back, err := ReadDiff(&j)
	if err != nil || len(back.Entities) != 6 || back.Entities[1].Changes[0].Old != "Oulu" {
		t.Fatalf("read back: %+v %v", back, err)
	}
}

func TestDiffSafety(t *testing.T) {
	d := sampleDiff()
	var h, c bytes.Buffer
	d.WriteHTML(&h)
	d.WriteCSV(&c)
	if strings.Contains(h.String(), "<script>alert") || !strings.Contains(h.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("HTML does not escape a name holding <script>")
	}
	if !strings.Contains(c.String(), `'=HYPERLINK`) {
		t.Fatalf("CSV does not neutralize a formula:\n%s", c.String())
	}
	if !strings.Contains(h.String(), "<style>") || regexp.MustCompile(`(src|href)="https?:`).MatchString(h.String()) {
		t.Fatal("the HTML page is not self-contained")
	}
}

func TestMaskPII(t *testing.T) {
	d := sampleDiff()
	obj := sinks.Object{Name: "contact", Fields: []sinks.Field{
		{Name: "email", Type: sinks.Email, PII: true}, {Name: "ssc", Type: sinks.String, PII: true},
		{Name: "fname", Type: sinks.String, PII: true}, {Name: "lname", Type: sinks.String, PII: true},
		{Name: "city", Type: sinks.String}, {Name: "comment", Type: sinks.String},
	}, NameFields: []string{"fname", "lname"}}
	d.MaskPII(obj)
	var j bytes.Buffer
	d.WriteJSON(&j)
	s := j.String()
	for _, leak := range []string{"anna@example.fi", "010203-123A", "ssn@example.fi", "Anna"} {
		if strings.Contains(s, leak) {
			t.Errorf("masked diff holds %q", leak)
		}
	}
	if !strings.Contains(s, "•••@example.fi") || !strings.Contains(s, `"Espoo"`) || !strings.Contains(s, `"pii_masked": true`) {
		t.Fatalf("masking went too far or not at all:\n%s", s)
	}
}

// The HTML report in a real browser: headless Chromium renders the table,
// the address's filter hides the other rows, and a screenshot is taken.
func TestDiffHTMLInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "diff.html")
	var h bytes.Buffer
	sampleDiff().WriteHTML(&h)
	os.WriteFile(page, h.Bytes(), 0o644)
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	run := func(args ...string) string {
		out, err := exec.Command(bin, append(append([]string{}, flags...), args...)...).Output()
		if err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return string(out)
	}
	dom := run("--dump-dom", "file://"+page+"#action=update")
	rows := regexp.MustCompile(`<tr data-action="([a-z_]+)"[^>]*?( hidden="")?>`).FindAllStringSubmatch(dom, -1)
	if len(rows) != 7 {
		t.Fatalf("rendered %d table rows, want 7:\n%s", len(rows), dom)
	}
	for _, r := range rows {
		if hidden := r[2] != ""; hidden != (r[1] != "update") {
			t.Errorf("row %s hidden=%v with the filter action=update", r[1], hidden)
		}
	}
	if !strings.Contains(dom, "1 of 7 shown") {
		t.Errorf("the page did not count the filtered rows")
	}
	dom = run("--dump-dom", "file://"+page+"#q=espoo")
	if !strings.Contains(dom, "1 of 7 shown") {
		t.Errorf("text filter: %s", regexp.MustCompile(`\d+ of \d+ shown`).FindString(dom))
	}
	shot := filepath.Join(dir, "diff.png")
	run("--screenshot="+shot, "--window-size=1280,900", "file://"+page)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Fatalf("screenshot: %v", err)
	}
	if out := os.Getenv("LEADSYNC_SCREENSHOT"); out != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(out, b, 0o644)
	}
}

func TestMaskText(t *testing.T) {
	obj := sinks.Object{Name: "contact", Fields: []sinks.Field{{Name: "email", Type: sinks.Email}, {Name: "phone", Type: sinks.Phone, PII: true}, {Name: "city", Type: sinks.String}}}
	for _, tc := range []struct {
		in     string
		values []string
		want   string
	}{
		{`field email: not a valid email address: "anna@@x"`, nil, `field email: not a valid email address: "•••"`},
		{`field phone: not a valid phone number: "040 12"`, nil, `field phone: not a valid phone number: "•••"`},
		{`field city: "Oulu" is too long`, nil, `field city: "Oulu" is too long`},
		{`vendor refused +358401004003 (040 100 4003)`, []string{"040 100 4003", "+358401004003"}, `vendor refused ••• (•••)`},
		{`duplicate of Anna.Aalto@Example.fi`, nil, `duplicate of •••@Example.fi`},
		{`2 vendor records match (7001, 7002)`, []string{"7001x"}, `2 vendor records match (7001, 7002)`},
	} {
		if got := MaskText(obj, tc.in, tc.values); got != tc.want {
			t.Errorf("MaskText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := MaskKeys("email:anna@example.fi|id:A-77|phone:+358401004003", []string{"A-77"}); got != "email:•••@example.fi|id:•••|phone:•••" {
		t.Errorf("MaskKeys: %q", got)
	}
	if got := MaskKeys("id:CALL-1", nil); got != "id:CALL-1" {
		t.Errorf("MaskKeys of a non-personal id: %q", got)
	}
}
