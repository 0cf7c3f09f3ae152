// Package mapping turns source records into sink records. A mapping is
// declared in YAML (inline in a job or in its own file), compiled once
// against the sink's schema and the source's header, so that every mistake
// is reported with its YAML line and column before a row is read. Applying
// a compiled mapping is pure: no I/O, no globals, safe for concurrent use.
package mapping

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sources"
)

// Options are the inputs of Compile besides the mapping itself.
type Options struct {
	// Header is the source's column names.
	Header []string
	// SourceFile names the input in row errors.
	SourceFile string
	// Region is the default phone region for phone fields and keys.
	Region string
	// Keys are the match-key fields declared in the job, and KeysNode
	// their YAML node, for positions.
	Keys     []string
	KeysNode ast.Node
	// Lookup resolves ${VAR} in a separate mapping file (nil: environment).
	Lookup func(string) (string, bool)
}

// Lead is one mapped record.
type Lead struct {
	// Row is the source row the lead came from.
	Row int
	// Values holds the target fields' values, aligned with Mapping.Fields().
	Values []string
	// Keys are the normalized match keys, "phone:+358401234567",
	// "email:anna@example.fi"; empty values yield no key.
	Keys []string
	// Missing names the required fields this row left empty (only from
	// ApplyPartial): another row of the same entity may fill them.
	Missing []string
	// MissingColumn is the source column of the first missing field.
	MissingColumn string
}

// Mapping is a compiled mapping. Its zero value is not usable.
type Mapping struct {
	fields    []*field
	names     []string
	keys      []keySpec
	header    []string
	file      string
	templates bool
}

type field struct {
	name     string
	spec     sinks.Field
	columns  []int  // source columns, joined by join
	column   string // first column's header name, for messages
	join     string
	constant *string
	tmpl     *template.Template
	steps    []transform
	required bool
	def      string
	check    transform
	autoNorm transform // type normalization the user did not spell out
	// emailOut: the field's last step is keys.NormalizeEmail, so a value
	// it yields is its own email key value (NormalizeEmail keeps what it
	// returned as it is) and is not normalized a second time.
	emailOut bool
}

type keySpec struct {
	field int
	kind  keys.Kind // the schema field's declared kind (sinks.Field.KeyKind)
}

// Fields returns the target field names, in the order of Lead.Values.
func (m *Mapping) Fields() []string { return m.names }

// Header returns the source header the mapping was compiled against.
func (m *Mapping) Header() []string { return m.header }

// KeyFields returns the match-key field names and the kinds their schema
// fields declare.
func (m *Mapping) KeyFields() (names []string, kinds []keys.Kind) {
	for _, k := range m.keys {
		names = append(names, m.names[k.field])
		kinds = append(kinds, k.kind)
	}
	return names, kinds
}

// ColumnsOf returns the source column indexes a field is read from.
func (m *Mapping) ColumnsOf(field string) []int {
	for _, f := range m.fields {
		if f.name == field {
			return append([]int(nil), f.columns...)
		}
	}
	return nil
}

// Constants returns the fields given one value for every row (`value:`),
// by name: what a job names at the vendor (a calling list, a lead source),
// for online checks.
func (m *Mapping) Constants() sinks.Fields {
	out := sinks.Fields{}
	for _, f := range m.fields {
		if f.constant != nil {
			out[f.name] = *f.constant
		}
	}
	return out
}

// PerRow returns the fields whose values come from the row (a column,
// columns or a template), in mapping order.
func (m *Mapping) PerRow() []string {
	var out []string
	for _, f := range m.fields {
		if f.constant == nil {
			out = append(out, f.name)
		}
	}
	return out
}

// spec is a field as written in YAML.
type spec struct {
	Column    string     `yaml:"column"`
	Columns   []string   `yaml:"columns"`
	Join      *string    `yaml:"join"`
	Value     *string    `yaml:"value"`
	Template  string     `yaml:"template"`
	Transform []ast.Node `yaml:"transform"`
	Required  *bool      `yaml:"required"`
	Default   *string    `yaml:"default"`
	Check     string     `yaml:"check"`
}

type compiler struct {
	doc    *config.Doc
	opts   Options
	obj    sinks.Object
	errs   config.Errors
	header map[string]int
	folded map[string]int
}

