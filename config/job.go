package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
)

// Job is a job file: where records come from, where they go, how columns
// map to fields and how records are matched.
type Job struct {
	Name   string `yaml:"name"`
	Source Source `yaml:"source"`
	Sink   Sink   `yaml:"sink"`
	Match  Match  `yaml:"match"`
	// Mode is upsert (default), create_only or update_only.
	Mode string `yaml:"mode"`
	// Region is the default phone region (ISO 3166-1 alpha-2, e.g. FI) for
	// phone transforms and phone match keys.
	Region string `yaml:"region"`
	// Mapping is either the mapping itself or the path of a mapping file.
	Mapping ast.Node `yaml:"mapping"`
	// Setup is the vendor's declarative setup (`leadsync setup JOB`),
	// decoded by the vendor.
	Setup ast.Node `yaml:"setup"`
	// Merge decides how rows of one entity combine: later (default: a later
	// non-empty value wins) or first.
	Merge string `yaml:"merge"`
	// Mirror deletes, after a successful run, the records leadsync created
	// earlier that the source no longer has (sinks that can delete;
	// never on an empty source).
	Mirror bool `yaml:"mirror"`
	// OnUncertain handles a write whose outcome is unknown where the vendor
	// cannot find: skip (default, reported) or retry.
	OnUncertain string `yaml:"on_uncertain"`
	// Retry bounds how an entity whose calls fail transiently (5xx,
	// timeouts, lost answers) is tried again within one run.
	Retry Retry `yaml:"retry"`
	// State is the state database; default .leadsync/state.db beside the job file.
	State       string `yaml:"state"`
	Concurrency int    `yaml:"concurrency"`
	// KeepRuns, when set, prunes after each run the per-row outcomes of
	// the job's runs older than its KeepRuns newest (leadsync gc --keep).
	KeepRuns int `yaml:"keep_runs"`
	// StateValues is what state keeps of each written record's field
	// values: all (default: a later diff's old values where the vendor's
	// find returns ids only) or none (the content hash alone).
	StateValues string `yaml:"state_values"`

	// Doc is the parsed file, for positions of later (semantic) errors.
	Doc *Doc `yaml:"-"`
	// Dir is the job file's folder; relative paths are resolved against it.
	Dir string `yaml:"-"`
}

// Source says where records come from: a file, or (for migrations) a
// vendor's API read page by page.
type Source struct {
	// Type is csv, xlsx or a vendor that can be read (a source); when
	// empty it is taken from the path's extension.
	Type      string `yaml:"type"`
	Path      string `yaml:"path"`
	Delimiter string `yaml:"delimiter"`  // csv: one of , ; | \t or "tab"; empty = detect
	Encoding  string `yaml:"encoding"`   // csv: utf-8, utf-16le, utf-16be, windows-1252; empty = detect
	Sheet     string `yaml:"sheet"`      // xlsx: name or #index; empty = first
	HeaderRow int    `yaml:"header_row"` // 1-based; default 1
	// Limits raise the bounds on what reading the file may cost (sizes as
	// 64MiB, 2GiB or bytes); see sources.Limits for the defaults.
	Limits *SourceLimits `yaml:"limits"`
	// API sources: the connection's own budget.
	Budget *Budget `yaml:"budget"`
	// Conn is an API source's connection and what to read, by the keys
	// its vendor's descriptor declares (sinks.Vendor.Options), decoded
	// from the source section; paths are resolved against the job's folder.
	Conn sinks.Conn `yaml:"-"`
	// API: Type names a vendor that can be read.
	API bool `yaml:"-"`
}

// SourceLimits are source.limits: sizes ("16MiB", "2GiB", or bytes) and counts.
type SourceLimits struct {
	MaxRecord        string `yaml:"max_record"`
	MaxField         string `yaml:"max_field"`
	MaxUnzip         string `yaml:"max_unzip"`
	MaxSheet         string `yaml:"max_sheet"`
	MaxPart          string `yaml:"max_part"`
	MaxSharedStrings string `yaml:"max_shared_strings"` // a count
	MaxSharedBytes   string `yaml:"max_shared_strings_size"`
	MaxParts         string `yaml:"max_parts"` // a count
	MaxInMemory      string `yaml:"max_in_memory"`
	MaxPartElements  string `yaml:"max_part_elements"` // a count
}

