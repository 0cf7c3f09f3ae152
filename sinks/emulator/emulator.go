// Package emulator is the machinery shared by the vendor emulators in
// sinks/<vendor>/<vendor>test: a sliding-window rate limit per credential,
// a log of every call with counters, deterministic fault injection, time
// scaling, and the admin endpoints (stats, calls, dump, seed, reset) that
// `leadsync sandbox` serves.
//
// A vendor emulator parses just enough of a request to name its operation,
// its credential and whether it writes, then hands its own handler to
// Core.Serve, which applies the rate limit and faults around it.
//
// Every <vendor>test package is built the same way from the pieces in
// vendor.go: its Options is VendorOptions[Fixtures, Quirks] (TimeScale,
// Faults, Limit, Fixtures, Now, and Vendor for its own switches); its
// Emulator embeds a Base (NewBase: the Core with the vendor's default
// limit and answers; Route: its handler beside the admin endpoints); its
// Server embeds the Emulator and a Server (Start: URL, Client, Close). So
// a vendor's package holds only its behaviour: resources, validation and
// answers.
package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit is a vendor's rate limit: at most Calls requests in any sliding
// window of length Per, counted per credential. A zero Calls means no limit.
type Limit struct {
	Calls int
	Per   time.Duration
}

// Faults selects injected failures. Each rate is a probability in [0, 1],
// drawn from a generator seeded with Seed, so a run with the same seed and
// the same request order injects the same faults.
type Faults struct {
	Seed int64
	// Error500 answers a request with the vendor's 500 body before acting.
	Error500 float64
	// Latency delays a request by LatencyDelay before it is handled.
	Latency      float64
	LatencyDelay time.Duration
	// Extra429 answers a request with the vendor's rate-limit response even
	// though the window has room.
	Extra429 float64
	// DropAfterWrite performs a write, then closes the connection before
	// any response byte is sent: the case in which a blind retry of a
	// create makes a duplicate. Reads are never dropped.
	DropAfterWrite float64
}

// Fault names, as recorded in Call.Fault and Stats.Faults.
const (
	FaultError500       = "error500"
	FaultLatency        = "latency"
	FaultExtra429       = "extra429"
	FaultDropAfterWrite = "drop_after_write"
)

// Options configures a Core.
type Options struct {
	// Limit is the vendor's rate limit (before time scaling).
	Limit Limit
	// TimeScale shrinks every window and wait: 0.01 makes a 60 s window
	// last 600 ms. Zero means 1 (real time).
	TimeScale float64
	Faults    Faults
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Responses writes a vendor's own bodies for the answers Core gives by itself.
type Responses struct {
	// RateLimited answers a request over the limit. retryAfter is the
	// (scaled) time until the window admits another call.
	RateLimited func(w http.ResponseWriter, retryAfter time.Duration)
	// InternalError answers an injected 500.
	InternalError func(w http.ResponseWriter)
}

// Meta describes one request, as the vendor emulator understood it.
type Meta struct {
	Op         string // operation name, e.g. "contact.add"
	Credential string // the raw credential the caller sent ("" when none)
	Write      bool   // the operation changes stored records
}

// Call is one recorded request.
type Call struct {
	At         time.Time `json:"at"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"`
	Op         string    `json:"op"`
	Credential string    `json:"-"`
	Write      bool      `json:"write"`
	Status     int       `json:"status"`
	Fault      string    `json:"fault,omitempty"`
}

// Stats are the counters a test or an operator reads.
type Stats struct {
	Requests    map[string]int `json:"requests"`      // per operation, every request
	Writes      map[string]int `json:"writes"`        // per operation, writes that were performed
	RateLimited int            `json:"rate_limited"`  // 429s sent (limit and injected)
	Faults      map[string]int `json:"faults"`        // injected faults per kind
	MaxInWindow map[string]int `json:"max_in_window"` // per credential label: most requests that arrived in any window of the vendor's length
	Window      string         `json:"window"`        // the (scaled) window length
}

// TotalWrites sums Writes over every operation.
func (s Stats) TotalWrites() int {
	n := 0
	for _, v := range s.Writes {
		n += v
	}
	return n
}

// TotalRequests sums Requests over every operation.
func (s Stats) TotalRequests() int {
	n := 0
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// Core applies limits and faults and records calls. It is safe for
// concurrent use. The zero value is not usable; call New.
type Core struct {
	resp Responses
	now  func() time.Time

	mu       sync.Mutex
	limit    Limit // scaled
	scale    float64
	faults   Faults
	rng      *rand.Rand
	admitted map[string][]time.Time // per credential, admitted request times inside the window
	arrived  map[string][]time.Time // per credential, every request time inside the window
	maxSeen  map[string]int
	calls    []Call
	stats    Stats
	oneShot  map[string][]string // op ("" = any) -> queued fault kinds
}

// New returns a Core with the vendor's responses.
func New(opts Options, resp Responses) *Core {
	c := &Core{resp: resp, now: opts.Now}
	if c.now == nil {
		c.now = time.Now
	}
	c.Configure(opts)
	c.Reset()
	return c
}

// Configure replaces the limit, time scale and faults; counters are kept.
func (c *Core) Configure(opts Options) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scale = opts.TimeScale
	if c.scale <= 0 {
		c.scale = 1
	}
	c.limit = Limit{Calls: opts.Limit.Calls, Per: c.Scale(opts.Limit.Per)}
	c.faults = opts.Faults
	c.rng = rand.New(rand.NewPCG(uint64(opts.Faults.Seed), 0x1ead5)) //nolint:gosec // determinism, not security
}

// Scale converts a real-vendor duration to emulator time.
func (c *Core) Scale(d time.Duration) time.Duration {
	if c.scale <= 0 || c.scale == 1 {
		return d
	}
	return time.Duration(float64(d) * c.scale)
}

// Window is the scaled length of the rate-limit window (0 when unlimited).
func (c *Core) Window() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.limit.Per
}

