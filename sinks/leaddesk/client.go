package leaddesk

import (
	"context"
	"encoding/json"
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

// DefaultURL is LeadDesk's Original API. The connector declares plain
// http; the Original API serves https as well, and leadsync uses it.
const DefaultURL = "https://api.leaddesk.com"

// DefaultBudget is the connector's documented throttle: 100 calls per
// connection in any 60 seconds (VENDORS.md 1.5).
func DefaultBudget() (calls int, per time.Duration) {
	return 100, 60 * time.Second
}

// RateLimitPolicy is LeadDesk's pause after a 429 that names no wait (no
// Retry-After, no "Try again in N seconds"): the connection's budget
// window, so the gateway's window has passed; without a budget the
// connector's documented 60 s (DefaultBudget). An adaptive budget knows
// no window: it probes again after a second.
func RateLimitPolicy() sinks.RateLimitPolicy {
	_, per := DefaultBudget()
	return sinks.WindowPause(time.Second, per)
}

// Config is one LeadDesk connection and the object its sink writes.
type Config struct {
	// URL is the API's base URL; empty means DefaultURL.
	URL string
	// Object is "contact", "callback" or "agent".
	Object string
	// APIKey is the 32-character identification code LeadDesk support
	// hands out, sent as the query parameter auth. It never appears in an
	// error, a log line or a Scope.
	APIKey string
	// Region is the default phone region (ISO 3166, "FI") for phones
	// written without a country code; every phone is sent as E.164.
	Region string
	// Budget paces every call of the connection (nil: unlimited).
	Budget *budget.Budget
	// HTTP is the client to use (nil: one with a 60 s timeout).
	HTTP *http.Client
}

// New returns the sink for cfg.Object: a *ContactSink, *CallbackSink or
// *AgentSink.
func New(cfg Config) (sinks.Sink, error) {
	obj, err := Schema().Object(cfg.Object)
	if err != nil {
		return nil, fmt.Errorf("leaddesk: %w", err)
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	base := sinkBase{c: c, obj: obj, scope: sinks.ScopeOf("leaddesk", obj.Name, c.baseURL, cfg.APIKey), region: cfg.Region}
	switch obj.Name {
	case ObjectContact:
		return &ContactSink{base}, nil
	case ObjectCallback:
		return &CallbackSink{base}, nil
	default:
		return &AgentSink{base}, nil
	}
}

// sinkBase is what the three sinks share.
type sinkBase struct {
	c      *client
	obj    sinks.Object
	scope  string
	region string
}

// Object is the schema of what the sink writes.
func (s *sinkBase) Object() sinks.Object { return s.obj }

// Scope names the connection without its key.
func (s *sinkBase) Scope() string { return s.scope }

// Check verifies the API key with one agent find (the cheapest
// authenticated read): a wrong key is an Unauthorized error.
func (s *sinkBase) Check(ctx context.Context) error {
	_, _, err := s.c.findAgent(ctx, "leadsync.credential-check")
	return err
}

// client talks to one connection of the Original API: every command is a
// call to the root path with auth, mod and cmd in the query string.
type client struct {
	http    *httpc.Client
	baseURL string
	apiKey  string
}

func newClient(cfg Config) (*client, error) {
	base := strings.TrimSpace(cfg.URL)
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, errors.New("leaddesk: the url does not parse") // it may hold a secret: not echoed
	}
	if u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return nil, errors.New("leaddesk: the url must not hold a query, fragment or user info (the key goes in api_key)")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("leaddesk: url %s is not an http(s) URL", httpc.RedactURL(base))
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("leaddesk: the api key is required")
	}
	return &client{
		baseURL: strings.TrimRight(base, "/"),
		apiKey:  cfg.APIKey,
		http: &httpc.Client{
			BaseURL:  strings.TrimRight(base, "/"),
			HTTP:     cfg.HTTP,
			Budget:   cfg.Budget,
			Classify: Classifier(time.Now),
			// The key travels in the query: never in a body or error.
			Secrets: []string{cfg.APIKey},
			// A 429 without Retry-After: wait out the gateway's window.
			RateLimit: RateLimitPolicy(),
		},
	}, nil
}

// call sends one command. form (scalar parameters) goes in an
// application/x-www-form-urlencoded POST body, never in the URL, so writes
// are not replayed by Go's transport and phones and names stay out of
// URLs; jsonBody (for the JSON commands) is sent as application/json.
// get sends a read as GET with its parameters in the query string.
func (c *client) call(ctx context.Context, op, mod, cmd string, form url.Values, jsonBody any, write, get bool) ([]byte, error) {
	q := url.Values{"auth": {c.apiKey}, "mod": {mod}, "cmd": {cmd}}
	req := httpc.Request{Op: op, Method: http.MethodPost, Path: "/", Query: q, Write: write}
	switch {
	case get:
		req.Method = http.MethodGet
		for k, vs := range form {
			q[k] = vs
		}
	case jsonBody != nil:
		b, err := json.Marshal(jsonBody)
		if err != nil {
			return nil, fmt.Errorf("%s: encode: %w", op, err)
		}
		req.Body, req.ContentType = b, "application/json"
	default:
		req.Body, req.ContentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	// httpc removes the key from the body and from any error (Secrets).
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// decode reads a success body into v. A body that is not the JSON the
// command documents is Transient: for a write that means it may have
// happened with an id we cannot read (find before retrying).
func decode(op string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return unexpected(op, "unexpected answer: "+clip(string(body)))
	}
	return nil
}

// unexpected is a 2xx answer lacking what the command documents.
func unexpected(op, msg string) error {
	return &sinks.Error{Class: sinks.Transient, Op: op, Status: http.StatusOK, Msg: msg}
}

// idString renders a JSON id (number or string) as decimal text.
func idString(n json.Number) string {
	return strings.TrimSpace(n.String())
}

// rejected is a refusal decided before any call, in the vendor's words
// where the vendor has some (ERR_ARGUMENT_MISSING:password).
func rejected(op, code, msg string) error {
	return &sinks.Error{Class: sinks.Rejected, Op: op, Code: code, Msg: msg}
}

// findAgent looks an agent up by username: ok false when there is none.
func (c *client) findAgent(ctx context.Context, username string) (id, name string, err error) {
	const op = "leaddesk: find agent"
	body, err := c.call(ctx, op, "agent", "find", url.Values{"username": {username}}, nil, false, true)
	if err != nil {
		var e *sinks.Error
		if errors.As(err, &e) && e.Class == sinks.Rejected && e.Code == CodeNotFound && e.Msg == "agent" {
			return "", "", nil
		}
		return "", "", err
	}
	var v struct {
		ID   json.Number `json:"id"`
		Name string      `json:"name"`
	}
	if err := decode(op, body, &v); err != nil {
		return "", "", err
	}
	if idString(v.ID) == "" {
		return "", "", unexpected(op, "answer has no id")
	}
	return idString(v.ID), v.Name, nil
}