// SourceLimits returns the source's limits, defaults filled in.
func (s Source) SourceLimits() (sources.Limits, error) {
	var l sources.Limits
	if s.Limits != nil {
		for _, f := range []struct {
			name string
			v    string
			dst  *int64
		}{
			{"max_record", s.Limits.MaxRecord, &l.MaxRecordBytes},
			{"max_field", s.Limits.MaxField, &l.MaxFieldBytes},
			{"max_unzip", s.Limits.MaxUnzip, &l.MaxUnzipBytes},
			{"max_sheet", s.Limits.MaxSheet, &l.MaxSheetBytes},
			{"max_part", s.Limits.MaxPart, &l.MaxPartBytes},
			{"max_shared_strings", s.Limits.MaxSharedStrings, &l.MaxSharedStrings},
			{"max_shared_strings_size", s.Limits.MaxSharedBytes, &l.MaxSharedStringsBytes},
			{"max_parts", s.Limits.MaxParts, &l.MaxParts},
			{"max_in_memory", s.Limits.MaxInMemory, &l.MaxInMemoryBytes},
			{"max_part_elements", s.Limits.MaxPartElements, &l.MaxPartElements},
		} {
			if f.v == "" {
				continue
			}
			n, err := ParseSize(f.v)
			if err != nil {
				return l, fmt.Errorf("source.limits.%s: %w", f.name, err)
			}
			*f.dst = n
		}
	}
	return l.WithDefaults(), nil
}

// ParseSize reads "64MiB", "2GiB", "512KiB", "64MB" or a plain number.
func ParseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"k", 1000}, {"M", 1000 * 1000}, {"G", 1000 * 1000 * 1000}} {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(n), u.m
			break
		}
	}
	t = strings.ReplaceAll(t, "_", "")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("%q is not a size: use a positive number, optionally with KiB, MiB or GiB", v)
	}
	return n * mult, nil
}

// IsAPI reports whether the source is a vendor's API.
func (s Source) IsAPI() bool { return s.API }

// Sink says where records go: a vendor's connection, or an export file.
type Sink struct {
	Vendor string  `yaml:"vendor"`
	Object string  `yaml:"object"`
	Budget *Budget `yaml:"budget"`
	// Conn is the vendor's connection (url, credentials), by the keys the
	// vendor's descriptor declares (sinks.Vendor.Options), decoded from the
	// sink section. A key another vendor takes is refused.
	Conn sinks.Conn `yaml:"-"`
	// Connections are further credentials of the same account
	// (sink.connections: a list of mappings, each overriding connection
	// keys of the sink section), each the section's Conn with its entry's
	// keys over it. Each is a connection of its own, with its own budget;
	// entities are spread over all of them (sinks.Route).
	Connections []sinks.Conn `yaml:"-"`
	// Export sinks.
	Format string `yaml:"format"` // csv, jsonl or xlsx; empty = from the path's extension
	Path   string `yaml:"path"`
	Schema string `yaml:"schema"` // vendor/object whose schema the export follows; empty = any fields
	// FormulaSafe (CSV exports; default true) neutralizes every cell a
	// spreadsheet would evaluate; false writes cells raw, for programs.
	FormulaSafe *bool `yaml:"formula_safe"`
}

// Conns returns every connection of the sink: the section's own first,
// then sink.connections in order.
func (s Sink) Conns() []sinks.Conn {
	return append([]sinks.Conn{s.Conn}, s.Connections...)
}

// Budget is a call budget: at most Calls in any window of length Per.
type Budget struct {
	Calls int    `yaml:"calls"`
	Per   string `yaml:"per"`
	// Shared is who else counts against the window: "machine" (the
	// default: every leadsync process on this machine using the same
	// credential), "off" (this run alone), or a redis:// address (every
	// machine that reaches it: shards of one job).
	Shared string `yaml:"shared"`
}

// Window parses Per.
func (b Budget) Window() (time.Duration, error) { return time.ParseDuration(b.Per) }

// Retry is a job's retry bounds: attempts per entity and the total time
// one entity may spend (a duration such as 10m); zero values take the
// defaults (8 tries, 10 minutes).
type Retry struct {
	Attempts int    `yaml:"attempts"`
	MaxTime  string `yaml:"max_time"`
}

// MaxDuration parses MaxTime (0 when empty).
func (r Retry) MaxDuration() (time.Duration, error) {
	if r.MaxTime == "" {
		return 0, nil
	}
	return time.ParseDuration(r.MaxTime)
}

// Match declares the match keys (target fields) and the ambiguity policy.
// `match: none` says the job has no keys on purpose (None).
type Match struct {
	Keys        []string `yaml:"keys"`
	OnAmbiguous string   `yaml:"on_ambiguous"` // skip (default), first, fail
	// None: `match: none`, no matching at all; every row is created and
	// the run warns that duplicates are possible.
	None bool   `yaml:"-"`
	word string // any other word given as match: (refused)
}

// Enumerations checked by LoadJob.
var (
	Modes       = []string{"upsert", "create_only", "update_only"}
	Ambiguities = []string{"skip", "first", "fail"}
	Uncertains  = []string{"skip", "retry"}
	// StateValueWords are the state_values settings.
	StateValueWords = []string{"all", "none"}
	Merges          = []string{"later", "first"}
	// fileTypes are the source types that are files; the vendors that
	// can be read are source types too.
	fileTypes = []string{"csv", "xlsx"}
)