func (c *compiler) errorf(n ast.Node, format string, args ...any) {
	c.errs = append(c.errs, c.doc.At(n, format, args...))
}

func (c *compiler) addErr(err error) {
	var es config.Errors
	if errors.As(err, &es) {
		c.errs = append(c.errs, es...)
		return
	}
	c.errs = append(c.errs, &config.Error{File: c.doc.File, Msg: err.Error()})
}

// Compile builds a mapping from node (a mapping, or a scalar naming a
// mapping file relative to doc's folder) for object obj. All problems are
// returned together as config.Errors.
func Compile(doc *config.Doc, node ast.Node, obj sinks.Object, opts Options) (*Mapping, error) {
	if name, ok := config.Scalar(node); ok && strings.HasPrefix(name, PresetPrefix) {
		src, err := Preset(strings.TrimPrefix(name, PresetPrefix))
		if err != nil {
			return nil, config.Errors{doc.At(node, "%v", err)}
		}
		pdoc, err := config.Parse(name, src, opts.Lookup)
		if err != nil {
			return nil, err
		}
		doc, node = pdoc, pdoc.Root
	} else if path, ok := config.Scalar(node); ok && path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(doc.File), path)
		}
		fdoc, err := config.Load(path, opts.Lookup)
		if err != nil {
			var es config.Errors
			if errors.As(err, &es) {
				return nil, err
			}
			return nil, config.Errors{doc.At(node, "mapping file: %v", err)}
		}
		doc, node = fdoc, fdoc.Root
	}
	c := &compiler{doc: doc, opts: opts, obj: obj, header: map[string]int{}, folded: map[string]int{}}
	for i, h := range opts.Header {
		if _, dup := c.header[h]; !dup {
			c.header[h] = i
		}
		k := foldHeader(h)
		if _, dup := c.folded[k]; !dup {
			c.folded[k] = i
		}
	}
	m := &Mapping{header: opts.Header, file: opts.SourceFile}
	pairs := config.Pairs(node)
	if pairs == nil {
		c.errorf(node, "a mapping is a table of target field: source (column, value or template)")
		return nil, c.errs.Err()
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		name := config.Key(p)
		if seen[name] {
			c.errorf(p.Key, "field %s is mapped twice", name)
			continue
		}
		seen[name] = true
		f := c.compileField(name, p)
		if f != nil {
			m.fields = append(m.fields, f)
			m.names = append(m.names, name)
			if f.tmpl != nil {
				m.templates = true
			}
		}
	}
	for _, req := range obj.Required() {
		if !seen[req] {
			c.errorf(node, "required field %s of %s is not mapped", req, obj.Name)
		}
	}
	for ki, k := range opts.Keys {
		idx := -1
		for i, n := range m.names {
			if n == k {
				idx = i
			}
		}
		if idx < 0 {
			if seen[k] {
				continue // the field itself had an error
			}
			c.errorf(opts.KeysNode, "match key %s is not a mapped field%s", k, didYouMean(k, m.names))
			continue
		}
		if !c.keyField(k) {
			c.notKeyField(opts.KeysNode, ki, k)
			continue
		}
		m.keys = append(m.keys, keySpec{field: idx, kind: m.fields[idx].spec.KeyKind()})
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

func foldHeader(h string) string { return strings.ToLower(collapseSpaces(h)) }

func (c *compiler) column(n ast.Node, name string) (int, bool) {
	if i, ok := c.header[name]; ok {
		return i, true
	}
	if i, ok := c.folded[foldHeader(name)]; ok {
		return i, true
	}
	c.errorf(n, "column %q is not in the source header%s", name, didYouMean(name, c.opts.Header))
	return 0, false
}

func (c *compiler) compileField(name string, p *ast.MappingValueNode) *field {
	sf, ok := c.obj.Field(name)
	if !ok {
		c.errorf(p.Key, "%s has no field %q%s", c.obj.Name, name, didYouMean(name, c.obj.FieldNames()))
		return nil
	}
	var s spec
	if col, ok := config.Scalar(p.Value); ok {
		s.Column = col // shorthand: `fname: First name`
	} else if err := c.doc.Decode(p.Value, &s); err != nil {
		c.addErr(err)
		return nil
	}
	f := &field{name: name, spec: sf, required: sf.Required, join: " "}
	sources := 0
	if s.Column != "" {
		sources++
		if i, ok := c.column(p.Value, s.Column); ok {
			f.columns = []int{i}
			f.column = c.opts.Header[i]
		}
	}
	if len(s.Columns) > 0 {
		sources++
		for _, col := range s.Columns {
			if i, ok := c.column(p.Value, col); ok {
				f.columns = append(f.columns, i)
				if f.column == "" {
					f.column = c.opts.Header[i]
				}
			}
		}
		if s.Join != nil {
			f.join = *s.Join
		}
	}
	if s.Value != nil {
		sources++
		f.constant = s.Value
	}
	if s.Template != "" {
		sources++
		f.tmpl = c.compileTemplate(p.Value, name, s.Template)
	}
	if sources != 1 {
		c.errorf(p.Value, "field %s needs exactly one of column, columns, value or template", name)
		return nil
	}
	if s.Required != nil {
		if sf.Required && !*s.Required {
			c.errorf(p.Value, "field %s is required by %s and cannot be made optional", name, c.obj.Name)
		}
		f.required = *s.Required
	}
	if s.Default != nil {
		f.def = *s.Default
	}
	explicitPhone, explicitEmail := false, false
	lastStep := ""
	for _, tn := range s.Transform {
		if t, ok := c.compileTransform(tn, sf); ok {
			f.steps = append(f.steps, t)
		}
		lastStep = transformName(tn)
		if tname := lastStep; tname == "phone" {
			explicitPhone = true
		} else if tname == "email" {
			explicitEmail = true
		}
	}
	switch s.Check {
	case "":
	case "email":
		f.check = func(v string) (string, error) { return keys.NormalizeEmail(v) }
		explicitEmail = true
	case "phone":
		region := c.opts.Region
		f.check = func(v string) (string, error) {
			if v == "" {
				return v, nil
			}
			_, err := keys.NormalizePhone(v, region)
			return v, err
		}
	case "int":
		f.check = checkInt
	default:
		c.errorf(p.Value, "unknown check %q (email, phone, int)", s.Check)
	}
	// The schema's type decides the wire form: a phone field is sent as
	// E.164 and an email field lower-cased, unless the mapping says how.
	switch sf.Type {
	case sinks.Phone:
		if !explicitPhone {
			region := c.opts.Region
			f.autoNorm = func(v string) (string, error) {
				if strings.TrimSpace(v) == "" {
					return "", nil
				}
				return keys.NormalizePhone(v, region)
			}
		}
	case sinks.Email:
		if !explicitEmail {
			f.autoNorm = func(v string) (string, error) { return keys.NormalizeEmail(v) }
		}
	case sinks.Int:
		f.autoNorm = checkInt
	case sinks.Number:
		f.autoNorm = checkNumber
	case sinks.Enum:
		f.autoNorm = enumCheck(sf.Enum)
	case sinks.Date:
		f.autoNorm = layoutCheck("2006-01-02", "YYYY-MM-DD")
	case sinks.DateTime:
		if sf.Format != "" {
			f.autoNorm = layoutCheck(sf.Format, sf.Format)
		}
	}
	switch {
	case f.autoNorm != nil:
		f.emailOut = sf.Type == sinks.Email && !explicitEmail
	case f.check != nil:
		f.emailOut = s.Check == "email"
	default:
		f.emailOut = lastStep == "email" && f.def == ""
	}
	c.emptyConstant(p.Value, name, f, s.Transform)
	return f
}

func transformName(n ast.Node) string {
	if s, ok := config.Scalar(n); ok {
		return s
	}
	if p := config.Pairs(n); len(p) == 1 {
		return config.Key(p[0])
	}
	return ""
}

// checkNumber accepts a decimal number ("98112", "-3.5", "1e3") as given.
func checkNumber(v string) (string, error) {
	t := strings.TrimSpace(v)
	if t == "" {
		return "", nil
	}
	if _, err := strconv.ParseFloat(t, 64); err != nil {
		return "", fmt.Errorf("not a number: %q", v)
	}
	return t, nil
}

func checkInt(v string) (string, error) {
	t := strings.TrimSpace(v)
	if t == "" {
		return "", nil
	}
	if _, err := strconv.ParseInt(t, 10, 64); err != nil {
		// Spreadsheets write whole numbers as 12.0.
		if f, ferr := strconv.ParseFloat(t, 64); ferr == nil && f == float64(int64(f)) {
			return strconv.FormatInt(int64(f), 10), nil
		}
		return "", fmt.Errorf("%w: %q", ErrNotInt, v)
	}
	return t, nil
}

func enumCheck(allowed []string) transform {
	return func(v string) (string, error) {
		if v == "" {
			return v, nil
		}
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSpace(v), a) {
				return a, nil
			}
		}
		return "", fmt.Errorf("%w: %q (allowed: %s)", ErrNotInEnum, v, strings.Join(allowed, ", "))
	}
}

