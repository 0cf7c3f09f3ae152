package liondesk

import (
	"fmt"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/sinktest"
)

// badToken is a well-formed token the emulator does not know.
const badToken = "ffffffffffffffffffffffffffffffffffffffff"

func TestContactConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, *emulator.Core) {
			srv := newServer(t, liondesktest.Options{})
			return newSink(t, srv, ObjectContact), srv.Core()
		},
		NewUnauthorized: func(t *testing.T) sinks.Sink {
			return newSinkToken(t, newServer(t, liondesktest.Options{}), ObjectContact, badToken)
		},
		Sample: func(i int) sinks.Fields {
			return sinks.Fields{
				"first_name":   fmt.Sprintf("Ann%d", i),
				"last_name":    "Lee",
				"email":        fmt.Sprintf("c%d@example.com", i),
				"mobile_phone": phone(200 + i),
				"company":      "Acme",
			}
		},
		Change: func(i int) sinks.Fields {
			return sinks.Fields{"last_name": "Changed", "office_phone": phone(300 + i), "tags": "Pending, VIP"}
		},
		Keys: func(i int) []sinks.Key {
			return keysOf(fmt.Sprintf("c%d@example.com", i), phone(200+i))
		},
		CreateOp: "contact.create",
		FindOp:   "contact.find",
	})
}

// The lead object is a sinks.Flow of four steps; its conformance check is
// TestLeadFlowConformance (flow_test.go).
