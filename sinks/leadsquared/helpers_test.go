package leadsquared

import (
	"errors"
	"fmt"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

// testScale makes the 5 s window last 5 ms.
const testScale = 0.001

// startEmulator starts a time-scaled emulator for one test.
func startEmulator(t *testing.T, opts leadsquaredtest.Options) *leadsquaredtest.Server {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = testScale
	}
	srv := leadsquaredtest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// testConfig is a working connection to srv, pausing the emulator's scaled
// window on a rate limit.
func testConfig(srv *leadsquaredtest.Server, object string) Config {
	return Config{
		URL:           srv.URL,
		Object:        object,
		AccessKey:     leadsquaredtest.TestAccessKey,
		SecretKey:     leadsquaredtest.TestSecretKey,
		CountryCode:   leadsquaredtest.TestDefaultCountryCode,
		Region:        "IN",
		RateLimitWait: srv.Core().Window(),
	}
}

func newSink(t *testing.T, cfg Config) sinks.Sink {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// engineKey normalizes a match key the way the engine does.
func engineKey(t *testing.T, field string, kind keys.Kind, value string) sinks.Key {
	t.Helper()
	v, ok := keys.Value(kind, value, "IN")
	if !ok {
		t.Fatalf("%s %q is not a valid key", kind, value)
	}
	return sinks.Key{Field: field, Kind: string(kind), Value: v}
}

// samplePhone is a valid Indian mobile number unique to i (none of the
// fixtures' numbers).
func samplePhone(i int) string { return fmt.Sprintf("+9198100%05d", i) }

// callFields is a complete inbound call on the fixture lead TestLeadID,
// with LeadId set.
func callFields(session string) sinks.Fields {
	return sinks.Fields{
		"SourceNumber":      "+919876543210",
		"CallerSource":      "Newspaper Advertisement",
		"DestinationNumber": "+918011112222",
		"DisplayNumber":     "+918611795989",
		"StartTime":         "2024-06-01 11:58:00",
		"EndTime":           "2024-06-01 11:58:34",
		"CallDuration":      "34",
		"Status":            "Answered",
		"ResourceURL":       "https://recordings.example.com/" + session + ".mp3",
		"Direction":         "Inbound",
		"CallSessionId":     session,
		"LeadId":            leadsquaredtest.TestLeadID,
		"Tag":               "Tag - Lead",
		"UserId":            leadsquaredtest.TestUserID,
	}
}

func popupFields(session string) sinks.Fields {
	return sinks.Fields{
		"SourceNumber":      "+919876543210",
		"DestinationNumber": "+918011112222",
		"DisplayNumber":     "+918611795989",
		"Direction":         "Inbound",
		"CallSessionId":     session,
		"LeadId":            leadsquaredtest.TestLeadID,
		"Tag":               "Tag - Lead",
		"UserId":            leadsquaredtest.TestUserID,
	}
}

func leadFields(i int) sinks.Fields {
	return sinks.Fields{
		"FirstName":    "Lead",
		"LastName":     fmt.Sprintf("Number%d", i),
		"EmailAddress": fmt.Sprintf("lead%d@example.com", i),
		"Phone":        samplePhone(i),
		"Company":      "Example Traders",
		"Source":       "Website",
		"mx_City":      "Pune",
	}
}

func classOf(t *testing.T, err error) *sinks.Error {
	t.Helper()
	var e *sinks.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *sinks.Error", err, err)
	}
	return e
}
