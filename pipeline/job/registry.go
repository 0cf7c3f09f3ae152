package job

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/liondesk"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
	"github.com/leadsync/leadsync/sources"
)

// sandboxEmulator is an in-process emulator server.
type sandboxEmulator interface {
	Dump() any
	Seed([]byte) error
	Close()
}

// sinkConfig is what the registry passes a vendor to open a sink.
type sinkConfig struct {
	sink   config.Sink
	object string
	region string
	budget *budget.Budget
}

// vendorEntry is one sink the command line knows. The registry is built
// here, explicitly: cmd is the only package that knows every vendor.
type vendorEntry struct {
	name          string
	schema        func() sinks.Schema
	defaultBudget func() (int, time.Duration)
	open          func(sinkConfig) (sinks.Sink, error)
	// sandbox starts the vendor's emulator in-process and returns its URL,
	// its test credentials and the emulator (for persistence).
	sandbox func() (url string, creds config.Sink, emu sandboxEmulator)
	// setup ensures the job's declared vendor setup exists (nil: the
	// vendor has nothing to set up).
	setup func(ctx context.Context, c sinkConfig, spec func(v any) error, dryRun bool, w io.Writer) (changed bool, err error)
	// pager reads the vendor as a migration source (nil: it cannot be one).
	pager func(sourceConfig) (sources.Pager, error)
}

func registry() []vendorEntry {
	return []vendorEntry{
		{name: "export", schema: export.Schema},
		{
			name: "leaddesk", schema: leaddesk.Schema, defaultBudget: leaddesk.DefaultBudget,
			open: func(c sinkConfig) (sinks.Sink, error) {
				return leaddesk.New(leaddesk.Config{URL: c.sink.URL, Object: c.object, APIKey: c.sink.APIKey, Region: c.region, Budget: c.budget})
			},
			sandbox: func() (string, config.Sink, sandboxEmulator) {
				s := leaddesktest.NewServer(leaddesktest.Options{})
				return s.URL, config.Sink{APIKey: leaddesktest.TestAPIKey}, s
			},
		},
		{
			name: "tiledesk", schema: tiledesk.Schema, defaultBudget: tiledesk.DefaultBudget,
			open: func(c sinkConfig) (sinks.Sink, error) {
				return tiledesk.New(tiledesk.Config{URL: c.sink.URL, Object: c.object, Project: c.sink.Project, Token: c.sink.Token,
					Email: c.sink.Email, Password: c.sink.Password, Region: c.region, Budget: c.budget})
			},
			sandbox: func() (string, config.Sink, sandboxEmulator) {
				s := tiledesktest.NewServer(tiledesktest.Options{})
				return s.URL + "/v3", config.Sink{Project: tiledesktest.TestProjectID, Token: tiledesktest.TestToken}, s
			},
			pager: func(c sourceConfig) (sources.Pager, error) {
				return tiledesk.NewPager(tiledesk.SourceConfig{URL: c.src.URL, Project: c.src.Project, Token: c.src.Token,
					Email: c.src.Email, Password: c.src.Password, Region: c.region, Status: c.src.Status, Budget: c.budget})
			},
		},
		{
			name: "liondesk", schema: liondesk.Schema, defaultBudget: liondesk.DefaultBudget,
			open: func(c sinkConfig) (sinks.Sink, error) {
				return liondesk.New(liondesk.Config{URL: c.sink.URL, Object: c.object, Token: c.sink.Token, Region: c.region, Budget: c.budget})
			},
			setup: func(ctx context.Context, c sinkConfig, decode func(v any) error, dryRun bool, w io.Writer) (bool, error) {
				var spec liondesk.SetupSpec
				if err := decode(&spec); err != nil {
					return false, err
				}
				spec.DryRun = dryRun
				client, err := liondesk.NewClient(liondesk.Config{URL: c.sink.URL, Token: c.sink.Token, Region: c.region, Budget: c.budget})
				if err != nil {
					return false, err
				}
				res, err := liondesk.Setup(ctx, client, spec)
				for _, it := range res.Items {
					fmt.Fprintln(w, " ", it)
				}
				return res.Changed(), err
			},
			sandbox: func() (string, config.Sink, sandboxEmulator) {
				s := liondesktest.NewServer(liondesktest.Options{})
				return s.URL, config.Sink{Token: liondesktest.TestToken}, s
			},
			pager: func(c sourceConfig) (sources.Pager, error) {
				return liondesk.NewPager(liondesk.SourceConfig{URL: c.src.URL, Token: c.src.Token, Region: c.region, Addresses: c.src.Addresses, Budget: c.budget})
			},
		},
		{
			name: "leadsquared", schema: leadsquared.Schema, defaultBudget: leadsquared.DefaultBudget,
			open: func(c sinkConfig) (sinks.Sink, error) {
				return leadsquared.New(leadsquared.Config{URL: c.sink.URL, Object: c.object, AccessKey: c.sink.AccessKey, SecretKey: c.sink.SecretKey,
					CountryCode: c.sink.CountryCode, Region: c.region, Budget: c.budget})
			},
			pager: func(c sourceConfig) (sources.Pager, error) {
				return leadsquared.NewPager(leadsquared.SourceConfig{URL: c.src.URL, AccessKey: c.src.AccessKey, SecretKey: c.src.SecretKey,
					CountryCode: c.src.CountryCode, Region: c.region, Lookups: c.lookups, Budget: c.budget})
			},
			sandbox: func() (string, config.Sink, sandboxEmulator) {
				s := leadsquaredtest.NewServer(leadsquaredtest.Options{})
				return s.URL, config.Sink{AccessKey: leadsquaredtest.TestAccessKey, SecretKey: leadsquaredtest.TestSecretKey, CountryCode: leadsquaredtest.TestDefaultCountryCode}, s
			},
		},
	}
}

func lookupVendor(name string) (vendorEntry, error) {
	var names []string
	for _, v := range registry() {
		if v.name == strings.ToLower(name) {
			return v, nil
		}
		names = append(names, v.name)
	}
	sort.Strings(names)
	return vendorEntry{}, fmt.Errorf("unknown vendor %q (known: %s)", name, strings.Join(names, ", "))
}

// objectFor resolves "vendor" + "object" (or "vendor/object") to a schema
// object; an empty object means the vendor's first.
func objectFor(vendor, object string) (sinks.Object, error) {
	if v, o, ok := strings.Cut(vendor, "/"); ok {
		vendor, object = v, o
	}
	ve, err := lookupVendor(vendor)
	if err != nil {
		return sinks.Object{}, err
	}
	s := ve.schema()
	if object == "" {
		return s.Objects[0], nil
	}
	return s.Object(object)
}