func layoutCheck(layout, human string) transform {
	return func(v string) (string, error) {
		if v == "" {
			return v, nil
		}
		if _, err := time.Parse(layout, v); err != nil {
			return "", fmt.Errorf("%w: %q is not %s (add a date transform)", ErrInvalidDate, v, human)
		}
		return v, nil
	}
}

// compileTemplate parses a text/template over columns ({{.Budget}} or
// {{index . "First name"}}) and checks every column it names.
func (c *compiler) compileTemplate(n ast.Node, name, text string) *template.Template {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		c.errorf(n, "template: %v", err)
		return nil
	}
	var walk func(parse.Node)
	walk = func(pn parse.Node) {
		switch x := pn.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, ch := range x.Nodes {
					walk(ch)
				}
			}
		case *parse.ActionNode:
			walk(x.Pipe)
		case *parse.PipeNode:
			for _, cmd := range x.Cmds {
				walk(cmd)
			}
		case *parse.CommandNode:
			if len(x.Args) == 3 {
				if id, ok := x.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" {
					if s, ok := x.Args[2].(*parse.StringNode); ok {
						c.column(n, s.Text)
					}
				}
			}
			for _, a := range x.Args {
				walk(a)
			}
		case *parse.FieldNode:
			c.column(n, x.Ident[0])
		case *parse.IfNode:
			walk(x.Pipe)
			walk(x.List)
			if x.ElseList != nil {
				walk(x.ElseList)
			}
		case *parse.RangeNode:
			walk(x.Pipe)
			walk(x.List)
		case *parse.WithNode:
			walk(x.Pipe)
			walk(x.List)
		}
	}
	walk(t.Tree.Root)
	return t
}

