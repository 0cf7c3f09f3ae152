package job

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

// EmulatorSettings are what every emulator takes from the command line.
type EmulatorSettings struct {
	TimeScale float64
	Faults    emulator.Faults
}

// SandboxVendor is one running emulator as the sandbox sees it.
type SandboxVendor struct {
	name        string
	handler     http.Handler
	core        *emulator.Core
	seed        func([]byte) error
	credentials []string
}

// NewSandboxVendors builds the four emulators; cmd is the only place that
// knows them all.
func NewSandboxVendors(s EmulatorSettings) []SandboxVendor {
	ld := leaddesktest.New(leaddesktest.Options{TimeScale: s.TimeScale, Faults: s.Faults})
	td := tiledesktest.New(tiledesktest.Options{TimeScale: s.TimeScale, Faults: s.Faults})
	li := liondesktest.New(liondesktest.Options{TimeScale: s.TimeScale, Faults: s.Faults})
	ls := leadsquaredtest.New(leadsquaredtest.Options{TimeScale: s.TimeScale, Faults: s.Faults})
	return []SandboxVendor{
		{"leaddesk", ld.Handler(), ld.Core(), ld.Seed, ld.Credentials()},
		{"tiledesk", td.Handler(), td.Core(), td.Seed, td.Credentials()},
		{"liondesk", li.Handler(), li.Core(), li.Seed, li.Credentials()},
		{"leadsquared", ls.Handler(), ls.Core(), ls.Seed, ls.Credentials()},
	}
}

// SandboxHandler is what the sandbox command serves: the vendors behind
// emulator.Guard (loopback Hosts only, no cross-origin writes).
func SandboxHandler(vendors []SandboxVendor) http.Handler {
	return emulator.Guard(SandboxMux(vendors))
}

// SandboxMux serves each vendor under /<vendor>/ so one port holds all four.
func SandboxMux(vendors []SandboxVendor) http.Handler {
	mux := http.NewServeMux()
	for _, v := range vendors {
		prefix := "/" + v.name
		mux.Handle(prefix+"/", http.StripPrefix(prefix, v.handler))
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		var names []string
		for _, v := range vendors {
			names = append(names, v.name)
		}
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"vendors": names, "admin": emulator.AdminPrefix + "{stats,calls,dump,seed,reset}"})
	})
	return mux
}

// SeedFixtures loads a YAML or JSON file with one section per vendor, each
// in that emulator's fixture format.
func SeedFixtures(path string, vendors []SandboxVendor) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var sections map[string]any
	if err := yaml.Unmarshal(src, &sections); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	known := map[string]bool{}
	for _, v := range vendors {
		known[v.name] = true
		sec, ok := sections[v.name]
		if !ok {
			continue
		}
		b, err := json.Marshal(sec)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, v.name, err)
		}
		if err := v.seed(b); err != nil {
			return fmt.Errorf("%s: %s: %w", path, v.name, err)
		}
	}
	for k := range sections {
		if !known[k] {
			return fmt.Errorf("%s: unknown section %q (leaddesk, tiledesk, liondesk, leadsquared)", path, k)
		}
	}
	return nil
}

// sandboxExports is one vendor's `export` line: its URL under base and its
// test credentials, in the variables testdata/example and the README use.
func sandboxExports(base, vendor string) string {
	var kv [][2]string
	switch vendor {
	case "leaddesk":
		kv = [][2]string{{"LEADDESK_URL", base + "/leaddesk"}, {"LEADDESK_API_KEY", leaddesktest.TestAPIKey}}
	case "tiledesk":
		kv = [][2]string{{"TILEDESK_URL", base + "/tiledesk/v3"}, {"TILEDESK_PROJECT", tiledesktest.TestProjectID}, {"TILEDESK_TOKEN", tiledesktest.TestToken}}
	case "liondesk":
		kv = [][2]string{{"LIONDESK_URL", base + "/liondesk"}, {"LIONDESK_TOKEN", liondesktest.TestToken}}
	case "leadsquared":
		kv = [][2]string{{"LEADSQUARED_URL", base + "/leadsquared"}, {"LEADSQUARED_ACCESS_KEY", leadsquaredtest.TestAccessKey}, {"LEADSQUARED_SECRET_KEY", leadsquaredtest.TestSecretKey}}
	default:
		return ""
	}
	parts := make([]string, len(kv))
	for i, p := range kv {
		parts[i] = p[0] + "=" + shellQuote(p[1])
	}
	return "export " + strings.Join(parts, " ")
}

// shellQuote quotes a value for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func DescribeSandbox(base string, vendors []SandboxVendor, s EmulatorSettings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "leadsync sandbox: four vendor emulators on %s (loopback; test credentials only)\n", base)
	if s.TimeScale > 0 && s.TimeScale != 1 {
		fmt.Fprintf(&b, "time scale %.4g: every rate-limit window is %.4g times its real length\n", s.TimeScale, s.TimeScale)
	}
	for _, v := range vendors {
		w := v.core.Window()
		limit := "no rate limit"
		if w > 0 {
			limit = "window " + w.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "\n%s  %s/%s  (%s)\n", v.name, base, v.name, limit)
		for _, c := range v.credentials {
			fmt.Fprintf(&b, "  %s\n", c)
		}
		fmt.Fprintf(&b, "  admin: %s/%s%s{stats,calls,dump} (GET), seed, reset (POST)\n", base, v.name, emulator.AdminPrefix)
	}
	b.WriteString("\nready to paste (the variables the example jobs and the README use):\n")
	for _, v := range vendors {
		if line := sandboxExports(base, v.name); line != "" {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
