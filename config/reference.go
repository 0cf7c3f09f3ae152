package config

import (
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// KeyDoc documents job keys: the README's config reference is generated
// from JobKeys (`go test ./cmd/leadsync -run TestConfigReference -update`),
// and a test checks that every yaml key of Job is documented here.
type KeyDoc struct {
	Keys    []string // dotted paths, e.g. source.path
	Default string
	Meaning string
}

// JobKeys is the job file's reference, in the README's order; the
// vendors' keys and names come from their descriptors.
func JobKeys(vendors []sinks.Vendor) []KeyDoc {
	var apiTypes, sinkNames, mirrors, setups []string
	var sourceOnly []KeyDoc
	for _, v := range vendors {
		sinkNames = append(sinkNames, "`"+v.Name+"`")
		if v.NewSource != nil {
			apiTypes = append(apiTypes, "`"+v.Name+"`")
			for _, o := range v.Options {
				if o.SourceOnly {
					sourceOnly = append(sourceOnly, KeyDoc{[]string{"source." + o.Key}, o.Default, v.Name + " source: " + o.Doc})
				}
			}
		}
		if v.Mirror {
			mirrors = append(mirrors, v.Title)
		}
		if v.Setup != nil && v.SetupDoc != "" {
			setups = append(setups, v.Title+": "+v.SetupDoc)
		}
	}
	prefixed := func(prefix string, keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = prefix + k
		}
		return out
	}
	var sourceConn []string
	for _, k := range connKeys(vendors, true) {
		if !sourceOnlyKey(vendors, k) {
			sourceConn = append(sourceConn, k)
		}
	}
	keys := []KeyDoc{
		{[]string{"name"}, "file name", "the job's name in state and history"},
		{[]string{"source.path"}, "required for files", "input file"},
		{[]string{"source.type"}, "from extension", "`csv`, `xlsx`, or a vendor API: " + strings.Join(apiTypes, ", ") + " (see Migrations)"},
		{[]string{"source.delimiter"}, "detected", "csv: `,` `;` `\\|` or `tab`"},
		{[]string{"source.encoding"}, "detected", "csv: `utf-8`, `utf-16le`, `utf-16be`, `windows-1252`"},
		{[]string{"source.sheet"}, "first sheet", "xlsx: sheet name or `#2`"},
		{[]string{"source.header_row"}, "1", "the row that holds the header; rows above it are skipped"},
		{prefixed("source.", sourceConn), "", "API sources: the connection, as in `sink` (credentials from `${ENV}`)"},
		{[]string{"source.budget"}, "vendor default", "API sources: the source connection's own budget, `{calls: 20, per: 1s}`"},
	}
	keys = append(keys, sourceOnly...)
	keys = append(keys, []KeyDoc{
		{[]string{"source.limits"}, "see Input rules", "raise the bounds on record, field, unpacked and shared-string sizes"},
		{[]string{"sink.vendor"}, "required", strings.Join(sinkNames, ", ")},
		{[]string{"sink.object"}, "vendor's first", "e.g. `contact`, `callback`, `agent`"},
		{[]string{"sink.path", "sink.format"}, "", "export: output file; `csv`, `jsonl` or `xlsx` (from the extension)"},
		{[]string{"sink.schema"}, "any fields", "export: `vendor/object` whose schema the export is checked against"},
		{[]string{"sink.formula_safe"}, "true", "CSV export: neutralize cells a spreadsheet would evaluate; `false` for machine consumers"},
		{prefixed("sink.", connKeys(vendors, false)), "", "vendor connections (see Vendors; credentials from `${ENV}`); `url: sandbox` for the built-in emulator"},
		{[]string{"sink.budget"}, "vendor default", "`{calls: 100, per: 60s, shared: machine}`; `shared` is who counts against the window: `machine` (default: every leadsync process here on the same credential, a resumed run included), `off`, or `redis://host:port/db` (every machine: shards); `per` at least 1ms, at most 1,000 calls a second (1,000,000 against `url: sandbox` or an emulator on loopback, which may run time-scaled)"},
		{[]string{"sink.connections"}, "none", "further credentials of the same account, `[{api_key: ${KEY_2}}, ...]`: each entry overrides connection keys of `sink`; each connection has its own budget (and shared ledger), and every entity always goes through the one its match keys hash to, so adding keys multiplies throughput without duplicates"},
		{[]string{"region"}, "none", "default phone region (ISO code, e.g. `FI`)"},
		{[]string{"match.keys"}, "required for a vendor sink", "mapped fields used as match keys (phones as E.164, emails lower-cased): the object's key fields (`leadsync fields` lists them) or phone and e-mail fields; `keys: [city]` is refused, as it would merge people by city. Event objects (call logs, callbacks) need none. `match: none` runs a vendor job without matching: every row is created, and validate and every run warn that duplicates are possible"},
		{[]string{"match.on_ambiguous"}, "`skip`", "`skip`, `first` or `fail`"},
		{[]string{"mode"}, "`upsert`", "`upsert`, `create_only`, `update_only`"},
		{[]string{"merge"}, "`later`", "in-file duplicates: a later non-empty value wins, or the `first`"},
		{[]string{"on_uncertain"}, "`skip`", "a write with an unknown outcome where the vendor cannot find: `skip` or `retry`"},
		{[]string{"retry.attempts", "retry.max_time"}, "`8`, `10m`", "tries of one entity within a run on transient failures, and the time they may take"},
		{[]string{"mirror"}, "`false`", "after a good run, delete the records leadsync created that the source no longer has (" + strings.Join(mirrors, ", ") + "; never on an empty source)"},
		{[]string{"setup"}, "none", "the vendor's declarative setup, for `leadsync setup` (" + strings.Join(setups, "; ") + ")"},
		{[]string{"state"}, "`.leadsync/state.db` beside the job", "the state database; run reports go to `runs/` beside it (`NAME.runs/` beside a database not named `state.db`, so two databases in one folder keep their reports apart)"},
		{[]string{"concurrency"}, "CPUs (export), 4 (vendors)", "mapping workers, or entities in flight; at most 256"},
		{[]string{"state_values"}, "`all`", "what state keeps of each written record's field values: `all`, the old values a later diff shows and compares where the vendor's find returns ids only (LeadDesk contacts; LionDesk, which cannot look leads up), so an update there sends only the fields the file changed; or `none`, the content hash alone (about half the state): a changed record there is then updated with every mapped field, overwriting edits made at the vendor, and plans show no old values. Unchanged rows cost no call either way"},
		{[]string{"keep_runs"}, "every run", "after each run, keep the per-row outcomes of only this many newest runs of the job (`leadsync gc --keep N` by hand); summaries stay"},
		{[]string{"mapping"}, "required", "the mapping, inline, the path of a mapping file, or `preset:NAME`"},
	}...)
	return keys
}

// sourceOnlyKey reports whether a source's vendors take key only as what
// to read, not as the connection.
func sourceOnlyKey(vendors []sinks.Vendor, key string) bool {
	for _, v := range vendors {
		for _, o := range v.Options {
			if o.Key == key && !o.SourceOnly {
				return false
			}
		}
	}
	return true
}

// ReferenceMarkdown renders JobKeys as the README's Markdown table.
func ReferenceMarkdown(vendors []sinks.Vendor) string {
	var b strings.Builder
	b.WriteString("| key | default | meaning |\n|---|---|---|\n")
	for _, k := range JobKeys(vendors) {
		keys := make([]string, len(k.Keys))
		for i, s := range k.Keys {
			keys[i] = "`" + s + "`"
		}
		b.WriteString("| " + strings.Join(keys, ", ") + " | " + k.Default + " | " + k.Meaning + " |\n")
	}
	return b.String()
}
