package sinks_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/leadsync/leadsync/sinks"
)

func TestRefusedCarriesItsSide(t *testing.T) {
	cause := &sinks.Error{Class: sinks.Unauthorized, Op: "leaddesk: create contact", Status: 401}
	for _, side := range []sinks.Side{sinks.SideSource, sinks.SideSink} {
		err := fmt.Errorf("plan: %w", sinks.Refused(side, fmt.Errorf("read: %w", cause)))
		var ue *sinks.UnauthorizedError
		if !errors.As(err, &ue) || ue.Side != side || ue.Vendor != "leaddesk" {
			t.Fatalf("%s: %#v", side, ue)
		}
		if got, ok := sinks.RefusedSide(err); !ok || got != side {
			t.Errorf("RefusedSide = %s %v, want %s", got, ok, side)
		}
		if !errors.Is(err, sinks.ErrUnauthorized) || sinks.ClassOf(err) != sinks.Unauthorized {
			t.Errorf("%s: the class is lost: Is %v, ClassOf %v", side, errors.Is(err, sinks.ErrUnauthorized), sinks.ClassOf(err))
		}
		var e *sinks.Error
		if !errors.As(err, &e) || e != cause {
			t.Errorf("%s: the cause does not unwrap", side)
		}
		// Marking twice keeps the first side: the side is decided where
		// the connection is known.
		other := sinks.SideSink
		if side == sinks.SideSink {
			other = sinks.SideSource
		}
		if got, _ := sinks.RefusedSide(sinks.Refused(other, err)); got != side {
			t.Errorf("re-marked %s as %s", side, got)
		}
	}
	if got := sinks.Refused(sinks.SideSink, cause).Error(); got != "the vendor refused the credentials: leaddesk: create contact: unauthorized (HTTP 401)" {
		t.Errorf("sink message %q", got)
	}
	if got := sinks.Refused(sinks.SideSource, cause).Error(); got != cause.Error() {
		t.Errorf("source message %q", got)
	}
	other := &sinks.Error{Class: sinks.Rejected, Op: "x: y"}
	if sinks.Refused(sinks.SideSink, other) != error(other) || sinks.Refused(sinks.SideSink, nil) != nil {
		t.Error("Refused changed an error that is not a refusal")
	}
	if _, ok := sinks.RefusedSide(cause); ok {
		t.Error("an unmarked refusal has a side")
	}
}
