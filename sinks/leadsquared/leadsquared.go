package leadsquared

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// DefaultURL is LeadSquared's API host for accounts in Singapore; accounts
// of other regions use their own (api-us11, api-in21, api-in22, api-ir31,
// api-ca12 .leadsquared.com); a wrong one answers 401.
const DefaultURL = "https://api.leadsquared.com"

// DefaultBudget is LeadSquared's documented limit for the telephony APIs
// (the Enterprise plan): 25 calls in any 5 seconds per access key. Smaller
// plans allow fewer; set the job's budget to the plan's.
func DefaultBudget() (calls int, per time.Duration) { return 25, RateLimitWindow }

// Config is one LeadSquared connection and the object it writes.
type Config struct {
	// URL is the account's API host (DefaultURL when empty); a trailing
	// /v2 is accepted.
	URL string
	// Object is call_log, agent_popup or lead.
	Object string
	// AccessKey and SecretKey are the key pair of a LeadSquared user, sent
	// as the x-LSQ-AccessKey and x-LSQ-SecretKey headers (never in a URL).
	AccessKey string
	SecretKey string
	// CountryCode is the account's default country code ("+91"): numbers
	// LeadSquared holds without a country code are that country's, and
	// lookups leave it out. Empty: the country of Region.
	CountryCode string
	// Region is the job's phone region (ISO 3166, "IN"), the one the
	// engine normalizes match keys with.
	Region string
	// Budget paces every call of the connection; nil is unlimited.
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
	// RateLimitWait, when set, is the pause after a rate-limited answer
	// (which names no wait of its own) instead of RateLimitPolicy's. Only
	// a time-scaled emulator needs it.
	RateLimitWait time.Duration
}

// New returns the sink for cfg.Object. It checks the configuration but
// makes no call; the sink's Check verifies the keys.
func New(cfg Config) (sinks.Sink, error) {
	obj, err := Schema().Object(cfg.Object)
	if err != nil {
		return nil, fmt.Errorf("leadsquared: %w", err)
	}
	policy := RateLimitPolicy()
	if cfg.RateLimitWait > 0 {
		policy = sinks.FixedPause(cfg.RateLimitWait)
	}
	c, host, err := newClient(connection{URL: cfg.URL, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		CountryCode: cfg.CountryCode, Region: cfg.Region, Budget: cfg.Budget, HTTP: cfg.HTTP}, policy)
	if err != nil {
		return nil, err
	}
	b := base{
		obj:   obj,
		scope: sinks.ScopeOf("leadsquared", obj.Name, host, cfg.AccessKey),
		c:     c,
	}
	switch obj.Name {
	case ObjectLead:
		return &leadSink{b}, nil
	case ObjectCallLog:
		return &callSink{base: b, op: "leadsquared: log call", path: pathLogCall, makesLead: true, leads: newLeadIndex()}, nil
	default: // ObjectAgentPopup
		return &callSink{base: b, op: "leadsquared: show agent popup", path: pathShowAgentPopup, leads: newLeadIndex()}, nil
	}
}

// connection is what a sink and a pager share to reach one account.
type connection struct {
	URL, AccessKey, SecretKey, CountryCode, Region string
	Budget                                         *budget.Budget
	HTTP                                           *http.Client
}

// newClient checks a connection's settings and builds its client; the
// keys travel only in headers. policy decides the pause after a rate
// limit (LeadSquared names none). It returns the API host too.
func newClient(cn connection, policy sinks.RateLimitPolicy) (*client, string, error) {
	host, err := baseURL(cn.URL)
	if err != nil {
		return nil, "", err
	}
	var missing []string
	if strings.TrimSpace(cn.AccessKey) == "" {
		missing = append(missing, "access key")
	}
	if strings.TrimSpace(cn.SecretKey) == "" {
		missing = append(missing, "secret key")
	}
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("leadsquared: no %s", strings.Join(missing, " and no "))
	}
	ph, err := newPhones(cn.CountryCode, cn.Region)
	if err != nil {
		return nil, "", err
	}
	header := http.Header{}
	header.Set("x-LSQ-AccessKey", cn.AccessKey)
	header.Set("x-LSQ-SecretKey", cn.SecretKey)
	return &client{
		http: &httpc.Client{
			BaseURL:   host,
			HTTP:      cn.HTTP,
			Budget:    cn.Budget,
			Classify:  Classify,
			Header:    header,
			Secrets:   []string{cn.AccessKey, cn.SecretKey},
			RateLimit: policy,
		},
		phones: ph,
	}, host, nil
}

// baseURL checks the configured host and drops a trailing "/v2" (the paths
// carry it).
func baseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return DefaultURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("leadsquared: url %s: want the API host, such as %s", httpc.RedactURL(raw), DefaultURL)
	}
	if u.User != nil || u.RawQuery != "" {
		return "", errors.New("leadsquared: url: put the keys in the access and secret key settings, not in the URL")
	}
	s = strings.TrimRight(s, "/")
	s = strings.TrimSuffix(s, "/v2")
	return strings.TrimRight(s, "/"), nil
}

// base is what every LeadSquared sink shares.
type base struct {
	obj   sinks.Object
	scope string
	c     *client
}

func (b base) Object() sinks.Object { return b.obj }
func (b base) Scope() string        { return b.scope }

// Check verifies the keys with one cheap read (a lead lookup by an id no
// lead has): a wrong key pair, a deactivated user or a wrong regional host
// is an Unauthorized error.
func (b base) Check(ctx context.Context) error { return b.c.check(ctx) }

// fields returns f's values, refusing names that are not fields of the
// object. Text goes as the file has it; typed values (phones, e-mails,
// ids, numbers, dates) are trimmed; a value of white space alone is no
// value, and not sent.
func (b base) fields(op string, f sinks.Fields) (map[string]string, error) {
	out := make(map[string]string, len(f))
	var unknown []string
	for k, v := range f {
		fd, ok := b.obj.Field(k)
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if v = asSent(fd, v); v != "" {
			out[k] = v
		}
	}
	if len(unknown) > 0 {
		return nil, rejected(op, "%s has no field %s", b.obj.Name, strings.Join(sortedStrings(unknown), ", "))
	}
	return out, nil
}

// asSent is v as LeadSquared gets it (and as recordFields reads it
// back): "" for white space alone, typed values trimmed, text as it is.
func asSent(fd sinks.Field, v string) string {
	t := strings.TrimSpace(v)
	if t == "" || fd.Type != sinks.String {
		return t
	}
	return v
}

// rejected is a refusal decided before any call: the row is wrong.
func rejected(op, format string, args ...any) *sinks.Error {
	return &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf(format, args...), NotSent: true}
}

// errNoUpdate is Update's answer for objects LeadSquared cannot change.
func errNoUpdate(object string) error {
	return fmt.Errorf("leadsquared: %s cannot be updated: %w", object, errors.ErrUnsupported)
}
