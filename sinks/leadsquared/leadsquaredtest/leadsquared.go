package leadsquaredtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// Operation names, as recorded in the core's call log and counters and as
// accepted by Core().InjectNext.
const (
	OpLogCall        = "LogCall"
	OpShowAgentPopup = "ShowAgentPopup"
	OpLeadByEmail    = "Leads.GetByEmailaddress"
	OpLeadByPhone    = "RetrieveLeadByPhoneNumber"
	OpLeadByID       = "Leads.GetById"
	OpLeadCreate     = "Lead.Create"
	OpLeadUpdate     = "Lead.Update"
)

// Exception types of LeadSquared error bodies.
const (
	ExMandatoryAttributeMissing = "MXMandatoryAttributeMissingException"
	ExInvalidInput              = "MXInvalidInputException"
	ExDuplicateEntry            = "MXDuplicateEntryException"
	ExUnknownAttribute          = "MXUnknownAttributeException"
	ExUnAuthorizedAccess        = "MXUnAuthorizedAccessException"
	ExAPIRateLimitExceeded      = "MXAPIRateLimitExceededException"
)

// DefaultLimit is the documented telephony limit (the Enterprise plan):
// 25 calls in any 5 seconds, per access key.
func DefaultLimit() emulator.Limit { return emulator.Limit{Calls: 25, Per: 5 * time.Second} }

// maxBody caps request bodies; larger ones are refused with 400.
const maxBody = 1 << 20

// Options configures an Emulator (see emulator.VendorOptions). Limit is
// the rate limit per access key; nil means DefaultLimit(). Fixtures is the
// account to start with.
type Options = emulator.VendorOptions[Fixtures, Quirks]

// Quirks are LeadSquared's own switches (Options.Vendor).
type Quirks struct {
	// RateLimitStatus is the HTTP status of the rate-limit answer (same
	// body every time). 0 means 429, the documented one; integrators have
	// also seen 403 and 200, which a client must recognise too.
	RateLimitStatus int
}

// Emulator is a strict in-memory LeadSquared: the two Generic Telephony
// Connector calls and the lead APIs around them. It is safe for concurrent
// use.
type Emulator struct {
	emulator.Base
	initial  Fixtures
	rlStatus int
	rlBody   errorBody

	mu   sync.Mutex
	acct *account
}

var _ emulator.Store = (*Emulator)(nil)

// New builds an emulator that is not listening; serve Handler() or use
// NewServer.
func New(opts Options) *Emulator {
	limit := DefaultLimit()
	if opts.Limit != nil {
		limit = *opts.Limit
	}
	fx := DefaultFixtures()
	if opts.Fixtures != nil {
		fx = opts.Fixtures.clone()
	}
	e := &Emulator{initial: fx, rlStatus: opts.Vendor.RateLimitStatus}
	if e.rlStatus == 0 {
		e.rlStatus = http.StatusTooManyRequests
	}
	e.rlBody = errorBody{Status: "Error", ExceptionType: ExAPIRateLimitExceeded, ExceptionMessage: rateLimitMessage(limit)}
	e.Base = emulator.NewBase(opts, DefaultLimit(), emulator.Responses{
		// LeadSquared documents no Retry-After, so none is sent.
		RateLimited: func(w http.ResponseWriter, _ time.Duration) { emulator.WriteJSON(w, e.rlStatus, e.rlBody) },
		InternalError: func(w http.ResponseWriter) {
			// Not an MX…Exception: an injected 500 stands for a transient
			// server failure, which a client may retry.
			emulator.WriteJSON(w, http.StatusInternalServerError, errorBody{Status: "Error", ExceptionType: "Exception", ExceptionMessage: "Internal Server Error"})
		},
	})
	a, err := newAccount(fx, e.Now().UTC())
	if err != nil {
		panic(err)
	}
	e.acct = a
	e.Route(http.HandlerFunc(e.serveVendor), e)
	return e
}

// rateLimitMessage words the limit as LeadSquared does, in vendor time.
func rateLimitMessage(l emulator.Limit) string {
	return fmt.Sprintf("API calls exceeded the limit of %d in %s second(s)", l.Calls, strconv.FormatFloat(l.Per.Seconds(), 'f', -1, 64))
}

