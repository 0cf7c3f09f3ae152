package sinks

import (
	"errors"
	"strings"
)

// Side is the end of a job a vendor connection serves: the source it
// reads or the sink it writes.
type Side string

// Sides.
const (
	SideSource Side = "source"
	SideSink   Side = "sink"
)

// ErrUnauthorized is the one class of a refusal of credentials: every
// *UnauthorizedError is ErrUnauthorized for errors.Is, whatever its side.
var ErrUnauthorized = errors.New("the vendor refused the credentials")

// UnauthorizedError is a vendor refusing a connection's credentials, with
// the side of the job the connection serves. The engine produces it where
// the side is known (a source's read, a sink's call); a command reads the
// side with errors.As to name the right credentials. It unwraps to the
// classified error, so ClassOf still reports Unauthorized.
type UnauthorizedError struct {
	Side   Side
	Vendor string // the refusing vendor, from the call's Op ("leaddesk"); "" when unknown
	Err    error  // the refusal: a *Error of class Unauthorized, possibly wrapped
}

// Error keeps the engine's messages as they were: a sink's refusal reads
// "the vendor refused the credentials: <cause>", a source's is its cause.
func (e *UnauthorizedError) Error() string {
	if e.Side == SideSource {
		return e.Err.Error()
	}
	return ErrUnauthorized.Error() + ": " + e.Err.Error()
}

// Unwrap returns the refusal.
func (e *UnauthorizedError) Unwrap() error { return e.Err }

// Is makes every UnauthorizedError match ErrUnauthorized.
func (e *UnauthorizedError) Is(target error) bool { return target == ErrUnauthorized }

// Refused marks err with side when it is a refusal of credentials
// (ClassOf(err) == Unauthorized) that carries no side yet; any other
// error, nil included, is returned as it is.
func Refused(side Side, err error) error {
	if err == nil || ClassOf(err) != Unauthorized {
		return err
	}
	var ue *UnauthorizedError
	if errors.As(err, &ue) {
		return err
	}
	vendor := ""
	var e *Error
	if errors.As(err, &e) {
		if v, _, ok := strings.Cut(e.Op, ":"); ok {
			vendor = strings.TrimSpace(v)
		}
	}
	return &UnauthorizedError{Side: side, Vendor: vendor, Err: err}
}

// RefusedSide reports the side of a refusal of credentials in err's
// chain; ok is false when err is none.
func RefusedSide(err error) (side Side, ok bool) {
	var ue *UnauthorizedError
	if errors.As(err, &ue) {
		return ue.Side, true
	}
	return "", false
}
