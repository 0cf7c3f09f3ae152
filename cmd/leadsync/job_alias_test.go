package main

import (
	"net/http"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sinks"
)

// The tests read summary.json as the run summary, now the library's.
type summary = job.Summary

// The sandbox as the tests built it before it moved to the library.
type emulatorSettings struct{ timeScale float64 }

func (s emulatorSettings) lib() job.EmulatorSettings {
	return job.EmulatorSettings{TimeScale: s.timeScale}
}

func newSandboxVendors(vs []sinks.Vendor, s emulatorSettings) []job.SandboxVendor {
	return job.NewSandboxVendors(vs, s.lib())
}

func sandboxHandler(v []job.SandboxVendor) http.Handler { return job.SandboxHandler(v) }

func sandboxMux(v []job.SandboxVendor) http.Handler { return job.SandboxMux(v) }

func describeSandbox(base string, v []job.SandboxVendor, s emulatorSettings) string {
	return job.DescribeSandbox(base, v, s.lib())
}

func objectFor(vs []sinks.Vendor, vendor, object string) (sinks.Object, error) {
	return job.ObjectFor(vs, vendor, object)
}