// Credentials describes the key pairs of active users, for
// `leadsync sandbox`.
func (e *Emulator) Credentials() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acct
	lines := []string{"default country code: +" + a.countryCode}
	for _, k := range a.keyOrder {
		pair := a.keys[k]
		u := a.users[normID(pair.UserID)]
		if u.Deactivated {
			continue
		}
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		lines = append(lines,
			fmt.Sprintf("access key (x-LSQ-AccessKey header or accessKey query) for %s: %s", name, pair.AccessKey),
			fmt.Sprintf("secret key (x-LSQ-SecretKey header or secretKey query) for %s: %s", name, pair.SecretKey),
			fmt.Sprintf("user id (UserId) of %s: %s", name, u.ID),
		)
	}
	return lines
}

// route is one vendor operation.
type route struct {
	method string
	path   string
	op     string
	write  bool
	handle func(e *Emulator, w http.ResponseWriter, r *http.Request, caller User)
}

var routes = []route{
	{http.MethodPost, "/v2/Telephony.svc/LogCall", OpLogCall, true, (*Emulator).logCall},
	{http.MethodPost, "/v2/Telephony.svc/ShowAgentPopup", OpShowAgentPopup, true, (*Emulator).showAgentPopup},
	{http.MethodGet, "/v2/LeadManagement.svc/Leads.GetByEmailaddress", OpLeadByEmail, false, (*Emulator).leadByEmail},
	{http.MethodGet, "/v2/LeadManagement.svc/RetrieveLeadByPhoneNumber", OpLeadByPhone, false, (*Emulator).leadByPhone},
	{http.MethodGet, "/v2/LeadManagement.svc/Leads.GetById", OpLeadByID, false, (*Emulator).leadByID},
	{http.MethodPost, "/v2/LeadManagement.svc/Lead.Create", OpLeadCreate, true, (*Emulator).leadCreate},
	{http.MethodPost, "/v2/LeadManagement.svc/Lead.Update", OpLeadUpdate, true, (*Emulator).leadUpdate},
}

// serveVendor dispatches one request. Unknown paths (404) and wrong
// methods (405) are answered before the core: they are neither rate
// limited nor recorded.
func (e *Emulator) serveVendor(w http.ResponseWriter, r *http.Request) {
	var rt *route
	for i := range routes {
		if strings.EqualFold(routes[i].path, r.URL.Path) {
			rt = &routes[i]
			break
		}
	}
	if rt == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	access, secret := credentials(r)
	e.Core().Serve(w, r, emulator.Meta{Op: rt.op, Credential: access, Write: rt.write}, func(w http.ResponseWriter) {
		caller, err := e.authenticate(access, secret)
		if err != nil {
			err.write(w)
			return
		}
		rt.handle(e, w, r, caller)
	})
}

// credentials reads each key from its header, falling back to the query
// parameter of the same name in any letter case.
func credentials(r *http.Request) (access, secret string) {
	access = r.Header.Get("x-LSQ-AccessKey")
	secret = r.Header.Get("x-LSQ-SecretKey")
	if access == "" {
		access = queryValue(r, "accessKey")
	}
	if secret == "" {
		secret = queryValue(r, "secretKey")
	}
	return access, secret
}

// queryValue returns the first value of the query parameter name,
// matching the name case-insensitively.
func queryValue(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (e *Emulator) authenticate(access, secret string) (User, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pair, ok := e.acct.keys[access]
	if access == "" || secret == "" || !ok || pair.SecretKey != secret {
		return User{}, unauthorized()
	}
	u, ok := e.acct.users[normID(pair.UserID)]
	if !ok || u.Deactivated {
		return User{}, unauthorized()
	}
	return u, nil
}

// errorBody is LeadSquared's error envelope.
type errorBody struct {
	Status           string `json:"Status"`
	ExceptionType    string `json:"ExceptionType"`
	ExceptionMessage string `json:"ExceptionMessage"`
}

type apiError struct {
	status int
	body   errorBody
}

func (a *apiError) write(w http.ResponseWriter) { emulator.WriteJSON(w, a.status, a.body) }

func newAPIError(status int, typ, msg string) *apiError {
	return &apiError{status: status, body: errorBody{Status: "Error", ExceptionType: typ, ExceptionMessage: msg}}
}

func unauthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, ExUnAuthorizedAccess, "Invalid access key or secret key, or the user is not active")
}

