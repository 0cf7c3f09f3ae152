package job

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/vendors"
)

func TestSandboxServesAllVendors(t *testing.T) {
	vendors := NewSandboxVendors(vendors.All(), EmulatorSettings{TimeScale: 1})
	srv := httptest.NewServer(SandboxMux(vendors))
	defer srv.Close()
	for _, v := range vendors {
		resp, err := http.Get(srv.URL + "/" + v.name + "/_emulator/stats")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s stats: %v %v", v.name, err, resp)
		}
		resp.Body.Close()
	}
	// A real request through the prefix: LeadDesk refuses a bad key.
	resp, err := http.Get(srv.URL + "/leaddesk/?auth=wrong&mod=contact&cmd=find&phone=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || strings.TrimSpace(string(body)) != "ERR_AUTHENTICATION" {
		t.Fatalf("leaddesk bad key: %d %q", resp.StatusCode, body)
	}
	if err := SeedFixtures(filepath.Join(t.TempDir(), "none.yaml"), vendors); err == nil {
		t.Fatal("missing fixtures file accepted")
	}
	fx := filepath.Join(t.TempDir(), "fx.yaml")
	os.WriteFile(fx, []byte("leeddesk: {}\n"), 0o644)
	if err := SeedFixtures(fx, vendors); err == nil || !strings.Contains(err.Error(), `unknown section "leeddesk"`) {
		t.Fatalf("bad section: %v", err)
	}
}
