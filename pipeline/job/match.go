package job

import (
	"log/slog"
	"strings"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
)

// matchMissing refuses a vendor job without match keys: without them no
// row is ever found at the vendor, so every run creates every row again.
// `match: none` says so on purpose; an event object (a call log) is
// identified by its own event key and needs none.
func matchMissing(job *config.Job, obj sinks.Object) *config.Error {
	if job.Sink.Vendor == "export" || job.Match.None || len(job.Match.Keys) > 0 || obj.Event {
		return nil
	}
	keys := "phone, email"
	if len(obj.Keys) > 0 {
		keys = strings.Join(obj.Keys, ", ")
	}
	at := job.Doc.NodeAt("$.match")
	if at == job.Doc.Root {
		at = job.Doc.NodeAt("$.sink.vendor") // no match: at all
	}
	return job.Doc.At(at,
		"match keys are required for %s/%s: without them no row is found at the vendor and every run creates every row again; name the fields that identify a record (match: {keys: [%s]}), or write `match: none` to accept duplicates",
		job.Sink.Vendor, obj.Name, keys)
}

// MatchNoneWarning is what a run and validate say about `match: none`.
const MatchNoneWarning = "match: none: rows are not matched against the vendor's records, so every run creates them again; duplicates are possible"

// warnMatchNone logs the warning for a vendor job with `match: none`.
func warnMatchNone(job *config.Job, logger *slog.Logger) {
	if job.Match.None && job.Sink.Vendor != "export" {
		logger.Warn(MatchNoneWarning, "job", job.Name)
	}
}
