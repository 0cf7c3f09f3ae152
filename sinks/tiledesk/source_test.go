package tiledesk_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/tiledesk"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/sourcetest"
)

func sourceServer(t *testing.T, opts tiledesktest.Options) *tiledesktest.Server {
	return emulator.StartTest(t, tiledesktest.NewServer, opts)
}

func sourceConfig(s *tiledesktest.Server) tiledesk.SourceConfig {
	return tiledesk.SourceConfig{
		URL: s.URL + "/v3", Project: tiledesktest.TestProjectID,
		Email: tiledesktest.TestEmail, Password: tiledesktest.TestPassword,
		PageSize: 5, HTTP: s.Client(),
	}
}

func newPager(t *testing.T, cfg tiledesk.SourceConfig) sources.Pager {
	return sourcetest.Open(t, tiledesk.NewPager, cfg)
}

// leadID is the _id of seeded lead n.
func leadID(n int) string { return fmt.Sprintf("66f1a2b3c4d5e6f7%08x", n) }

// seedLeads stores n live leads of the test project, inserted in a
// shuffled order (so only a sort by _id reads them in id order), plus two
// soft-deleted leads, one temporary lead and one lead of another project.
func seedLeads(t *testing.T, s *tiledesktest.Server, n int) {
	t.Helper()
	var docs []map[string]any
	for i := range n {
		docs = append(docs, map[string]any{
			"_id": leadID(i), "id_project": tiledesktest.TestProjectID,
			"lead_id": fmt.Sprintf("crm-%04d", i), "fullname": fmt.Sprintf("Lead %d", i),
			"email": fmt.Sprintf("Lead%d@Example.com", i), "phone": fmt.Sprintf("333 123 %04d", i),
			"tags": []string{"vip", fmt.Sprintf("t%d", i)}, "attributes": map[string]any{"z": i, "a": "x"},
		})
	}
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	extra := []map[string]any{
		{"_id": leadID(9000), "id_project": tiledesktest.TestProjectID, "fullname": "Deleted 1", "status": 1000},
		{"_id": leadID(9001), "id_project": tiledesktest.TestProjectID, "fullname": "Deleted 2", "status": 1000},
		{"_id": leadID(9002), "id_project": tiledesktest.TestProjectID, "fullname": "Temporary", "status": 50},
		{"_id": leadID(9003), "id_project": tiledesktest.TestOtherProjectID, "fullname": "Elsewhere"},
	}
	b, err := json.Marshal(map[string]any{"leads": append(docs, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(b); err != nil {
		t.Fatal(err)
	}
}

func readFrom(t *testing.T, p sources.Pager, cursor string) ([][]string, []string) {
	t.Helper()
	return sourcetest.ReadAll(t, p, cursor)
}

// The suite every API source passes: every live lead of the project
// once, at every page-size edge; resume; failed pages; cancel.
func TestPagerConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		Key: "_id", DefaultPageSize: tiledesk.DefaultPageSize, PageSizes: []int{1, 5},
		Start: func(t *testing.T, n int) ([]string, func(*testing.T, int, *http.Client) sources.Pager) {
			s := sourceServer(t, tiledesktest.Options{})
			seedLeads(t, s, n)
			var want []string
			for i := range n {
				want = append(want, leadID(i))
			}
			return want, func(t *testing.T, size int, client *http.Client) sources.Pager {
				cfg := sourceConfig(s)
				cfg.PageSize, cfg.HTTP = size, client
				return newPager(t, cfg)
			}
		},
	})
}

func TestPagerHeader(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	p := newPager(t, sourceConfig(s))
	want := "lead_id,fullname,email,phone,company,note,streetAddress,city,region,zipcode,country,tags,attributes,status,_id,createdAt,updatedAt"
	if got := strings.Join(p.Header(), ","); got != want {
		t.Fatalf("header %s", got)
	}
}

// A page is one call; its cursor is the page number.
func TestPagerOneCallPerPage(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	seedLeads(t, s, 23)
	_, cursors := readFrom(t, newPager(t, sourceConfig(s)), "")
	if !slices.Equal(cursors, []string{"", "1", "2", "3", "4"}) || s.Core().Stats().Requests[tiledesktest.OpList] != 5 {
		t.Fatalf("cursors %q, %d calls; want page numbers, one call a page", cursors, s.Core().Stats().Requests[tiledesktest.OpList])
	}
	if _, _, err := newPager(t, sourceConfig(s)).Page(sourcetest.Context(t), "1.5"); err == nil {
		t.Error("cursor 1.5: no error")
	}
}