// Reset clears the call log, the counters and the windows.
func (c *Core) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.admitted = map[string][]time.Time{}
	c.arrived = map[string][]time.Time{}
	c.maxSeen = map[string]int{}
	c.calls = nil
	c.oneShot = map[string][]string{}
	c.stats = Stats{Requests: map[string]int{}, Writes: map[string]int{}, Faults: map[string]int{}}
}

// InjectNext queues one fault (one of the Fault* names) for the next request
// to op; an empty op matches any operation. A queued drop-after-write
// waits for the next write.
func (c *Core) InjectNext(op, fault string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.oneShot[op] = append(c.oneShot[op], fault)
}

// Stats returns a copy of the counters.
func (c *Core) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{
		Requests:    copyMap(c.stats.Requests),
		Writes:      copyMap(c.stats.Writes),
		RateLimited: c.stats.RateLimited,
		Faults:      copyMap(c.stats.Faults),
		MaxInWindow: map[string]int{},
		Window:      c.limit.Per.String(),
	}
	for cred, n := range c.maxSeen {
		s.MaxInWindow[CredentialLabel(cred)] = n
	}
	return s
}

// MaxInWindow is the most requests that arrived with credential in any
// window of the vendor's (scaled) length, rejected ones included: a client
// that kept its budget shows at most Limit.Calls here.
func (c *Core) MaxInWindow(credential string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxSeen[credential]
}

// Calls returns a copy of the call log.
func (c *Core) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// CredentialLabel shortens a credential for display so stats never print a
// whole secret: the first four characters and the length.
func CredentialLabel(cred string) string {
	if cred == "" {
		return "(none)"
	}
	if len(cred) <= 4 {
		return fmt.Sprintf("%s…(%d)", cred[:1], len(cred))
	}
	return fmt.Sprintf("%s…(%d)", cred[:4], len(cred))
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decision is what Core decided before the vendor handler runs.
type decision struct {
	fault      string
	retryAfter time.Duration
	latency    time.Duration
	dropWrite  bool
}

func (c *Core) decide(m Meta, now time.Time) decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Requests[m.Op]++

	var d decision
	if c.limit.Calls > 0 && c.limit.Per > 0 {
		cut := now.Add(-c.limit.Per)
		arr := append(prune(c.arrived[m.Credential], cut), now)
		c.arrived[m.Credential] = arr
		if len(arr) > c.maxSeen[m.Credential] {
			c.maxSeen[m.Credential] = len(arr)
		}
		adm := prune(c.admitted[m.Credential], cut)
		if len(adm) >= c.limit.Calls {
			c.admitted[m.Credential] = adm
			d.fault = "rate_limit"
			d.retryAfter = adm[0].Add(c.limit.Per).Sub(now)
			return d
		}
		c.admitted[m.Credential] = append(adm, now)
	} else {
		c.maxSeen[m.Credential]++ // unlimited: the figure is the total
	}

	queued := c.takeOneShot(m.Op, m.Write)
	roll := func(p float64, kind string) bool {
		if queued == kind {
			return true
		}
		return p > 0 && c.rng.Float64() < p
	}
	if roll(c.faults.Latency, FaultLatency) {
		d.latency = c.faults.LatencyDelay
		c.stats.Faults[FaultLatency]++
	}
	switch {
	case roll(c.faults.Extra429, FaultExtra429):
		d.fault = FaultExtra429
		d.retryAfter = c.limit.Per
		if d.retryAfter <= 0 {
			d.retryAfter = c.Scale(time.Second)
		}
	case roll(c.faults.Error500, FaultError500):
		d.fault = FaultError500
	case m.Write && roll(c.faults.DropAfterWrite, FaultDropAfterWrite):
		d.dropWrite = true
	}
	if d.fault != "" {
		c.stats.Faults[d.fault]++
	}
	return d
}

