package leaddesk

import (
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// Vendor is LeadDesk's descriptor: a sink (contacts, callbacks, agents),
// no source.
func Vendor() sinks.Vendor {
	return sinks.Vendor{
		Name:   "leaddesk",
		Title:  "LeadDesk",
		Schema: Schema,
		Options: []sinks.Option{
			{Key: "url", Default: DefaultURL, Env: "LEADDESK_URL", Doc: "the API's base URL; `sandbox` for the built-in emulator"},
			{Key: "api_key", Secret: true, Env: "LEADDESK_API_KEY", Doc: "the connector's API key"},
		},
		DefaultBudget: DefaultBudget,
		RateLimit:     RateLimitPolicy(),
		NewSink:       vendorSink,
		NewEmulator:   vendorEmulator,
	}
}

func vendorSink(c sinks.SinkConfig) (sinks.Sink, error) {
	return New(Config{URL: c.Conn.Get("url"), Object: c.Object, APIKey: c.Conn.Get("api_key"), Region: c.Region, Budget: c.Budget})
}

func vendorEmulator(o sinks.EmulatorOptions) *sinks.Emulator {
	return &sinks.Emulator{
		EmulatorServer: leaddesktest.New(leaddesktest.Options{TimeScale: o.TimeScale, Faults: o.Faults}),
		Conn:           sinks.Conn{"api_key": leaddesktest.TestAPIKey},
	}
}
