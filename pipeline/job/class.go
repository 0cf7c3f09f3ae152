package job

import (
	"errors"
)

// Class is how a job's command ended: a command maps it to its exit code.
type Class int

const (
	// Done: every row was written (or, for a dry run, planned).
	Done Class = iota
	// Rejected: done, with rejected, failed or uncertain rows (the run's
	// rejected.csv lists them), or a reconcile found missing or duplicated
	// records.
	Rejected
	// Usage: the job, an option or the input is wrong; nothing was written.
	Usage
	// Interrupted: the context was cancelled; running the job again resumes.
	Interrupted
	// Auth: a vendor refused the credentials.
	Auth
	// Files: leadsync could not use a file of its own (the state database,
	// a report, the export output). No row was rejected for it.
	Files
)

func (c Class) String() string {
	switch c {
	case Done:
		return "done"
	case Rejected:
		return "rejected"
	case Usage:
		return "usage"
	case Interrupted:
		return "interrupted"
	case Auth:
		return "auth"
	case Files:
		return "files"
	}
	return "unknown"
}

// Error is an error with the class of the failure.
type Error struct {
	Class Class
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// classed gives err a class, unless it already has one.
func classed(c Class, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Class: c, Err: err}
}

// ClassOf is the class of an error from this package: Done for nil,
// Files for a failure of leadsync's own files, the error's Class when it
// has one, else Usage.
func ClassOf(err error) Class {
	if err == nil {
		return Done
	}
	if fileFault(err) {
		return Files
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Usage
}
