package liondesk_test

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
	"github.com/leadsync/leadsync/sinks/liondesk"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/sourcetest"
)

func sourceServer(t *testing.T, opts liondesktest.Options) *liondesktest.Server {
	return emulator.StartTest(t, liondesktest.NewServer, opts)
}

func sourceConfig(srv *liondesktest.Server) liondesk.SourceConfig {
	return liondesk.SourceConfig{URL: srv.URL, Token: liondesktest.TestToken, PageSize: 10}
}

func newPager(t *testing.T, cfg liondesk.SourceConfig) sources.Pager {
	return sourcetest.Open(t, liondesk.NewPager, cfg)
}

// contactID is the id of seeded contact n.
func contactID(n int) int { return 700 + 3*n }

// seedContacts stores n contacts of the test user, inserted in a shuffled
// order, one contact of another user, and for every third contact two
// addresses (the second with a lower id is inserted later, so "first"
// means lowest id, not insertion).
func seedContacts(t *testing.T, srv *liondesktest.Server, n int) {
	t.Helper()
	var contacts, addresses []map[string]any
	for i := range n {
		contacts = append(contacts, map[string]any{
			"id": contactID(i), "first_name": fmt.Sprintf("First%d", i), "last_name": "Last",
			"email": fmt.Sprintf("Person%d@Example.com", i), "mobile_phone": fmt.Sprintf("1 (604) 555-%04d", i),
			"tags": "Pending, VIP", "hotness_id": 3, "source_id": liondesktest.ContactSourceZillow,
			"created_at": "2024-02-01T10:00:00.000Z",
		})
		if i%3 == 0 {
			addresses = append(addresses,
				map[string]any{"id": 90000 + 2*i + 1, "contact_id": contactID(i), "type": "Work", "street_address_1": "2 Side St", "city": "Burnaby", "state": "BC", "zip": "V5H"},
				map[string]any{"id": 90000 + 2*i, "contact_id": contactID(i), "type": "Home", "street_address_1": fmt.Sprintf("%d Main St", i), "street_address_2": "Apt 4", "city": "Vancouver", "state": "BC", "zip": "02134"},
			)
		}
	}
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(contacts), func(i, j int) { contacts[i], contacts[j] = contacts[j], contacts[i] })
	contacts = append(contacts, map[string]any{"id": 5, "owner_user_id": liondesktest.TestOtherUserID, "first_name": "Not", "last_name": "Mine"})
	b, err := json.Marshal(map[string]any{"contacts": contacts, "addresses": addresses})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(b); err != nil {
		t.Fatal(err)
	}
}

func readFrom(t *testing.T, p sources.Pager, cursor string) ([][]string, []string) {
	t.Helper()
	return sourcetest.ReadAll(t, p, cursor)
}

func row(p sources.Pager, rec []string) map[string]string { return sourcetest.Row(p, rec) }

func ids(p sources.Pager, recs [][]string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = row(p, r)["id"]
	}
	return out
}

func wantIDs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprint(contactID(i)))
	}
	return out
}

func TestPagerHeader(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	base := "id,owner_user_id,assigned_user_id,first_name,last_name,email,mobile_phone,home_phone,office_phone,fax,company," +
		"birthday,anniversary,spouse_name,spouse_email,spouse_phone,spouse_birthday,tags,hotness_id,source_id,created_at,modified_at"
	if got := strings.Join(newPager(t, sourceConfig(srv)).Header(), ","); got != base {
		t.Fatalf("header %s", got)
	}
	cfg := sourceConfig(srv)
	cfg.Addresses = true
	if got := strings.Join(newPager(t, cfg).Header(), ","); got != base+",street_address_1,street_address_2,city,state,zip,address_type" {
		t.Fatalf("header with addresses %s", got)
	}
}

// The suite every API source passes, without and with addresses: every
// contact the token can see once, at every page-size edge; resume; failed
// pages; cancel.
func TestPagerConformance(t *testing.T) {
	for _, addresses := range []bool{false, true} {
		t.Run(fmt.Sprintf("addresses=%v", addresses), func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				Key: "id", DefaultPageSize: liondesk.DefaultSourcePageSize, PageSizes: []int{1, 10},
				Start: func(t *testing.T, n int) ([]string, func(*testing.T, int, *http.Client) sources.Pager) {
					srv := sourceServer(t, liondesktest.Options{})
					seedContacts(t, srv, n)
					return wantIDs(n), func(t *testing.T, size int, client *http.Client) sources.Pager {
						cfg := sourceConfig(srv)
						cfg.PageSize, cfg.HTTP, cfg.Addresses = size, client, addresses
						return newPager(t, cfg)
					}
				},
			})
		})
	}
}

// A page is one call with $limit/$skip/$sort[id]=1; its cursor is the
// skip; values as stored.
func TestPagerQueryAndValues(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	seedContacts(t, srv, 25)
	p := newPager(t, sourceConfig(srv))
	recs, cursors := readFrom(t, p, "")
	if !slices.Equal(cursors, []string{"", "10", "20"}) || srv.Core().Stats().Requests["contact.find"] != 3 {
		t.Fatalf("cursors %q, %d calls; want skips, one call a page", cursors, srv.Core().Stats().Requests["contact.find"])
	}
	for _, c := range srv.Core().Calls() {
		if !strings.Contains(c.Query, "%24sort%5Bid%5D=1") || !strings.Contains(c.Query, "%24limit=10") {
			t.Fatalf("query %s lacks $sort[id]=1 or $limit=10", c.Query)
		}
	}
	r := row(p, recs[1])
	if r["email"] != "Person1@Example.com" || r["mobile_phone"] != "1 (604) 555-0001" || r["tags"] != "Pending, VIP" ||
		r["hotness_id"] != "3" || r["source_id"] != fmt.Sprint(liondesktest.ContactSourceZillow) ||
		r["owner_user_id"] != fmt.Sprint(liondesktest.TestUserID) || r["home_phone"] != "" || r["created_at"] != "2024-02-01T10:00:00.000Z" || r["modified_at"] != "" {
		t.Fatalf("values %v", r)
	}
	if _, _, err := p.Page(sourcetest.Context(t), "-10"); err == nil {
		t.Error("cursor -10: no error")
	}
}

