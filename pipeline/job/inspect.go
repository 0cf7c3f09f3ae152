package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/pipeline/skeleton"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/vendors"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/csvfile"
	"github.com/leadsync/leadsync/sources/staged"
	"github.com/leadsync/leadsync/sources/xlsxfile"
)

// InspectOptions are inspect's flags.
type InspectOptions struct {
	Rows      int    // sample rows
	Sheet     string // xlsx: sheet name or #index
	HeaderRow int    // the 1-based header row
	For       string // suggest a mapping for VENDOR/OBJECT
	Sink      string // write a whole job skeleton for VENDOR[/OBJECT]
	Skeleton  bool   // a skeleton for For (with a job: the job's sink)
	Out       string // write the skeleton to this file (refused when it exists)
	Lookup    func(string) (string, bool)
	Vendors   []sinks.Vendor // nil: sinks/vendors.All()
}

// Inspection is what Inspect found: inspect --json (keys documented in
// the README).
type Inspection struct {
	File       string            `json:"file"`
	Format     string            `json:"format"`
	Encoding   string            `json:"encoding"`
	BOM        bool              `json:"bom"`
	Delimiter  string            `json:"delimiter"`
	LineEnding string            `json:"line_ending"`
	Sheets     []string          `json:"sheets"`
	Columns    []InspectColumn   `json:"columns"`
	Warnings   []string          `json:"warnings"`
	Suggested  InspectSuggestion `json:"suggested"`
	Skeleton   *InspectSkeleton  `json:"skeleton"`
}

type InspectColumn struct {
	Index   int      `json:"index"`
	Name    string   `json:"name"`
	Samples []string `json:"samples"`
}

type InspectSuggestion struct {
	Sink    string               `json:"sink"`
	Mapping []mapping.Suggestion `json:"mapping"`
}

type InspectSkeleton struct {
	Sink         string                 `json:"sink"`
	Path         string                 `json:"path"`
	YAML         string                 `json:"yaml"`
	Placeholders []skeleton.Placeholder `json:"placeholders"`
}

