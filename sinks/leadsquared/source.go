package leadsquared

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sources"
)

// SourceConfig is a list of LeadSquared leads read as a migration source.
// LeadSquared's lead APIs that leadsync uses cannot list leads, so the
// source looks each lead up by an email or a phone given in Lookups. A
// source connection has its own Budget.
type SourceConfig struct {
	// URL, AccessKey, SecretKey, CountryCode and Region are as in Config:
	// the account's API host (DefaultURL when empty), its key pair (sent
	// in the x-LSQ-* headers), the account's default country code and the
	// job's phone region, which format the phone lookups.
	URL, AccessKey, SecretKey, CountryCode, Region string
	// Lookups are the leads to read, one email or phone per entry: an
	// entry with "@" is an email, any other a phone number. A blank entry
	// reads nothing.
	Lookups []string
	// Budget paces every call; nil is unlimited. LeadSquared allows 25
	// calls in 5 s on its Enterprise plan (DefaultBudget), fewer on others.
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
}

// SourceHeader is the header of a LeadSquared source: the lead fields the
// lookup APIs return that a migration needs, under LeadSquared's schema
// names (the lead object of VENDORS.md 4.7, the standard fields of the
// sink's lead object and the custom fields every account starts with).
// Other keys of the answer (custom fields of the account beyond these,
// activity fields) are not read.
var SourceHeader = []string{
	"ProspectID", "ProspectAutoId", "FirstName", "LastName", "EmailAddress", "Phone", "Mobile",
	"Company", "JobTitle", "Website", "Source", "SourceMedium", "SourceCampaign", "SourceContent",
	"Origin", "ProspectStage", "OwnerId", "Notes", "DoNotEmail", "DoNotCall", "Score", "EngagementScore",
	"CreatedBy", "CreatedOn", "ModifiedBy", "ModifiedOn",
	"mx_Street1", "mx_Street2", "mx_City", "mx_State", "mx_Country", "mx_Zip",
}

// Pager reads the leads of a list of lookups (see NewPager). It is safe
// for concurrent use.
type Pager struct {
	c       *client
	lookups []lookup
	// firstEmail is the index of the first email lookup of each address
	// (lower case); phoneAt the indexes of the phone lookups of each
	// number (as sent), ascending.
	firstEmail map[string]int
	phoneAt    map[string][]int

	mu   sync.Mutex
	seen map[int][]string // lookup index -> ProspectIDs it found (lower case), as read by this pager
}

var _ sources.Pager = (*Pager)(nil)

// lookup is one entry of SourceConfig.Lookups.
type lookup struct {
	email string // lower-cased, when the entry is an email
	phone string // the digits sent to RetrieveLeadByPhoneNumber, when a phone
	raw   string // the entry, trimmed
}

// NewPager returns a pager over the leads that cfg.Lookups find.
//
// Each page is one lookup: Leads.GetByEmailaddress for an entry with "@",
// else RetrieveLeadByPhoneNumber (which matches Phone and Mobile and
// answers the lead with the latest activity). A lookup that finds nothing
// is a page without records, not an error. A cursor is the index of the
// lookup to read, as a string ("" is 0); next is the following index, ""
// after the last one.
//
// Header is SourceHeader. Values are LeadSquared's as returned (phones as
// stored, "+91-9876543210"; numbers such as Score as their text); null is
// "".
//
// A lead found by several lookups is returned once, on the page of the
// first lookup that finds it, so the pages stay deterministic per cursor
// and a resumed read returns exactly the rest. To know whether an earlier
// lookup found the lead the pager compares its email with the earlier
// email lookups (an email lookup finds exactly the lead with that
// address), and for an earlier phone lookup of the lead's Phone or Mobile
// it needs that lookup's answer (several leads may share a number, and
// only one is answered): the pager remembers the answers it read, so a
// read from the start makes no extra call; after a resume, one call per
// such earlier number not yet read. So a page costs one call (none for a
// blank entry), plus at most two (Phone, Mobile) per lead found, and only
// when an earlier phone lookup of the lead's number was not read by this
// pager.
//
// Entries that are neither an email nor contain a digit are refused here,
// naming their position (never their value). Errors of calls are the
// connection's classified errors (*sinks.Error): Unauthorized for a wrong
// key pair, host or deactivated user; a rate limit pauses the connection
// as RateLimitPolicy says (LeadSquared names no wait: a fixed budget's
// window, else RateLimitWindow) and the call is retried; other transient errors are retried by httpc.
func NewPager(cfg SourceConfig) (sources.Pager, error) {
	c, _, err := newClient(connection{URL: cfg.URL, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		CountryCode: cfg.CountryCode, Region: cfg.Region, Budget: cfg.Budget, HTTP: cfg.HTTP}, RateLimitPolicy())
	if err != nil {
		return nil, err
	}
	ph := c.phones
	p := &Pager{
		c:          c,
		lookups:    make([]lookup, len(cfg.Lookups)),
		firstEmail: map[string]int{},
		phoneAt:    map[string][]int{},
		seen:       map[int][]string{},
	}
	for i, entry := range cfg.Lookups {
		l := lookup{raw: strings.TrimSpace(entry)}
		switch {
		case l.raw == "":
		case strings.Contains(l.raw, "@"):
			l.email = strings.ToLower(l.raw)
			if _, ok := p.firstEmail[l.email]; !ok {
				p.firstEmail[l.email] = i
			}
		default:
			l.phone = ph.lookup(l.raw)
			if l.phone == "" {
				return nil, fmt.Errorf("leadsquared: lookup %d of %d is neither an email (no @) nor a phone number (no digit)", i+1, len(cfg.Lookups))
			}
			p.phoneAt[l.phone] = append(p.phoneAt[l.phone], i)
		}
		p.lookups[i] = l
	}
	return p, nil
}

