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

// The lead suite runs with each sample's contact already in LionDesk and
// no lead route: a submission is then exactly one write (POST /leads),
// which is what the suite counts. The other paths of the flow are
// tested in lead_test.go.
func TestLeadConformance(t *testing.T) {
	email := func(i int) string { return fmt.Sprintf("lead%d@example.com", i) }
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, *emulator.Core) {
			srv := newServer(t, liondesktest.Options{})
			var contacts []map[string]any
			for i := 1; i <= 10; i++ {
				contacts = append(contacts, map[string]any{"first_name": "Lee", "email": email(i), "mobile_phone": phone(400 + i)})
			}
			seed(t, srv, map[string]any{"contacts": contacts})
			return newSink(t, srv, ObjectLead), srv.Core()
		},
		NewUnauthorized: func(t *testing.T) sinks.Sink {
			return newSinkToken(t, newServer(t, liondesktest.Options{}), ObjectLead, badToken)
		},
		Sample: func(i int) sinks.Fields {
			return sinks.Fields{
				"first_name":   "Lee",
				"email":        email(i),
				"mobile_phone": phone(400 + i),
				"lead_source":  "Zillow",
				"type":         "Buyer",
				"text_body":    fmt.Sprintf("Lead %d from Zillow", i),
				"zipcode":      "92618",
			}
		},
		Keys:     func(i int) []sinks.Key { return keysOf(email(i), phone(400+i)) },
		CreateOp: "lead.create",
		FindOp:   "contact.find",
	})
}
