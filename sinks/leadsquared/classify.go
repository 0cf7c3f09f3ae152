package leadsquared

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sinks"
)

// RateLimitWindow is the window of LeadSquared's documented limit (25 calls
// in 5 seconds). It sends no Retry-After, so a rate-limited connection
// pauses a window (RateLimitPolicy): every call of the window that was
// full has left it.
const RateLimitWindow = 5 * time.Second

// RateLimitPolicy is LeadSquared's pause after a rate limit, which names
// no wait: the connection's fixed budget window (by default
// DefaultBudget's, RateLimitWindow plus the budget's margin; a time-scaled
// emulator's shorter one), else RateLimitWindow: without a budget, and
// for an adaptive budget, which knows no window.
func RateLimitPolicy() sinks.RateLimitPolicy {
	return sinks.WindowPause(RateLimitWindow, RateLimitWindow)
}

// Exception types of LeadSquared error bodies the classifier tells apart.
const (
	exRateLimit    = "MXAPIRateLimitExceededException"
	exUnauthorized = "MXUnAuthorizedAccessException"
)

// errorBody is LeadSquared's error envelope (also the success envelope's
// Status).
type errorBody struct {
	Status           string `json:"Status"`
	ExceptionType    string `json:"ExceptionType"`
	ExceptionMessage string `json:"ExceptionMessage"`
	IsMXException    bool   `json:"IsMXException"`
}

// Classify is LeadSquared's Classifier. The rules, in order:
//
//   - rate limited (Wait 0: LeadSquared names no wait, and the connection
//     pauses as RateLimitPolicy says): HTTP 429; any status whose body's
//     ExceptionType is MXAPIRateLimitExceededException (seen with 403 and
//     even 200); a 403 whose message says "exceeded the limit".
//   - unauthorized (stops the run): 401, any other 403, an
//     MXUnAuthorizedAccessException, and 404 (unknown API: the URL is not
//     a LeadSquared API host, so every call would fail alike).
//   - transient: a 5xx whose body is not an MX…Exception (a server failure).
//   - rejected: a 500 with an MX…Exception (LeadSquared's logic errors:
//     missing or invalid attribute, duplicate, unknown id; the same request
//     gets the same answer, so it is never retried), 400 (body not as the
//     API expects) and any other 4xx, and a 2xx whose body says
//     "Status": "Error". Msg is the vendor's ExceptionMessage.
//   - success: any other 2xx.
//
// NotSent: LeadSquared documents 500 as "the API call failed" and every
// other error status as a call that was refused, so an error it answers
// means nothing was done: NotSent is true, and httpc may send even a
// LogCall again after a transient 5xx. The exceptions are 502 and 504,
// which a gateway in front of LeadSquared answers when it lost
// LeadSquared's own answer (LeadSquared may have acted), and 1xx/3xx:
// those are unknown outcomes, as is an unanswered call.
//
// The classifier is a pure function of its arguments.
func Classify(op string, status int, _ http.Header, body []byte) error {
	eb := parseErrorBody(body)
	if status >= 200 && status < 300 && !strings.EqualFold(eb.Status, "Error") && eb.ExceptionType != exRateLimit {
		return nil
	}
	msg := eb.ExceptionMessage
	if msg == "" {
		msg = shorten(body)
	}
	e := &sinks.Error{Op: op, Status: status, Code: eb.ExceptionType, Msg: msg}
	switch {
	case status == http.StatusTooManyRequests,
		eb.ExceptionType == exRateLimit,
		status == http.StatusForbidden && strings.Contains(strings.ToLower(string(body)), "exceeded the limit"):
		e.Class = sinks.RateLimited
		if e.Msg == "" {
			e.Msg = "API calls exceeded the limit"
		}
	case status == http.StatusUnauthorized, status == http.StatusForbidden, eb.ExceptionType == exUnauthorized:
		e.Class = sinks.Unauthorized
		if e.Msg == "" {
			e.Msg = "invalid access key or secret key, or the key's user is not active"
		}
	case status == http.StatusNotFound:
		// Every call of the connection would get the same: stop the run.
		e.Class = sinks.Unauthorized
		if e.Msg == "" {
			e.Msg = "API not found: check the URL (the account's regional API host)"
		}
	case status >= 500:
		e.Class = sinks.Transient
		if isMXException(eb) {
			e.Class = sinks.Rejected
		}
	case status >= 400:
		e.Class = sinks.Rejected
	case status >= 200 && status < 300: // "Status": "Error"
		e.Class = sinks.Rejected
	default: // 1xx, 3xx: nothing LeadSquared sends on purpose
		e.Class = sinks.Transient
	}
	e.NotSent = answeredByLeadSquared(status)
	return e
}

// answeredByLeadSquared reports whether an error status is LeadSquared's
// own answer, which says the call did nothing (see Classify), rather than
// a gateway's that lost it (502 Bad Gateway, 504 Gateway Timeout) or a
// status LeadSquared never sends (1xx, 3xx).
func answeredByLeadSquared(status int) bool {
	switch {
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return false
	case status >= 200 && status < 300, status >= 400:
		return true
	}
	return false
}

// parseErrorBody reads the envelope of a JSON object body; anything else
// (an array of leads, text, an empty body) has none.
func parseErrorBody(body []byte) errorBody {
	var eb errorBody
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &eb) != nil {
		return errorBody{}
	}
	return eb
}

// isMXException tells LeadSquared's logic errors (MX…Exception) from
// failures of the server itself.
func isMXException(eb errorBody) bool {
	return eb.IsMXException || strings.HasPrefix(eb.ExceptionType, "MX")
}

// shorten keeps an unexpected body readable in an error message.
func shorten(body []byte) string {
	s := strings.TrimSpace(string(body))
	const limit = 200
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
