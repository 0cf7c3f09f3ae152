// Package sinks declares what every sink shares: the schema of the objects
// a sink writes (declared once in code, read by mapping validation,
// `leadsync fields` and the docs), and the classification of vendor errors.
//
// # Layout
//
// Each vendor is one folder, sinks/<vendor> (leaddesk, tiledesk, liondesk,
// leadsquared), and holds everything leadsync knows about that vendor:
//
//   - its descriptor (vendor.go): name, objects, connection options and
//     constructors, registered with one line in sinks/vendors;
//   - its sink: the schema (schema.go), the client, the one classifier of
//     its answers (classify.go) and a sink per object;
//   - its source, when the vendor can be read: a sources.Pager in
//     source.go (every vendor but LeadDesk);
//   - its emulator, in the subpackage sinks/<vendor>/<vendor>test: a strict
//     in-memory copy of the vendor's API that the tests and `leadsync
//     sandbox` run against. Only the vendor's behaviour (resources,
//     validation, answers) lives there; the rate limit, faults, time
//     scale, call log, admin endpoints and loopback server are shared, in
//     sinks/emulator.
//
// Beside the vendors: sinks/keys normalizes match keys (phone, e-mail, id)
// for every vendor and the engine; sinks/export is the file sink (CSV,
// JSONL, XLSX); sinks/httpc the HTTP plumbing every vendor client shares (retries,
// budget, scrubbing); sinks/sinktest the conformance suite every sink
// passes, as sources/sourcetest is for every source (Pager).
package sinks
