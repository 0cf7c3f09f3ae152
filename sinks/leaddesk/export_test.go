package leaddesk

import (
	"time"

	"github.com/leadsync/leadsync/sinks"
)

// SetBackoff replaces a sink's retry backoff, so tests of transport
// failures do not wait seconds.
func SetBackoff(s sinks.Sink, f func(n int) time.Duration) {
	switch s := s.(type) {
	case *ContactSink:
		s.c.http.Backoff = f
	case *CallbackSink:
		s.c.http.Backoff = f
	case *AgentSink:
		s.c.http.Backoff = f
	}
}
