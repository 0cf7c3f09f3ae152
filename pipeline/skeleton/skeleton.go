// Package skeleton writes a whole job file for a source file and a sink
// object (`leadsync inspect FILE --sink VENDOR/OBJECT`): the source with
// its detected dialect, the sink's connection keys as ${VAR}
// placeholders, region, match keys and a mapping guessed from the header.
// What it cannot know is left as a config.FillIn placeholder, which
// validate refuses (naming it) until it is replaced.
package skeleton

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/sinks"
)

// Conn is one connection key of a sink, written as ${Env:-Default}.
type Conn struct {
	Key     string // sink key: url, api_key, token, ...
	Env     string // the environment variable: LEADDESK_API_KEY
	Default string // used when Env is unset ("sandbox" for url, "" for credentials)
	Comment string
}

// Source is the source file as inspect detected it.
type Source struct {
	Path      string // as the job should name it (relative to the job's folder)
	Type      string // csv or xlsx
	Delimiter string // csv: ",", ";", "|" or "tab"; "" to detect
	Encoding  string // csv: the detected encoding; "" to detect
	Sheet     string // xlsx: the sheet; "" for the first
	HeaderRow int    // 1-based; 0 or 1 are left out
}

// Input is what a skeleton is made of.
type Input struct {
	Name   string
	Source Source
	Vendor string
	Object sinks.Object
	Conn   []Conn
	// Budget is the vendor's documented limit ("100", "60s"); empty
	// Calls leaves the budget out.
	BudgetCalls int
	BudgetPer   string
	// Region is the default phone region; "" leaves a placeholder when
	// the object has a phone field.
	Region string
	Header []string
}

// Placeholder is a FillIn the skeleton leaves, where it is.
type Placeholder struct {
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Path string `json:"path"` // YAML path: $.region, $.mapping.list.value
	Text string `json:"text"` // <FILL IN: calling list name>
}

// Skeleton is the job text and its placeholders.
type Skeleton struct {
	YAML         string        `json:"yaml"`
	Placeholders []Placeholder `json:"placeholders"`
}

// Fill is a placeholder's text for what.
func Fill(what string) string { return config.FillIn + ": " + what + ">" }

// Build writes the skeleton of in.
func Build(in Input) Skeleton {
	var b builder
	obj := in.Object
	name := in.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(in.Source.Path), filepath.Ext(in.Source.Path)) + "-" + in.Vendor
	}
	b.line("# A job skeleton from `leadsync inspect`: replace every FILL IN placeholder,")
	b.line("# check the guessed mapping, then `leadsync validate` this file (add --online")
	b.line("# to check the vendor's objects) and `leadsync run` it.")
	b.line("name: %s", quote(name))
	b.line("source:")
	b.line("  path: %s", quote(in.Source.Path))
	if in.Source.Type != "" {
		b.line("  type: %s", in.Source.Type)
	}
	if in.Source.Delimiter != "" {
		b.line("  delimiter: %s      # detected", quote(in.Source.Delimiter))
	}
	if in.Source.Encoding != "" {
		b.line("  encoding: %s      # detected", in.Source.Encoding)
	}
	if in.Source.Sheet != "" {
		b.line("  sheet: %s", quote(in.Source.Sheet))
	}
	if in.Source.HeaderRow > 1 {
		b.line("  header_row: %d", in.Source.HeaderRow)
	}
	b.line("sink:")
	b.line("  vendor: %s", in.Vendor)
	b.line("  object: %s", obj.Name)
	for _, c := range in.Conn {
		comment := ""
		if c.Comment != "" {
			comment = "   # " + c.Comment
		}
		b.line("  %s: ${%s:-%s}%s", c.Key, c.Env, c.Default, comment)
	}
	if in.BudgetCalls > 0 {
		b.line("  budget: {calls: %d, per: %s}   # the vendor's documented limit", in.BudgetCalls, in.BudgetPer)
	}
	if hasPhone(obj) {
		if in.Region != "" {
			b.line("region: %s", in.Region)
		} else {
			b.fill("$.region", "region: ", Fill("default phone region, ISO 3166 (FI, US)"), "   # for phones written without a country code")
		}
	}
	sugs := mapping.Suggest(in.Header, obj)
	mapped := map[string]bool{}
	for _, s := range sugs {
		mapped[s.Field] = true
	}
	if !obj.Event {
		var keys []string
		for _, k := range obj.Keys {
			if mapped[k] {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			b.line("match:")
			b.line("  keys: [%s]", strings.Join(keys, ", "))
		} else {
			b.line("match:")
			b.fill("$.match.keys", "  keys: [", Fill("match key field: "+strings.Join(obj.Keys, ", ")), "]")
		}
	}
	b.line("mapping:")
	for _, l := range strings.Split(strings.TrimSuffix(mapping.SuggestYAML(sugs, obj), "\n"), "\n")[1:] {
		if i := strings.Index(l, config.FillIn); i >= 0 {
			field := strings.TrimSpace(l[:strings.Index(l, ":")])
			b.at("$.mapping."+field+".value", l, i, l[i:i+strings.Index(l[i:], ">")+1])
			continue
		}
		b.line("%s", l)
	}
	return Skeleton{YAML: b.String(), Placeholders: b.ph}
}

type builder struct {
	strings.Builder
	n  int
	ph []Placeholder
}

func (b *builder) line(format string, args ...any) {
	fmt.Fprintf(b, format+"\n", args...)
	b.n++
}

// fill writes prefix, a quoted placeholder and suffix as one line.
func (b *builder) fill(path, prefix, text, suffix string) {
	l := prefix + strconv.Quote(text) + suffix
	b.at(path, l, len(prefix)+1, text)
}

func (b *builder) at(path, l string, col0 int, text string) {
	b.n++
	b.ph = append(b.ph, Placeholder{Line: b.n, Col: col0 + 1, Path: path, Text: text})
	b.WriteString(l + "\n")
}

func hasPhone(obj sinks.Object) bool {
	return slices.ContainsFunc(obj.Fields, func(f sinks.Field) bool { return f.Type == sinks.Phone })
}

// quote writes s as a YAML double-quoted scalar when it needs quoting.
func quote(s string) string {
	if s == "" || strings.ContainsAny(s, ":;#{}[],&*!|>'\"%@`\\") || strings.TrimSpace(s) != s {
		return strconv.Quote(s)
	}
	return s
}
