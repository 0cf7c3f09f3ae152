package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/pipeline/skeleton"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/csvfile"
	"github.com/leadsync/leadsync/sources/staged"
	"github.com/leadsync/leadsync/sources/xlsxfile"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show a file's (or a job's vendor source's) columns, detected encoding and delimiter, sample rows and a suggested mapping; --sink: a whole job skeleton",
		ArgsUsage: "FILE | JOB.yaml",
		Description: "Without --sink it suggests a mapping block (for --for VENDOR/OBJECT, else the job's sink, else\n" +
			"leaddesk/contact). With --sink VENDOR[/OBJECT] (or --skeleton, for a job's own sink) it writes a whole\n" +
			"job: the source with its detected delimiter and encoding, the sink's connection keys as ${VAR}\n" +
			"placeholders, region, match keys and the guessed mapping. What it cannot guess is a <FILL IN: ...>\n" +
			"placeholder, which validate refuses, naming each, until it is replaced.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Value: 5, Usage: "sample `N` rows"},
			&cli.StringFlag{Name: "sheet", Usage: "xlsx: sheet name or #index"},
			&cli.IntFlag{Name: "header-row", Value: 1, Usage: "the 1-based row holding the header"},
			&cli.StringFlag{Name: "for", Usage: "suggest a mapping for `VENDOR/OBJECT` (default: the job's sink, else leaddesk/contact)"},
			&cli.StringFlag{Name: "sink", Usage: "write a whole job skeleton for `VENDOR[/OBJECT]`"},
			&cli.BoolFlag{Name: "skeleton", Usage: "write a whole job skeleton for the --for object (with a job: the job's sink)"},
			&cli.StringFlag{Name: "out", Usage: "write the skeleton to `FILE` (refused when it exists) instead of stdout"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "inspect needs one file: leadsync inspect leads.csv")
			}
			return inspect(c, e, c.Args().First())
		},
	}
}

// inspectOut is inspect --json (keys documented in the README).
type inspectOut struct {
	File       string          `json:"file"`
	Format     string          `json:"format"`
	Encoding   string          `json:"encoding"`
	BOM        bool            `json:"bom"`
	Delimiter  string          `json:"delimiter"`
	LineEnding string          `json:"line_ending"`
	Sheets     []string        `json:"sheets"`
	Columns    []inspectColumn `json:"columns"`
	Warnings   []string        `json:"warnings"`
	Suggested  inspectSuggest  `json:"suggested"`
	Skeleton   *inspectSkel    `json:"skeleton"`
}

type inspectColumn struct {
	Index   int      `json:"index"`
	Name    string   `json:"name"`
	Samples []string `json:"samples"`
}

type inspectSuggest struct {
	Sink    string               `json:"sink"`
	Mapping []mapping.Suggestion `json:"mapping"`
}

type inspectSkel struct {
	Sink         string                 `json:"sink"`
	Path         string                 `json:"path"`
	YAML         string                 `json:"yaml"`
	Placeholders []skeleton.Placeholder `json:"placeholders"`
}

