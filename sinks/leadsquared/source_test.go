package leadsquared_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leadsquared"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/sourcetest"
)

// sourceServer starts an emulator; without opts.Limit it has no rate
// limit (the budget test sets one).
func sourceServer(t *testing.T, opts leadsquaredtest.Options) *leadsquaredtest.Server {
	if opts.Limit == nil {
		opts.Limit = &emulator.Limit{}
	}
	return emulator.StartTest(t, leadsquaredtest.NewServer, opts)
}

func sourceConfig(srv *leadsquaredtest.Server, lookups ...string) leadsquared.SourceConfig {
	return leadsquared.SourceConfig{
		URL: srv.URL, AccessKey: leadsquaredtest.TestAccessKey, SecretKey: leadsquaredtest.TestSecretKey,
		CountryCode: leadsquaredtest.TestDefaultCountryCode, Region: "IN", Lookups: lookups,
	}
}

func newPager(t *testing.T, cfg leadsquared.SourceConfig) sources.Pager {
	return sourcetest.Open(t, leadsquared.NewPager, cfg)
}

// seededID is the ProspectID of seeded lead n.
func seededID(n int) string { return fmt.Sprintf("5eed0000-0000-4000-8000-%012d", n) }

func seededPhone(n int) string { return fmt.Sprintf("+91-98100%05d", n) }

// seedLeads stores n leads through the emulator's fixtures, and two more
// through Lead.Create (the sink), returning the created leads' ids.
func seedLeads(t *testing.T, srv *leadsquaredtest.Server, n int) (created []string) {
	t.Helper()
	var leads []leadsquaredtest.Lead
	for i := range n {
		leads = append(leads, leadsquaredtest.Lead{
			ProspectID: seededID(i), FirstName: "Lead", LastName: fmt.Sprintf("N%d", i),
			EmailAddress: fmt.Sprintf("lead%d@example.com", i), Phone: seededPhone(i), Company: "Example Traders",
			Source: "Website", OwnerID: leadsquaredtest.TestUserID,
			CreatedOn:  time.Date(2024, 5, 1, 9, i, 0, 0, time.UTC),
			Attributes: map[string]string{"mx_City": "Pune", "Notes": fmt.Sprintf("note %d", i)},
		})
	}
	b, err := json.Marshal(leadsquaredtest.Fixtures{Leads: leads})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(b); err != nil {
		t.Fatal(err)
	}
	sink, err := leadsquared.New(leadsquared.Config{URL: srv.URL, Object: leadsquared.ObjectLead,
		AccessKey: leadsquaredtest.TestAccessKey, SecretKey: leadsquaredtest.TestSecretKey,
		CountryCode: leadsquaredtest.TestDefaultCountryCode, Region: "IN"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		rec, err := sink.Create(sourcetest.Context(t), sinks.Fields{"FirstName": "Made", "LastName": fmt.Sprintf("C%d", i),
			"EmailAddress": fmt.Sprintf("created%d@example.com", i), "Mobile": fmt.Sprintf("+9197000%05d", i)})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, strings.ToLower(rec.ID))
	}
	return created
}

// readPages reads every page from cursor on, returning each page's
// records (by page, in order), and checks that each next cursor is the
// following lookup index.
func readPages(t *testing.T, p sources.Pager, cursor string) [][][]string {
	t.Helper()
	at := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil {
			t.Fatal(err)
		}
		at = n
	}
	pages, cursors := sourcetest.ReadPages(t, p, cursor)
	for i, c := range cursors[1:] {
		if c != strconv.Itoa(at+i+1) {
			t.Fatalf("cursors %q: want consecutive lookup indexes from %d", cursors, at)
		}
	}
	return pages
}

func flat(pages [][][]string) [][]string { return sourcetest.Flat(pages) }

