package leaddesktest

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// DefaultLimit is the connector's throttle: 100 calls per connection (per
// auth value) in any 60-second window (VENDORS.md 1.5).
func DefaultLimit() emulator.Limit { return emulator.Limit{Calls: 100, Per: 60 * time.Second} }

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

// Options configures an Emulator (see emulator.VendorOptions). Limit
// replaces DefaultLimit (a Limit with zero Calls disables it); Fixtures
// replace DefaultFixtures(); Now is the clock of the rate limiter.
type Options = emulator.VendorOptions[Fixtures, emulator.NoQuirks]

// Emulator is a strict in-memory LeadDesk Original API. All state is behind
// one mutex; it is safe for concurrent use.
type Emulator struct {
	emulator.Base
	fixtures Fixtures

	mu sync.Mutex
	st *state
}

// New returns an Emulator that is not listening; serve Handler() or use
// NewServer. It panics if opts.Fixtures is inconsistent (a programming
// error in the test that passed them). Handler serves the Original API on
// "/" and the eight connector paths, and the admin endpoints under
// emulator.AdminPrefix.
func New(opts Options) *Emulator {
	fx := DefaultFixtures()
	if opts.Fixtures != nil {
		fx = cloneFixtures(*opts.Fixtures)
	}
	e := &Emulator{fixtures: fx}
	st, err := newState(fx)
	if err != nil {
		panic(fmt.Sprintf("leaddesktest: fixtures: %v", err))
	}
	e.st = st
	e.Base = emulator.NewBase(opts, DefaultLimit(), emulator.Responses{
		RateLimited:   e.writeRateLimited,
		InternalError: writeInternalError,
	})
	e.Route(http.HandlerFunc(e.serveAPI), e)
	return e
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
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter, e.TimeScale()))
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

// Server is an Emulator listening on a loopback port (URL, Client,
// Close).
type Server struct {
	*Emulator
	*emulator.Server
}

// NewServer starts an Emulator on loopback. Close it when done.
func NewServer(opts Options) *Server {
	e := New(opts)
	return &Server{Emulator: e, Server: emulator.Start(e.Handler())}
}
