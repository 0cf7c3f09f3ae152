package job

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
	srv := httptest.NewServer(em.Handler())
	return srv.URL + em.Path, em.Conn, servedEmulator{em: em, srv: srv}
}

// sinkTitles names the vendors a job can write to, as prose does.
func sinkTitles(vs []sinks.Vendor) []string {
	var out []string
	for _, v := range vs {
		if v.NewSink != nil {
			out = append(out, v.Title)
		}
	}
	return out
}

// defaultTarget is inspect's default VENDOR/OBJECT: the first vendor one
// can write to, and its first object.
func defaultTarget(vs []sinks.Vendor) string {
	for _, v := range vs {
		if v.NewSink != nil {
			return v.Name + "/" + v.Schema().Objects[0].Name
		}
	}
	return ""
}

// andList joins "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
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