// Inspect reads the head of a file (or of a job's source) and writes to w
// its columns, detected encoding and delimiter, sample rows and a
// suggested mapping, or with opts.Sink / opts.Skeleton a whole job
// skeleton. The Inspection holds the same as data.
func Inspect(ctx context.Context, w io.Writer, path string, opts InspectOptions) (*Inspection, error) {
	if opts.Vendors == nil {
		opts.Vendors = vendors.All()
	}
	if opts.HeaderRow == 0 {
		opts.HeaderRow = 1
	}
	out := &Inspection{File: path, Sheets: []string{}, Columns: []InspectColumn{}, Warnings: []string{}}
	var src sources.Source
	var job *config.Job
	skelSrc := skeleton.Source{}
	srcFile := path // the file a skeleton's source names
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".yaml", ".yml":
		// A job whose source is a vendor's API: its fields and a sample.
		var err error
		job, err = config.LoadJob(path, opts.Lookup, opts.Vendors)
		if err != nil {
			return nil, classed(Usage, err)
		}
		if !job.Source.IsAPI() {
			// The job's own source options (encoding, sheet, header_row, limits).
			s, err := openSource(job)
			if err != nil {
				return nil, classed(Usage, config.Errors{job.Doc.At(job.Doc.NodeAt("$.source.path"), "%v", err)})
			}
			src = s
			out.File, out.Format, srcFile = job.Source.Path, job.Source.Type, job.Source.Path
			skelSrc = skeleton.Source{Type: job.Source.Type, Sheet: job.Source.Sheet, HeaderRow: job.Source.HeaderRow, Delimiter: job.Source.Delimiter, Encoding: job.Source.Encoding}
			fmt.Fprintf(w, "file       %s\nformat     %s\n", job.Source.Path, job.Source.Type)
			if cs, ok := s.(*csvfile.Source); ok {
				d := cs.Dialect()
				out.Encoding, out.BOM, out.Delimiter, out.LineEnding = d.Encoding, d.BOM, string(d.Delimiter), string(d.LineEnding)
				skelSrc.Delimiter, skelSrc.Encoding = delimiterKey(d.Delimiter), d.Encoding
				fmt.Fprintf(w, "encoding   %s\ndelimiter  %s\n", d.Encoding, delimiterName(d.Delimiter))
			}
			break
		}
		api, err := openAPISource(opts.Vendors, job)
		if err != nil {
			return nil, classed(Usage, err)
		}
		defer api.close()
		src = staged.New(job.Source.Type, api.pager, nil, 0)
		out.File, out.Format, srcFile = jobURL(job, "source"), job.Source.Type, ""
		fmt.Fprintf(w, "source     %s %s (vendor API)\n", job.Source.Type, jobURL(job, "source"))
	case ".xlsx", ".xlsm":
		sheets, err := xlsxfile.Sheets(path)
		if err != nil {
			return nil, classed(Usage, err)
		}
		tmp, err := os.MkdirTemp("", "leadsync-inspect-")
		if err != nil {
			return nil, classed(Usage, err)
		}
		defer os.RemoveAll(tmp)
		s, err := xlsxfile.Open(path, xlsxfile.Options{Sheet: opts.Sheet, HeaderRow: opts.HeaderRow, TmpDir: tmp})
		if err != nil {
			return nil, classed(Usage, err)
		}
		src = s
		out.Format, out.Sheets = "xlsx", sheets
		skelSrc = skeleton.Source{Type: "xlsx", Sheet: opts.Sheet, HeaderRow: opts.HeaderRow}
		fmt.Fprintf(w, "file       %s\nformat     xlsx\nsheets     %s\n", path, strings.Join(sheets, ", "))
	default:
		s, err := csvfile.Open(path, csvfile.Options{HeaderRow: opts.HeaderRow})
		if err != nil {
			return nil, classed(Usage, err)
		}
		src = s
		d := s.Dialect()
		bom := ""
		if d.BOM {
			bom = " with BOM"
		}
		out.Format, out.Encoding, out.BOM, out.Delimiter, out.LineEnding = "csv", d.Encoding, d.BOM, string(d.Delimiter), string(d.LineEnding)
		skelSrc = skeleton.Source{Type: "csv", Delimiter: delimiterKey(d.Delimiter), Encoding: d.Encoding, HeaderRow: opts.HeaderRow}
		fmt.Fprintf(w, "file       %s\nformat     csv\nencoding   %s%s\ndelimiter  %s\nlines      %s\n", path, d.Encoding, bom, delimiterName(d.Delimiter), lineEndingName(string(d.LineEnding)))
	}
	defer src.Close()
	header := src.Header()
	fmt.Fprintf(w, "columns    %d\n\n", len(header))

	n := opts.Rows
	samples := make([][]string, len(header))
	var rowErrs []string
	for got := 0; got < n; {
		rec, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *sources.RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re.Error())
			continue
		}
		if err != nil {
			return nil, classed(Usage, err)
		}
		for i, v := range rec.Values {
			samples[i] = append(samples[i], v)
		}
		got++
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tCOLUMN\tSAMPLE VALUES")
	for i, h := range header {
		out.Columns = append(out.Columns, InspectColumn{Index: i + 1, Name: h, Samples: append([]string{}, samples[i]...)})
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, h, clip(strings.Join(quoteAll(samples[i]), "  "), 80))
	}
	tw.Flush()
	for _, r := range rowErrs {
		out.Warnings = append(out.Warnings, r)
		fmt.Fprintf(w, "warning: %s\n", r)
	}

	target := inspectTarget(opts, job, defaultTarget(opts.Vendors))
	obj, err := objectFor(opts.Vendors, target, "")
	if err != nil {
		return nil, classed(Usage, err)
	}
	vendor, _, _ := strings.Cut(target, "/")
	target = strings.ToLower(vendor) + "/" + obj.Name
	sugs := mapping.Suggest(header, obj)
	out.Suggested = InspectSuggestion{Sink: target, Mapping: sugs}
	if out.Suggested.Mapping == nil {
		out.Suggested.Mapping = []mapping.Suggestion{}
	}
	if opts.Sink == "" && !opts.Skeleton {
		fmt.Fprintf(w, "\nsuggested mapping for %s (check it, then paste it into a job):\n", target)
		fmt.Fprint(w, mapping.SuggestYAML(sugs, obj))
		return out, nil
	}
	if srcFile == "" {
		return nil, classed(Usage, fmt.Errorf("inspect --sink: %s reads a vendor's API; a skeleton starts from a file (inspect the file itself)", path))
	}
	sk, err := jobSkeleton(opts.Vendors, strings.ToLower(vendor), obj, skelSrc, srcFile, opts.Out, header, job)
	if err != nil {
		return nil, classed(Usage, err)
	}
	out.Skeleton = &InspectSkeleton{Sink: target, Path: opts.Out, YAML: sk.YAML, Placeholders: sk.Placeholders}
	if out.Skeleton.Placeholders == nil {
		out.Skeleton.Placeholders = []skeleton.Placeholder{}
	}
	if dst := opts.Out; dst != "" {
		if err := writeNew(dst, sk.YAML); err != nil {
			return nil, classed(Usage, err)
		}
		fmt.Fprintf(w, "\nwrote %s: a job for %s; %s to fill in, then leadsync validate %s:\n", dst, target, plural(len(sk.Placeholders), "placeholder"), dst)
		for _, p := range sk.Placeholders {
			fmt.Fprintf(w, "  %s:%d:%d: %s\n", dst, p.Line, p.Col, p.Text)
		}
		return out, nil
	}
	fmt.Fprintf(w, "\njob skeleton for %s (save it beside the file, replace each FILL IN placeholder, then leadsync validate it):\n", target)
	fmt.Fprint(w, sk.YAML)
	return out, nil
}

