package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Only this machine's programs reach an emulator: a Host that is not
// loopback (DNS rebinding) is refused for every endpoint, and a write
// carrying a foreign Origin (a web page) is refused; programs, which send
// no Origin, and the emulator's own origin pass.
func TestGuardHostAndOrigin(t *testing.T) {
	s := &store{}
	vendor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "vendor") })
	srv := httptest.NewServer(WithAdmin(vendor, New(Options{}, Responses{}), s))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	own := "http://127.0.0.1" + port
	send := func(method, path, host, origin string, hdr ...string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{AdminPrefix + "dump", AdminPrefix + "stats", "/v2/leads"} {
		for _, host := range []string{"127.0.0.1" + port, "localhost" + port, "LOCALHOST", "[::1]" + port, "127.0.0.1"} {
			if got := send("GET", path, host, ""); got != 200 {
				t.Errorf("GET %s Host %s: %d, want 200", path, host, got)
			}
		}
		for _, host := range []string{"evil.example" + port, "evil.example", "localhost.evil.example" + port, "10.0.0.8" + port, "0.0.0.0" + port, "127.0.0.1.nip.io" + port} {
			if got := send("GET", path, host, ""); got != http.StatusMisdirectedRequest {
				t.Errorf("GET %s Host %s: %d, want 421", path, host, got)
			}
			if got := send("POST", path, host, ""); got != http.StatusMisdirectedRequest {
				t.Errorf("POST %s Host %s: %d, want 421", path, host, got)
			}
		}
	}
	for _, path := range []string{AdminPrefix + "reset", AdminPrefix + "seed", "/v2/leads"} {
		for _, origin := range []string{"http://evil.example", "null", "http://localhost:9999", "http://127.0.0.1:1", "https://127.0.0.1" + port} {
			for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
				if got := send(m, path, "", origin); got != http.StatusForbidden {
					t.Errorf("%s %s Origin %s: %d, want 403", m, path, origin, got)
				}
			}
		}
		if got := send("POST", path, "", "", "Sec-Fetch-Site", "cross-site"); got != http.StatusForbidden {
			t.Errorf("POST %s Sec-Fetch-Site cross-site: %d, want 403", path, got)
		}
		if got := send("POST", path, "", ""); got == http.StatusForbidden || got == http.StatusMisdirectedRequest {
			t.Errorf("POST %s without Origin (a program): %d", path, got)
		}
		if got := send("POST", path, "", own); got == http.StatusForbidden || got == http.StatusMisdirectedRequest {
			t.Errorf("POST %s from its own origin: %d", path, got)
		}
	}
	// A foreign page may not even trigger a reset.
	s.n.Store(5)
	send("POST", AdminPrefix+"reset", "", "http://evil.example")
	if s.n.Load() != 5 {
		t.Fatal("a cross-origin reset went through")
	}
}

func TestListenNamesTheFlag(t *testing.T) {
	_, err := Listen(t.Context(), "0.0.0.0:0", false)
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Fatalf("refusal does not name --allow-remote: %v", err)
	}
}