// With Addresses, each contact's first address (lowest id) fills the
// address columns, at one call per contact.
func TestPagerAddresses(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	seedContacts(t, srv, 12)
	cfg := sourceConfig(srv)
	cfg.Addresses = true
	p := newPager(t, cfg)
	recs, cursors := readFrom(t, p, "")
	if got := ids(p, recs); !slices.Equal(got, wantIDs(12)) {
		t.Fatalf("ids %v", got)
	}
	for i, rec := range recs {
		r := row(p, rec)
		if i%3 == 0 {
			want := map[string]string{"street_address_1": fmt.Sprintf("%d Main St", i), "street_address_2": "Apt 4", "city": "Vancouver", "state": "BC", "zip": "02134", "address_type": "Home"}
			for k, v := range want {
				if r[k] != v {
					t.Errorf("contact %d: %s = %q, want %q", i, k, r[k], v)
				}
			}
			continue
		}
		for _, k := range []string{"street_address_1", "street_address_2", "city", "state", "zip", "address_type"} {
			if r[k] != "" {
				t.Errorf("contact %d without address: %s = %q", i, k, r[k])
			}
		}
	}
	st := srv.Core().Stats().Requests
	if len(cursors) != 2 || st["contact.find"] != 2 || st["address.find"] != 12 {
		t.Fatalf("%d pages, %d contact finds, %d address finds; want 2, 2, 12", len(cursors), st["contact.find"], st["address.find"])
	}
}

func TestPagerBadToken(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	seedContacts(t, srv, 3)
	cfg := sourceConfig(srv)
	cfg.Token = "0000000000000000000000000000000000000000"
	recs, next, err := newPager(t, cfg).Page(sourcetest.Context(t), "")
	if sinks.ClassOf(err) != sinks.Unauthorized || recs != nil || next != "" {
		t.Fatalf("%v (class %v), %d records, next %q; want Unauthorized", err, sinks.ClassOf(err), len(recs), next)
	}
	if strings.Contains(err.Error(), cfg.Token) {
		t.Fatalf("the error repeats the token: %v", err)
	}
	if n := srv.Core().Stats().TotalRequests(); n != 1 {
		t.Fatalf("%d calls: an Unauthorized answer is not retried", n)
	}
}

func TestPagerRetriesTransientErrors(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	seedContacts(t, srv, 4)
	srv.Core().InjectNext("contact.find", emulator.FaultError500)
	srv.Core().InjectNext("address.find", emulator.FaultError500)
	cfg := sourceConfig(srv)
	cfg.Addresses = true
	recs, _ := readFrom(t, newPager(t, cfg), "")
	if len(recs) != 4 || row(newPager(t, cfg), recs[0])["city"] != "Vancouver" {
		t.Fatalf("%d records", len(recs))
	}
	if st := srv.Core().Stats().Requests; st["contact.find"] != 2 || st["address.find"] != 5 {
		t.Fatalf("requests %v, want one retry of each", st)
	}
}

// A read with a small budget never puts more calls into one of the
// vendor's windows than the budget allows, and draws no 429.
func TestPagerKeepsItsBudget(t *testing.T) {
	const limit = 4
	srv := sourceServer(t, liondesktest.Options{TimeScale: 0.02, Limit: &emulator.Limit{Calls: limit, Per: 5 * time.Second}})
	seedContacts(t, srv, 9)
	window := srv.Core().Window()
	cfg := sourceConfig(srv)
	cfg.PageSize = 4
	cfg.Addresses = true
	cfg.Budget = budget.New(limit, window, window/10, nil)
	recs, cursors := readFrom(t, newPager(t, cfg), "")
	if len(recs) != 9 || len(cursors) != 3 {
		t.Fatalf("%d records in %d pages", len(recs), len(cursors))
	}
	st := srv.Core().Stats()
	got := srv.Core().MaxInWindow(liondesktest.TestToken)
	if st.RateLimited != 0 || got > limit || got < limit-1 || st.TotalRequests() != 12 {
		t.Fatalf("429s %d, max in window %d (limit %d), requests %d (want 3 pages + 9 addresses)", st.RateLimited, got, limit, st.TotalRequests())
	}
}

func TestNewPagerPageSize(t *testing.T) {
	srv := sourceServer(t, liondesktest.Options{})
	seedContacts(t, srv, 3)
	for size, want := range map[int]string{0: "%24limit=100", 500: "%24limit=100", 7: "%24limit=7"} {
		cfg := sourceConfig(srv)
		cfg.PageSize = size
		if _, _, err := newPager(t, cfg).Page(sourcetest.Context(t), ""); err != nil {
			t.Fatal(err)
		}
		calls := srv.Core().Calls()
		if q := calls[len(calls)-1].Query; !strings.Contains(q, want) {
			t.Errorf("page size %d: query %s, want %s", size, q, want)
		}
	}
	for name, cfg := range map[string]liondesk.SourceConfig{
		"no token":      {URL: srv.URL},
		"bad url":       {URL: "ftp://x", Token: "t"},
		"negative size": {URL: srv.URL, Token: "t", PageSize: -1},
	} {
		if _, err := liondesk.NewPager(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
