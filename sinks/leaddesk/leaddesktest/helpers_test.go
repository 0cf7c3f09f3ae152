package leaddesktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// result is one raw HTTP answer.
type result struct {
	status     int
	ctype      string
	retryAfter string
	body       string // trailing newline trimmed
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func send(t *testing.T, c *http.Client, method, target, ctype, body string) result {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After"),
		strings.TrimSuffix(string(b), "\n")}
}

// qs encodes key/value pairs in the order given.
func qs(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

// cmdQ is a query with the default key, mod and cmd, then pairs.
func cmdQ(mod, cmd string, pairs ...string) string {
	return qs(append([]string{"auth", TestAPIKey, "mod", mod, "cmd", cmd}, pairs...)...)
}

func get(t *testing.T, s *Server, path, query string) result {
	t.Helper()
	return send(t, s.Client(), http.MethodGet, s.URL+path+"?"+query, "", "")
}

func postForm(t *testing.T, s *Server, path, query, form string) result {
	t.Helper()
	return send(t, s.Client(), http.MethodPost, s.URL+path+"?"+query, "application/x-www-form-urlencoded", form)
}

func postJSON(t *testing.T, s *Server, query, body string) result {
	t.Helper()
	return send(t, s.Client(), http.MethodPost, s.URL+"/?"+query, "application/json", body)
}

func wantOK(t *testing.T, r result, body string) {
	t.Helper()
	if r.status != http.StatusOK || r.ctype != "application/json; charset=utf-8" || r.body != body {
		t.Fatalf("got %d %q %s\nwant 200 application/json %s", r.status, r.ctype, r.body, body)
	}
}

func wantErr(t *testing.T, r result, text string) {
	t.Helper()
	if r.status != http.StatusBadRequest || r.ctype != "text/plain; charset=utf-8" || r.body != text {
		t.Fatalf("got %d %q %q, want 400 text/plain %q", r.status, r.ctype, r.body, text)
	}
}

// mustJSON renders v for comparisons with readable failures.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mkContact adds a contact through the API and returns its ID.
func mkContact(t *testing.T, s *Server, pairs ...string) int64 {
	t.Helper()
	r := get(t, s, "/create_contact", cmdQ("contact", "add", append([]string{"return_value", "1"}, pairs...)...))
	var out struct {
		Success   bool  `json:"success"`
		ContactID int64 `json:"contact_id"`
	}
	if r.status != http.StatusOK {
		t.Fatalf("create contact: %d %s", r.status, r.body)
	}
	r.decode(t, &out)
	return out.ContactID
}