// RowError is a sources.RowError: mapping problems are row problems.
type RowError = sources.RowError

// Apply maps one record. A problem with the row is returned as a
// *sources.RowError naming the file, row and column; the record's other
// fields are not written.
func (m *Mapping) Apply(rec sources.Record) (Lead, error) {
	l, _, err := m.apply(rec, false, false)
	return l, err
}

// ApplyPartial is Apply for rows that are merged with others of the same
// entity before they are written: a required field left empty is not an
// error here but listed in Lead.Missing, for the caller to check on the
// merged entity (an e-mail-only row may complete a person whose other
// row has the phone).
func (m *Mapping) ApplyPartial(rec sources.Record) (Lead, error) {
	l, _, err := m.apply(rec, true, false)
	return l, err
}

// ApplyPartialKeys is ApplyPartial and SinkKeys of its lead at once: each
// key's value is normalized once.
func (m *Mapping) ApplyPartialKeys(rec sources.Record) (Lead, []sinks.Key, error) {
	return m.apply(rec, true, true)
}

func (m *Mapping) apply(rec sources.Record, partial, withKeys bool) (Lead, []sinks.Key, error) {
	// Values and Keys share one allocation; each is capped to its part,
	// so an append to either cannot reach the other.
	nf := len(m.fields)
	buf := make([]string, nf+len(m.keys))
	lead := Lead{Row: rec.Row, Values: buf[:nf:nf]}
	var data map[string]string
	if m.templates {
		data = make(map[string]string, len(m.header))
		for i, h := range m.header {
			if i < len(rec.Values) {
				data[h] = rec.Values[i]
			}
		}
	}
	for i, f := range m.fields {
		v, err := f.apply(rec, data)
		if err != nil && partial && errors.Is(err, ErrRequired) {
			if lead.Missing == nil {
				lead.MissingColumn = f.column
				if lead.MissingColumn == "" {
					lead.MissingColumn = f.name
				}
			}
			lead.Missing = append(lead.Missing, f.name)
			continue
		}
		if err != nil {
			col := f.column
			if col == "" {
				col = f.name
			}
			return Lead{}, nil, &RowError{File: m.file, Row: rec.Row, Column: col, Raw: rec.Values, Err: fmt.Errorf("field %s: %w", f.name, err)}
		}
		lead.Values[i] = v
	}
	var sk []sinks.Key
	for _, k := range m.keys {
		v := lead.Values[k.field]
		if v == "" {
			continue
		}
		if k.kind == keys.Email && m.fields[k.field].emailOut {
			if lead.Keys == nil {
				lead.Keys = buf[nf:nf:len(buf)]
			}
			lead.Keys = append(lead.Keys, string(keys.Email)+":"+v)
			if withKeys {
				sk = m.appendSinkKey(sk, k, v) // as SinkKeys has it
			}
			continue
		}
		if n, ok := keys.Value(k.kind, v, ""); ok { // keys.Key, its value kept
			if lead.Keys == nil {
				lead.Keys = buf[nf:nf:len(buf)]
			}
			lead.Keys = append(lead.Keys, string(k.kind)+":"+n)
			if withKeys {
				sk = m.addSinkKey(sk, k, n)
			}
		}
	}
	return lead, sk, nil
}