// badRequest is the 400 for a body that is not as the API expects.
func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, ExInvalidInput, fmt.Sprintf(format, args...))
}

func mandatory(name string) *apiError {
	return newAPIError(http.StatusInternalServerError, ExMandatoryAttributeMissing, fmt.Sprintf("'%s' is mandatory", name))
}

func invalidInput(format string, args ...any) *apiError {
	return newAPIError(http.StatusInternalServerError, ExInvalidInput, fmt.Sprintf(format, args...))
}

func invalidParam(name string) *apiError {
	return invalidInput("Invalid Input! Parameter Name: %s", name)
}

// successBody is the envelope of a successful write.
type successBody struct {
	Status  string         `json:"Status"`
	Message successMessage `json:"Message"`
}

type successMessage struct {
	ID      string `json:"Id"`
	Message string `json:"Message,omitempty"`
}

func writeSuccess(w http.ResponseWriter, id, message string) {
	emulator.WriteJSON(w, http.StatusOK, successBody{Status: "Success", Message: successMessage{ID: id, Message: message}})
}

// readJSONBody checks the Content-Type and reads the body, which must be
// one JSON value. It returns the raw value.
func readJSONBody(r *http.Request) (json.RawMessage, *apiError) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return nil, badRequest("The request's Content-Type must be application/json, not %q", ct)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("The request body could not be read: %v", err)
	}
	if len(data) > maxBody {
		return nil, badRequest("The request body is larger than %d bytes", maxBody)
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, badRequest("The request body is not valid JSON: %v", err)
	}
	return raw, nil
}

// Dump returns every stored record in a deterministic order: users, leads
// (by ProspectAutoId), call logs and popups (in arrival order).
func (e *Emulator) Dump() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return struct {
		DefaultCountryCode string    `json:"DefaultCountryCode"`
		Users              []User    `json:"Users"`
		Leads              []Lead    `json:"Leads"`
		CallLogs           []CallLog `json:"CallLogs"`
		Popups             []Popup   `json:"Popups"`
	}{"+" + e.acct.countryCode, e.acct.userList(), e.acct.leadList(), e.acct.callLogList(), e.acct.popupList()}
}

// Seed adds a Fixtures document (key pairs, users, leads, custom fields; a
// non-empty DefaultCountryCode replaces the account's). It is all or
// nothing: on error nothing is added.
func (e *Emulator) Seed(data []byte) error {
	f, err := parseFixtures(data)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.acct.clone()
	if err := next.add(f, e.Now().UTC()); err != nil {
		return err
	}
	e.acct = next
	return nil
}

// ResetRecords drops every record, seeded ones included, and reloads the
// fixtures the emulator was built with; id counters start again.
func (e *Emulator) ResetRecords() {
	a, err := newAccount(e.initial, e.Now().UTC())
	if err != nil {
		panic(err) // they loaded once already
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct = a
}

// Leads returns every lead, by ProspectAutoId.
func (e *Emulator) Leads() []Lead {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.acct.leadList()
}

// Lead returns the lead with the given ProspectID.
func (e *Emulator) Lead(id string) (Lead, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.acct.leadByID[normID(id)]
	if !ok {
		return Lead{}, false
	}
	return l.clone(), true
}

// Users returns every user, in fixture order.
func (e *Emulator) Users() []User {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.acct.userList()
}

// CallLogs returns every call LogCall stored, in arrival order.
func (e *Emulator) CallLogs() []CallLog {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.acct.callLogList()
}

// Popups returns every popup ShowAgentPopup accepted, in arrival order.
func (e *Emulator) Popups() []Popup {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.acct.popupList()
}

// Server is an Emulator listening on loopback (URL, Client, Close); the
// API paths start with /v2/.
type Server struct {
	*Emulator
	*emulator.Server
}

// NewServer starts an emulator on a loopback port. Close it when done.
func NewServer(opts Options) *Server {
	e := New(opts)
	return &Server{Emulator: e, Server: emulator.Start(e.Handler())}
}