// The suite every API source passes: a page is one lookup, here each
// finding one lead; resume; failed pages; cancel.
func TestPagerConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		Key: "ProspectID", DefaultPageSize: 1,
		Start: func(t *testing.T, n int) ([]string, func(*testing.T, int, *http.Client) sources.Pager) {
			srv := sourceServer(t, leadsquaredtest.Options{})
			seedLeads(t, srv, n)
			var lookups, want []string
			for i := range n {
				lookups = append(lookups, fmt.Sprintf("lead%d@example.com", i))
				want = append(want, seededID(i))
			}
			return want, func(t *testing.T, _ int, client *http.Client) sources.Pager {
				cfg := sourceConfig(srv, lookups...)
				cfg.HTTP = client
				return newPager(t, cfg)
			}
		},
	})
}

func ids(recs [][]string) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r[0]) // ProspectID is the first column
	}
	return out
}

// lookups covers every rule: duplicates by the same email in another
// case, by phone after email and email after phone, two leads sharing a
// Mobile, lookups that find nothing, a blank entry.
func testLookups(created []string) (lookups []string, want []string) {
	lookups = []string{
		"lead0@example.com",     // 0: L0
		"+91 98100 00001",       // 1: L1 by phone
		"LEAD0@Example.com",     // 2: L0 again (email in another case)
		"nobody@example.com",    // 3: nothing
		"9810000000",            // 4: L0 again, by its phone
		"9000000001",            // 5: fixture lead 3: it shares this Mobile with lead 2, and was active later
		"ben.ortiz@example.com", // 6: fixture lead 2: lookup 5 did not answer it
		"   ",                   // 7: blank
		"lead1@example.com",     // 8: L1 again (found by phone at 1)
		"9999999999",            // 9: nothing
		"919810000002",          // 10: L2, with the country code
		"lead3@example.com",     // 11: L3
		"created0@example.com",  // 12: created lead 0
		"9700000001",            // 13: created lead 1, by its Mobile
		"created1@example.com",  // 14: created lead 1 again
		"asha.rao@example.com",  // 15: fixture lead 1
		"+919876543210",         // 16: fixture lead 1 again
		"lead4@example.com",     // 17: L4
	}
	want = []string{seededID(0), seededID(1), leadsquaredtest.TestLeadID3, leadsquaredtest.TestLeadID2, seededID(2), seededID(3),
		created[0], created[1], leadsquaredtest.TestLeadID, seededID(4)}
	return lookups, want
}

func TestPagerHeader(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	p := newPager(t, sourceConfig(srv, "a@example.com"))
	h := strings.Join(p.Header(), ",")
	if !strings.HasPrefix(h, "ProspectID,ProspectAutoId,FirstName,LastName,EmailAddress,Phone,Mobile,Company,") || !strings.HasSuffix(h, ",mx_Zip") {
		t.Fatalf("header %s", h)
	}
}

// Every lead once, on the page of the first lookup that finds it; one
// call per non-blank lookup.
func TestPagerReadsEveryLeadOnce(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	created := seedLeads(t, srv, 5)
	lookups, want := testLookups(created)
	before := srv.Core().Stats().TotalRequests()
	p := newPager(t, sourceConfig(srv, lookups...))
	pages := readPages(t, p, "")
	if len(pages) != len(lookups) {
		t.Fatalf("%d pages for %d lookups", len(pages), len(lookups))
	}
	if got := ids(flat(pages)); !slices.Equal(got, want) {
		t.Fatalf("ids %v\nwant %v", got, want)
	}
	for _, i := range []int{2, 3, 4, 7, 8, 9, 14, 16} {
		if len(pages[i]) != 0 {
			t.Errorf("page %d (%q): %d records, want none", i, lookups[i], len(pages[i]))
		}
	}
	if calls := srv.Core().Stats().TotalRequests() - before; calls != len(lookups)-1 {
		t.Fatalf("%d calls, want %d (one per non-blank lookup)", calls, len(lookups)-1)
	}
	// Values as LeadSquared returns them.
	r := map[string]string{}
	for i, name := range p.Header() {
		r[name] = pages[0][0][i]
	}
	for k, v := range map[string]string{
		"ProspectID": seededID(0), "FirstName": "Lead", "LastName": "N0", "EmailAddress": "lead0@example.com",
		"Phone": seededPhone(0), "Mobile": "", "Company": "Example Traders", "Source": "Website", "ProspectStage": "Prospect",
		"OwnerId": leadsquaredtest.TestUserID, "mx_City": "Pune", "Notes": "note 0", "DoNotCall": "0", "Score": "0",
		"CreatedOn": "2024-05-01 09:00:00.000", "mx_Zip": "",
	} {
		if r[k] != v {
			t.Errorf("%s = %q, want %q", k, r[k], v)
		}
	}
	if r["ProspectAutoId"] == "" {
		t.Errorf("no ProspectAutoId: %v", r)
	}
	// Deterministic: reading again gives the same pages.
	if again := readPages(t, p, ""); !slices.EqualFunc(flat(again), flat(pages), slices.Equal) {
		t.Fatal("a second read differs")
	}
}

