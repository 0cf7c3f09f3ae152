package leaddesktest

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// DefaultLimit is the connector's throttle: 100 calls per connection (per
// auth value) in any 60-second window (VENDORS.md 1.5).
var DefaultLimit = emulator.Limit{Calls: 100, Per: 60 * time.Second}

// Operation names, as recorded by the core (Stats.Requests, Call.Op) and as
// accepted by Core().InjectNext. They are the Original API's mod.cmd pairs.
const (
	OpCampaignAccess = "agent.modify_campaign_access"
	OpCreateCallback = "call.create_callback"
	OpCreateContact  = "contact.add"
	OpCreateAgent    = "agent.create"
	OpFindContact    = "contact.find"
	OpContactExists  = "contact.exists"
	OpFindAgent      = "agent.find"
	OpModifyContact  = "contact.modify"
	OpModifyAgent    = "agent.modify"
	// OpInvalid names requests whose mod/cmd pair is not a known command.
	OpInvalid = "invalid"
)

// Options configures an Emulator.
type Options struct {
	// TimeScale shrinks every window: 0.01 makes the 60 s window 600 ms.
	// 0 or 1 is real time.
	TimeScale float64
	Faults    emulator.Faults
	// Limit replaces DefaultLimit; a Limit with zero Calls disables it.
	Limit *emulator.Limit
	// Fixtures replaces DefaultFixtures().
	Fixtures *Fixtures
	// Now is the clock of the rate limiter; nil means time.Now.
	Now func() time.Time
}

// Emulator is a strict in-memory LeadDesk Original API. All state is behind
// one mutex; it is safe for concurrent use.
type Emulator struct {
	core     *emulator.Core
	fixtures Fixtures
	scale    float64

	mu sync.Mutex
	st *state
}

// New returns an Emulator that is not listening; serve Handler() or use
// NewServer. It panics if opts.Fixtures is inconsistent (a programming
// error in the test that passed them).
func New(opts Options) *Emulator {
	fx := DefaultFixtures()
	if opts.Fixtures != nil {
		fx = cloneFixtures(*opts.Fixtures)
	}
	limit := DefaultLimit
	if opts.Limit != nil {
		limit = *opts.Limit
	}
	scale := opts.TimeScale
	if scale <= 0 {
		scale = 1
	}
	e := &Emulator{fixtures: fx, scale: scale}
	st, err := newState(fx)
	if err != nil {
		panic(fmt.Sprintf("leaddesktest: fixtures: %v", err))
	}
	e.st = st
	e.core = emulator.New(emulator.Options{
		Limit:     limit,
		TimeScale: opts.TimeScale,
		Faults:    opts.Faults,
		Now:       opts.Now,
	}, emulator.Responses{
		RateLimited:   e.writeRateLimited,
		InternalError: writeInternalError,
	})
	return e
}

// Core exposes the shared machinery: counters, call log, InjectNext,
// Configure.
func (e *Emulator) Core() *emulator.Core { return e.core }

// Handler serves the Original API on "/" and the eight connector paths, and
// the admin endpoints under emulator.AdminPrefix.
func (e *Emulator) Handler() http.Handler {
	return emulator.WithAdmin(http.HandlerFunc(e.serveAPI), e.core, e)
}

// Credentials describes the fixture API keys for `leadsync sandbox`.
func (e *Emulator) Credentials() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	lines := make([]string, 0, len(e.st.keys))
	for _, k := range e.st.keyList() {
		lines = append(lines, "api key (auth): "+k)
	}
	return lines
}

// writeRateLimited is the connector gateway's (Azure API Management) 429.
func (e *Emulator) writeRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter, e.scale))
	emulator.WriteJSON(w, http.StatusTooManyRequests, struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}{http.StatusTooManyRequests, fmt.Sprintf("Rate limit is exceeded. Try again in %d %s.", secs, unit)})
}

// writeInternalError answers an injected fault the way the Original API
// reports an internal error: 500 with an error text.
func writeInternalError(w http.ResponseWriter) {
	writeText(w, http.StatusInternalServerError, "ERR_UNDEFINED")
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// Server is an Emulator listening on a loopback port.
type Server struct {
	*Emulator
	// URL is the base URL, e.g. http://127.0.0.1:43127 (no trailing slash).
	URL string
	srv *httptest.Server
}

// NewServer starts an Emulator on loopback. Close it when done.
func NewServer(opts Options) *Server {
	e := New(opts)
	srv := httptest.NewServer(e.Handler())
	return &Server{Emulator: e, URL: srv.URL, srv: srv}
}

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down and waits for outstanding requests.
func (s *Server) Close() { s.srv.Close() }
