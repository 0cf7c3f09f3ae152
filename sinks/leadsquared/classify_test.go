package leadsquared

import (
	"net/http"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

func TestClassify(t *testing.T) {
	const (
		rateLimitBody = `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"API calls exceeded the limit of 25 in 5 second(s)"}`
		unauthBody    = `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"Invalid access key or secret key, or the user is not active"}`
		duplicateBody = `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"A Lead with same Phone Number already exists."}`
		mandatoryBody = `{"Status":"Error","ExceptionType":"MXMandatoryAttributeMissingException","ExceptionMessage":"'LeadId' is mandatory"}`
		invalidBody   = `{"Status":"Error","ExceptionType":"MXInvalidInputException","ExceptionMessage":"The request's Content-Type must be application/json, not \"text/plain\""}`
		unknownAttr   = `{"Status":"Error","ExceptionType":"MXUnknownAttributeException","ExceptionMessage":"Lead attribute 'Foo' does not exist"}`
		serverBody    = `{"Status":"Error","ExceptionType":"Exception","ExceptionMessage":"Internal Server Error"}`
		flaggedMX     = `{"Status":"Error","ExceptionType":"SomeValidationException","ExceptionMessage":"Invalid page size","IsMXException":true}`
		logged        = `{"Status":"Success","Message":{"Id":"ca110000-0000-4000-8000-000000001000","Message":"Phone call logged successfully"}}`
		created       = `{"Status":"Success","Message":{"Id":"1ead0000-0000-4000-8000-000000001003"}}`
	)
	tests := []struct {
		name   string
		status int
		body   string
		class  sinks.Class // 0: success
		code   string
		msg    string
	}{
		{"LogCall success", 200, logged, 0, "", ""},
		{"Lead.Create success", 200, created, 0, "", ""},
		{"lookup found", 200, `[{"ProspectID":"3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5e01","Phone":"+91-9876543210"}]`, 0, "", ""},
		{"lookup empty", 200, `[]`, 0, "", ""},
		{"429 documented", 429, rateLimitBody, sinks.RateLimited, "MXAPIRateLimitExceededException", "API calls exceeded the limit of 25 in 5 second(s)"},
		{"429 without body", 429, ``, sinks.RateLimited, "", "API calls exceeded the limit"},
		{"403 rate limit body", 403, rateLimitBody, sinks.RateLimited, "MXAPIRateLimitExceededException", "API calls exceeded the limit of 25 in 5 second(s)"},
		{"403 rate limit text only", 403, `API calls exceeded the limit of 25 in 5 second(s)`, sinks.RateLimited, "", "API calls exceeded the limit of 25 in 5 second(s)"},
		{"200 rate limit body", 200, rateLimitBody, sinks.RateLimited, "MXAPIRateLimitExceededException", "API calls exceeded the limit of 25 in 5 second(s)"},
		{"500 rate limit body", 500, rateLimitBody, sinks.RateLimited, "MXAPIRateLimitExceededException", "API calls exceeded the limit of 25 in 5 second(s)"},
		{"401", 401, unauthBody, sinks.Unauthorized, "MXUnAuthorizedAccessException", "Invalid access key or secret key, or the user is not active"},
		{"401 without body", 401, ``, sinks.Unauthorized, "", "invalid access key or secret key, or the key's user is not active"},
		{"200 unauthorized body", 200, unauthBody, sinks.Unauthorized, "MXUnAuthorizedAccessException", "Invalid access key or secret key, or the user is not active"},
		{"403 other", 403, `Forbidden`, sinks.Unauthorized, "", "Forbidden"},
		{"404 unknown API", 404, ``, sinks.Unauthorized, "", "API not found: check the URL (the account's regional API host)"},
		{"400 invalid input", 400, invalidBody, sinks.Rejected, "MXInvalidInputException", "The request's Content-Type must be application/json, not \"text/plain\""},
		{"405", 405, ``, sinks.Rejected, "", ""},
		{"500 duplicate", 500, duplicateBody, sinks.Rejected, "MXDuplicateEntryException", "A Lead with same Phone Number already exists."},
		{"500 mandatory", 500, mandatoryBody, sinks.Rejected, "MXMandatoryAttributeMissingException", "'LeadId' is mandatory"},
		{"500 unknown attribute", 500, unknownAttr, sinks.Rejected, "MXUnknownAttributeException", "Lead attribute 'Foo' does not exist"},
		{"500 IsMXException", 500, flaggedMX, sinks.Rejected, "SomeValidationException", "Invalid page size"},
		{"500 server failure", 500, serverBody, sinks.Transient, "Exception", "Internal Server Error"},
		{"500 without body", 500, ``, sinks.Transient, "", ""},
		{"502 gateway page", 502, `<html><body>Bad Gateway</body></html>`, sinks.Transient, "", "<html><body>Bad Gateway</body></html>"},
		{"503", 503, ``, sinks.Transient, "", ""},
		{"504 gateway timeout", 504, `<html><body>Gateway Time-out</body></html>`, sinks.Transient, "", "<html><body>Gateway Time-out</body></html>"},
		{"200 Status Error", 200, `{"Status":"Error","ExceptionType":"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: phone"}`, sinks.Rejected, "MXInvalidInputException", "Invalid Input! Parameter Name: phone"},
		{"200 Status Error lower case", 200, `{"Status":"error","ExceptionMessage":"something failed"}`, sinks.Rejected, "", "something failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classify("leadsquared: test", tt.status, http.Header{}, []byte(tt.body))
			if tt.class == 0 {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			e, ok := err.(*sinks.Error)
			if !ok {
				t.Fatalf("got %T %v, want a *sinks.Error", err, err)
			}
			if e.Class != tt.class || e.Code != tt.code || e.Msg != tt.msg || e.Status != tt.status || e.Op != "leadsquared: test" {
				t.Errorf("got class %v code %q msg %q status %d op %q\nwant class %v code %q msg %q status %d",
					e.Class, e.Code, e.Msg, e.Status, e.Op, tt.class, tt.code, tt.msg, tt.status)
			}
			if e.Wait != 0 {
				// LeadSquared names no wait: the pause is the policy's
				// (TestRateLimitPolicy), not the classifier's.
				t.Errorf("wait %v on a %v error", e.Wait, e.Class)
			}
			// Every answer of LeadSquared's says what was done: 500 is "the
			// API call failed" (VENDORS.md 4.3), a refusal of the record
			// when the body names an MX…Exception, else a failed call that
			// did nothing; 4xx and rate limits did nothing either. Only a
			// gateway's 502/504 (the answer is not LeadSquared's: the
			// gateway lost LeadSquared's answer) leaves the outcome unknown.
			wantNotSent := tt.status != 502 && tt.status != 504
			if e.NotSent != wantNotSent {
				t.Errorf("NotSent %v, want %v", e.NotSent, wantNotSent)
			}
		})
	}
}

// The pause after a rate limit (LeadSquared names no wait) is a fixed
// budget's window (the default one's, or a time-scaled emulator's), else
// LeadSquared's documented 5 s window.
func TestRateLimitPolicy(t *testing.T) {
	if RateLimitWindow != 5*time.Second {
		t.Fatalf("window %v, LeadSquared documents 5 s", RateLimitWindow)
	}
	calls, per := DefaultBudget()
	for _, tc := range []struct {
		name string
		b    *budget.Budget
		want time.Duration
	}{
		{"no budget", nil, 5 * time.Second},
		{"default budget", budget.New(calls, per, 5*time.Millisecond, nil), 5*time.Second + 5*time.Millisecond},
		{"time-scaled budget", budget.New(1, 100*time.Millisecond, 0, nil), 100 * time.Millisecond},
		{"adaptive budget", budget.NewAdaptive(nil), 5 * time.Second},
	} {
		if got := httpc.RateLimitPause(RateLimitPolicy(), tc.b); got != tc.want {
			t.Errorf("%s: pause %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClassifyLongBodyIsShortened(t *testing.T) {
	body := make([]byte, 5000)
	for i := range body {
		body[i] = 'x'
	}
	e := Classify("op", 502, nil, body).(*sinks.Error)
	if len(e.Msg) > 210 {
		t.Fatalf("message of %d bytes", len(e.Msg))
	}
}
