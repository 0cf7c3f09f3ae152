package leaddesk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// Error codes of the Original API (VENDORS.md 1.4) that the sink reads.
const (
	CodeAuthentication  = "ERR_AUTHENTICATION"
	CodeNotFound        = "ERR_NOT_FOUND"
	CodeArgumentMissing = "ERR_ARGUMENT_MISSING"
	CodeArgumentInvalid = "ERR_ARGUMENT_INVALID"
	CodeUndefined       = "ERR_UNDEFINED"
)

// maxMsg bounds a message taken from an unexpected body (an HTML error
// page, say), so rejected.csv stays readable.
const maxMsg = 200

// Classifier returns LeadDesk's httpc.Classifier: a pure function of the
// answer and of now, the clock it reads (only for a Retry-After given as an
// HTTP date).
//
//   - 2xx: success, unless the body is a JSON object with "success":
//     false (not documented; Rejected with its "message") or an ERR_ text
//     (classified as if it had come with 400).
//   - 400 "ERR_AUTHENTICATION[:detail]": Unauthorized.
//   - 400 other "ERR_CODE[:detail]": Rejected, Code = ERR_CODE, Msg = detail
//     (ERR_NOT_FOUND:agent on an agent find is the sink's "none", not an
//     error; the sink decides that, not the classifier).
//   - 401, 403 (a gateway refusing the key): Unauthorized.
//   - 429 (the connector gateway, Azure API Management, JSON
//     {"statusCode":429,"message":"Rate limit is exceeded. Try again in N
//     seconds."}): RateLimited, Wait from Retry-After, else from the
//     message's N, else 0 (the client then waits a whole window).
//   - 500: LeadDesk's own answer for an internal error, "report or retry
//     later" (VENDORS.md 1.4, from the Original API's getting-started
//     page). Transient with NotSent: the call failed and the vendor's
//     prescribed remedy, for every command alike (the creates included), is
//     to send it again; httpc does so, bounded. The reading behind NotSent:
//     the document lists exactly two error statuses, 400 "the request was
//     wrong" and 500 "internal", both answers of a call that failed, and
//     asks for a retry after the second, which it could not ask of a
//     non-idempotent create if the create might have been done. It does
//     not say in so many words "nothing was stored"; should LeadDesk ever
//     be seen acting on a call it answered 500, this is the line to
//     change (NotSent false makes every 500 on a write an unknown
//     outcome: contacts and agents are then found before a retry,
//     callbacks left uncertain). A 500 whose text names a refusal of the
//     request (ERR_ARGUMENT_*, ERR_NOT_FOUND, ERR_INVALID_*) is that
//     refusal: Rejected (ERR_AUTHENTICATION: Unauthorized).
//   - 408 and other 5xx (502, 503, 504: the gateway in front of LeadDesk,
//     which documents nothing about whether the backend acted): Transient
//     with an unknown outcome for a write.
//   - Any other status: Rejected, with the body as the message.
func Classifier(now func() time.Time) httpc.Classifier {
	return func(op string, status int, header http.Header, body []byte) error {
		return classify(now, op, status, header, body)
	}
}

func classify(now func() time.Time, op string, status int, header http.Header, body []byte) error {
	text := strings.TrimSpace(string(body))
	switch {
	case status >= 200 && status < 300:
		if code, detail, ok := parseErrText(text); ok {
			return errText(op, status, code, detail)
		}
		if msg, failed := successFalse(body); failed {
			return &sinks.Error{Class: sinks.Rejected, Op: op, Status: status, Msg: msg}
		}
		return nil
	case status == http.StatusTooManyRequests:
		msg := jsonMessage(body)
		if msg == "" {
			msg = clip(text)
		}
		wait := httpc.RetryAfter(header, now())
		if wait <= 0 {
			wait = waitFromMessage(msg)
		}
		return &sinks.Error{Class: sinks.RateLimited, Op: op, Status: status, Msg: msg, Wait: wait}
	case status == http.StatusInternalServerError:
		code, detail, ok := parseErrText(text)
		if ok && code != CodeUndefined {
			return errText(op, status, code, detail)
		}
		e := &sinks.Error{Class: sinks.Transient, Op: op, Status: status, NotSent: true}
		if ok {
			e.Code, e.Msg = code, detail
		} else {
			e.Msg = clip(text)
		}
		return e
	case status == http.StatusRequestTimeout || status >= 500:
		e := &sinks.Error{Class: sinks.Transient, Op: op, Status: status}
		if code, detail, ok := parseErrText(text); ok {
			e.Code, e.Msg = code, detail
		} else {
			e.Msg = clip(text)
		}
		return e
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e := &sinks.Error{Class: sinks.Unauthorized, Op: op, Status: status}
		if code, detail, ok := parseErrText(text); ok {
			e.Code, e.Msg = code, detail
		} else if m := jsonMessage(body); m != "" {
			e.Msg = m
		} else {
			e.Msg = clip(text)
		}
		return e
	}
	if code, detail, ok := parseErrText(text); ok {
		return errText(op, status, code, detail)
	}
	return &sinks.Error{Class: sinks.Rejected, Op: op, Status: status, Msg: clip(text)}
}

func errText(op string, status int, code, detail string) error {
	class := sinks.Rejected
	if code == CodeAuthentication {
		class = sinks.Unauthorized
	}
	return &sinks.Error{Class: class, Op: op, Status: status, Code: code, Msg: detail}
}

// parseErrText splits an Original API error text "ERR_CODE" or
// "ERR_CODE:detail".
func parseErrText(text string) (code, detail string, ok bool) {
	if !strings.HasPrefix(text, "ERR_") || strings.ContainsAny(text, "\n{<") {
		return "", "", false
	}
	code, detail, _ = strings.Cut(text, ":")
	if !validCode(code) {
		return "", "", false
	}
	return code, strings.TrimSpace(detail), true
}

func validCode(code string) bool {
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return len(code) > len("ERR_")
}

// successFalse reports a JSON object answering "success": false.
func successFalse(body []byte) (msg string, failed bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return "", false
	}
	var v struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &v) != nil || v.Success == nil || *v.Success {
		return "", false
	}
	msg = v.Message
	if msg == "" {
		msg = v.Error
	}
	if msg == "" {
		msg = "the answer says success: false"
	}
	return clip(msg), true
}

// jsonMessage is the "message" of a JSON error body (the gateway's shape).
func jsonMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil {
		return ""
	}
	return clip(v.Message)
}

var tryAgainIn = regexp.MustCompile(`(?i)try again in (\d+) seconds?`)

// waitFromMessage reads "Try again in N seconds." when no Retry-After came.
func waitFromMessage(msg string) time.Duration {
	m := tryAgainIn.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxMsg {
		return s
	}
	cut := maxMsg
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
