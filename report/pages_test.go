package report

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
)

func TestDisplayName(t *testing.T) {
	obj := sinks.Object{Fields: []sinks.Field{
		{Name: "fname", Type: sinks.String, PII: true}, {Name: "lname", Type: sinks.String, PII: true},
		{Name: "email", Type: sinks.Email, PII: true},
	}, NameFields: []string{"fname", "lname"}}
	cases := []struct {
		fields     sinks.Fields
		want, mask string
	}{
		{sinks.Fields{"fname": "Anna", "lname": "Virtanen", "email": "a@x.fi"}, "Anna Virtanen", "A. V."},
		{sinks.Fields{"lname": "Virtanen"}, "Virtanen", "V."},
		{sinks.Fields{"fname": " ", "email": "anna@example.fi"}, "anna@example.fi", "•••@example.fi"},
		{sinks.Fields{"city": "Oulu"}, "", ""},
	}
	for _, c := range cases {
		got := DisplayName(obj, c.fields)
		if got != c.want || maskName(obj, got) != c.mask {
			t.Errorf("DisplayName(%v) = %q masked %q, want %q, %q", c.fields, got, maskName(obj, got), c.want, c.mask)
		}
	}
	open := sinks.Object{Fields: []sinks.Field{{Name: "fullname", Type: sinks.String}}, NameFields: []string{"fullname"}}
	if got := maskName(open, "Anna Virtanen"); got != "Anna Virtanen" {
		t.Errorf("a name of non-personal fields was masked: %q", got)
	}
}

// Every vendor object a person can be is named by fields it declares.
func TestNoteAndNames(t *testing.T) {
	obj := sinks.Object{FindNoFields: "find returns ids only"}
	if NoFieldsNote(obj) != "find returns ids only." || NoFieldsNote(sinks.Object{}) != "" {
		t.Fatal(NoFieldsNote(obj))
	}
	var text bytes.Buffer
	d := sampleDiff()
	d.WriteText(&text)
	if !strings.Contains(text.String(), "note       LeadDesk's contact find returns ids only") {
		t.Fatalf("the terminal summary does not carry the note:\n%s", text.String())
	}
}

func TestDiffPageSaysWho(t *testing.T) {
	var h bytes.Buffer
	if err := sampleDiff().WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	for _, want := range []string{"<b>Mikko Korhonen</b>", "&lt;b&gt;Anna&lt;/b&gt; Virtanen", `<span class="keys">phone:&#43;358501111111</span>`,
		`<del>Oulu</del><span class="from from-vendor"`, `<span class="from from-synced"`, `<div class="note">LeadDesk&#39;s contact find`} {
		if !strings.Contains(s, want) {
			t.Errorf("diff.html lacks %s", want)
		}
	}
}

// reconcileDiff is a reconcile's report holding only the given verdicts.
func reconcileDiff(verdicts ...string) *Diff {
	all := map[string]Entity{
		"present":     {ID: "email:anna@example.fi", Name: "Anna Virtanen", Rows: []int{2}, Action: "present", VendorID: "101"},
		"differs":     {ID: "email:mikko@example.fi", Name: "Mikko Korhonen", Rows: []int{3}, Action: "differs", VendorID: "102", Changes: []Change{{Field: "city", Old: "Oulu", New: "Espoo", OldKnown: true, OldFrom: "vendor"}}},
		"missing":     {ID: "email:liisa@example.fi", Name: "Liisa Mäkinen", Rows: []int{4, 7}, MergedOn: "email:liisa@example.fi", Action: "missing"},
		"duplicated":  {ID: "phone:+358401234567", Name: "Jari <Nieminen>", Rows: []int{5}, Action: "duplicated", Candidates: []string{"103", "104"}, Reason: "2 target records match"},
		"unexplained": {ID: "vendor:105", Name: "Outi Laine", Action: "unexplained", VendorID: "105", Reason: "no source record has its keys"},
	}
	d := &Diff{SchemaVersion: DiffSchemaVersion, Job: "migrate", Sink: "liondesk/contact", Input: "hubspot contacts", GeneratedAt: "2026-11-21T06:00:00Z",
		Forecast: Forecast{Calls: 3, Budget: "100/1m0s"}, Sides: &Sides{SourceRows: 6, SourceEntities: 5, TargetRecords: 4, TargetListed: true}}
	for _, v := range verdicts {
		d.Entities = append(d.Entities, all[v])
	}
	d.Sort()
	return d
}

// Each verdict alone renders a whole page in reconcile's own words,
// naming who: the old page broke on an unexplained record (no rows).
func TestReconcileEachOutcomeAlone(t *testing.T) {
	for _, v := range []string{"present", "differs", "missing", "duplicated", "unexplained"} {
		d := reconcileDiff(v)
		var h, s, old bytes.Buffer
		if err := d.WriteReconcileHTML(&h); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if err := d.RunPage("reconcile").WriteHTML(&s); err != nil {
			t.Fatalf("%s summary: %v", v, err)
		}
		if err := d.WriteHTML(&old); err != nil {
			t.Fatalf("%s as a diff page: %v", v, err)
		}
		page := h.String()
		if !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
			t.Fatalf("%s: page cut short", v)
		}
		for _, bad := range []string{"leadsync diff", "real run needs"} {
			if strings.Contains(page, bad) || strings.Contains(s.String(), bad) {
				t.Errorf("%s: reconcile page says %q", v, bad)
			}
		}
		e := d.Entities[0]
		name := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(e.Name)
		if !strings.Contains(page, `<h2 id="`+v+`">1 `+v+`</h2>`) || !strings.Contains(page, "<b>"+name+"</b>") {
			t.Errorf("%s: the page does not list who (%s):\n%s", v, name, page)
		}
		if !strings.Contains(page, "Source: <b>6</b> rows, <b>5</b> entities") || !strings.Contains(page, "Target: <b>4</b> records") {
			t.Errorf("%s: the sides' counts are missing", v)
		}
	}
	d := reconcileDiff("missing")
	d.Sides = &Sides{SourceRows: 1, SourceEntities: 1, TargetRecords: -1}
	var h bytes.Buffer
	if err := d.WriteReconcileHTML(&h); err != nil || !strings.Contains(h.String(), "cannot be listed") {
		t.Fatalf("unlisted target: %v", err)
	}
}

