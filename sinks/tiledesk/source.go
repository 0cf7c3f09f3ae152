package tiledesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sources"
)

// opRead is the Op of the errors a Pager returns.
const opRead = "tiledesk: read leads"

// SourceConfig is a Tiledesk project read as a migration source: every
// lead, page by page. A source connection has its own Budget.
type SourceConfig struct {
	// URL, Project, Token, Email and Password are as in Config: the API
	// base (DefaultURL when empty), the project id and either a JWT or a
	// Basic email and password.
	URL, Project, Token, Email, Password string
	// Region is accepted for symmetry with Config; values are returned as
	// Tiledesk stores them, so it is not used.
	Region string
	// Status is an optional status filter, sent as the list's status
	// parameter: "100" (normal, what Tiledesk lists when it is empty),
	// "50" (temporary) or "1000" (soft-deleted). Any integer is accepted.
	Status string
	// PageSize is the number of leads per page; 0 means DefaultPageSize.
	PageSize int
	// Budget paces every call; nil is unlimited (Tiledesk documents no
	// limit).
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
}

// sourceTail are the lead's own fields a source reads besides the schema's
// (Tiledesk's names).
var sourceTail = []string{"_id", "createdAt", "updatedAt"}

// Pager reads a project's leads (see NewPager). It is safe for concurrent
// use.
type Pager struct {
	sink   *LeadSink
	header []string
	filter url.Values
}

var _ sources.Pager = (*Pager)(nil)

// NewPager returns a pager over the leads of cfg.Project, in _id order
// (ascending: unique and stable, and new leads land on later pages).
//
// Header is the lead fields of the sink's schema (lead_id, fullname,
// email, phone, company, note, streetAddress, city, region, zipcode,
// country, tags, attributes, status), then _id, createdAt and updatedAt.
// Values are Tiledesk's as stored: phones and emails unchanged, tags
// joined with commas, attributes as compact JSON with sorted keys ("" when
// empty), status as its number, times as Tiledesk prints them; an absent
// or null field is "".
//
// A cursor is the zero-based page number as a string ("" is page 0); it
// is valid for the same PageSize and Status. Each page is one call (GET
// /:project/leads?page=N&limit=PageSize&sort=_id&direction=1). next is ""
// when the page is empty, short, or reaches the count Tiledesk reports
// with every page, so N leads take ceil(N / PageSize) calls (one when
// there are none).
//
// Tiledesk pages by skip: a lead deleted (or restored) while a migration
// runs shifts later leads by one, which may repeat or skip one lead at a
// page boundary.
//
// Errors are the connection's classified errors (*sinks.Error):
// Unauthorized for wrong credentials or project, transient ones after
// httpc's retries.
func NewPager(cfg SourceConfig) (sources.Pager, error) {
	status := strings.TrimSpace(cfg.Status)
	if status != "" {
		if _, err := strconv.Atoi(status); err != nil {
			return nil, fmt.Errorf("tiledesk: status %q: want a lead status number such as 100", cfg.Status)
		}
	}
	s, err := newLeadSink(Config{
		URL: cfg.URL, Project: cfg.Project, Token: cfg.Token, Email: cfg.Email, Password: cfg.Password,
		Region: cfg.Region, Budget: cfg.Budget, HTTP: cfg.HTTP, PageSize: cfg.PageSize,
	})
	if err != nil {
		return nil, err
	}
	var filter url.Values
	if status != "" {
		filter = url.Values{"status": {status}}
	}
	// The attributes are one column of compact JSON (the schema's
	// attributes.* stands for the keys a sink writes).
	var header []string
	for _, name := range s.obj.FieldNames() {
		if name == attrPrefix+"*" {
			name = "attributes"
		}
		header = append(header, name)
	}
	header = append(header, sourceTail...)
	return &Pager{sink: s, header: header, filter: filter}, nil
}

// Header returns a copy of the field names.
func (p *Pager) Header() []string { return append([]string(nil), p.header...) }

// Page reads the page at cursor: one call.
func (p *Pager) Page(ctx context.Context, cursor string) ([][]string, string, error) {
	page := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("tiledesk: cursor %q is not a page number", cursor)
		}
		page = n
	}
	lr, err := p.sink.listPage(ctx, opRead, p.filter, page, p.sink.pageSize, 1)
	if err != nil {
		return nil, "", err
	}
	records := make([][]string, 0, len(lr.Leads))
	seen := map[string]bool{}
	for _, doc := range lr.Leads {
		if id := docString(doc["_id"]); id != "" {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		records = append(records, p.values(doc))
	}
	// The server pages with its own limit; perPage says which.
	per := lr.PerPage
	if per <= 0 {
		per = p.sink.pageSize
	}
	if len(lr.Leads) == 0 || len(lr.Leads) < per || (page+1)*per >= lr.Count {
		return records, "", nil
	}
	return records, strconv.Itoa(page + 1), nil
}

// values renders a lead aligned with the header.
func (p *Pager) values(doc map[string]any) []string {
	out := make([]string, len(p.header))
	for i, name := range p.header {
		v, ok := doc[name]
		if !ok || v == nil {
			continue
		}
		switch name {
		case "tags":
			if arr, isArr := v.([]any); isArr {
				parts := make([]string, 0, len(arr))
				for _, t := range arr {
					if ts := docString(t); ts != "" {
						parts = append(parts, ts)
					}
				}
				out[i] = strings.Join(parts, ",")
				continue
			}
		case "attributes":
			if m, isMap := v.(map[string]any); isMap && len(m) == 0 {
				continue
			}
		}
		switch v.(type) {
		case map[string]any, []any:
			out[i] = compactJSON(v)
		default:
			out[i] = docString(v)
		}
	}
	return out
}