func (f *field) apply(rec sources.Record, data map[string]string) (string, error) {
	var v string
	switch {
	case f.constant != nil:
		v = *f.constant
	case f.tmpl != nil:
		var b strings.Builder
		if err := f.tmpl.Execute(&b, data); err != nil {
			return "", fmt.Errorf("template: %w", err)
		}
		v = b.String()
	case len(f.columns) == 1:
		if f.columns[0] < len(rec.Values) {
			v = rec.Values[f.columns[0]]
		}
	default:
		parts := make([]string, 0, len(f.columns))
		for _, ci := range f.columns {
			if ci < len(rec.Values) {
				if p := strings.TrimSpace(rec.Values[ci]); p != "" {
					parts = append(parts, p)
				}
			}
		}
		v = strings.Join(parts, f.join)
	}
	var err error
	for _, t := range f.steps {
		if v, err = t(v); err != nil {
			return "", err
		}
	}
	if v == "" && f.def != "" {
		v = f.def
	}
	if f.check != nil {
		if v, err = f.check(v); err != nil {
			return "", err
		}
	}
	if f.autoNorm != nil {
		if v, err = f.autoNorm(v); err != nil {
			return "", err
		}
	}
	if f.required && strings.TrimSpace(v) == "" {
		return "", ErrRequired
	}
	if f.spec.MaxLen > 0 && len(v) > f.spec.MaxLen && utf8Len(v) > f.spec.MaxLen {
		return "", fmt.Errorf("%w: %d characters, at most %d (add a truncate transform)", ErrTooLong, utf8Len(v), f.spec.MaxLen)
	}
	return v, nil
}

func utf8Len(s string) int { return len([]rune(s)) }

func didYouMean(got string, candidates []string) string {
	if s := config.Closest(got, candidates); s != "" {
		if p, ok := strings.CutSuffix(s, "*"); ok {
			// A wildcard field: name the form to write.
			return fmt.Sprintf("; did you mean %s<key>, such as %ssource?", p, p)
		}
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// SinkKeys returns a lead's match keys in the form sinks take them.
func (m *Mapping) SinkKeys(l Lead) []sinks.Key {
	var out []sinks.Key
	for _, k := range m.keys {
		if v := l.Values[k.field]; v != "" {
			out = m.appendSinkKey(out, k, v)
		}
	}
	return out
}

// appendSinkKey appends the match key of k's value v, when v is one.
func (m *Mapping) appendSinkKey(out []sinks.Key, k keySpec, v string) []sinks.Key {
	if n, ok := keys.Value(k.kind, v, ""); ok {
		return m.addSinkKey(out, k, n)
	}
	return out
}

// addSinkKey appends k's key of normalized value n.
func (m *Mapping) addSinkKey(out []sinks.Key, k keySpec, n string) []sinks.Key {
	if out == nil {
		out = make([]sinks.Key, 0, len(m.keys))
	}
	return append(out, sinks.Key{Field: m.names[k.field], Kind: string(k.kind), Value: n})
}
