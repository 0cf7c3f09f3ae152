package liondesktest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of most tests (the rate-limit tests use real time).
var fixedNow = time.Date(2025, 10, 16, 9, 9, 9, 0, time.UTC)

// newTestServer starts an emulator on loopback for one test, with the
// fixed clock unless opts set a clock or a rate limit.
func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil && opts.Limit == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// list decodes the body as a JSON array of objects.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var m []map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON array: %v: %s", err, r.body)
	}
	return m
}

// data decodes a paginated envelope and returns its data.
func (r response) data(t *testing.T) []map[string]any {
	t.Helper()
	var p struct {
		Total *int             `json:"total"`
		Limit *int             `json:"limit"`
		Skip  *int             `json:"skip"`
		Data  []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Total == nil || p.Limit == nil || p.Skip == nil || p.Data == nil {
		t.Fatalf("body is not a {total,limit,skip,data} envelope (%v): %s", err, r.body)
	}
	return p.Data
}

// send performs a raw request with a bearer token ("" for none) and, when
// body is not empty, Content-Type application/json.
func send(t *testing.T, base, method, path, token, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return roundTrip(t, req)
}

func roundTrip(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// as is send with TestToken.
func (s *Server) as(t *testing.T, method, path, body string) response {
	t.Helper()
	return send(t, s.URL, method, path, TestToken, body)
}

// mustCreate posts body and returns the created object, failing unless 201.
func (s *Server) mustCreate(t *testing.T, token, path, body string) map[string]any {
	t.Helper()
	return s.mustCreateRaw(t, token, path, body).obj(t)
}

// mustCreateRaw is mustCreate keeping the raw answer (key order included).
func (s *Server) mustCreateRaw(t *testing.T, token, path, body string) response {
	t.Helper()
	r := send(t, s.URL, "POST", path, token, body)
	if r.status != 201 {
		t.Fatalf("POST %s: status %d, want 201: %s", path, r.status, r.body)
	}
	return r
}

// compact is the answer's body as compact JSON.
func (r response) compact(t *testing.T) string {
	t.Helper()
	return compactJSON(t, string(r.body))
}

// id reads an id field of a decoded object as a string for paths.
func id(m map[string]any) string {
	b, _ := json.Marshal(m["id"])
	return string(b)
}

// wantError checks a Feathers error answer.
func wantError(t *testing.T, r response, status int, name, msgPart string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	m := r.obj(t)
	if m["name"] != name || m["code"] != float64(status) {
		t.Errorf("name/code = %v/%v, want %s/%d: %s", m["name"], m["code"], name, status, r.body)
	}
	wantClass := map[string]string{"BadRequest": "bad-request", "NotAuthenticated": "not-authenticated", "Forbidden": "forbidden",
		"NotFound": "not-found", "MethodNotAllowed": "method-not-allowed", "TooManyRequests": "too-many-requests", "GeneralError": "general-error"}[name]
	if m["className"] != wantClass {
		t.Errorf("className %v, want %s", m["className"], wantClass)
	}
	if _, ok := m["errors"].(map[string]any); !ok {
		t.Errorf("errors is not an object: %s", r.body)
	}
	if msg, _ := m["message"].(string); !strings.Contains(msg, msgPart) {
		t.Errorf("message %q does not contain %q", msg, msgPart)
	}
	return m
}

// compactJSON normalises a JSON text for exact comparisons.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %s: %v", s, err)
	}
	return b.String()
}