// A migration resumed at any saved cursor, in a new process, reads
// exactly the rest, duplicates across the cursor included.
func TestPagerResumesFromSavedCursor(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	created := seedLeads(t, srv, 5)
	lookups, _ := testLookups(created)
	pages := readPages(t, newPager(t, sourceConfig(srv, lookups...)), "")
	extra := 0
	for k := 1; k < len(lookups); k++ {
		before := srv.Core().Stats().TotalRequests()
		rest := readPages(t, newPager(t, sourceConfig(srv, lookups...)), strconv.Itoa(k))
		if got, want := ids(flat(rest)), ids(flat(pages[k:])); !slices.Equal(got, want) {
			t.Errorf("resumed at %d: ids %v, want %v", k, got, want)
		}
		calls := srv.Core().Stats().TotalRequests() - before
		nonBlank := 0
		for _, l := range lookups[k:] {
			if strings.TrimSpace(l) != "" {
				nonBlank++
			}
		}
		extra += calls - nonBlank
	}
	t.Logf("resuming at each of %d cursors took %d lookups of earlier numbers", len(lookups)-1, extra)
	// Past the end, or not an index.
	p := newPager(t, sourceConfig(srv, lookups...))
	if recs, next, err := p.Page(sourcetest.Context(t), strconv.Itoa(len(lookups))); err != nil || recs != nil || next != "" {
		t.Fatalf("cursor at the end: %v %v %q", recs, err, next)
	}
	for _, bad := range []string{"x", "-1", strconv.Itoa(len(lookups) + 1)} {
		if _, _, err := p.Page(sourcetest.Context(t), bad); err == nil {
			t.Errorf("cursor %q: no error", bad)
		}
	}
}

func TestPagerNoLookups(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	recs, next, err := newPager(t, sourceConfig(srv)).Page(sourcetest.Context(t), "")
	if err != nil || recs != nil || next != "" || srv.Core().Stats().TotalRequests() != 0 {
		t.Fatalf("%v %q %v, %d calls", recs, next, err, srv.Core().Stats().TotalRequests())
	}
}

