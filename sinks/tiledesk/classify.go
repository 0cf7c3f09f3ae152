package tiledesk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// Classifier returns Tiledesk's one httpc.Classifier (VENDORS.md 2.2,
// 2.4, 2.5): a pure function of the answer and of now, the clock it reads
// (only for a Retry-After given as an HTTP date).
//
//   - 2xx: success.
//   - 401 (passport's plain "Unauthorized", or signin's JSON), 403 (not a
//     member, role below agent, a malformed Authorization header) and the
//     plain 400 "Bad Request" passport sends for an unreadable Basic header:
//     Unauthorized.
//   - 400 {"error": "Invalid project id: …"} or {"error": "Project not
//     found with id: …"}: Unauthorized too. The project is part of the
//     credentials: no record can get past it, so the run must stop rather
//     than reject every row.
//   - 429 (tiledesk-server's {"message":"Rate limit exceeded"}, never with
//     Retry-After; one is honoured if a proxy sends it): RateLimited, Wait
//     from Retry-After, else 0 (the connection then pauses as
//     RateLimitPolicy says).
//   - 5xx: Transient (tiledesk-server answers database errors, including
//     ids Mongoose cannot cast, with 500 {"success":false,"msg":…}).
//   - Every other status (404 "Object not found.", 404 "Error segment not
//     found", 422 {"errors": […]}, Express's HTML 404 page for a wrong
//     URL, a redirect the HTTP client did not follow): Rejected.
//
// Msg is the vendor's message from msg, error, message or errors[], or the
// text of the body; Tiledesk has no error codes, so Code stays empty.
func Classifier(now func() time.Time) httpc.Classifier {
	return func(op string, status int, header http.Header, body []byte) error {
		return classify(now, op, status, header, body)
	}
}

func classify(now func() time.Time, op string, status int, header http.Header, body []byte) error {
	if status >= 200 && status < 300 {
		return nil
	}
	e := &sinks.Error{Op: op, Status: status, Msg: errorMessage(body)}
	switch {
	case status == http.StatusTooManyRequests:
		e.Class = sinks.RateLimited
		e.Wait = httpc.RetryAfter(header, now())
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Class = sinks.Unauthorized
	case status == http.StatusBadRequest && (isProjectError(body) || isPlain(body, "Bad Request")):
		e.Class = sinks.Unauthorized
	case status >= 500:
		e.Class = sinks.Transient
	default:
		e.Class = sinks.Rejected
	}
	return e
}

// isProjectError reports the {"error": ...} bodies of app.js's project
// checks, which run before authentication.
func isProjectError(body []byte) bool {
	var b struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil {
		return false
	}
	return strings.HasPrefix(b.Error, "Invalid project id") || strings.HasPrefix(b.Error, "Project not found")
}

func isPlain(body []byte, text string) bool {
	return string(bytes.TrimSpace(body)) == text
}

var preRe = regexp.MustCompile(`(?s)<pre>(.*?)</pre>`)

// maxMsg bounds a message taken from an unexpected body (an HTML page of a
// proxy, say) so rejected.csv stays readable.
const maxMsg = 300

// errorMessage extracts the vendor's message from an error body.
func errorMessage(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	var b struct {
		Msg     any `json:"msg"`
		Error   any `json:"error"`
		Message any `json:"message"`
		Errors  []struct {
			Msg   any    `json:"msg"`
			Param string `json:"param"`
			Path  string `json:"path"`
		} `json:"errors"`
	}
	if trimmed[0] == '{' && json.Unmarshal(trimmed, &b) == nil {
		for _, v := range []any{b.Msg, b.Error, b.Message} {
			if s := textOf(v); s != "" {
				return s
			}
		}
		if len(b.Errors) > 0 {
			parts := make([]string, 0, len(b.Errors))
			for _, it := range b.Errors {
				field := it.Param
				if field == "" {
					field = it.Path
				}
				msg := textOf(it.Msg)
				if field != "" {
					msg = field + ": " + msg
				}
				parts = append(parts, msg)
			}
			return strings.Join(parts, "; ")
		}
	}
	if m := preRe.FindSubmatch(trimmed); m != nil {
		return truncate(string(bytes.TrimSpace(m[1])))
	}
	return truncate(strings.Join(strings.Fields(string(trimmed)), " "))
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func truncate(s string) string {
	if r := []rune(s); len(r) > maxMsg {
		return string(r[:maxMsg]) + "…"
	}
	return s
}
