package tiledesk

import (
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
	"github.com/leadsync/leadsync/sources"
)

// Vendor is Tiledesk's descriptor: a lead sink, and a lead source.
func Vendor() sinks.Vendor {
	return sinks.Vendor{
		Name:   "tiledesk",
		Title:  "Tiledesk",
		Mirror: true,
		Schema: Schema,
		Options: []sinks.Option{
			{Key: "url", Default: DefaultURL, Env: "TILEDESK_URL", Doc: "the API's base URL; `sandbox` for the built-in emulator"},
			{Key: "project", Env: "TILEDESK_PROJECT", Doc: "the project id (24 hex digits)"},
			{Key: "token", Secret: true, Env: "TILEDESK_TOKEN", Doc: "a JWT; or email and password"},
			{Key: "email", Secret: true, Env: "TILEDESK_EMAIL", Doc: "Basic authentication's user, with password"},
			{Key: "password", Secret: true, Env: "TILEDESK_PASSWORD", Doc: "Basic authentication's password"},
			{Key: "status", SourceOnly: true, Default: "all", Doc: "only leads of this status"},
		},
		DefaultBudget: DefaultBudget,
		RateLimit:     RateLimitPolicy(),
		NewSink:       vendorSink,
		NewSource:     vendorSource,
		NewEmulator:   vendorEmulator,
	}
}

func vendorSink(c sinks.SinkConfig) (sinks.Sink, error) {
	return New(Config{URL: c.Conn.Get("url"), Object: c.Object, Project: c.Conn.Get("project"), Token: c.Conn.Get("token"),
		Email: c.Conn.Get("email"), Password: c.Conn.Get("password"), Region: c.Region, Budget: c.Budget})
}

func vendorSource(c sinks.SourceConfig) (sources.Pager, error) {
	return NewPager(SourceConfig{URL: c.Conn.Get("url"), Project: c.Conn.Get("project"), Token: c.Conn.Get("token"),
		Email: c.Conn.Get("email"), Password: c.Conn.Get("password"), Region: c.Region, Status: c.Conn.Get("status"), Budget: c.Budget})
}

func vendorEmulator(o sinks.EmulatorOptions) *sinks.Emulator {
	return &sinks.Emulator{
		EmulatorServer: tiledesktest.New(tiledesktest.Options{TimeScale: o.TimeScale, Faults: o.Faults}),
		Path:           "/v3",
		Conn:           sinks.Conn{"project": tiledesktest.TestProjectID, "token": tiledesktest.TestToken},
	}
}