func TestPagerValues(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	if err := s.Seed([]byte(`{"leads":[{"_id":"66d1e4c0aaaaaaaaaaaaaaa1","id_project":"` + tiledesktest.TestProjectID + `",
		"lead_id":" ext-1 ","fullname":"Giulia Romano","email":"Giulia.Romano@Example.it","phone":"333 123 4567",
		"tags":["vip","b2b"],"attributes":{"z":1.5,"a":{"b":"<x>"}},"company":"","note":null,"city":"Roma",
		"createdAt":"2025-10-02T08:15:30.512Z","updatedAt":"2025-10-03T09:00:00.000Z"},
		{"_id":"66d1e4c0aaaaaaaaaaaaaaa2","id_project":"` + tiledesktest.TestProjectID + `","fullname":"Bare","attributes":{}}]}`)); err != nil {
		t.Fatal(err)
	}
	p := newPager(t, sourceConfig(s))
	recs, _ := readFrom(t, p, "")
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	got := map[string]string{}
	for i, name := range p.Header() {
		got[name] = recs[0][i]
	}
	want := map[string]string{
		"lead_id": " ext-1 ", "fullname": "Giulia Romano", "email": "Giulia.Romano@Example.it", "phone": "333 123 4567",
		"company": "", "note": "", "streetAddress": "", "city": "Roma", "region": "", "zipcode": "", "country": "",
		"tags": "vip,b2b", "attributes": `{"a":{"b":"<x>"},"z":1.5}`, "status": "100",
		"_id": "66d1e4c0aaaaaaaaaaaaaaa1", "createdAt": "2025-10-02T08:15:30.512Z", "updatedAt": "2025-10-03T09:00:00.000Z",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	bare := map[string]string{}
	for i, name := range p.Header() {
		bare[name] = recs[1][i]
	}
	if bare["attributes"] != "" || bare["tags"] != "" || bare["fullname"] != "Bare" || bare["lead_id"] == "" {
		t.Fatalf("bare lead %v", bare)
	}
}

func TestPagerStatusFilter(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	seedLeads(t, s, 7)
	for status, want := range map[string][]string{
		"1000": {leadID(9000), leadID(9001)},
		"50":   {leadID(9002)},
		"100":  {leadID(0), leadID(1), leadID(2), leadID(3), leadID(4), leadID(5), leadID(6)},
	} {
		cfg := sourceConfig(s)
		cfg.Status = status
		p := newPager(t, cfg)
		recs, _ := readFrom(t, p, "")
		if ids := sourcetest.Column(t, p, recs, "_id"); !slices.Equal(ids, want) {
			t.Errorf("status %s: ids %v, want %v", status, ids, want)
		}
		for _, st := range sourcetest.Column(t, p, recs, "status") {
			if st != status {
				t.Errorf("status %s: a lead with status %s", status, st)
			}
		}
	}
	cfg := sourceConfig(s)
	cfg.Status = "deleted"
	if _, err := tiledesk.NewPager(cfg); err == nil {
		t.Fatal("status deleted: no error")
	}
}

func TestPagerBadCredentials(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	seedLeads(t, s, 3)
	for name, change := range map[string]func(*tiledesk.SourceConfig){
		"wrong password": func(c *tiledesk.SourceConfig) { c.Password = "wrong" },
		"unknown token":  func(c *tiledesk.SourceConfig) { c.Email, c.Password, c.Token = "", "", "not-a-token" },
		"not a member": func(c *tiledesk.SourceConfig) {
			c.Email, c.Password = tiledesktest.TestOutsiderEmail, tiledesktest.TestOutsiderPassword
		},
		"no project": func(c *tiledesk.SourceConfig) { c.Project = "65aa00112233445566770000" },
	} {
		cfg := sourceConfig(s)
		change(&cfg)
		recs, next, err := newPager(t, cfg).Page(sourcetest.Context(t), "")
		if sinks.ClassOf(err) != sinks.Unauthorized || recs != nil || next != "" {
			t.Errorf("%s: %v (class %v), %d records, next %q; want Unauthorized", name, err, sinks.ClassOf(err), len(recs), next)
		}
		if err != nil && strings.Contains(err.Error(), "wrong") {
			t.Errorf("%s: the error repeats the password: %v", name, err)
		}
	}
	// JWT works as well as Basic.
	cfg := sourceConfig(s)
	cfg.Email, cfg.Password, cfg.Token = "", "", tiledesktest.TestToken
	if recs, _ := readFrom(t, newPager(t, cfg), ""); len(recs) != 3 {
		t.Fatalf("JWT read %d records", len(recs))
	}
}

// Transient answers are retried by httpc: the page is still read once.
func TestPagerRetriesTransientErrors(t *testing.T) {
	s := sourceServer(t, tiledesktest.Options{})
	seedLeads(t, s, 6)
	s.Core().InjectNext(tiledesktest.OpList, emulator.FaultError500)
	recs, _ := readFrom(t, newPager(t, sourceConfig(s)), "")
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	if n := s.Core().Stats().Requests[tiledesktest.OpList]; n != 3 {
		t.Fatalf("%d calls, want 3 (2 pages + 1 retry)", n)
	}
}

// A read with a small budget never puts more calls into one of the
// vendor's windows than the budget allows, and draws no 429.
func TestPagerKeepsItsBudget(t *testing.T) {
	const limit = 3
	s := sourceServer(t, tiledesktest.Options{Limit: &emulator.Limit{Calls: limit, Per: time.Second}, TimeScale: 0.05})
	seedLeads(t, s, 23)
	window := s.Core().Window()
	cfg := sourceConfig(s)
	cfg.PageSize = 2
	cfg.Budget = budget.New(limit, window, window/10, nil)
	recs, cursors := readFrom(t, newPager(t, cfg), "")
	if len(recs) != 23 || len(cursors) != 12 {
		t.Fatalf("%d records in %d pages", len(recs), len(cursors))
	}
	st := s.Core().Stats()
	cred := tiledesktest.BasicAuthorization(tiledesktest.TestEmail, tiledesktest.TestPassword)
	if max := s.Core().MaxInWindow(cred); st.RateLimited != 0 || max > limit || max < limit-1 || st.TotalRequests() != 12 {
		t.Fatalf("429s %d, max in window %d (limit %d), requests %d", st.RateLimited, s.Core().MaxInWindow(cred), limit, st.TotalRequests())
	}
	if cfg.Budget.Stats().Calls != 12 {
		t.Fatalf("budget counted %d calls", cfg.Budget.Stats().Calls)
	}
}

func TestNewPagerRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]tiledesk.SourceConfig{
		"no credentials": {Project: tiledesktest.TestProjectID},
		"bad project":    {Project: "p1", Token: "t"},
		"bad url":        {URL: "ftp://x", Project: tiledesktest.TestProjectID, Token: "t"},
		"negative page":  {Project: tiledesktest.TestProjectID, Token: "t", PageSize: -1},
	} {
		if _, err := tiledesk.NewPager(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
