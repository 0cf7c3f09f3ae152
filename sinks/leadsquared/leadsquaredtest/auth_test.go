package leadsquaredtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestKeysInHeadersOrQuery(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	body := mustJSON(t, logCallBody())
	ct := map[string]string{"Content-Type": "application/json"}
	encoded := url.Values{"accessKey": {TestAccessKey}, "secretKey": {TestSecretKey}}.Encode()
	tests := []struct {
		name    string
		path    string
		headers map[string]string
	}{
		{"headers", pathLogCall, jsonHeaders()},
		{"header names in other case", pathLogCall, map[string]string{"X-Lsq-Accesskey": TestAccessKey, "X-LSQ-SECRETKEY": TestSecretKey, "Content-Type": "application/json"}},
		{"query, escaped", pathLogCall + "?" + encoded, ct},
		{"query, '$' unescaped", pathLogCall + "?accessKey=" + TestAccessKey + "&secretKey=" + TestSecretKey, ct},
		{"query names in lower case", pathLogCall + "?accesskey=" + url.QueryEscape(TestAccessKey) + "&secretkey=" + TestSecretKey, ct},
		{"query names in upper case", pathLogCall + "?ACCESSKEY=" + url.QueryEscape(TestAccessKey) + "&SECRETKEY=" + TestSecretKey, ct},
		{"access key in header, secret in query", pathLogCall + "?secretKey=" + TestSecretKey, map[string]string{"x-LSQ-AccessKey": TestAccessKey, "Content-Type": "application/json"}},
		{"path in lower case", strings.ToLower(pathLogCall), jsonHeaders()},
		{"second key pair", pathLogCall, map[string]string{"x-LSQ-AccessKey": TestAccessKey2, "x-LSQ-SecretKey": TestSecretKey2, "Content-Type": "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, http.MethodPost, s.URL+tt.path, tt.headers, body)
			if r.status != http.StatusOK {
				t.Errorf("status %d, body %s", r.status, r.body)
			}
		})
	}
	if n := len(s.CallLogs()); n != len(tests) {
		t.Errorf("%d call logs, want %d", n, len(tests))
	}
}

func TestBadKeysAre401(t *testing.T) {
	s := startServer(t, Options{Limit: noLimit()})
	tests := []struct {
		name    string
		query   string
		headers map[string]string
	}{
		{"no keys", "", nil},
		{"access key only", "", map[string]string{"x-LSQ-AccessKey": TestAccessKey}},
		{"secret key only", "", map[string]string{"x-LSQ-SecretKey": TestSecretKey}},
		{"wrong secret", "", map[string]string{"x-LSQ-AccessKey": TestAccessKey, "x-LSQ-SecretKey": TestSecretKey2}},
		{"unknown access key", "", map[string]string{"x-LSQ-AccessKey": "u$rnope", "x-LSQ-SecretKey": TestSecretKey}},
		{"keys swapped", "", map[string]string{"x-LSQ-AccessKey": TestSecretKey, "x-LSQ-SecretKey": TestAccessKey}},
		{"deactivated user", "", map[string]string{"x-LSQ-AccessKey": DeactivatedAccessKey, "x-LSQ-SecretKey": DeactivatedSecretKey}},
		{"wrong secret in query", "?accessKey=" + url.QueryEscape(TestAccessKey) + "&secretKey=wrong", nil},
		{"'+' in the key read as a space", "?accessKey=" + strings.ReplaceAll(TestAccessKey, "$", "+") + "&secretKey=" + TestSecretKey, nil},
	}
	ops := []struct{ method, path, body string }{
		{http.MethodPost, pathLogCall, mustJSON(t, logCallBody())},
		{http.MethodPost, pathPopup, mustJSON(t, popupBody())},
		{http.MethodPost, pathCreate, `[{"Attribute":"FirstName","Value":"X"}]`},
		{http.MethodGet, pathByEmail + "?emailaddress=asha.rao@example.com", ""},
		{http.MethodGet, pathByPhone + "?phone=919876543210", ""},
		{http.MethodGet, pathByID + "?id=" + TestLeadID, ""},
	}
	for _, op := range ops {
		for _, tt := range tests {
			t.Run(op.path+"/"+tt.name, func(t *testing.T) {
				h := map[string]string{"Content-Type": "application/json"}
				for k, v := range tt.headers {
					h[k] = v
				}
				path := op.path + tt.query
				if tt.query != "" && strings.Contains(op.path, "?") {
					path = op.path + "&" + tt.query[1:]
				}
				r := send(t, op.method, s.URL+path, h, op.body)
				if r.status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401; body %s", r.status, r.body)
				}
				e := r.errorBody(t)
				if e.Status != "Error" || e.ExceptionType != ExUnAuthorizedAccess || e.ExceptionMessage == "" {
					t.Errorf("body %+v", e)
				}
			})
		}
	}
	if len(s.CallLogs())+len(s.Popups()) != 0 || len(s.Leads()) != 3 {
		t.Errorf("refused requests stored records")
	}
}

func TestAuthIsCheckedBeforeTheBody(t *testing.T) {
	s := startServer(t, Options{})
	r := send(t, http.MethodPost, s.URL+pathLogCall, map[string]string{"Content-Type": "text/plain"}, "not json")
	if r.status != http.StatusUnauthorized {
		t.Errorf("bad keys and bad body: %d, want 401", r.status)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	s := startServer(t, Options{})
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/v2/Telephony.svc/GetSingleSignOnKey", http.StatusNotFound},
		{http.MethodPost, "/v2/Telephony.svc/LogCall/", http.StatusNotFound},
		{http.MethodPost, "/v2/Telephony.svc/LogCalls", http.StatusNotFound},
		{http.MethodPost, "/Telephony.svc/LogCall", http.StatusNotFound},
		{http.MethodPost, "/v2/LeadManagement.svc/Lead.Capture", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, pathLogCall, http.StatusMethodNotAllowed},
		{http.MethodPut, pathPopup, http.StatusMethodNotAllowed},
		{http.MethodPost, pathByEmail, http.StatusMethodNotAllowed},
		{http.MethodGet, pathCreate, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := send(t, tt.method, s.URL+tt.path, jsonHeaders(), "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			if len(r.body) != 0 {
				t.Errorf("body %q, want empty", r.body)
			}
		})
	}
	if n := len(s.Core().Calls()); n != 0 {
		t.Errorf("%d calls recorded for unknown paths, want 0", n)
	}
}

func TestCallLogNeverShowsTheSecret(t *testing.T) {
	s := startServer(t, Options{})
	path := pathByID + "?id=" + TestLeadID + "&accesskey=" + url.QueryEscape(TestAccessKey) + "&SecretKey=" + TestSecretKey
	if r := send(t, http.MethodGet, s.URL+path, nil, ""); r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	r := send(t, http.MethodGet, s.URL+"/_emulator/calls", nil, "")
	if strings.Contains(string(r.body), TestSecretKey) || strings.Contains(string(r.body), "3c1f0a9b") {
		t.Errorf("admin call log shows a key: %s", r.body)
	}
	var calls []map[string]any
	if err := json.Unmarshal(r.body, &calls); err != nil || len(calls) != 1 {
		t.Fatalf("calls %s: %v", r.body, err)
	}
	if calls[0]["op"] != OpLeadByID || calls[0]["status"] != float64(200) {
		t.Errorf("call %v", calls[0])
	}
}
