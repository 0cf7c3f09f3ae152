package liondesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// DefaultURL is LionDesk's API v2 base URL.
const DefaultURL = "https://api-v2.liondesk.com"

// pageSize is the $limit of every find (the emulator's and, presumably,
// LionDesk's cap; VENDORS.md section 6 #13).
const pageSize = 100

// maxPages bounds a paginated find, so a server that never ends its pages
// cannot loop a run forever.
const maxPages = 1000

// Config is one LionDesk connection.
type Config struct {
	// URL is the API base; empty means DefaultURL.
	URL string
	// Object is what the sink writes: "contact" or "lead".
	Object string
	// Token is the OAuth access token, sent as "Authorization: Bearer".
	// It never appears in errors, logs or the scope.
	Token string
	// Region is the default phone region (e.g. US) for phones written
	// without a country code, on both sides of a find.
	Region string
	// Budget paces every call of the connection; nil means unlimited
	// (LionDesk documents no rate limit).
	Budget *budget.Budget
	// HTTP is the HTTP client; nil means one with a 60 s timeout.
	HTTP *http.Client
}

// DefaultBudget is LionDesk's documented call budget: none (0, 0); a job
// sets its own.
func DefaultBudget() (calls int, per time.Duration) { return 0, 0 }

// RateLimitPause is LionDesk's pause after a 429 without Retry-After.
const RateLimitPause = 10 * time.Second

// RateLimitPolicy is LionDesk's pause after a 429 that names no wait:
// LionDesk documents no window, so a fixed RateLimitPause, whatever the
// budget.
func RateLimitPolicy() sinks.RateLimitPolicy { return sinks.FixedPause(RateLimitPause) }

// Client is an authenticated LionDesk API v2 client over httpc (the one
// retry layer). It is safe for concurrent use.
type Client struct {
	base   string
	token  string
	region string
	h      *httpc.Client
}

// NewClient returns a client for cfg (cfg.Object is not used).
func NewClient(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("liondesk: an access token is required (sink.token)")
	}
	base := strings.TrimSpace(cfg.URL)
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("liondesk: url %s is not an http(s) URL", httpc.RedactURL(base))
	}
	if u.User != nil || u.RawQuery != "" {
		return nil, errors.New("liondesk: url: put the access token in token, not in the URL")
	}
	base = strings.TrimRight(base, "/")
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+strings.TrimSpace(cfg.Token))
	hdr.Set("Accept", "application/json")
	return &Client{
		base:   base,
		token:  strings.TrimSpace(cfg.Token),
		region: cfg.Region,
		h: &httpc.Client{
			BaseURL:   base,
			HTTP:      cfg.HTTP,
			Budget:    cfg.Budget,
			Classify:  Classify,
			Header:    hdr,
			Secrets:   []string{cfg.Token},
			RateLimit: RateLimitPolicy(),
		},
	}, nil
}

// call sends one request: body (when not nil) is JSON-encoded; a 200/201
// answer is decoded into out (when not nil). Writes are POST or PATCH
// and are never retried once sent (httpc).
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
	req := httpc.Request{
		Op:     "liondesk: " + op,
		Method: method,
		Path:   path,
		Query:  q,
		// VENDORS.md 3.1: Content-Type application/json on every request.
		ContentType: "application/json",
		Write:       method != http.MethodGet,
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("liondesk: %s: %w", op, err)
		}
		req.Body = b
	}
	resp, err := c.h.Do(ctx, req)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		// The call succeeded but its answer is unreadable: for a write the
		// record exists and its id is unknown, as after a dropped answer.
		return &sinks.Error{Class: sinks.Transient, Op: req.Op, Status: resp.Status, Msg: "unreadable answer: " + err.Error()}
	}
	return nil
}

func (c *Client) get(ctx context.Context, op, path string, q url.Values, out any) error {
	return c.call(ctx, op, http.MethodGet, path, q, nil, out)
}

func (c *Client) post(ctx context.Context, op, path string, body, out any) error {
	return c.call(ctx, op, http.MethodPost, path, nil, body, out)
}

func (c *Client) patch(ctx context.Context, op, path string, body, out any) error {
	return c.call(ctx, op, http.MethodPatch, path, nil, body, out)
}

// envelope is the Feathers paginated answer of every find.
type envelope struct {
	Total int               `json:"total"`
	Limit int               `json:"limit"`
	Skip  int               `json:"skip"`
	Data  []json.RawMessage `json:"data"`
}

// findAll pages through a find ($limit/$skip) and calls fn for each
// record, decoded with UseNumber.
func (c *Client) findAll(ctx context.Context, op, path string, q url.Values, fn func(json.RawMessage) error) error {
	skip := 0
	for range maxPages {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("$limit", strconv.Itoa(pageSize))
		if skip > 0 {
			pq.Set("$skip", strconv.Itoa(skip))
		}
		var env envelope
		if err := c.get(ctx, op, path, pq, &env); err != nil {
			return err
		}
		for _, raw := range env.Data {
			if err := fn(raw); err != nil {
				return err
			}
		}
		skip += len(env.Data)
		if len(env.Data) == 0 || skip >= env.Total {
			return nil
		}
	}
	return fmt.Errorf("liondesk: %s: more than %d pages", op, maxPages)
}

// decodeObject decodes one record as a map, numbers kept as json.Number.
func decodeObject(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// Me is the token's owner (GET /me): the cheapest authenticated read.
type Me struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// Me returns the token's owner.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var me Me
	err := c.get(ctx, "check token (GET /me)", "/me", nil, &me)
	return me, err
}

// namedID is a record with an id and a name (sources, campaigns, teams).
type namedID struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// likeExact is a $like pattern that matches s exactly (MySQL LIKE,
// case-insensitive, backslash escapes).
func likeExact(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// findByName returns the records of path (lead-sources, contact-sources,
// campaigns, teams) whose name equals name ignoring case, as a MySQL
// unique index compares: an escaped name[$like] find, checked again here.
func (c *Client) findByName(ctx context.Context, op, path, name string) ([]map[string]any, error) {
	q := url.Values{}
	q.Set("name[$like]", likeExact(strings.TrimSpace(name)))
	var out []map[string]any
	err := c.findAll(ctx, op, path, q, func(raw json.RawMessage) error {
		m, err := decodeObject(raw)
		if err != nil {
			return err
		}
		if n, _ := m["name"].(string); strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(name)) {
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// intOf reads an integer field of a decoded record (0 when absent or null).
func intOf(m map[string]any, k string) int64 {
	switch v := m[k].(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			f, _ := v.Float64()
			return int64(f)
		}
		return n
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case float64:
		return int64(v)
	}
	return 0
}

// stringOf renders a decoded JSON value as a field value ("" for null).
func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// objectOf reads an embedded object field ({"id":…,"name":…}) or nil.
func objectOf(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func idPath(format string, ids ...int64) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return fmt.Sprintf(format, args...)
}
