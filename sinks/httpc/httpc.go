// Package httpc is the HTTP plumbing every vendor client shares, and the
// only retry layer in leadsync. Each call first passes the connection's
// budget; each response is classified by the vendor's one Classifier;
// reads are retried on transient errors with backoff; rate limits pause
// the whole connection and are retried for reads and writes alike (a 429
// means nothing was done); so are writes the vendor answered as failed
// (sinks.Error.NotSent); a write that may have reached the vendor is
// never retried here: it comes back as an unknown outcome, and the engine
// finds before it tries again. Every write calls sinks.BeforeWrite once
// the budget has admitted it, right before it is sent.
package httpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
)

// Classifier turns a response into nil (success) or a *sinks.Error. Each
// vendor has exactly one, a pure function of status, headers and body.
type Classifier func(op string, status int, header http.Header, body []byte) error

// Client sends requests for one vendor connection.
type Client struct {
	BaseURL  string
	HTTP     *http.Client // nil: a client with a 60 s timeout
	Budget   *budget.Budget
	Classify Classifier
	// Header is added to every request (credentials live here or in the
	// URL; neither is ever logged by this package).
	Header http.Header
	// Secrets are the connection's credentials (an API key sent in the
	// query, a token, a password). They, the credential-looking headers
	// (Authorization, …) and parameters of BaseURL and of each request are
	// removed from every answer body before anything reads it and from
	// every error Do returns, whatever the vendor echoed; credential-looking
	// parameters quoted in a message (auth=…, token: …) are blanked too.
	Secrets []string
	// MaxAttempts bounds tries of a read on transient errors (default 5).
	MaxAttempts int
	// MaxRateLimited bounds consecutive rate-limited answers to one call
	// (default 50) so a vendor that never relents cannot hang a run.
	MaxRateLimited int
	// RateLimit is the vendor's policy for the pause after a rate-limited
	// answer that names no wait (see RateLimitPause); the zero policy
	// pauses sinks.DefaultRateLimitPause.
	RateLimit sinks.RateLimitPolicy
	// Backoff is the wait before retry n (1-based) of a transient error;
	// default: 250 ms doubling, capped at 15 s, with jitter.
	Backoff func(n int) time.Duration
	// OnRateLimited, when set, hears every rate-limited answer (for
	// budgets that adapt, and for progress).
	OnRateLimited func(wait time.Duration)

	once      sync.Once
	scrubOnce sync.Once
	scrub     *scrubber
}

// Request is one call.
type Request struct {
	Op     string // for errors: "leaddesk: create contact"
	Method string
	Path   string // appended to BaseURL
	Query  url.Values
	Header http.Header
	Body   []byte
	// ContentType of Body ("application/json", "application/x-www-form-urlencoded").
	ContentType string
	// Write marks a call that changes vendor data. Writes are never
	// retried once they may have reached the vendor, and must not use a
	// method Go's transport replays by itself (GET, HEAD).
	Write bool
}

// Response is a successful answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrReplayableWrite guards against a write sent as GET: net/http would
// silently resend it on a dropped keep-alive connection.
var ErrReplayableWrite = errors.New("httpc: a write must not use GET or HEAD (the transport may replay it)")

func (c *Client) httpClient() *http.Client {
	c.once.Do(func() {
		if c.HTTP != nil {
			return
		}
		// Keep a connection per worker: Go's default keeps 2 per host,
		// so 16 workers would dial most calls anew.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.HTTP = &http.Client{Timeout: 60 * time.Second, Transport: tr}
	})
	return c.HTTP
}

func (c *Client) backoff(n int) time.Duration {
	if c.Backoff != nil {
		return c.Backoff(n)
	}
	return sinks.Backoff(n, 250*time.Millisecond, 15*time.Second)
}

// scrubberFor is the connection's scrubber, or one that also knows the
// credentials req carries in its own query or headers.
func (c *Client) scrubberFor(req Request) *scrubber {
	c.scrubOnce.Do(func() {
		c.scrub = newScrubber(c.connectionSecrets())
	})
	extra := append(credentialValues(req.Query), credentialHeaders(req.Header)...)
	if len(extra) == 0 {
		return c.scrub
	}
	return newScrubber(append(c.connectionSecrets(), extra...))
}

func (c *Client) connectionSecrets() []string {
	v := append(append([]string(nil), c.Secrets...), credentialHeaders(c.Header)...)
	if u, err := url.Parse(c.BaseURL); err == nil {
		v = append(v, credentialValues(u.Query())...)
		if u.User != nil {
			p, _ := u.User.Password()
			v = append(v, u.User.Username(), p)
		}
	}
	return v
}

// credentialValues are the values of q's credential-looking parameters.
func credentialValues(q url.Values) []string {
	var v []string
	for k, vs := range q {
		if credentialParam.MatchString(k + "=x") {
			v = append(v, vs...)
		}
	}
	return v
}

