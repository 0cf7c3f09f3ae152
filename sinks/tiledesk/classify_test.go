package tiledesk

import (
	"net/http"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// classifyNow is the classifier's clock in tests.
var classifyNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// The bodies are the ones VENDORS.md section 2 documents and the emulator
// sends.
func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		class  sinks.Class
		msg    string
		wait   time.Duration
	}{
		{name: "list", status: 200, body: `{"perPage":40,"count":0,"leads":[]}`},
		{name: "passport 401", status: 401, header: http.Header{"Www-Authenticate": {`Basic realm="Users"`}}, body: "Unauthorized", class: sinks.Unauthorized, msg: "Unauthorized"},
		{name: "signin wrong password", status: 401, body: `{"success":false,"msg":"Authentication failed. Wrong password."}`, class: sinks.Unauthorized, msg: "Authentication failed. Wrong password."},
		{name: "header of three parts", status: 403, body: `{"success":false,"msg":"Unauthorized."}`, class: sinks.Unauthorized, msg: "Unauthorized."},
		{name: "not a member", status: 403, body: `{"success":false,"msg":"you dont belong to the project."}`, class: sinks.Unauthorized, msg: "you dont belong to the project."},
		{name: "role below agent", status: 403, body: `{"success":false,"msg":"you dont have the required role."}`, class: sinks.Unauthorized, msg: "you dont have the required role."},
		{name: "malformed basic header", status: 400, body: "Bad Request", class: sinks.Unauthorized, msg: "Bad Request"},
		{name: "invalid project id", status: 400, body: `{"error":"Invalid project id: my-project"}`, class: sinks.Unauthorized, msg: "Invalid project id: my-project"},
		{name: "unknown project", status: 400, body: `{"error":"Project not found with id: 65aa00112233445566770000"}`, class: sinks.Unauthorized, msg: "Project not found with id: 65aa00112233445566770000"},
		{name: "other 400", status: 400, body: `{"success":false,"msg":"Bad value"}`, class: sinks.Rejected, msg: "Bad value"},
		{name: "other error 400", status: 400, body: `{"error":"Something else"}`, class: sinks.Rejected, msg: "Something else"},
		{name: "lead not found", status: 404, body: `{"success":false,"msg":"Object not found."}`, class: sinks.Rejected, msg: "Object not found."},
		{name: "segment not found", status: 404, body: `{"success":false,"msg":"Error segment not found"}`, class: sinks.Rejected, msg: "Error segment not found"},
		{name: "express 404 page", status: 404, body: "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /v3/x/requests</pre>\n</body>\n</html>\n", class: sinks.Rejected, msg: "Cannot GET /v3/x/requests"},
		{name: "signin validation", status: 422, body: `{"errors":[{"value":"x","msg":"Invalid value","param":"email","location":"body"},{"msg":"Invalid value","param":"password","location":"body"}]}`, class: sinks.Rejected, msg: "email: Invalid value; password: Invalid value"},
		{name: "rate limit", status: 429, body: `{"message":"Rate limit exceeded"}`, class: sinks.RateLimited, msg: "Rate limit exceeded"},
		{name: "rate limit from a proxy with Retry-After", status: 429, header: http.Header{"Retry-After": {"2"}}, body: "Too Many Requests", class: sinks.RateLimited, msg: "Too Many Requests", wait: 2 * time.Second},
		{name: "Retry-After as a date, from the injected clock", status: 429, header: http.Header{"Retry-After": {classifyNow.Add(7 * time.Second).Format(http.TimeFormat)}}, body: "Too Many Requests", class: sinks.RateLimited, msg: "Too Many Requests", wait: 7 * time.Second},
		{name: "save error", status: 500, body: `{"success":false,"msg":"Error saving object."}`, class: sinks.Transient, msg: "Error saving object."},
		{name: "cast error", status: 500, body: `{"success":false,"msg":"Error getting object."}`, class: sinks.Transient, msg: "Error getting object."},
		{name: "gateway", status: 502, body: "<html><body>502 Bad Gateway</body></html>", class: sinks.Transient, msg: "<html><body>502 Bad Gateway</body></html>"},
		{name: "empty 503", status: 503, class: sinks.Transient},
		{name: "redirect", status: 301, class: sinks.Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classifier(func() time.Time { return classifyNow })("tiledesk: op", tt.status, tt.header, []byte(tt.body))
			if tt.class == 0 {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			e, ok := err.(*sinks.Error)
			if !ok {
				t.Fatalf("got %T %v, want *sinks.Error", err, err)
			}
			if e.Class != tt.class || e.Msg != tt.msg || e.Status != tt.status || e.Op != "tiledesk: op" || e.Wait != tt.wait {
				t.Fatalf("got class %v msg %q status %d op %q wait %v; want %v %q %d wait %v", e.Class, e.Msg, e.Status, e.Op, e.Wait, tt.class, tt.msg, tt.status, tt.wait)
			}
		})
	}
}

func TestErrorMessageIsBounded(t *testing.T) {
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	if got := errorMessage(long); len([]rune(got)) != maxMsg+1 {
		t.Fatalf("message of %d runes", len([]rune(got)))
	}
}

// The pause after a 429 (Tiledesk sends no Retry-After) is the budget's
// window; a second for an adaptive budget; 5 s without a budget.
func TestRateLimitPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    *budget.Budget
		want time.Duration
	}{
		{"no budget", nil, 5 * time.Second},
		{"fixed budget", budget.New(60, time.Minute, 60*time.Millisecond, nil), time.Minute + 60*time.Millisecond},
		{"adaptive budget", budget.NewAdaptive(nil), time.Second},
	} {
		if got := httpc.RateLimitPause(RateLimitPolicy(), tc.b); got != tc.want {
			t.Errorf("%s: pause %v, want %v", tc.name, got, tc.want)
		}
	}
}
