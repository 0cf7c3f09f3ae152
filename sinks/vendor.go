package sinks

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sources"
)

// Vendor describes one vendor, once, in its own package (a function
// Vendor() in sinks/<vendor>/vendor.go); the registry (sinks/vendors)
// lists them. Everything outside the vendor's package that needs to know
// the vendor (the job's keys, validation, credential hints, `leadsync
// fields`, the config reference, the sandbox) reads this.
type Vendor struct {
	// Name is the vendor as a job names it (sink.vendor, source.type).
	Name string
	// Title is the vendor's name as prose writes it ("LionDesk").
	Title string
	// Mirror says the sink can delete, so `mirror: true` applies
	// (documentation; the engine asks the sink, sinks.Deleter).
	Mirror bool
	// SetupDoc says what the job's setup section declares, for the docs
	// ("" when the vendor has no Setup).
	SetupDoc string
	// Schema is the vendor's objects and their fields.
	Schema func() Schema
	// Options are the connection keys a job's sink (and, where the vendor
	// can be read, source) section takes, in the order the docs list them.
	Options []Option
	// DefaultBudget is the documented call limit (0, 0: none documented;
	// the budget then adapts to the vendor's 429s). Nil: no calls at all.
	DefaultBudget func() (calls int, per time.Duration)
	// RateLimit is the pause after a 429 that names no wait (the vendor
	// package's RateLimitPolicy()).
	RateLimit RateLimitPolicy
	// NewSink opens a sink writing one object (nil: the vendor cannot be
	// written through a connection, e.g. export, whose sink is a file).
	NewSink func(SinkConfig) (Sink, error)
	// NewSource opens a pager reading the vendor as a migration source
	// (nil: it cannot be a source).
	NewSource func(SourceConfig) (sources.Pager, error)
	// Setup ensures the job's declared vendor setup exists: decode reads
	// the job's setup section into the vendor's spec; it returns whether
	// anything changed (nil: the vendor has nothing to set up).
	Setup func(ctx context.Context, c SinkConfig, decode func(v any) error, dryRun bool, w io.Writer) (changed bool, err error)
	// NewEmulator builds the vendor's in-memory emulator for the sandbox
	// (nil: the vendor has none).
	NewEmulator func(EmulatorOptions) *Emulator
}

// OptionKind is how an option's value is read.
type OptionKind int

const (
	// TextOption is a string, taken as written (after ${VAR} expansion).
	TextOption OptionKind = iota
	// BoolOption is true or false.
	BoolOption
	// PathOption is a file, relative to the job file's folder.
	PathOption
)

// Option is one connection key.
type Option struct {
	// Key is the YAML key ("api_key").
	Key string
	// Secret marks a credential: messages name the variable it came from,
	// never its value.
	Secret bool
	// Default is shown in the docs ("" when none).
	Default string
	// Env is the environment variable the docs and the sandbox's export
	// lines use for it ("LEADDESK_API_KEY"; "" when none).
	Env string
	// Doc says what it is.
	Doc  string
	Kind OptionKind
	// SourceOnly: the key is read by the vendor's source only (what to
	// read); others are the connection, taken by sink and source alike.
	SourceOnly bool
	// Required, when set, makes the key required in a source section and
	// says what it is ("a file of emails or phones to look up").
	Required string
}

// OptionsFor returns the options a sink section (source false) or a
// source section takes.
func (v Vendor) OptionsFor(source bool) []Option {
	var out []Option
	for _, o := range v.Options {
		if !o.SourceOnly || source {
			out = append(out, o)
		}
	}
	return out
}

// Conn is a connection's settings as the job gives them, by option key;
// booleans are "true" or "false". A key the job leaves out is absent.
type Conn map[string]string

// Get returns the value of key ("" when absent).
func (c Conn) Get(key string) string { return c[key] }

// Bool reports whether key is true.
func (c Conn) Bool(key string) bool { return strings.EqualFold(c[key], "true") }

// Fill returns c with every key that c leaves empty taken from defaults
// (the emulator's test credentials under a sandbox job's own).
func (c Conn) Fill(defaults Conn) Conn {
	out := Conn{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range c {
		if v != "" || out[k] == "" {
			out[k] = v
		}
	}
	return out
}

// SinkConfig is what a vendor's NewSink (and Setup) is given.
type SinkConfig struct {
	Conn   Conn
	Object string // the object to write (empty: the vendor's first)
	Region string // the job's default phone region
	Budget *budget.Budget
}

// SourceConfig is what a vendor's NewSource is given.
type SourceConfig struct {
	Conn   Conn
	Region string
	Budget *budget.Budget
}

// EmulatorOptions are what the sandbox sets on every emulator.
type EmulatorOptions struct {
	// TimeScale shrinks every rate-limit window (0 or 1: real time).
	TimeScale float64
	Faults    emulator.Faults
}

// EmulatorServer is what every vendor's emulator (<vendor>test.New)
// provides the sandbox.
type EmulatorServer interface {
	// Handler serves the vendor's API and the admin endpoints.
	Handler() http.Handler
	// Core is the shared core: the rate-limit window, faults, statistics.
	Core() *emulator.Core
	// Credentials lists the test credentials, one line each.
	Credentials() []string
	// Seed adds records in the emulator's fixture format (JSON); Dump
	// returns them all, in the same format.
	Seed([]byte) error
	Dump() any
}

// Emulator is one vendor's in-memory emulator as the sandbox runs it.
type Emulator struct {
	EmulatorServer
	// Path is the API's base under the emulator's root ("" or "/v3").
	Path string
	// Conn holds the test credentials, by option key.
	Conn Conn
}
