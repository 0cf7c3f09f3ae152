package liondesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sources"
)

// MaxSourcePageSize is the largest page a source reads: LionDesk's $limit
// cap (VENDORS.md section 6 #13), and DefaultSourcePageSize.
const (
	MaxSourcePageSize     = 100
	DefaultSourcePageSize = 100
)

// SourceConfig is a LionDesk account's contacts read as a migration
// source. A source connection has its own Budget.
type SourceConfig struct {
	// URL is the API base; empty means DefaultURL.
	URL string
	// Token is the OAuth access token ("Authorization: Bearer").
	Token string
	// Region is accepted for symmetry with Config; values are returned as
	// LionDesk stores them, so it is not used.
	Region string
	// Addresses adds the contact's first address (street_address_1,
	// street_address_2, city, state, zip, address_type). LionDesk keeps
	// addresses under /contacts/:id/addresses, so each contact costs one
	// more call: a page of n contacts takes 1 + n calls.
	Addresses bool
	// PageSize is the number of contacts per page: 0 means
	// DefaultSourcePageSize; more than MaxSourcePageSize is capped.
	PageSize int
	// Budget paces every call; nil is unlimited (LionDesk documents no
	// limit).
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
}

// sourceContactFields are a contact's fields as GET /contacts answers them
// (VENDORS.md 3.5, LionDesk's names and order).
var sourceContactFields = []string{
	"id", "owner_user_id", "assigned_user_id", "first_name", "last_name", "email",
	"mobile_phone", "home_phone", "office_phone", "fax", "company", "birthday", "anniversary",
	"spouse_name", "spouse_email", "spouse_phone", "spouse_birthday", "tags", "hotness_id",
	"source_id", "created_at", "modified_at",
}

// sourceAddressFields are the address columns: header name and the
// address record's field. The address's type is "address_type", as in the
// sink's schema, so it does not read as the contact's type.
var sourceAddressFields = [][2]string{
	{"street_address_1", "street_address_1"},
	{"street_address_2", "street_address_2"},
	{"city", "city"},
	{"state", "state"},
	{"zip", "zip"},
	{"address_type", "type"},
}

// Pager reads the contacts the token can see (see NewPager). It is safe
// for concurrent use.
type Pager struct {
	c         *Client
	header    []string
	addresses bool
	pageSize  int
}

var _ sources.Pager = (*Pager)(nil)

// NewPager returns a pager over the contacts the token's user can see
// (GET /contacts, in id order: $sort[id]=1).
//
// Header is the contact's fields (id, owner_user_id, assigned_user_id,
// first_name, last_name, email, mobile_phone, home_phone, office_phone,
// fax, company, birthday, anniversary, spouse_name, spouse_email,
// spouse_phone, spouse_birthday, tags, hotness_id, source_id, created_at,
// modified_at), then, with Addresses, street_address_1, street_address_2,
// city, state, zip and address_type of the contact's first address (by
// id; all "" when it has none). Values are LionDesk's as stored (phones
// and emails unchanged, tags the one comma-separated string LionDesk
// keeps, numbers as digits); null is "".
//
// A cursor is the $skip of the page as a string ("" is 0); the next
// cursor is the skip plus the contacts read, "" once it reaches the total
// LionDesk reports (or a page comes back empty). A page is one call, plus
// one per contact with Addresses. Pages are by skip: a contact created or
// deleted while a migration runs shifts later ones (new contacts have
// higher ids and land on later pages).
//
// Errors are the connection's classified errors (*sinks.Error):
// Unauthorized for a wrong token, transient ones after httpc's retries.
func NewPager(cfg SourceConfig) (sources.Pager, error) {
	if cfg.PageSize < 0 {
		return nil, fmt.Errorf("liondesk: page size %d: want a positive number", cfg.PageSize)
	}
	size := cfg.PageSize
	if size == 0 {
		size = DefaultSourcePageSize
	}
	size = min(size, MaxSourcePageSize)
	c, err := NewClient(Config{URL: cfg.URL, Token: cfg.Token, Region: cfg.Region, Budget: cfg.Budget, HTTP: cfg.HTTP})
	if err != nil {
		return nil, err
	}
	header := append([]string(nil), sourceContactFields...)
	if cfg.Addresses {
		for _, f := range sourceAddressFields {
			header = append(header, f[0])
		}
	}
	return &Pager{c: c, header: header, addresses: cfg.Addresses, pageSize: size}, nil
}

// Header returns a copy of the field names.
func (p *Pager) Header() []string { return append([]string(nil), p.header...) }

// Page reads the page at cursor.
func (p *Pager) Page(ctx context.Context, cursor string) ([][]string, string, error) {
	skip := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("liondesk: cursor %q is not a skip count", cursor)
		}
		skip = n
	}
	q := url.Values{}
	q.Set("$limit", strconv.Itoa(p.pageSize))
	q.Set("$skip", strconv.Itoa(skip))
	q.Set("$sort[id]", "1")
	var env envelope
	if err := p.c.get(ctx, "read contacts", "/contacts", q, &env); err != nil {
		return nil, "", err
	}
	records := make([][]string, 0, len(env.Data))
	seen := map[int64]bool{}
	for _, raw := range env.Data {
		m, err := decodeObject(raw)
		if err != nil || m == nil {
			return nil, "", fmt.Errorf("liondesk: read contacts: a contact is not a JSON object")
		}
		id := intOf(m, "id")
		if seen[id] {
			continue
		}
		seen[id] = true
		rec := make([]string, 0, len(p.header))
		for _, f := range sourceContactFields {
			rec = append(rec, stringOf(m[f]))
		}
		if p.addresses {
			addr, err := p.firstAddress(ctx, id)
			if err != nil {
				return nil, "", err
			}
			for _, f := range sourceAddressFields {
				rec = append(rec, stringOf(addr[f[1]]))
			}
		}
		records = append(records, rec)
	}
	next := skip + len(env.Data)
	if len(env.Data) == 0 || next >= env.Total {
		return records, "", nil
	}
	return records, strconv.Itoa(next), nil
}

// firstAddress is the contact's address with the lowest id, nil when it
// has none: one call.
func (p *Pager) firstAddress(ctx context.Context, contactID int64) (map[string]any, error) {
	q := url.Values{}
	q.Set("$limit", "1")
	q.Set("$sort[id]", "1")
	var env envelope
	if err := p.c.get(ctx, "read contact address", idPath("/contacts/%d/addresses", contactID), q, &env); err != nil {
		return nil, err
	}
	if len(env.Data) == 0 {
		return nil, nil
	}
	m, err := decodeObject(env.Data[0])
	if err != nil {
		return nil, fmt.Errorf("liondesk: read contact address: %w", err)
	}
	return m, nil
}
