package main

import (
	"net/http/httptest"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
)

// The vendors are declared in their own packages (sinks/<vendor>/vendor.go)
// and listed by sinks/vendors; the app carries the list (env.vendors), so a
// test can run a job through a vendor of its own.

// sandboxEmulator is an in-process emulator server.
type sandboxEmulator interface {
	Dump() any
	Seed([]byte) error
	Close()
}

// servedEmulator is a vendor's emulator served on a loopback port (a job's
// `url: sandbox`).
type servedEmulator struct {
	em  *sinks.Emulator
	srv *httptest.Server
}

func (s servedEmulator) Dump() any           { return s.em.Dump() }
func (s servedEmulator) Seed(b []byte) error { return s.em.Seed(b) }
func (s servedEmulator) Close()              { s.srv.Close() }

// serveEmulator starts the vendor's emulator in-process and returns its
// API's URL, its test credentials and the emulator (for persistence).
func serveEmulator(ve sinks.Vendor) (url string, creds sinks.Conn, emu sandboxEmulator) {
	em := ve.NewEmulator(sinks.EmulatorOptions{})
	srv := httptest.NewServer(em.Handler)
	return srv.URL + em.Path, em.Conn, servedEmulator{em: em, srv: srv}
}

func lookupVendor(vs []sinks.Vendor, name string) (sinks.Vendor, error) {
	return vendors.Lookup(vs, name)
}

// objectFor resolves "vendor" + "object" (or "vendor/object") to a schema
// object; an empty object means the vendor's first.
func objectFor(vs []sinks.Vendor, vendor, object string) (sinks.Object, error) {
	if v, o, ok := strings.Cut(vendor, "/"); ok {
		vendor, object = v, o
	}
	ve, err := lookupVendor(vs, vendor)
	if err != nil {
		return sinks.Object{}, err
	}
	s := ve.Schema()
	if object == "" {
		return s.Objects[0], nil
	}
	return s.Object(object)
}
