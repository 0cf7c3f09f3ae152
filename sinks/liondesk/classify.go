package liondesk

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// feathersError is the error body LionDesk v2 answers with (a FeathersJS
// error, VENDORS.md 3.4): {"name", "message", "code", "className", "errors"}.
type feathersError struct {
	Name      string          `json:"name"`
	Message   string          `json:"message"`
	Code      int             `json:"code"`
	ClassName string          `json:"className"`
	Errors    json.RawMessage `json:"errors"`
}

// Classify is LionDesk's one retry decision (an httpc.Classifier):
//
//   - 200 and 201 are success; nothing else is (another 2xx is Transient:
//     the outcome of a write is then unknown).
//   - 401 NotAuthenticated is Unauthorized.
//   - 403 Forbidden is Rejected (the caller may not change this record: a
//     campaign or team someone else created), except when the message is
//     about the token itself (it names the token, its scope or
//     authentication): then Unauthorized, so the run stops.
//   - 429 TooManyRequests is RateLimited, waiting Retry-After (seconds,
//     or an HTTP date taken relative to the answer's own Date header, so
//     the decision depends on the answer alone).
//   - 408 and 5xx are Transient, and for a write an unknown outcome
//     (NotSent false): LionDesk documents no error that means "nothing was
//     done" (VENDORS.md 3.4 lists none; a Feathers GeneralError may come
//     after the record was stored), so only the engine's find or check
//     settles what happened.
//   - Every other 4xx (400 BadRequest, 404 NotFound, 405, 409, 422, …) is
//     Rejected, with the Feathers name as Code and its message (and field
//     errors the message does not already list) as Msg.
//
// A body that is not a Feathers error (a proxy's HTML page, say) is kept,
// shortened, as the message. Classify is pure: the same answer always
// gets the same decision.
func Classify(op string, status int, header http.Header, body []byte) error {
	if status == http.StatusOK || status == http.StatusCreated {
		return nil
	}
	code, msg := errorText(status, body)
	e := &sinks.Error{Op: op, Status: status, Code: code, Msg: msg}
	switch {
	case status == http.StatusUnauthorized:
		e.Class = sinks.Unauthorized
	case status == http.StatusForbidden:
		e.Class = sinks.Rejected
		if aboutToken(msg) {
			e.Class = sinks.Unauthorized
		}
	case status == http.StatusTooManyRequests:
		e.Class = sinks.RateLimited
		e.Wait = retryAfter(header)
	case status == http.StatusRequestTimeout || status >= 500:
		e.Class = sinks.Transient
	case status >= 400:
		e.Class = sinks.Rejected
	default: // 1xx, 3xx, or a 2xx other than 200/201
		e.Class = sinks.Transient
		e.Msg = "unexpected answer: " + msg
	}
	return e
}

// retryAfter reads Retry-After: seconds, or an HTTP date measured from
// the answer's Date header (no Date: unknown, 0).
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if _, err := http.ParseTime(v); err != nil {
		return httpc.RetryAfter(h, time.Time{}) // seconds: no clock needed
	}
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0
	}
	if d := httpc.RetryAfter(h, date); d > 0 {
		return d
	}
	return 0
}

// aboutToken reports whether a 403's message concerns the access token
// (a scope that does not allow the call) rather than one record.
func aboutToken(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"token", "scope", "authenticat"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// errorText extracts the Feathers error name and a message from a body.
func errorText(status int, body []byte) (code, msg string) {
	var fe feathersError
	if err := json.Unmarshal(body, &fe); err == nil && (fe.Name != "" || fe.Message != "") {
		msg = fe.Message
		if extra := fieldErrors(fe.Errors, msg); extra != "" {
			if msg != "" {
				msg += " (" + extra + ")"
			} else {
				msg = extra
			}
		}
		return fe.Name, msg
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	if text == "" {
		text = http.StatusText(status)
	}
	return "", text
}

// fieldErrors renders the Feathers errors object (field: message) as
// "a: …; b: …", leaving out messages already in msg.
func fieldErrors(raw json.RawMessage, msg string) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		if v == "" || strings.Contains(msg, v) {
			continue
		}
		if !strings.HasPrefix(v, k) {
			v = k + ": " + v
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, "; ")
}