// takeOneShot dequeues the next injected fault for op. A drop-after-write
// stays queued until a write comes: it cannot apply to a read.
func (c *Core) takeOneShot(op string, write bool) string {
	for _, key := range []string{op, ""} {
		if q := c.oneShot[key]; len(q) > 0 {
			if q[0] == FaultDropAfterWrite && !write {
				continue
			}
			c.oneShot[key] = q[1:]
			return q[0]
		}
	}
	return ""
}

// prune drops times at or before cut; times are in ascending order.
func prune(ts []time.Time, cut time.Time) []time.Time {
	i := sort.Search(len(ts), func(i int) bool { return ts[i].After(cut) })
	if i == 0 {
		return ts
	}
	return append(ts[:0], ts[i:]...)
}

// Serve answers one request: it records the call, applies the rate limit
// and any fault, and otherwise runs handle. A handle that changes stored
// records must call Wrote on the writer it is given (through MarkWrite) so
// the write counters stay true when the handler rejects the request.
func (c *Core) Serve(w http.ResponseWriter, r *http.Request, m Meta, handle func(http.ResponseWriter)) {
	now := c.now()
	d := c.decide(m, now)
	call := Call{At: now, Method: r.Method, Path: r.URL.Path, Query: redactQuery(r), Op: m.Op, Credential: m.Credential, Write: m.Write}

	if d.latency > 0 {
		select {
		case <-time.After(d.latency):
		case <-r.Context().Done():
		}
	}
	switch d.fault {
	case "rate_limit", FaultExtra429:
		c.resp.RateLimited(w, d.retryAfter)
		c.record(call, http.StatusTooManyRequests, d.fault, false)
		return
	case FaultError500:
		c.resp.InternalError(w)
		c.record(call, http.StatusInternalServerError, d.fault, false)
		return
	}

	buf := &bufferedWriter{header: http.Header{}, status: 0}
	handle(buf)
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	wrote := buf.wrote
	if d.dropWrite && wrote {
		c.record(call, 0, FaultDropAfterWrite, true)
		c.mu.Lock()
		c.stats.Faults[FaultDropAfterWrite]++
		c.mu.Unlock()
		dropConnection(w)
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
	c.record(call, buf.status, "", wrote)
}

func (c *Core) record(call Call, status int, fault string, wrote bool) {
	call.Status = status
	call.Fault = fault
	c.mu.Lock()
	defer c.mu.Unlock()
	if status == http.StatusTooManyRequests {
		c.stats.RateLimited++
	}
	if wrote {
		c.stats.Writes[call.Op]++
	}
	c.calls = append(c.calls, call)
}

// redactQuery keeps the query for the call log without any credential.
// Names match in any letter case: some vendors (LeadSquared) accept
// accesskey/secretkey as well.
func redactQuery(r *http.Request) string {
	q := r.URL.Query()
	for name := range q {
		for _, k := range []string{"auth", "accessKey", "secretKey", "access_token", "token"} {
			if strings.EqualFold(name, k) {
				q[name] = []string{"REDACTED"}
			}
		}
	}
	return q.Encode()
}

// MarkWrite tells Core that the handler changed stored records. Call it
// with the ResponseWriter the handler was given.
func MarkWrite(w http.ResponseWriter) {
	if b, ok := w.(*bufferedWriter); ok {
		b.wrote = true
	}
}

// bufferedWriter holds a response so Core can drop it after the write.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a recorder: the closest we can do is abort the handler.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset, so the client sees the failure at once
	}
	_ = conn.Close()
}

