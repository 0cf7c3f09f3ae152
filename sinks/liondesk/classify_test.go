package liondesk

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// feathers builds a Feathers error body as LionDesk (and the emulator)
// sends it.
func feathers(name string, code int, className, message, errs string) string {
	if errs == "" {
		errs = "{}"
	}
	return `{"name":"` + name + `","message":"` + message + `","code":` + itoa(code) + `,"className":"` + className + `","errors":` + errs + `}`
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func TestClassify(t *testing.T) {
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		class   sinks.Class // 0: success
		code    string
		msg     string // the whole Msg, when set
		contain string // a part of Msg
		wait    time.Duration
	}{
		{name: "ok", status: 200, body: `{"id":1}`},
		{name: "created", status: 201, body: `{"id":100001}`},
		{name: "no content is not a success", status: 204, class: sinks.Transient, contain: "unexpected"},
		{name: "invalid token", status: 401, body: feathers("NotAuthenticated", 401, "not-authenticated", "Invalid access token", ""),
			class: sinks.Unauthorized, code: "NotAuthenticated", msg: "Invalid access token"},
		{name: "no token", status: 401, body: feathers("NotAuthenticated", 401, "not-authenticated", "Not authenticated", ""),
			class: sinks.Unauthorized, code: "NotAuthenticated", msg: "Not authenticated"},
		{name: "forbidden record", status: 403, body: feathers("Forbidden", 403, "forbidden", "You may only change your own campaigns", ""),
			class: sinks.Rejected, code: "Forbidden", msg: "You may only change your own campaigns"},
		{name: "forbidden by token scope", status: 403, body: feathers("Forbidden", 403, "forbidden", "The access token's scope does not allow this", ""),
			class: sinks.Unauthorized, code: "Forbidden"},
		{name: "validation, message lists the field", status: 400,
			body:  feathers("BadRequest", 400, "bad-request", "mobile_phone must be at most 255 characters", `{"mobile_phone":"mobile_phone must be at most 255 characters"}`),
			class: sinks.Rejected, code: "BadRequest", msg: "mobile_phone must be at most 255 characters"},
		{name: "validation, errors add detail", status: 400,
			body:  feathers("BadRequest", 400, "bad-request", "A campaign named 'Buyer Drip' already exists", `{"name":"name must be unique"}`),
			class: sinks.Rejected, code: "BadRequest", msg: "A campaign named 'Buyer Drip' already exists (name must be unique)"},
		{name: "validation, errors without message", status: 400,
			body:  `{"name":"BadRequest","message":"","code":400,"className":"bad-request","errors":{"b":"must be set","a":"a is wrong"}}`,
			class: sinks.Rejected, code: "BadRequest", msg: "a is wrong; b: must be set"},
		{name: "unknown id", status: 404, body: feathers("NotFound", 404, "not-found", "No record found for id '123'", ""),
			class: sinks.Rejected, code: "NotFound", msg: "No record found for id '123'"},
		{name: "unknown path", status: 404, body: feathers("NotFound", 404, "not-found", "Page not found", ""),
			class: sinks.Rejected, code: "NotFound", msg: "Page not found"},
		{name: "method not allowed", status: 405, body: feathers("MethodNotAllowed", 405, "method-not-allowed", "Method `update` is not supported by this endpoint.", ""),
			class: sinks.Rejected, code: "MethodNotAllowed"},
		{name: "rate limited", status: 429, header: retryAfter("2"), body: feathers("TooManyRequests", 429, "too-many-requests", "Too many requests", ""),
			class: sinks.RateLimited, code: "TooManyRequests", wait: 2 * time.Second},
		{name: "rate limited, scaled", status: 429, header: retryAfter("0.005"), body: feathers("TooManyRequests", 429, "too-many-requests", "Too many requests", ""),
			class: sinks.RateLimited, wait: 5 * time.Millisecond},
		{name: "rate limited, no Retry-After", status: 429, body: feathers("TooManyRequests", 429, "too-many-requests", "Too many requests", ""),
			class: sinks.RateLimited, wait: 0},
		{name: "rate limited, HTTP date from the answer's Date", status: 429,
			header: http.Header{"Retry-After": {"Tue, 01 Dec 2026 10:00:30 GMT"}, "Date": {"Tue, 01 Dec 2026 10:00:00 GMT"}},
			class:  sinks.RateLimited, wait: 30 * time.Second},
		{name: "rate limited, HTTP date without Date", status: 429, header: retryAfter("Tue, 01 Dec 2026 10:00:30 GMT"),
			class: sinks.RateLimited, wait: 0},
		{name: "server error", status: 500, body: feathers("GeneralError", 500, "general-error", "Internal Server Error", ""),
			class: sinks.Transient, code: "GeneralError", msg: "Internal Server Error"},
		{name: "gateway page", status: 502, body: "<html><body>" + strings.Repeat("Bad Gateway ", 40) + "</body></html>",
			class: sinks.Transient, contain: "<html>"},
		{name: "unavailable, empty", status: 503, class: sinks.Transient, msg: "Service Unavailable"},
		{name: "timeout", status: 408, class: sinks.Transient},
		{name: "conflict", status: 409, body: "conflict", class: sinks.Rejected, msg: "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classify("liondesk: test", tt.status, tt.header, []byte(tt.body))
			if tt.class == 0 {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var e *sinks.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *sinks.Error", err)
			}
			if e.Class != tt.class || e.Status != tt.status || e.Op != "liondesk: test" {
				t.Fatalf("got class %v status %d op %q, want %v %d", e.Class, e.Status, e.Op, tt.class, tt.status)
			}
			if tt.code != "" && e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			if tt.msg != "" && e.Msg != tt.msg {
				t.Errorf("msg %q, want %q", e.Msg, tt.msg)
			}
			if tt.contain != "" && !strings.Contains(e.Msg, tt.contain) {
				t.Errorf("msg %q lacks %q", e.Msg, tt.contain)
			}
			if len(e.Msg) > 260 {
				t.Errorf("msg not shortened: %d bytes", len(e.Msg))
			}
			if e.NotSent {
				t.Errorf("NotSent: LionDesk documents no answer meaning nothing was done")
			}
			again := Classify("liondesk: test", tt.status, tt.header, []byte(tt.body))
			if again.Error() != err.Error() || sinks.ClassOf(again) != e.Class {
				t.Errorf("not pure: %v, then %v", err, again)
			}
			if tt.class == sinks.RateLimited && e.Wait != tt.wait {
				t.Errorf("wait %v, want %v", e.Wait, tt.wait)
			}
		})
	}
}

// LionDesk names no window: the pause after a 429 without Retry-After is
// 10 s, whatever the budget.
func TestRateLimitPolicy(t *testing.T) {
	for _, b := range []*budget.Budget{nil, budget.New(10, time.Minute, 0, nil), budget.NewAdaptive(nil)} {
		if got := httpc.RateLimitPause(RateLimitPolicy(), b); got != 10*time.Second {
			t.Errorf("budget %v: pause %v, want 10s", b, got)
		}
	}
}