// LoadJob reads, checks and normalizes a job file. Every problem it can see
// without the source and the sink schema is returned, with positions.
// vendors are the vendors a job may name (sinks/vendors.All()): config
// itself knows none.
func LoadJob(path string, lookup func(string) (string, bool), vendors []sinks.Vendor) (*Job, error) {
	d, err := Load(path, lookup)
	if err != nil {
		return nil, err
	}
	return d.Job(vendors)
}

// Job decodes the document as a job naming one of vendors.
func (d *Doc) Job(vendors []sinks.Vendor) (*Job, error) {
	j := &Job{}
	if d.Root == nil || !IsMapping(d.Root) {
		return nil, Errors{d.At(d.Root, "a job file is a YAML mapping with source, sink and mapping")}
	}
	sinkVendor, sinkKnown := findVendor(vendors, d.scalarAt("$.sink.vendor"), false)
	// The source's vendor, as its type names it (in any case: the type
	// is lower-cased below); only an exact name skips source.path.
	srcVendor, srcKnown := findVendor(vendors, strings.ToLower(d.scalarAt("$.source.type")), true)
	srcAPI := srcKnown && d.scalarAt("$.source.type") == srcVendor.Name
	extra := map[reflect.Type][]string{
		reflect.TypeOf(Sink{}):   append(connKeys(vendors, false), "connections"),
		reflect.TypeOf(Source{}): connKeys(vendors, true),
	}
	if err := d.decode(d.Root, j, extra); err != nil {
		return nil, err
	}
	j.Doc = d
	j.Dir = filepath.Dir(d.File)
	var errs Errors
	need := func(path, val, what string) {
		if strings.TrimSpace(val) == "" {
			errs = append(errs, d.At(d.NodeAt(parentPath(path)), "%s is required (%s)", path[2:], what))
		}
	}
	oneOf := func(path string, val *string, def string, allowed []string) {
		if *val == "" {
			*val = def
			return
		}
		v := strings.ToLower(strings.TrimSpace(*val))
		for _, a := range allowed {
			if v == a {
				*val = v
				return
			}
		}
		errs = append(errs, d.At(d.NodeAt(path), "%s must be one of %s, not %s", path[2:], strings.Join(allowed, ", "), d.Shown(path, *val)))
	}
	if j.Name == "" {
		j.Name = strings.TrimSuffix(filepath.Base(d.File), filepath.Ext(d.File))
	}
	var connErrs Errors
	j.Sink.Conn, connErrs = d.decodeConn("$.sink", sinkVendor, sinkKnown, false, vendors)
	errs = append(errs, connErrs...)
	j.Sink.Connections, connErrs = d.decodeConnections(j.Sink.Conn, sinkVendor, sinkKnown, vendors)
	errs = append(errs, connErrs...)
	j.Source.Conn, connErrs = d.decodeConn("$.source", srcVendor, srcKnown, true, vendors)
	errs = append(errs, connErrs...)
	if !srcAPI {
		need("$.source.path", j.Source.Path, "the input file")
	} else {
		for _, o := range srcVendor.OptionsFor(true) {
			if o.Required != "" {
				need("$.source."+o.Key, j.Source.Conn.Get(o.Key), o.Required)
			}
		}
	}
	if j.Source.Type == "" && j.Source.Path != "" {
		j.Source.Type = strings.TrimPrefix(strings.ToLower(filepath.Ext(j.Source.Path)), ".")
		if j.Source.Type == "tsv" || j.Source.Type == "txt" {
			j.Source.Type = "csv"
		}
	}
	if j.Source.Path != "" || j.Source.Type != "" {
		oneOf("$.source.type", &j.Source.Type, "", sourceTypes(vendors))
	}
	j.Source.API = srcKnown && j.Source.Type == srcVendor.Name
	if _, err := j.Source.SourceLimits(); err != nil {
		errs = append(errs, d.At(d.NodeAt("$.source.limits"), "%v", err))
	}
	if j.Source.HeaderRow < 0 {
		errs = append(errs, d.At(d.NodeAt("$.source.header_row"), "source.header_row must be 1 or more"))
	}
	need("$.sink.vendor", j.Sink.Vendor, orList(vendorNames(vendors)))
	if j.Mapping == nil {
		errs = append(errs, d.At(d.Root, "mapping is required: the fields to write and where their values come from"))
	}
	oneOf("$.mode", &j.Mode, "upsert", Modes)
	oneOf("$.match.on_ambiguous", &j.Match.OnAmbiguous, "skip", Ambiguities)
	oneOf("$.on_uncertain", &j.OnUncertain, "skip", Uncertains)
	oneOf("$.merge", &j.Merge, "later", Merges)
	oneOf("$.state_values", &j.StateValues, "all", StateValueWords)
	if j.Retry.Attempts < 0 || j.Retry.Attempts > 100 {
		errs = append(errs, d.At(d.NodeAt("$.retry.attempts"), "retry.attempts must be between 1 and 100 (tries of one entity within a run)"))
	}
	if w, err := j.Retry.MaxDuration(); err != nil || w < 0 {
		errs = append(errs, d.At(d.NodeAt("$.retry.max_time"), "retry.max_time must be a duration such as 10m"))
	}
	if j.Sink.Budget != nil {
		if j.Sink.Budget.Calls <= 0 {
			errs = append(errs, d.At(d.NodeAt("$.sink.budget"), "sink.budget.calls must be a positive number of calls"))
		}
		if w, err := j.Sink.Budget.Window(); err != nil || w <= 0 {
			errs = append(errs, d.At(d.NodeAt("$.sink.budget"), "sink.budget.per must be a duration such as 60s or 5s, not %s", d.Shown("$.sink.budget.per", j.Sink.Budget.Per)))
		}
		if sh := strings.ToLower(strings.TrimSpace(j.Sink.Budget.Shared)); sh != "" && sh != "machine" && sh != "off" && !strings.HasPrefix(sh, "redis://") {
			errs = append(errs, d.At(d.NodeAt("$.sink.budget.shared"), "sink.budget.shared must be machine, off or a redis://host:port address"))
		}
	}
	if j.Region != "" {
		j.Region = strings.ToUpper(strings.TrimSpace(j.Region))
	}
	if j.Concurrency < 0 {
		errs = append(errs, d.At(d.NodeAt("$.concurrency"), "concurrency must be 1 or more"))
	}
	if j.KeepRuns < 0 {
		errs = append(errs, d.At(d.NodeAt("$.keep_runs"), "keep_runs must be 1 or more (0 or absent: keep every run's rows)"))
	}
	errs = append(errs, d.checkBounds(j)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	j.Source.Path = j.Resolve(j.Source.Path)
	for _, o := range srcVendor.OptionsFor(true) {
		if o.Kind == sinks.PathOption && j.Source.Conn[o.Key] != "" {
			j.Source.Conn[o.Key] = j.Resolve(j.Source.Conn[o.Key])
		}
	}
	if j.Sink.Path != "" {
		j.Sink.Path = j.Resolve(j.Sink.Path)
	}
	if j.State == "" {
		j.State = filepath.Join(j.Dir, ".leadsync", "state.db")
	} else {
		j.State = j.Resolve(j.State)
	}
	if err := d.checkCollisions(j); err != nil {
		return nil, err
	}
	return j, nil
}

// checkCollisions refuses a job whose export output is its own input (the
// source would be replaced by the mapped rows) or whose state database is
// the input or the output (it would be opened as SQLite over that file).
func (d *Doc) checkCollisions(j *Job) error {
	same := func(a, b string) bool {
		if a == "" || b == "" {
			return false
		}
		if filepath.Clean(a) == filepath.Clean(b) {
			return true
		}
		fa, errA := os.Stat(a)
		fb, errB := os.Stat(b)
		return errA == nil && errB == nil && os.SameFile(fa, fb)
	}
	src := ""
	if !j.Source.IsAPI() {
		src = j.Source.Path
	}
	var errs Errors
	if same(j.Sink.Path, src) {
		errs = append(errs, d.At(d.NodeAt("$.sink.path"), "sink.path is the source file: the export would replace its own input; write it elsewhere"))
	}
	if same(j.State, src) {
		errs = append(errs, d.At(d.NodeAt("$.state"), "state is the source file: the state database needs a file of its own"))
	}
	if same(j.State, j.Sink.Path) {
		errs = append(errs, d.At(d.NodeAt("$.state"), "state is the sink.path file: the state database needs a file of its own"))
	}
	return errs.Err()
}

// Resolve makes a job-relative path absolute-or-cwd-relative.
func (j *Job) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(j.Dir, p)
}

// Shown is how a message may quote the value at path: quoted, or as its
// ${VAR} reference when it came from the environment (it may be a secret).
func (d *Doc) Shown(path, val string) string {
	if v := d.Env[path]; v != "" {
		return "${" + v + "}"
	}
	return fmt.Sprintf("%q", val)
}

// EnvVar names the environment variable a value at path came from, or "".
func (j *Job) EnvVar(path string) string { return j.Doc.Env[path] }

// NodeAt returns the node at a YAML path such as "$.sink.url", or the
// nearest existing parent, so an error can point somewhere useful.
func (d *Doc) NodeAt(path string) ast.Node {
	for p := path; p != "" && p != "$"; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterNode(d.Root); err == nil && n != nil {
			return n
		}
	}
	return d.Root
}

func parentPath(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i <= 1 {
		return "$"
	}
	return p[:i]
}
