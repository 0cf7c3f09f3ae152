package main

import (
	"github.com/leadsync/leadsync/sinks/vendors"

	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The sandbox command serves loopback Hosts only and refuses cross-origin
// writes, on every vendor and on its index; binding a remote address is
// refused naming --allow-remote.
func TestSandboxLoopbackOnly(t *testing.T) {
	r := runApp(t, nil, "sandbox", "--addr", "0.0.0.0:0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--allow-remote") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	srv := httptest.NewServer(sandboxHandler(newSandboxVendors(vendors.All(), emulatorSettings{timeScale: 1})))
	defer srv.Close()
	do := func(method, path, host, origin string) int {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{"/", "/leaddesk/_emulator/dump", "/tiledesk/_emulator/dump", "/liondesk/_emulator/stats", "/leadsquared/_emulator/calls"} {
		if got := do("GET", p, "", ""); got != 200 {
			t.Errorf("GET %s: %d", p, got)
		}
		if got := do("GET", p, "rebound.evil.example:8760", ""); got != http.StatusMisdirectedRequest {
			t.Errorf("GET %s with a foreign Host: %d, want 421", p, got)
		}
	}
	for _, v := range []string{"leaddesk", "tiledesk", "liondesk", "leadsquared"} {
		if got := do("POST", "/"+v+"/_emulator/reset", "", "http://evil.example"); got != http.StatusForbidden {
			t.Errorf("cross-origin reset of %s: %d, want 403", v, got)
		}
		if got := do("POST", "/"+v+"/_emulator/reset", "", ""); got != 200 {
			t.Errorf("reset of %s by a program: %d", v, got)
		}
	}
}
