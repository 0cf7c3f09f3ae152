package tiledesktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	agentBasic = BasicAuthorization(TestEmail, TestPassword)
	agentJWT   = JWTAuthorization(TestToken)
	leadsPath  = "/v3/" + TestProjectID + "/leads"
	otherPath  = "/v3/" + TestOtherProjectID + "/leads"
)

// request is one raw HTTP request; ctype defaults to application/json
// when body is set.
type request struct {
	method, path, auth, ctype, body string
	header                          map[string]string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

func (r response) String() string { return string(r.body) }

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func send(t *testing.T, s *Server, rq request) response {
	t.Helper()
	resp, err := trySend(s, rq)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	return resp
}

func trySend(s *Server, rq request) (response, error) {
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, s.URL+rq.path, body)
	if err != nil {
		return response{}, err
	}
	if rq.auth != "" {
		req.Header.Set("Authorization", rq.auth)
	}
	switch {
	case rq.ctype != "":
		req.Header.Set("Content-Type", rq.ctype)
	case rq.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// create posts a lead as the test agent and returns the response document.
func create(t *testing.T, s *Server, body string) map[string]any {
	t.Helper()
	r := send(t, s, request{method: "POST", path: leadsPath, auth: agentBasic, body: body})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r)
	}
	return r.json(t)
}

// wantMsg checks a status and a {"success":false,"msg":...} body.
func wantMsg(t *testing.T, r response, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r)
	}
	got := r.json(t)
	if got["success"] != false || got["msg"] != msg || len(got) != 2 {
		t.Fatalf("body = %s, want {\"success\":false,\"msg\":%q}", r, msg)
	}
}

// stepClock is a clock that moves one second on every reading.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock {
	return &stepClock{t: time.Date(2025, 10, 2, 8, 15, 30, 512_000_000, time.UTC)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func leadNames(t *testing.T, r response) []string {
	t.Helper()
	var body struct {
		Leads []map[string]any `json:"leads"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("list body: %v\n%s", err, r)
	}
	names := []string{}
	for _, l := range body.Leads {
		s, _ := l["fullname"].(string)
		names = append(names, s)
	}
	return names
}