func samplePage() *RunPage {
	p := &RunPage{Title: "leadsync run 12: nightly", Kind: "run", Job: "nightly", Sink: "leaddesk/contact", Status: "rejected",
		GeneratedAt: "2026-11-21T06:00:00Z", Calls: 52, Budget: "10/1m0s",
		Outcomes: []Outcome{{"rows", 60, "plain"}, {"written", 50, "good"}, {"rejected", 9, "bad"}, {"uncertain", 1, "warn"}},
		Notes:    []string{"LeadDesk's contact find returns ids only."},
		Timeline: budget.Timeline{Window: time.Minute, Counts: []int{10, 10, 4, 10, 10, 8}, Limits: []int{10, 10, 10, 10, 10, 10},
			Pauses: []budget.Span{{From: 125 * time.Second, To: 160 * time.Second}}},
		Links: []string{"summary.json", "written.csv", "rejected.csv"},
	}
	for i := 0; i < 6; i++ {
		p.Reasons.Add(10+i, "", "Puhelin", "field phone: not a valid phone number")
	}
	p.Reasons.Add(30, "Anna <V>", "", "leaddesk: rejected (HTTP 400): ERR_NOT_FOUND: agent")
	p.Reasons.Add(31, "", "Email", "field email: not an email")
	p.Reasons.Add(32, "", "Email", "field email: not an email")
	return p
}

func TestRunPage(t *testing.T) {
	var h bytes.Buffer
	if err := samplePage().WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	if n := strings.Count(s, `<rect class="bar"`); n != 6 {
		t.Errorf("%d bars, want one per window (6)", n)
	}
	if n := strings.Count(s, `<rect class="pause"`); n != 1 {
		t.Errorf("%d pauses drawn, want 1", n)
	}
	if !strings.Contains(s, `<polyline class="limit"`) || !strings.Contains(s, "paused by the vendor (429): 1, 35s in all") {
		t.Error("the budget line or the pause legend is missing")
	}
	top := regexp.MustCompile(`<tr><td>([^<]+)</td>`).FindAllStringSubmatch(s, -1)
	if len(top) != 3 || !strings.HasPrefix(top[0][1], "field phone") || !strings.HasPrefix(top[1][1], "field email") {
		t.Errorf("reasons not by count: %v", top)
	}
	if !strings.Contains(s, `<td class="n">6</td>`) || !strings.Contains(s, "row 10; row 11; row 12; row 13; row 14</td>") {
		t.Error("count or examples (at most 5) missing")
	}
	if !strings.Contains(s, "row 30 (Anna &lt;V&gt;)") || strings.Contains(s, "<V>") {
		t.Error("a name is not escaped")
	}
	if strings.Contains(s, "<script") || regexp.MustCompile(`(src|href)="https?:`).MatchString(s) {
		t.Error("the run page is not self-contained and script-free")
	}
	var empty bytes.Buffer
	if err := (&RunPage{Title: "x"}).WriteHTML(&empty); err != nil || !strings.Contains(empty.String(), "No calls were made") || !strings.Contains(empty.String(), "No row was rejected") {
		t.Fatalf("empty page: %v", err)
	}
}

// The three pages in headless Chromium: each is screenshotted, and the
// run page's chart is checked in the picture itself (the bars' blue, the
// budget line's orange and the pause's pink are drawn).
func TestPagesInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	pages := map[string]func(*bytes.Buffer) error{
		"summary.html": func(b *bytes.Buffer) error { return samplePage().WriteHTML(b) },
		"diff.html":    func(b *bytes.Buffer) error { return sampleDiff().WriteHTML(b) },
		"reconcile.html": func(b *bytes.Buffer) error {
			return reconcileDiff("present", "differs", "missing", "duplicated", "unexplained").WriteReconcileHTML(b)
		},
	}
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	for name, write := range pages {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, name)
		os.WriteFile(page, b.Bytes(), 0o644)
		shot := filepath.Join(dir, strings.TrimSuffix(name, ".html")+".png")
		args := append(append([]string{}, flags...), "--screenshot="+shot, "--window-size=1100,900", "file://"+page)
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", name, err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", shot, err)
		}
		if name == "summary.html" {
			for what, c := range map[string][3]uint8{"bars": {0x2f, 0x6f, 0xdf}, "budget line": {0xe3, 0x74, 0x00}, "pause": {0xfd, 0xe7, 0xe9}} {
				if n := countColour(img, c); n < 200 {
					t.Errorf("the chart's %s: %d pixels of its colour in the screenshot", what, n)
				}
			}
		}
		if out := os.Getenv("LEADSYNC_SCREENSHOT_DIR"); out != "" {
			b, _ := os.ReadFile(shot)
			os.MkdirAll(out, 0o755)
			os.WriteFile(filepath.Join(out, filepath.Base(shot)), b, 0o644)
		}
	}
}

func countColour(img image.Image, c [3]uint8) int {
	n := 0
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d > -8 && d < 8 }
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			R, G, B, _ := img.At(x, y).RGBA()
			if near(R, c[0]) && near(G, c[1]) && near(B, c[2]) {
				n++
			}
		}
	}
	return n
}