// RetryAfterSeconds formats a wait for a Retry-After header: whole seconds
// (ceil, at least 1) in real time; with a time scale below 1 the scaled
// wait in fractional seconds, which leadsync's client understands and a
// strict HTTP client would not (a documented deviation of the emulators).
func RetryAfterSeconds(d time.Duration, timeScale float64) string {
	if timeScale > 0 && timeScale < 1 {
		return strconv.FormatFloat(math.Max(d.Seconds(), 0.001), 'f', 3, 64)
	}
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// Store is what an emulator exposes for the admin endpoints.
type Store interface {
	// Dump returns every stored record, JSON-encodable.
	Dump() any
	// Seed loads fixtures or records from a JSON document.
	Seed(data []byte) error
	// ResetRecords drops stored records and reloads the fixtures.
	ResetRecords()
}

// AdminPrefix is where the admin endpoints live on every emulator.
const AdminPrefix = "/_emulator/"

// AdminHandler serves, under AdminPrefix: GET stats, GET calls, GET dump,
// POST seed (JSON body), POST reset (records and counters). They are not
// rate limited and not recorded.
func AdminHandler(c *Core, s Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+AdminPrefix+"stats", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, c.Stats()) })
	mux.HandleFunc("GET "+AdminPrefix+"calls", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, c.Calls()) })
	mux.HandleFunc("GET "+AdminPrefix+"dump", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, s.Dump()) })
	mux.HandleFunc("POST "+AdminPrefix+"seed", func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<20)); err != nil {
			WriteJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		if err := s.Seed(body.Bytes()); err != nil {
			WriteJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		WriteJSON(w, 200, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST "+AdminPrefix+"reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetRecords()
		c.Reset()
		WriteJSON(w, 200, map[string]bool{"ok": true})
	})
	return mux
}

// WithAdmin routes AdminPrefix to the admin handler and everything else to
// the vendor handler, both behind Guard.
func WithAdmin(vendor http.Handler, c *Core, s Store) http.Handler {
	admin := AdminHandler(c, s)
	return Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(AdminPrefix) && r.URL.Path[:len(AdminPrefix)] == AdminPrefix {
			admin.ServeHTTP(w, r)
			return
		}
		vendor.ServeHTTP(w, r)
	}))
}

// Guard keeps an emulator to its own machine's programs, whatever a web
// page in a browser there tries:
//
//   - The Host header must be localhost or a literal IP address the
//     connection arrived on (127.0.0.1, [::1]; with --allow-remote, the
//     address bound), any port. Any other name is refused with 421, so a
//     DNS-rebinding page (evil.example resolving to 127.0.0.1) cannot read
//     /_emulator/dump or the records.
//   - A request that may change something (any method but GET, HEAD and
//     OPTIONS) carrying an Origin other than the emulator's own
//     (http://<Host>), "null" included, or a Sec-Fetch-Site of cross-site
//     or same-site, is refused with 403: a foreign page cannot POST
//     /_emulator/reset or create records. Programs send no Origin.
func Guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ownHost(r) {
			WriteJSON(w, http.StatusMisdirectedRequest, map[string]string{"error": "emulator: Host " + strconv.Quote(r.Host) + " is not this machine's loopback address (use 127.0.0.1, [::1] or localhost)"})
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if o, ok := r.Header["Origin"]; ok && (len(o) != 1 || !strings.EqualFold(o[0], "http://"+r.Host)) {
				WriteJSON(w, http.StatusForbidden, map[string]string{"error": "emulator: cross-origin write refused"})
				return
			}
			if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
				WriteJSON(w, http.StatusForbidden, map[string]string{"error": "emulator: cross-site write refused"})
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// ownHost reports a Host header naming this machine: localhost, or a
// literal IP that is loopback or the address the connection arrived on.
func ownHost(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ta, ok := la.(*net.TCPAddr); ok && ta.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Listen binds addr, refusing a non-loopback address unless allowRemote:
// emulators hold test credentials and must not be reachable by accident.
func Listen(ctx context.Context, addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: address %q: %w", addr, err)
	}
	if !allowRemote {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("emulator: %q is not a loopback address; pass --allow-remote to bind it (the emulators hold test credentials and their admin endpoints can reset or dump them)", addr)
		}
	}
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}
