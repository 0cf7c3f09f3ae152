package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
)

// EmulatorSettings are what every emulator takes from the command line.
type EmulatorSettings struct {
	TimeScale float64
	Faults    emulator.Faults
}

// Validate refuses fault fractions outside 0..1 and a time scale that is
// not positive, naming the sandbox's flag.
func (s EmulatorSettings) Validate() error {
	f := s.Faults
	for _, x := range []struct {
		flag string
		v    float64
	}{{"error500", f.Error500}, {"extra429", f.Extra429}, {"drop-after-write", f.DropAfterWrite}, {"latency", f.Latency}} {
		if x.v < 0 || x.v > 1 {
			return classed(Usage, fmt.Errorf("--%s must be a fraction between 0 and 1, not %v", x.flag, x.v))
		}
	}
	if s.TimeScale <= 0 {
		return classed(Usage, errors.New("--time-scale must be positive"))
	}
	return nil
}

// SandboxVendor is one running emulator as the sandbox sees it.
type SandboxVendor struct {
	name    string
	vendor  sinks.Vendor
	handler http.Handler
	em      *sinks.Emulator
	// credentials are the emulator's own, listed before any seeding.
	credentials []string
}

// NewSandboxVendors builds the emulator of every vendor that has one.
func NewSandboxVendors(vs []sinks.Vendor, s EmulatorSettings) []SandboxVendor {
	var out []SandboxVendor
	for _, v := range vs {
		if v.NewEmulator == nil {
			continue
		}
		em := v.NewEmulator(sinks.EmulatorOptions{TimeScale: s.TimeScale, Faults: s.Faults})
		out = append(out, SandboxVendor{name: v.Name, vendor: v, handler: em.Handler(), em: em, credentials: em.Credentials()})
	}
	return out
}

// SandboxHandler is what the sandbox command serves: the vendors behind
// emulator.Guard (loopback Hosts only, no cross-origin writes).
func SandboxHandler(vendors []SandboxVendor) http.Handler {
	return emulator.Guard(SandboxMux(vendors))
}

// SandboxMux serves each vendor under /<vendor>/ so one port holds them all.
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
		if err := v.em.Seed(b); err != nil {
			return fmt.Errorf("%s: %s: %w", path, v.name, err)
		}
	}
	for k := range sections {
		if !known[k] {
			names := make([]string, len(vendors))
			for i, v := range vendors {
				names[i] = v.name
			}
			return fmt.Errorf("%s: unknown section %q (%s)", path, k, strings.Join(names, ", "))
		}
	}
	return nil
}

// sandboxExports is one vendor's `export` line: its URL under base and its
// test credentials, in the variables its options name (the ones
// testdata/example and the README use).
func sandboxExports(base string, v SandboxVendor) string {
	var parts []string
	for _, o := range v.vendor.Options {
		val := v.em.Conn.Get(o.Key)
		if o.Key == "url" {
			val = base + "/" + v.name + v.em.Path
		}
		if o.Env == "" || val == "" {
			continue
		}
		parts = append(parts, o.Env+"="+shellQuote(val))
	}
	if len(parts) == 0 {
		return ""
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
	fmt.Fprintf(&b, "leadsync sandbox: %s vendor emulators on %s (loopback; test credentials only)\n", countWord(len(vendors)), base)
	if s.TimeScale > 0 && s.TimeScale != 1 {
		fmt.Fprintf(&b, "time scale %.4g: every rate-limit window is %.4g times its real length\n", s.TimeScale, s.TimeScale)
	}
	for _, v := range vendors {
		w := v.em.Core().Window()
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
		if line := sandboxExports(base, v); line != "" {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// countWord spells a small count ("four").
func countWord(n int) string {
	if words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}; n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}