func TestPagerRefusesEntriesThatAreNoLookup(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	_, err := leadsquared.NewPager(sourceConfig(srv, "a@example.com", "n/a"))
	if err == nil || strings.Contains(err.Error(), "n/a") || !strings.Contains(err.Error(), "lookup 2 of 2") {
		t.Fatalf("error %v: want one naming the position, not the value", err)
	}
	for name, cfg := range map[string]leadsquared.SourceConfig{
		"no keys":      {URL: srv.URL},
		"bad url":      {URL: "ftp://x", AccessKey: "a", SecretKey: "s"},
		"bad country":  {URL: srv.URL, AccessKey: "a", SecretKey: "s", CountryCode: "+999"},
		"keys in url":  {URL: srv.URL + "?accessKey=a", AccessKey: "a", SecretKey: "s"},
		"wrong region": {URL: srv.URL, AccessKey: "a", SecretKey: "s", Region: "XX"},
	} {
		if _, err := leadsquared.NewPager(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPagerBadCredentials(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	for name, keys := range map[string][2]string{
		"wrong secret": {leadsquaredtest.TestAccessKey, "wrong-secret"},
		"deactivated":  {leadsquaredtest.DeactivatedAccessKey, leadsquaredtest.DeactivatedSecretKey},
	} {
		cfg := sourceConfig(srv, "asha.rao@example.com", "9876543210")
		cfg.AccessKey, cfg.SecretKey = keys[0], keys[1]
		recs, next, err := newPager(t, cfg).Page(sourcetest.Context(t), "")
		if sinks.ClassOf(err) != sinks.Unauthorized || recs != nil || next != "" {
			t.Errorf("%s: %v (class %v), %d records, next %q; want Unauthorized", name, err, sinks.ClassOf(err), len(recs), next)
		}
		if err != nil && (strings.Contains(err.Error(), keys[1]) || strings.Contains(err.Error(), keys[0])) {
			t.Errorf("%s: the error repeats a key: %v", name, err)
		}
	}
	if n := srv.Core().Stats().TotalRequests(); n != 2 {
		t.Fatalf("%d calls: Unauthorized is not retried", n)
	}
}

func TestPagerRetriesTransientErrors(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{})
	srv.Core().InjectNext(leadsquaredtest.OpLeadByEmail, emulator.FaultError500)
	pages := readPages(t, newPager(t, sourceConfig(srv, "asha.rao@example.com")), "")
	if got := ids(flat(pages)); !slices.Equal(got, []string{leadsquaredtest.TestLeadID}) {
		t.Fatalf("ids %v", got)
	}
	if n := srv.Core().Stats().Requests[leadsquaredtest.OpLeadByEmail]; n != 2 {
		t.Fatalf("%d calls, want 2 (one retry)", n)
	}
}

// A read with a small budget never puts more calls into one of the
// vendor's windows than the budget allows, and draws no 429.
func TestPagerKeepsItsBudget(t *testing.T) {
	const limit = 5
	srv := sourceServer(t, leadsquaredtest.Options{TimeScale: 0.02, Limit: &emulator.Limit{Calls: limit, Per: 5 * time.Second}})
	window := srv.Core().Window()
	var lookups []string
	for i := range 20 {
		if i%2 == 0 {
			lookups = append(lookups, fmt.Sprintf("nobody%d@example.com", i))
		} else {
			lookups = append(lookups, fmt.Sprintf("98100%05d", i))
		}
	}
	cfg := sourceConfig(srv, lookups...)
	cfg.Budget = budget.New(limit, window, window/10, nil)
	pages := readPages(t, newPager(t, cfg), "")
	if len(pages) != 20 || len(flat(pages)) != 0 {
		t.Fatalf("%d pages, %d records", len(pages), len(flat(pages)))
	}
	st := srv.Core().Stats()
	got := srv.Core().MaxInWindow(leadsquaredtest.TestAccessKey)
	if st.RateLimited != 0 || got > limit || got < limit-1 || st.TotalRequests() != 20 {
		t.Fatalf("429s %d, max in window %d (limit %d), requests %d", st.RateLimited, got, limit, st.TotalRequests())
	}
}

// A rate-limited answer (a budget above the vendor's limit) pauses the
// connection and the lookup is retried: no page is lost.
func TestPagerRetriesRateLimited(t *testing.T) {
	srv := sourceServer(t, leadsquaredtest.Options{TimeScale: 0.002, Limit: &emulator.Limit{Calls: 2, Per: 5 * time.Second}})
	window := srv.Core().Window()
	lookups := []string{"asha.rao@example.com", "ben.ortiz@example.com", "9988776655", "nobody@example.com", "919876543210", "asha.rao@example.com"}
	cfg := sourceConfig(srv, lookups...)
	cfg.Budget = budget.New(6, window, 0, nil) // three times what the vendor allows
	pages := readPages(t, newPager(t, cfg), "")
	if got := ids(flat(pages)); !slices.Equal(got, []string{leadsquaredtest.TestLeadID, leadsquaredtest.TestLeadID2, leadsquaredtest.TestLeadID3}) {
		t.Fatalf("ids %v", got)
	}
	st := srv.Core().Stats()
	if st.RateLimited == 0 || st.TotalRequests() != len(lookups)+st.RateLimited {
		t.Fatalf("%d 429s, %d requests: want some 429s, each retried once answered", st.RateLimited, st.TotalRequests())
	}
}
