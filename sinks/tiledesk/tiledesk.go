// Package tiledesk holds what leadsync knows about Tiledesk: its sink
// (leads of one project through the Leads API v3, VENDORS.md section 2,
// found by email, phone or external lead_id, created, updated, listed for
// prefetch, and soft-deleted); its source, the Pager reading a project's
// leads for a migration (source.go); and, in the subpackage tiledesktest,
// its emulator.
//
// A create is one POST (Tiledesk keeps only lead_id, fullname, email and
// attributes from it); the engine sends the rest with Update. Leads get a
// deterministic lead_id derived from the engine's entity when the job maps
// none, so a create whose answer was lost is resolved exactly: Find
// returns the lead carrying it (one call for an e-mail-keyed job, one
// newest-first page for any other while fewer than a page of leads were
// created since, a full listing at worst), and nothing when the POST never
// happened. Custom attributes are fields attributes.<key>, merged with the
// stored ones on update (a GET before the PUT). LeadSink's documentation
// has the details and costs.
package tiledesk

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// DefaultURL is the hosted API; the project id and /leads follow it.
const DefaultURL = "https://api.tiledesk.com/v3"

// DefaultPageSize is the page size of listings. Tiledesk's list route has
// no maximum (limit is parsed and passed to MongoDB as is); 1000 leads of
// a few hundred bytes each keep a page well under a megabyte.
const DefaultPageSize = 1000

// Config is one Tiledesk connection.
type Config struct {
	// URL is the API base, DefaultURL when empty; the emulator serves it
	// at its URL + "/v3".
	URL string
	// Object is the object to write: "lead" (the default, and the only one).
	Object string
	// Project is the project id (24 hex digits), the :project_id of
	// /v3/:project_id/leads.
	Project string
	// Token is a JWT, sent as "Authorization: JWT <token>" (a "JWT "
	// prefix, as signin returns it, is accepted). Set either Token or
	// Email and Password (Basic authentication).
	Token    string
	Email    string
	Password string
	// Region is the default phone region for normalizing the phones of
	// found leads (E.164, like the engine's match keys).
	Region string
	// Budget is the connection's call budget; nil means unlimited
	// (Tiledesk documents no limit: DefaultBudget is 0, 0).
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
	// PageSize is the page size of listings (List and lead_id finds);
	// 0 means DefaultPageSize.
	PageSize int
	// RateLimitWait, when set, is the pause after a 429 without
	// Retry-After, instead of RateLimitPolicy's (a time-scaled
	// emulator's, in tests).
	RateLimitWait time.Duration
}

// DefaultBudget is Tiledesk's documented call budget: none (0, 0).
func DefaultBudget() (calls int, per time.Duration) { return 0, 0 }

// RateLimitPolicy is Tiledesk's pause after a 429, which tiledesk-server
// sends without Retry-After: the connection's budget window; without a
// budget, sinks.DefaultRateLimitPause (5 s). An adaptive budget knows no
// window: it probes again after a second.
func RateLimitPolicy() sinks.RateLimitPolicy {
	return sinks.WindowPause(time.Second, sinks.DefaultRateLimitPause)
}

var objectIDRe = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// New returns the sink for cfg.Object. The sink also implements
// sinks.Checker, sinks.Lister and sinks.Deleter.
func New(cfg Config) (sinks.Sink, error) {
	return newLeadSink(cfg)
}

func newLeadSink(cfg Config) (*LeadSink, error) {
	if cfg.Object == "" {
		cfg.Object = ObjectLead
	}
	obj, err := Schema().Object(cfg.Object)
	if err != nil {
		return nil, fmt.Errorf("tiledesk: %w", err)
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tiledesk: url %s: want http(s)://host[/path]", httpc.RedactURL(cfg.URL))
	}
	if u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("tiledesk: url: put the credentials in token (or email and password), not in the URL")
	}
	if !objectIDRe.MatchString(cfg.Project) {
		return nil, fmt.Errorf("tiledesk: project %q: want the project id, 24 hex digits", cfg.Project)
	}
	auth, err := authorization(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.PageSize < 0 {
		return nil, fmt.Errorf("tiledesk: page size %d: want a positive number", cfg.PageSize)
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	policy := RateLimitPolicy()
	if cfg.RateLimitWait > 0 {
		policy = sinks.FixedPause(cfg.RateLimitWait)
	}
	c := &httpc.Client{
		BaseURL:   strings.TrimRight(cfg.URL, "/"),
		HTTP:      cfg.HTTP,
		Budget:    cfg.Budget,
		Classify:  Classifier(time.Now),
		Header:    http.Header{"Authorization": {auth}, "Accept": {"application/json"}},
		Secrets:   []string{cfg.Token, cfg.Password},
		RateLimit: policy,
	}
	return &LeadSink{
		obj:      obj,
		client:   c,
		path:     "/" + cfg.Project + "/leads",
		project:  strings.ToLower(cfg.Project),
		region:   cfg.Region,
		pageSize: cfg.PageSize,
		scope:    sinks.ScopeOf("tiledesk", obj.Name, cfg.URL, strings.ToLower(cfg.Project)),
	}, nil
}

// authorization builds the Authorization header. Errors never repeat a
// credential.
func authorization(cfg Config) (string, error) {
	basic := cfg.Email != "" || cfg.Password != ""
	switch {
	case cfg.Token != "" && basic:
		return "", fmt.Errorf("tiledesk: set either a token or an email and password, not both")
	case cfg.Token != "":
		token := strings.TrimSpace(cfg.Token)
		if len(token) > 4 && strings.EqualFold(token[:4], "jwt ") {
			token = strings.TrimSpace(token[4:])
		}
		// The leads routes want a header of exactly two space-separated
		// parts (VENDORS.md 2.2).
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return "", fmt.Errorf("tiledesk: the token must be one word (the JWT, with or without its \"JWT \" prefix)")
		}
		return "JWT " + token, nil
	case basic:
		if cfg.Email == "" || cfg.Password == "" {
			return "", fmt.Errorf("tiledesk: Basic authentication needs both an email and a password")
		}
		// passport-http splits the decoded header at colons and keeps
		// only the text between the first and the second as the password.
		if strings.Contains(cfg.Email, ":") || strings.Contains(cfg.Password, ":") {
			return "", fmt.Errorf("tiledesk: Basic authentication cannot carry an email or password containing a colon (Tiledesk cuts it there): use a token")
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+":"+cfg.Password)), nil
	}
	return "", fmt.Errorf("tiledesk: no credentials: set a token, or an email and password")
}
