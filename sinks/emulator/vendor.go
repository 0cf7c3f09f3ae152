package emulator

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// VendorOptions configures a vendor emulator: every <vendor>test package
// declares its Options as this type, with its own fixtures F and its own
// switches X (NoQuirks when it has none), so a test writes
// liondesktest.Options{TimeScale: 0.01, Faults: f} for every vendor alike.
type VendorOptions[F, X any] struct {
	// TimeScale shrinks every window and wait: 0 or 1 is real time, 0.01
	// makes a 60 s window last 600 ms.
	TimeScale float64
	// Faults are the injected failures (none by default).
	Faults Faults
	// Limit replaces the vendor's default rate limit per credential (see
	// the vendor's package: none for a vendor that documents none); a
	// Limit with zero Calls means no limit.
	Limit *Limit
	// Fixtures replace the vendor's DefaultFixtures(). New panics when
	// they are inconsistent (a programming error in the test).
	Fixtures *F
	// Now is the clock of the rate limit and of stored times (never
	// scaled); nil means time.Now.
	Now func() time.Time
	// Vendor holds the switches only this vendor has.
	Vendor X
}

// NoQuirks is the Vendor part of the options of an emulator that has no
// switches of its own.
type NoQuirks struct{}

// FixturesOr returns the fixtures the options name, or def() when none.
func (o VendorOptions[F, X]) FixturesOr(def func() F) F {
	if o.Fixtures != nil {
		return *o.Fixtures
	}
	return def()
}

// Base is what every vendor emulator is built on: its Core (rate limit,
// faults, time scale, call log and counters), its clock, and the handler
// that serves its routes next to the admin endpoints. A vendor's Emulator
// embeds a Base made by NewBase and calls Route once with its own handler.
type Base struct {
	core    *Core
	now     func() time.Time
	scale   float64
	handler http.Handler
}

// NewBase makes the Core for opts: the vendor's defaultLimit unless
// opts.Limit is set, and resp for the answers Core gives by itself (a
// rate-limited call, an injected 500).
func NewBase[F, X any](opts VendorOptions[F, X], defaultLimit Limit, resp Responses) Base {
	limit := defaultLimit
	if opts.Limit != nil {
		limit = *opts.Limit
	}
	b := Base{now: opts.Now, scale: opts.TimeScale}
	if b.now == nil {
		b.now = time.Now
	}
	if b.scale <= 0 {
		b.scale = 1
	}
	b.core = New(Options{Limit: limit, TimeScale: opts.TimeScale, Faults: opts.Faults, Now: b.now}, resp)
	return b
}

// Route sets the vendor's handler; s answers the admin dump, seed and
// reset.
func (b *Base) Route(vendor http.Handler, s Store) { b.handler = WithAdmin(vendor, b.core, s) }

// Core returns the shared machinery: counters, call log, InjectNext,
// Configure.
func (b *Base) Core() *Core { return b.core }

// Handler serves the vendor routes and, under AdminPrefix, the admin
// endpoints, behind Guard.
func (b *Base) Handler() http.Handler { return b.handler }

// Now is the emulator's clock.
func (b *Base) Now() time.Time { return b.now() }

// TimeScale is the scale the emulator was built with (1 for real time).
func (b *Base) TimeScale() float64 { return b.scale }

// Server is an emulator listening on a loopback port; a vendor's Server
// embeds it next to its Emulator.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	srv *httptest.Server
}

// Start serves h on a loopback port. Close the server when done.
func Start(h http.Handler) *Server {
	srv := httptest.NewServer(h)
	return &Server{URL: srv.URL, srv: srv}
}

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down and waits for outstanding requests.
func (s *Server) Close() { s.srv.Close() }

// TestScale is the time scale StartTest gives a test that names none: a
// 60 s window lasts 60 ms.
const TestScale = 0.001

// T is the part of testing.TB that StartTest uses.
type T interface {
	Helper()
	Cleanup(func())
}

// StartTest starts a vendor's server for one test, at TestScale unless
// opts.TimeScale is set, and closes it when the test ends:
// emulator.StartTest(t, tiledesktest.NewServer, tiledesktest.Options{}).
func StartTest[F, X any, S interface{ Close() }](t T, newServer func(VendorOptions[F, X]) S, opts VendorOptions[F, X]) S {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = TestScale
	}
	s := newServer(opts)
	t.Cleanup(s.Close)
	return s
}

// Clock is a settable clock for VendorOptions.Now in tests: it stands
// still until Add moves it. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