// Header returns a copy of SourceHeader.
func (p *Pager) Header() []string { return append([]string(nil), SourceHeader...) }

// Page reads the lookup at cursor.
func (p *Pager) Page(ctx context.Context, cursor string) ([][]string, string, error) {
	i := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(p.lookups) {
			return nil, "", fmt.Errorf("leadsquared: cursor %q is not a lookup index (0 to %d)", cursor, len(p.lookups))
		}
		i = n
	}
	if i == len(p.lookups) {
		return nil, "", nil
	}
	next := ""
	if i+1 < len(p.lookups) {
		next = strconv.Itoa(i + 1)
	}
	leads, err := p.find(ctx, i)
	if err != nil {
		return nil, "", err
	}
	var records [][]string
	onPage := map[string]bool{}
	for _, l := range leads {
		id := strings.ToLower(strings.TrimSpace(l.str("ProspectID")))
		if id == "" || onPage[id] {
			continue
		}
		onPage[id] = true
		dup, err := p.foundEarlier(ctx, i, id, l)
		if err != nil {
			return nil, "", err
		}
		if dup {
			continue
		}
		rec := make([]string, len(SourceHeader))
		for k, name := range SourceHeader {
			rec[k] = l.str(name)
		}
		records = append(records, rec)
	}
	return records, next, nil
}

// find runs lookup i and remembers which leads it found.
func (p *Pager) find(ctx context.Context, i int) ([]lead, error) {
	l := p.lookups[i]
	var leads []lead
	var err error
	switch {
	case l.email != "":
		leads, err = p.c.leadsByEmail(ctx, l.raw)
	case l.phone != "":
		leads, err = p.c.get(ctx, "leadsquared: find lead by phone", pathLeadByPhone, url.Values{"phone": {l.phone}})
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(leads))
	for _, ld := range leads {
		ids = append(ids, strings.ToLower(strings.TrimSpace(ld.str("ProspectID"))))
	}
	p.mu.Lock()
	p.seen[i] = ids
	p.mu.Unlock()
	return leads, nil
}

// foundEarlier reports whether a lookup before i finds the lead id.
func (p *Pager) foundEarlier(ctx context.Context, i int, id string, l lead) (bool, error) {
	if email := strings.ToLower(strings.TrimSpace(l.str("EmailAddress"))); email != "" {
		if j, ok := p.firstEmail[email]; ok && j < i {
			return true, nil
		}
	}
	for _, field := range []string{"Phone", "Mobile"} {
		v := strings.TrimSpace(l.str(field))
		if v == "" {
			continue
		}
		at := p.phoneAt[p.c.phones.lookup(v)]
		if len(at) == 0 || at[0] >= i {
			continue
		}
		// Every lookup of this number answers the same: the first says.
		j := at[0]
		if p.lookups[i].phone == p.lookups[j].phone {
			return true, nil // the same query as this page's
		}
		p.mu.Lock()
		ids, ok := p.seen[j]
		p.mu.Unlock()
		if !ok {
			if _, err := p.find(ctx, j); err != nil {
				return false, err
			}
			p.mu.Lock()
			ids = p.seen[j]
			p.mu.Unlock()
		}
		for _, x := range ids {
			if x == id {
				return true, nil
			}
		}
	}
	return false, nil
}