// credentialHeaders are the values of h's credential-looking headers
// (Authorization, x-LSQ-SecretKey, X-Api-Key), not of Accept and the like,
// which answers may well contain.
func credentialHeaders(h http.Header) []string {
	var v []string
	for k, vs := range h {
		if credentialParam.MatchString(k + "=x") {
			v = append(v, vs...)
		}
	}
	return v
}

// Scrub removes the connection's credentials and credential-looking
// parameters from s: for messages a vendor package builds itself.
func (c *Client) Scrub(s string) string {
	return ScrubText(c.scrubberFor(Request{}).text(s))
}

// Do sends req, pacing and retrying as the package doc says. No
// credential is in the body it returns or in its error (see Secrets).
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	sc := c.scrubberFor(req)
	resp, err := c.do(ctx, req, sc)
	return resp, sc.error(err)
}

func (c *Client) do(ctx context.Context, req Request, sc *scrubber) (*Response, error) {
	if req.Write && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
		return nil, ErrReplayableWrite
	}
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 5
	}
	maxLimited := c.MaxRateLimited
	if maxLimited <= 0 {
		maxLimited = 50
	}
	transient, limited := 0, 0
	for {
		done, err := c.Budget.Wait(ctx)
		if err != nil {
			return nil, err
		}
		if req.Write {
			// Admitted: the engine commits its intent now, right before
			// the call leaves (a kill before this point sent nothing).
			if err := sinks.BeforeWrite(ctx); err != nil {
				done()
				return nil, err
			}
		}
		status, header, body, err := c.send(ctx, req)
		done()
		body = sc.bytes(body)
		if err != nil {
			if ctx.Err() != nil && !req.Write {
				return nil, ctx.Err()
			}
			notSent := isNotSent(err)
			e := &sinks.Error{Class: sinks.Transient, Op: req.Op, Err: redactURLError(err), NotSent: notSent}
			transient++
			if (req.Write && !notSent) || transient >= maxAttempts || ctx.Err() != nil {
				return nil, e
			}
			if err := sleep(ctx, c.backoff(transient)); err != nil {
				return nil, err
			}
			continue
		}
		cerr := c.Classify(req.Op, status, header, body)
		if cerr == nil {
			return &Response{Status: status, Header: header, Body: body}, nil
		}
		var e *sinks.Error
		if !errors.As(cerr, &e) {
			return nil, cerr
		}
		switch e.Class {
		case sinks.RateLimited:
			limited++
			wait := e.Wait
			if wait <= 0 {
				wait = RateLimitPause(c.RateLimit, c.Budget)
			}
			c.Budget.Pause(wait)
			if c.OnRateLimited != nil {
				c.OnRateLimited(wait)
			}
			if limited >= maxLimited {
				return nil, cerr
			}
			if c.Budget == nil {
				if err := sleep(ctx, wait); err != nil {
					return nil, err
				}
			}
			continue
		case sinks.Transient:
			transient++
			// A write is sent again only when the vendor's answer says it
			// did nothing (NotSent); otherwise its outcome is unknown and
			// the engine decides (find, verify, or uncertain).
			if (req.Write && !e.NotSent) || transient >= maxAttempts {
				return nil, cerr
			}
			if err := sleep(ctx, c.backoff(transient)); err != nil {
				return nil, err
			}
			continue
		}
		return nil, cerr
	}
}

func (c *Client) send(ctx context.Context, req Request) (int, http.Header, []byte, error) {
	u := strings.TrimRight(c.BaseURL, "/") + req.Path
	if len(req.Query) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + req.Query.Encode()
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	// A write's context is detached from cancellation once sent: Ctrl-C
	// must not cut a create in half; the client's timeout still applies.
	sendCtx := ctx
	if req.Write {
		sendCtx = context.WithoutCancel(ctx)
	}
	hr, err := http.NewRequestWithContext(sendCtx, req.Method, u, body)
	if err != nil {
		return 0, nil, nil, err
	}
	if req.Write {
		hr.GetBody = nil // belt and braces: never replayable
	}
	for k, vs := range c.Header {
		hr.Header[k] = vs
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	hr.Header.Set("User-Agent", "leadsync")
	resp, err := c.httpClient().Do(hr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, b, nil
}

// isNotSent reports errors that prove the request never left: the
// connection was refused or could not be made.
func isNotSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// redactURLError drops the URL (which may hold a key in its query) from a
// transport error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RateLimitPause is how long a connection pauses after a rate-limited
// answer that names no wait: the vendor's declared policy applied to the
// connection's budget b (nil: none). It is the one place that decision is
// made; Client.Do calls it for every such answer.
func RateLimitPause(p sinks.RateLimitPolicy, b *budget.Budget) time.Duration {
	_, per := b.Limit()
	return p.Pause(sinks.BudgetWindow{Per: per, Adaptive: b.Adaptive()})
}

// RetryAfter parses a Retry-After header: seconds (fractional seconds
// are accepted, as the time-scaled emulators send them) or an HTTP date.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var secs float64
	if _, err := fmt.Sscanf(v, "%g", &secs); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}
