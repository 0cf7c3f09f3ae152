package liondesk

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

var ctx = context.Background()

// newServer starts a time-scaled emulator for one test.
func newServer(t *testing.T, opts liondesktest.Options) *liondesktest.Server {
	return emulator.StartTest(t, liondesktest.NewServer, opts)
}

// newSink builds the sink for object against srv with the test token.
func newSink(t *testing.T, srv *liondesktest.Server, object string) sinks.Sink {
	t.Helper()
	return newSinkToken(t, srv, object, liondesktest.TestToken)
}

func newSinkToken(t *testing.T, srv *liondesktest.Server, object, token string) sinks.Sink {
	t.Helper()
	s, err := New(Config{URL: srv.URL, Object: object, Token: token, Region: "US"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newClient(t *testing.T, srv *liondesktest.Server) *Client {
	t.Helper()
	c, err := NewClient(Config{URL: srv.URL, Token: liondesktest.TestToken, Region: "US"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seed adds records to the emulator.
func seed(t *testing.T, srv *liondesktest.Server, doc map[string]any) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(b); err != nil {
		t.Fatal(err)
	}
}

// phone is a valid US number unique to n (n < 10000), in E.164.
func phone(n int) string { return fmt.Sprintf("+1201555%04d", n) }

func keysOf(email, mobile string) []sinks.Key {
	return []sinks.Key{
		{Field: "email", Kind: "email", Value: email},
		{Field: "mobile_phone", Kind: "phone", Value: mobile},
	}
}

// writes is the emulator's performed writes per operation.
func writes(srv *liondesktest.Server) map[string]int { return srv.Core().Stats().Writes }

func requests(srv *liondesktest.Server) map[string]int { return srv.Core().Stats().Requests }

func mustClass(t *testing.T, err error, want sinks.Class) {
	t.Helper()
	if got := sinks.ClassOf(err); got != want {
		t.Fatalf("error %v: class %v, want %v", err, got, want)
	}
}

// withTimeout bounds a test's calls.
func withTimeout(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
