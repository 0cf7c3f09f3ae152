package leadsquared

import (
	"bufio"
	"os"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sources"
)

// Vendor is LeadSquared's descriptor: a sink (call logs, agent pop-ups,
// leads), and a source that looks leads up.
func Vendor() sinks.Vendor {
	return sinks.Vendor{
		Name:   "leadsquared",
		Title:  "LeadSquared",
		Schema: Schema,
		Options: []sinks.Option{
			{Key: "url", Default: DefaultURL, Env: "LEADSQUARED_URL", Doc: "the account's API host; `sandbox` for the built-in emulator"},
			{Key: "access_key", Secret: true, Env: "LEADSQUARED_ACCESS_KEY", Doc: "the access key"},
			{Key: "secret_key", Secret: true, Env: "LEADSQUARED_SECRET_KEY", Doc: "the secret key"},
			{Key: "country_code", Doc: "the account's default country code (`+91`)"},
			{Key: "lookups", Kind: sinks.PathOption, SourceOnly: true, Required: "a file of emails or phones to look up", Doc: "a file of emails or phones, one a line"},
		},
		DefaultBudget: DefaultBudget,
		RateLimit:     RateLimitPolicy(),
		NewSink:       vendorSink,
		NewSource:     vendorSource,
		NewEmulator:   vendorEmulator,
	}
}

func vendorSink(c sinks.SinkConfig) (sinks.Sink, error) {
	return New(Config{URL: c.Conn.Get("url"), Object: c.Object, AccessKey: c.Conn.Get("access_key"), SecretKey: c.Conn.Get("secret_key"),
		CountryCode: c.Conn.Get("country_code"), Region: c.Region, Budget: c.Budget})
}

func vendorSource(c sinks.SourceConfig) (sources.Pager, error) {
	var lookups []string
	if p := c.Conn.Get("lookups"); p != "" {
		var err error
		if lookups, err = readLookups(p); err != nil {
			return nil, err
		}
	}
	return NewPager(SourceConfig{URL: c.Conn.Get("url"), AccessKey: c.Conn.Get("access_key"), SecretKey: c.Conn.Get("secret_key"),
		CountryCode: c.Conn.Get("country_code"), Region: c.Region, Lookups: lookups, Budget: c.Budget})
}

// readLookups reads the lookups file: one entry a line, blank lines and
// # comments skipped.
func readLookups(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func vendorEmulator(o sinks.EmulatorOptions) *sinks.Emulator {
	return &sinks.Emulator{
		EmulatorServer: leadsquaredtest.New(leadsquaredtest.Options{TimeScale: o.TimeScale, Faults: o.Faults}),
		Conn: sinks.Conn{"access_key": leadsquaredtest.TestAccessKey, "secret_key": leadsquaredtest.TestSecretKey,
			"country_code": leadsquaredtest.TestDefaultCountryCode},
	}
}
