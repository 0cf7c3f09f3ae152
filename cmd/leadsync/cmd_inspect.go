package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sources"
	"github.com/leadsync/leadsync/sources/csvfile"
	"github.com/leadsync/leadsync/sources/xlsxfile"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show a file's (or a job's vendor source's) columns, detected encoding and delimiter, sample rows and a suggested mapping",
		ArgsUsage: "FILE | JOB.yaml",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Value: 5, Usage: "sample `N` rows"},
			&cli.StringFlag{Name: "sheet", Usage: "xlsx: sheet name or #index"},
			&cli.IntFlag{Name: "header-row", Value: 1, Usage: "the 1-based row holding the header"},
			&cli.StringFlag{Name: "for", Value: job.DefaultTarget(e.vendors), Usage: "suggest a mapping for `VENDOR/OBJECT`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitf(ExitUsage, "inspect needs one file: leadsync inspect leads.csv")
			}
			return inspect(c, e, c.Args().First())
		},
	}
}

func inspect(c *cli.Context, e *env, path string) error {
	w := e.stdout
	var src sources.Source
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".yaml", ".yml":
		// A job whose source is a vendor's API: its fields and a sample.
		cfg, err := config.LoadJob(path, e.lookup, e.vendors)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		if !cfg.Source.IsAPI() {
			// The job's own source options (encoding, sheet, header_row, limits).
			s, err := job.OpenSource(cfg)
			if err != nil {
				return withCode(ExitUsage, config.Errors{cfg.Doc.At(cfg.Doc.NodeAt("$.source.path"), "%v", err)})
			}
			src = s
			fmt.Fprintf(w, "file       %s\nformat     %s\n", cfg.Source.Path, cfg.Source.Type)
			if cs, ok := s.(*csvfile.Source); ok {
				d := cs.Dialect()
				fmt.Fprintf(w, "encoding   %s\ndelimiter  %s\n", d.Encoding, delimiterName(d.Delimiter))
			}
			break
		}
		api, closeAPI, err := job.OpenAPIReader(e.vendors, cfg)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer closeAPI()
		src = api
		fmt.Fprintf(w, "source     %s %s (vendor API)\n", cfg.Source.Type, job.URL(cfg, "source"))
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
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, h, clip(strings.Join(quoteAll(samples[i]), "  "), 80))
	}
	tw.Flush()
	for _, r := range rowErrs {
		fmt.Fprintf(w, "warning: %s\n", r)
	}

	obj, err := job.ObjectFor(e.vendors, c.String("for"), "")
	if err != nil {
		return withCode(ExitUsage, err)
	}
	fmt.Fprintf(w, "\nsuggested mapping for %s (check it, then paste it into a job):\n", c.String("for"))
	fmt.Fprint(w, mapping.SuggestYAML(mapping.Suggest(header, obj), obj))
	return nil
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
