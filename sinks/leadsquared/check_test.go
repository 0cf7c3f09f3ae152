package leadsquared

import (
	"context"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

func TestCheckOnline(t *testing.T) {
	for _, object := range []string{ObjectLead, ObjectCallLog, ObjectAgentPopup} {
		for _, good := range []bool{true, false} {
			srv := startEmulator(t, leadsquaredtest.Options{})
			cfg := testConfig(srv, object)
			if !good {
				cfg.SecretKey = "wrong-secret"
			}
			oc, ok := sinks.As[sinks.OnlineChecker](newSink(t, cfg))
			if !ok {
				t.Fatalf("%s: no OnlineChecker", object)
			}
			probs, err := oc.CheckOnline(context.Background(), sinks.Refs{Constants: sinks.Fields{"Source": "x"}})
			if good && (err != nil || len(probs) != 0) {
				t.Errorf("%s: problems %+v, err %v", object, probs, err)
			}
			if !good && sinks.ClassOf(err) != sinks.Unauthorized {
				t.Errorf("%s, wrong secret: err %v, want Unauthorized", object, err)
			}
			calls := srv.Core().Calls()
			if len(calls) != 1 || calls[0].Write {
				t.Errorf("%s: calls %+v, want one read", object, calls)
			}
		}
	}
}
