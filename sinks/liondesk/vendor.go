package liondesk

import (
	"context"
	"fmt"
	"io"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sources"
)

// Vendor is LionDesk's descriptor: a sink (contacts, leads), a contact
// source, and a declarative setup (`leadsync setup`).
func Vendor() sinks.Vendor {
	return sinks.Vendor{
		Name:     "liondesk",
		Title:    "LionDesk",
		SetupDoc: "contact_sources, campaigns, teams, routes; see Setting up LionDesk",
		Schema:   Schema,
		Options: []sinks.Option{
			{Key: "url", Default: DefaultURL, Env: "LIONDESK_URL", Doc: "the API's base URL; `sandbox` for the built-in emulator"},
			{Key: "token", Secret: true, Env: "LIONDESK_TOKEN", Doc: "the API token (Bearer)"},
			{Key: "addresses", Kind: sinks.BoolOption, Default: "false", SourceOnly: true, Doc: "add each contact's first address (a call each)"},
		},
		DefaultBudget: DefaultBudget,
		RateLimit:     RateLimitPolicy(),
		NewSink:       vendorSink,
		NewSource:     vendorSource,
		Setup:         vendorSetup,
		NewEmulator:   vendorEmulator,
	}
}

func vendorSink(c sinks.SinkConfig) (sinks.Sink, error) {
	return New(Config{URL: c.Conn.Get("url"), Object: c.Object, Token: c.Conn.Get("token"), Region: c.Region, Budget: c.Budget})
}

func vendorSource(c sinks.SourceConfig) (sources.Pager, error) {
	return NewPager(SourceConfig{URL: c.Conn.Get("url"), Token: c.Conn.Get("token"), Region: c.Region, Addresses: c.Conn.Bool("addresses"), Budget: c.Budget})
}

// vendorSetup runs the job's setup section (SetupSpec), printing each item.
func vendorSetup(ctx context.Context, c sinks.SinkConfig, decode func(v any) error, dryRun bool, w io.Writer) (bool, error) {
	var spec SetupSpec
	if err := decode(&spec); err != nil {
		return false, err
	}
	spec.DryRun = dryRun
	client, err := NewClient(Config{URL: c.Conn.Get("url"), Token: c.Conn.Get("token"), Region: c.Region, Budget: c.Budget})
	if err != nil {
		return false, err
	}
	res, err := Setup(ctx, client, spec)
	for _, it := range res.Items {
		fmt.Fprintln(w, " ", it)
	}
	return res.Changed(), err
}

func vendorEmulator(o sinks.EmulatorOptions) *sinks.Emulator {
	return &sinks.Emulator{
		EmulatorServer: liondesktest.New(liondesktest.Options{TimeScale: o.TimeScale, Faults: o.Faults}),
		Conn:           sinks.Conn{"token": liondesktest.TestToken},
	}
}