func inspect(c *cli.Context, e *env, path string) error {
	var w io.Writer = e.stdout
	asJSON := c.Bool("json")
	if asJSON {
		w = io.Discard
	}
	out := inspectOut{File: path, Sheets: []string{}, Columns: []inspectColumn{}, Warnings: []string{}}
	var src sources.Source
	var job *config.Job
	skelSrc := skeleton.Source{}
	srcFile := path // the file a skeleton's source names
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".yaml", ".yml":
		// A job whose source is a vendor's API: its fields and a sample.
		var err error
		job, err = config.LoadJob(path, e.lookup, e.vendors)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		if !job.Source.IsAPI() {
			// The job's own source options (encoding, sheet, header_row, limits).
			s, err := openSource(job)
			if err != nil {
				return withCode(ExitUsage, config.Errors{job.Doc.At(job.Doc.NodeAt("$.source.path"), "%v", err)})
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
		api, err := openAPISource(e, job)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer api.close()
		src = staged.New(job.Source.Type, api.pager, nil, 0)
		out.File, out.Format, srcFile = jobURL(job, "source"), job.Source.Type, ""
		fmt.Fprintf(w, "source     %s %s (vendor API)\n", job.Source.Type, jobURL(job, "source"))
	case ".xlsx", ".xlsm":
		sheets, err := xlsxfile.Sheets(path)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		tmp, err := os.MkdirTemp("", "leadsync-inspect-")
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer os.RemoveAll(tmp)
		s, err := xlsxfile.Open(path, xlsxfile.Options{Sheet: c.String("sheet"), HeaderRow: c.Int("header-row"), TmpDir: tmp})
		if err != nil {
			return withCode(ExitUsage, err)
		}
		src = s
		out.Format, out.Sheets = "xlsx", sheets
		skelSrc = skeleton.Source{Type: "xlsx", Sheet: c.String("sheet"), HeaderRow: c.Int("header-row")}
		fmt.Fprintf(w, "file       %s\nformat     xlsx\nsheets     %s\n", path, strings.Join(sheets, ", "))
	default:
		s, err := csvfile.Open(path, csvfile.Options{HeaderRow: c.Int("header-row")})
		if err != nil {
			return withCode(ExitUsage, err)
		}
		src = s
		d := s.Dialect()
		bom := ""
		if d.BOM {
			bom = " with BOM"
		}
		out.Format, out.Encoding, out.BOM, out.Delimiter, out.LineEnding = "csv", d.Encoding, d.BOM, string(d.Delimiter), string(d.LineEnding)
		skelSrc = skeleton.Source{Type: "csv", Delimiter: delimiterKey(d.Delimiter), Encoding: d.Encoding, HeaderRow: c.Int("header-row")}
		fmt.Fprintf(w, "file       %s\nformat     csv\nencoding   %s%s\ndelimiter  %s\nlines      %s\n", path, d.Encoding, bom, delimiterName(d.Delimiter), lineEndingName(string(d.LineEnding)))
	}
	defer src.Close()
	header := src.Header()
	fmt.Fprintf(w, "columns    %d\n\n", len(header))

	n := c.Int("rows")
	samples := make([][]string, len(header))
	var rowErrs []string
	for got := 0; got < n; {
		rec, err := src.Next(c.Context)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *sources.RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re.Error())
			continue
		}
		if err != nil {
			return withCode(ExitUsage, err)
		}
		for i, v := range rec.Values {
			samples[i] = append(samples[i], v)
		}
		got++
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tCOLUMN\tSAMPLE VALUES")
	for i, h := range header {
		out.Columns = append(out.Columns, inspectColumn{Index: i + 1, Name: h, Samples: append([]string{}, samples[i]...)})
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, h, clip(strings.Join(quoteAll(samples[i]), "  "), 80))
	}
	tw.Flush()
	for _, r := range rowErrs {
		out.Warnings = append(out.Warnings, r)
		fmt.Fprintf(w, "warning: %s\n", r)
	}

	target := inspectTarget(c, job, defaultTarget(e.vendors))
	obj, err := objectFor(e.vendors, target, "")
	if err != nil {
		return withCode(ExitUsage, err)
	}
	vendor, _, _ := strings.Cut(target, "/")
	target = strings.ToLower(vendor) + "/" + obj.Name
	sugs := mapping.Suggest(header, obj)
	out.Suggested = inspectSuggest{Sink: target, Mapping: sugs}
	if out.Suggested.Mapping == nil {
		out.Suggested.Mapping = []mapping.Suggestion{}
	}
	if c.String("sink") == "" && !c.Bool("skeleton") {
		fmt.Fprintf(w, "\nsuggested mapping for %s (check it, then paste it into a job):\n", target)
		fmt.Fprint(w, mapping.SuggestYAML(sugs, obj))
		return printInspectJSON(e, asJSON, out)
	}
	if srcFile == "" {
		return exitf(ExitUsage, "inspect --sink: %s reads a vendor's API; a skeleton starts from a file (inspect the file itself)", path)
	}
	sk, err := jobSkeleton(e.vendors, strings.ToLower(vendor), obj, skelSrc, srcFile, c.String("out"), header, job)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	out.Skeleton = &inspectSkel{Sink: target, Path: c.String("out"), YAML: sk.YAML, Placeholders: sk.Placeholders}
	if out.Skeleton.Placeholders == nil {
		out.Skeleton.Placeholders = []skeleton.Placeholder{}
	}
	if dst := c.String("out"); dst != "" {
		if err := writeNew(dst, sk.YAML); err != nil {
			return withCode(ExitUsage, err)
		}
		fmt.Fprintf(w, "\nwrote %s: a job for %s; %s to fill in, then leadsync validate %s:\n", dst, target, plural(len(sk.Placeholders), "placeholder"), dst)
		for _, p := range sk.Placeholders {
			fmt.Fprintf(w, "  %s:%d:%d: %s\n", dst, p.Line, p.Col, p.Text)
		}
		return printInspectJSON(e, asJSON, out)
	}
	fmt.Fprintf(w, "\njob skeleton for %s (save it beside the file, replace each FILL IN placeholder, then leadsync validate it):\n", target)
	fmt.Fprint(w, sk.YAML)
	return printInspectJSON(e, asJSON, out)
}

// inspectTarget is the object a suggestion or skeleton is for: --sink,
// --for, the job's sink (an export's schema), else leaddesk/contact.
func inspectTarget(c *cli.Context, job *config.Job, def string) string {
	for _, f := range []string{"sink", "for"} {
		if v := c.String(f); v != "" {
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

func printInspectJSON(e *env, asJSON bool, out inspectOut) error {
	if !asJSON {
		return nil
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(b))
	return nil
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
