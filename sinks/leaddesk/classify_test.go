package leaddesk

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

func TestClassify(t *testing.T) {
	const op = "leaddesk: test"
	gateway429 := func(n string) string {
		return `{"statusCode":429,"message":"Rate limit is exceeded. Try again in ` + n + `."}`
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   *sinks.Error // nil: success
	}{
		// Success bodies of VENDORS.md 1.6 and the emulator.
		{"contact add", 200, nil, `{"success":true,"contact_id":48213}`, nil},
		{"contact find", 200, nil, `{"success":true,"total_count":2,"contact_ids":[48213,48990]}`, nil},
		{"contact find none", 200, nil, `{"success":true,"total_count":0,"contact_ids":[]}`, nil},
		{"contact modify", 200, nil, `{"success":true,"message":"Contact modified"}`, nil},
		{"agent find", 200, nil, `{"id":1207,"name":"Aino Virtanen"}`, nil},
		{"agent create", 200, nil, `{"success":true,"id":1207}`, nil},
		{"callback", 200, nil, `{"success":true,"callback_id":90517}`, nil},
		{"connector 201", 201, nil, `{"success":true}`, nil},
		{"2xx success false", 200, nil, `{"success":false,"message":"list is locked"}`,
			&sinks.Error{Class: sinks.Rejected, Msg: "list is locked"}},
		{"2xx error text", 200, nil, "ERR_NOT_FOUND:list",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_NOT_FOUND", Msg: "list"}},

		// 400 ERR_CODE[:detail] (VENDORS.md 1.4).
		{"authentication", 400, nil, "ERR_AUTHENTICATION",
			&sinks.Error{Class: sinks.Unauthorized, Code: "ERR_AUTHENTICATION"}},
		{"authentication detail", 400, nil, "ERR_AUTHENTICATION:auth",
			&sinks.Error{Class: sinks.Unauthorized, Code: "ERR_AUTHENTICATION", Msg: "auth"}},
		{"agent not found", 400, nil, "ERR_NOT_FOUND:agent",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_NOT_FOUND", Msg: "agent"}},
		{"list not found", 400, nil, "ERR_NOT_FOUND:list\n",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_NOT_FOUND", Msg: "list"}},
		{"campaign not found", 400, nil, "ERR_NOT_FOUND:campaign",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_NOT_FOUND", Msg: "campaign"}},
		{"missing, no detail", 400, nil, "ERR_ARGUMENT_MISSING",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_ARGUMENT_MISSING"}},
		{"missing phone", 400, nil, "ERR_ARGUMENT_MISSING:phone",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_ARGUMENT_MISSING", Msg: "phone"}},
		{"username taken", 400, nil, "ERR_ARGUMENT_INVALID:username",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_ARGUMENT_INVALID", Msg: "username"}},
		{"invalid module", 400, nil, "ERR_INVALID_MODULE",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_INVALID_MODULE"}},
		{"invalid command", 400, nil, "ERR_INVALID_COMMAND",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_INVALID_COMMAND"}},
		{"undefined as 400", 400, nil, "ERR_UNDEFINED",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_UNDEFINED"}},
		{"detail with colon", 400, nil, "ERR_ARGUMENT_INVALID:a:b",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_ARGUMENT_INVALID", Msg: "a:b"}},
		{"400 other text", 400, nil, "Bad Request",
			&sinks.Error{Class: sinks.Rejected, Msg: "Bad Request"}},

		// The connector gateway's 429 (APIM).
		{"429 retry-after", 429, hdr("Retry-After", "42", "Content-Type", "application/json"), gateway429("42 seconds"),
			&sinks.Error{Class: sinks.RateLimited, Msg: "Rate limit is exceeded. Try again in 42 seconds.", Wait: 42 * time.Second}},
		{"429 scaled retry-after", 429, hdr("Retry-After", "0.060"), gateway429("1 second"),
			&sinks.Error{Class: sinks.RateLimited, Msg: "Rate limit is exceeded. Try again in 1 second.", Wait: 60 * time.Millisecond}},
		{"429 message only", 429, nil, gateway429("1 second"),
			&sinks.Error{Class: sinks.RateLimited, Msg: "Rate limit is exceeded. Try again in 1 second.", Wait: time.Second}},
		{"429 bare", 429, nil, "",
			&sinks.Error{Class: sinks.RateLimited}},

		// Server faults.
		// VENDORS.md 1.4: 500 is "internal; report or retry later": the
		// call failed, and resending it is what the vendor prescribes.
		{"500 undefined", 500, nil, "ERR_UNDEFINED",
			&sinks.Error{Class: sinks.Transient, Code: "ERR_UNDEFINED", NotSent: true}},
		{"500 bare", 500, nil, "", &sinks.Error{Class: sinks.Transient, NotSent: true}},
		{"500 other text", 500, nil, "Internal Server Error",
			&sinks.Error{Class: sinks.Transient, Msg: "Internal Server Error", NotSent: true}},
		// A 500 whose text names a refusal of the request is a refusal.
		{"500 refusal text", 500, nil, "ERR_ARGUMENT_INVALID:phone",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_ARGUMENT_INVALID", Msg: "phone"}},
		{"500 not found", 500, nil, "ERR_NOT_FOUND:campaign",
			&sinks.Error{Class: sinks.Rejected, Code: "ERR_NOT_FOUND", Msg: "campaign"}},
		{"500 authentication", 500, nil, "ERR_AUTHENTICATION",
			&sinks.Error{Class: sinks.Unauthorized, Code: "ERR_AUTHENTICATION"}},
		// Other 5xx come from the gateway in front of LeadDesk; nothing
		// documents whether the backend acted: unknown outcome.
		{"504 gateway timeout", 504, nil, "", &sinks.Error{Class: sinks.Transient}},
		{"502 html", 502, nil, "<html><body>Bad gateway</body></html>",
			&sinks.Error{Class: sinks.Transient, Msg: "<html><body>Bad gateway</body></html>"}},
		{"503 empty", 503, nil, "", &sinks.Error{Class: sinks.Transient}},
		{"408", 408, nil, "", &sinks.Error{Class: sinks.Transient}},

		// A gateway refusing the key.
		{"401 gateway", 401, nil, `{"statusCode":401,"message":"Access denied due to invalid subscription key."}`,
			&sinks.Error{Class: sinks.Unauthorized, Msg: "Access denied due to invalid subscription key."}},
		{"403", 403, nil, "Forbidden", &sinks.Error{Class: sinks.Unauthorized, Msg: "Forbidden"}},

		// The emulator's transport-level refusals.
		{"404", 404, nil, "404 page not found", &sinks.Error{Class: sinks.Rejected, Msg: "404 page not found"}},
		{"405", 405, nil, "Method Not Allowed", &sinks.Error{Class: sinks.Rejected, Msg: "Method Not Allowed"}},
		{"413", 413, nil, "Request Entity Too Large", &sinks.Error{Class: sinks.Rejected, Msg: "Request Entity Too Large"}},
		{"long body clipped", 400, nil, long, &sinks.Error{Class: sinks.Rejected, Msg: long[:maxMsg] + "…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.header
			if h == nil {
				h = http.Header{}
			}
			err := Classifier(fixedClock)(op, c.status, h, []byte(c.body))
			if c.want == nil {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			e, ok := err.(*sinks.Error)
			if !ok {
				t.Fatalf("got %T %v, want *sinks.Error", err, err)
			}
			want := *c.want
			want.Op, want.Status = op, c.status
			if *e != want {
				t.Fatalf("got  %#v\nwant %#v", *e, want)
			}
		})
	}
}

func TestParseErrText(t *testing.T) {
	for _, s := range []string{"", "ERR_", "ERR_lower", "ERR_X\nmore", `{"error":"ERR_X"}`, "NOT_ERR_X"} {
		if code, _, ok := parseErrText(s); ok {
			t.Errorf("%q parsed as code %q", s, code)
		}
	}
}

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// The classifier reads time only from the clock it is given: a
// Retry-After given as an HTTP date is measured from that clock, and the
// same answer classifies the same way every time.
func TestClassifierIsPure(t *testing.T) {
	h := http.Header{}
	h.Set("Retry-After", fixedNow.Add(30*time.Second).Format(http.TimeFormat))
	c := Classifier(fixedClock)
	for i := 0; i < 3; i++ {
		e, ok := c("op", 429, h, []byte(`{"statusCode":429,"message":"Rate limit is exceeded. Try again in 30 seconds."}`)).(*sinks.Error)
		if !ok || e.Class != sinks.RateLimited || e.Wait != 30*time.Second {
			t.Fatalf("try %d: %#v", i, e)
		}
	}
	later := Classifier(func() time.Time { return fixedNow.Add(20 * time.Second) })
	if e := later("op", 429, h, nil).(*sinks.Error); e.Wait != 10*time.Second {
		t.Fatalf("20 s later: wait %v, want 10s", e.Wait)
	}
}

// The pause after a 429 that names no wait is the budget's window: by
// default the connector's 60 s; a second for an adaptive budget; 60 s
// without a budget.
func TestRateLimitPolicy(t *testing.T) {
	calls, per := DefaultBudget()
	for _, tc := range []struct {
		name string
		b    *budget.Budget
		want time.Duration
	}{
		{"no budget", nil, 60 * time.Second},
		{"default budget", budget.New(calls, per, 60*time.Millisecond, nil), 60*time.Second + 60*time.Millisecond},
		{"job budget", budget.New(10, 10*time.Second, 0, nil), 10 * time.Second},
		{"adaptive budget", budget.NewAdaptive(nil), time.Second},
	} {
		if got := httpc.RateLimitPause(RateLimitPolicy(), tc.b); got != tc.want {
			t.Errorf("%s: pause %v, want %v", tc.name, got, tc.want)
		}
	}
}
