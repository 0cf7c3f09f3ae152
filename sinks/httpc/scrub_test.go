package httpc

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

// A vendor that echoes the request, in a 200 body and in errors, never
// gets a credential into what Do returns: not the query key, not a header
// token, not a Basic password, not a credential-looking parameter.
func TestDoScrubsEchoedCredentials(t *testing.T) {
	const key, token, password = "k3y-0123456789abcdef", "t0ken-abcdef0123456789", "pa55-word-xyz"
	for _, status := range []int{200, 400, 401, 500} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, "you sent "+r.URL.RequestURI()+" with "+r.Header.Get("Authorization")+" "+r.Header.Get("X-Api-Key")+" accepting "+r.Header.Get("Accept")+" and stranger=1&api_key=zzzunknownzzz")
		}))
		for _, auth := range []string{"Bearer " + token, "Basic " + base64.StdEncoding.EncodeToString([]byte("me@example.com:"+password))} {
			c := &Client{BaseURL: srv.URL, Classify: classify, Secrets: []string{key}, Header: http.Header{"Authorization": {auth}, "Accept": {"application/json"}}, MaxAttempts: 1}
			resp, err := c.Do(context.Background(), Request{Op: "toy: get", Method: http.MethodGet, Path: "/", Query: map[string][]string{"auth": {key}},
				Header: http.Header{"X-Api-Key": {"xapi-secret-42"}}})
			var text string
			if err != nil {
				text = err.Error()
				if sinks.ClassOf(err) == 0 {
					t.Errorf("%d: class lost: %v", status, err)
				}
			} else {
				text = string(resp.Body)
			}
			for _, s := range []string{key, token, password, strings.TrimSpace(strings.TrimPrefix(auth, "Basic ")), "xapi-secret-42"} {
				if strings.Contains(text, s) {
					t.Errorf("%d %s: %q holds %q", status, auth[:5], text, s)
				}
			}
			if status != 200 && strings.Contains(text, "zzzunknownzzz") {
				t.Errorf("%d: a credential-looking parameter survived: %q", status, text)
			}
			if status == 200 && !strings.Contains(text, "with REDACTED REDACTED accepting") {
				t.Errorf("%d: %q", status, text)
			}
			if status == 200 && !strings.Contains(text, "accepting application/json") {
				t.Errorf("a header that is no credential was scrubbed: %q", text)
			}
			if (status == 200 || status == 400) && !strings.Contains(text, "REDACTED") {
				t.Errorf("%d: nothing redacted: %q", status, text)
			}
		}
		srv.Close()
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/v2?auth=k":     "https://api.example.com/v2",
		"https://user:pw@api.example.com/x":     "https://api.example.com/x",
		"http://[5f1e0a9b3c7d42e8a6b0c4d2e9f7":  "<unparseable URL>",
		"http://host:5f1e0a9b3c7d42e8a6b0c4d2/": "<unparseable URL>",
		"ftp:5f1e0a9b3c7d42e8a6b0c4d2e9f71a38":  "<a ftp: URL>",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6:x":        "<not a URL>",
		"api.example.com":                       "<not a URL>",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