// inspectTarget is the object a suggestion or skeleton is for: --sink,
// --for, the job's sink (an export's schema), else leaddesk/contact.
func inspectTarget(opts InspectOptions, job *config.Job, def string) string {
	for _, v := range []string{opts.Sink, opts.For} {
		if v != "" {
			return v
		}
	}
	if job != nil {
		switch {
		case job.Sink.Vendor == "export" && job.Sink.Schema != "":
			return job.Sink.Schema
		case job.Sink.Vendor != "" && job.Sink.Vendor != "export":
			if job.Sink.Object != "" {
				return job.Sink.Vendor + "/" + job.Sink.Object
			}
			return job.Sink.Vendor
		}
	}
	return def
}

// connectionKeys are the vendor's sink connection keys, from its
// descriptor, as ${ENV:-} placeholders; url defaults to the sandbox, so a
// skeleton runs against the built-in emulator until the real URL is set.
func connectionKeys(ve sinks.Vendor) []skeleton.Conn {
	var out []skeleton.Conn
	for _, o := range ve.OptionsFor(false) {
		if o.Env == "" || o.Kind != sinks.TextOption {
			continue
		}
		c := skeleton.Conn{Key: o.Key, Env: o.Env, Comment: o.Doc}
		if o.Key == "url" {
			c.Default = "sandbox"
			if o.Default != "" {
				c.Comment = o.Default + " for production"
			}
		}
		out = append(out, c)
	}
	return out
}

// jobSkeleton builds the skeleton of a job for vendor's obj reading
// srcFile, its path written relative to where the job goes (out's
// folder, else the current one). A job's own name and region are kept.
func jobSkeleton(vs []sinks.Vendor, vendor string, obj sinks.Object, src skeleton.Source, srcFile, out string, header []string, job *config.Job) (skeleton.Skeleton, error) {
	ve, err := lookupVendor(vs, vendor)
	if err != nil {
		return skeleton.Skeleton{}, err
	}
	if ve.NewSink == nil {
		return skeleton.Skeleton{}, fmt.Errorf("inspect --sink: %s has no connection to write a job for; give a vendor (leaddesk, tiledesk, liondesk, leadsquared)", vendor)
	}
	in := skeleton.Input{Source: src, Vendor: vendor, Object: obj, Conn: connectionKeys(ve), Header: header}
	if ve.DefaultBudget != nil {
		if calls, per := ve.DefaultBudget(); calls > 0 && per > 0 {
			in.BudgetCalls, in.BudgetPer = calls, per.String()
			if per%time.Second == 0 {
				in.BudgetPer = fmt.Sprintf("%ds", per/time.Second)
			}
		}
	}
	if job != nil {
		in.Name, in.Region = job.Name+"-"+vendor, job.Region
	}
	dir := "."
	if out != "" {
		dir = filepath.Dir(out)
	}
	in.Source.Path = srcFile
	if abs, err := filepath.Abs(srcFile); err == nil {
		if d, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(d, abs); err == nil {
				in.Source.Path = filepath.ToSlash(rel)
			}
		}
	}
	return skeleton.Build(in), nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: inspect --out writes a new file only", path)
		}
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// delimiterKey is a detected delimiter as source.delimiter takes it.
func delimiterKey(r rune) string {
	if r == '\t' {
		return "tab"
	}
	if r == 0 {
		return ""
	}
	return string(r)
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func delimiterName(r rune) string {
	switch r {
	case '\t':
		return "tab"
	case ',':
		return "comma (,)"
	case ';':
		return "semicolon (;)"
	case '|':
		return "pipe (|)"
	}
	return string(r)
}

func lineEndingName(s string) string {
	if s == "" {
		return "single line"
	}
	return s
}
