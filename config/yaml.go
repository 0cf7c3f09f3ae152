// Package config reads leadsync's YAML files (jobs and mappings) with
// positions: every problem is reported with its file, line and column, all
// of them at once where the YAML itself parses, and `${VAR}` references are
// expanded from the environment without the values ever reaching a message.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/leadsync/leadsync/sources"
)

// Error is one configuration problem at a place in a file.
type Error struct {
	File string
	Line int // 1-based; 0 when the problem has no position
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in a configuration, in file order.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil when there is no problem, else the sorted list.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
	return es
}

// Doc is one parsed YAML file.
type Doc struct {
	File string
	Root ast.Node
	// Env maps the YAML path of each value that came from the environment
	// ("$.sink.api_key") to the variable it named.
	Env map[string]string
}

// At returns an Error positioned at node.
func (d *Doc) At(node ast.Node, format string, args ...any) *Error {
	e := &Error{File: d.File, Msg: fmt.Sprintf(format, args...)}
	if node != nil && node.GetToken() != nil {
		p := node.GetToken().Position
		e.Line, e.Col = p.Line, p.Column
	}
	return e
}

// Parse reads YAML source, expanding ${VAR} from lookup (os.LookupEnv when
// nil). A syntax error is returned alone; missing variables are all listed.
func Parse(file string, src []byte, lookup func(string) (string, bool)) (*Doc, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if err := checkShape(file, src); err != nil {
		return nil, err
	}
	tokens := lexer.Tokenize(string(src))
	if err := checkTokens(file, tokens); err != nil {
		return nil, err
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	d := &Doc{File: file, Env: map[string]string{}}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.Root = f.Docs[0].Body
	}
	if len(f.Docs) > 1 {
		return nil, &Error{File: file, Line: 1, Col: 1, Msg: "more than one YAML document; a job file holds one"}
	}
	var errs Errors
	walkScalars(d.Root, func(n *ast.StringNode) {
		expandNode(d, n, lookup, &errs)
	})
	return d, errs.Err()
}

// Load reads and parses a file. Only a regular file of at most MaxFileSize
// bytes is read.
func Load(path string, lookup func(string) (string, bool)) (*Doc, error) {
	f, _, err := sources.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("the file is larger than %d KiB; a job or mapping file is a few KiB of YAML", MaxFileSize>>10)}}
	}
	if errs := fillInErrors(path, src); len(errs) > 0 {
		return nil, errs
	}
	return Parse(path, src, lookup)
}

// FillIn marks a placeholder a generated skeleton (leadsync inspect)
// leaves for the user: a file still holding one is refused.
const FillIn = "<FILL IN"

// fillInErrors names every placeholder left in src.
func fillInErrors(file string, src []byte) Errors {
	var errs Errors
	for i, line := range strings.Split(string(src), "\n") {
		if c := strings.Index(line, FillIn); c >= 0 {
			ph := line[c:]
			if e := strings.Index(ph, ">"); e >= 0 {
				ph = ph[:e+1]
			}
			errs = append(errs, &Error{File: file, Line: i + 1, Col: c + 1, Msg: fmt.Sprintf("placeholder %s is still there: replace it with the real value", ph)})
		}
	}
	return errs
}

// Bounds checked before YAML is parsed, so a hostile file costs nothing.
const (
	MaxFileSize = 1 << 20 // bytes
	MaxDepth    = 64      // nesting of [ { and of block collections
	MaxAliases  = 100     // *alias references
)

// checkShape refuses, in one cheap pass, YAML nested deeper than MaxDepth
// (flow brackets, or block indentation levels) or with more than
// MaxAliases aliases (exponential expansion).
func checkShape(file string, src []byte) error {
	if len(src) > MaxFileSize {
		return Errors{{File: file, Msg: fmt.Sprintf("the file is larger than %d KiB; a job or mapping file is a few KiB of YAML", MaxFileSize>>10)}}
	}
	depth, aliases := 0, 0
	var indents []int // open block indentation levels
	line, col := 1, 0
	atLineStart, inComment := true, false
	var quote byte
	indent := 0
	tooDeep := func() error {
		return Errors{{File: file, Line: line, Col: col + 1, Msg: fmt.Sprintf("nested more than %d levels deep; a job file needs a handful", MaxDepth)}}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' {
			line, col, atLineStart, inComment, indent = line+1, 0, true, false, 0
			continue
		}
		col++
		if inComment {
			continue
		}
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		if atLineStart {
			if c == ' ' {
				indent++
				continue
			}
			atLineStart = false
			if c != '#' {
				for len(indents) > 0 && indents[len(indents)-1] >= indent {
					indents = indents[:len(indents)-1]
				}
				indents = append(indents, indent)
				if len(indents) > MaxDepth {
					return tooDeep()
				}
			}
		}
		switch c {
		case '#':
			if i == 0 || src[i-1] == ' ' || src[i-1] == '\t' {
				inComment = true
			}
		case '"', '\'':
			if i == 0 || strings.IndexByte(" \t[{,:-", src[i-1]) >= 0 {
				quote = c
			}
		case '[', '{':
			depth++
			if depth+len(indents) > MaxDepth {
				return tooDeep()
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '-':
			// "- - - x": each dash opens a block sequence one level deeper.
			if i+1 < len(src) && (src[i+1] == ' ') && (i == 0 || src[i-1] == ' ' || src[i-1] == '\n') {
				indents = append(indents, indent+col)
				if len(indents) > MaxDepth {
					return tooDeep()
				}
			}
		case '*':
			if i+1 < len(src) && isAnchorChar(src[i+1]) && (i == 0 || strings.IndexByte(" \t[{,:", src[i-1]) >= 0) {
				if aliases++; aliases > MaxAliases {
					return Errors{{File: file, Line: line, Col: col, Msg: fmt.Sprintf("more than %d aliases (*name); a job file needs none", MaxAliases)}}
				}
			}
		}
	}
	return nil
}

// checkTokens bounds nesting and aliases again, on the lexer's tokens,
// before the parser sees them. checkShape guesses quotes from the bytes and
// can be misled: in `a: b 'c` the quote is part of a plain scalar, yet
// checkShape takes the rest of the file for a quoted string and counts
// nothing in it. The lexer knows quotes, comments and block scalars
// exactly (it is the parser's own), and lexing is linear, while parsing
// is not: 30000 nested [ or "- " took the parser gigabytes.
func checkTokens(file string, tokens token.Tokens) error {
	flow, aliases := 0, 0
	var block []int // column of each open block collection's entries
	// open pops the collections a new one at col closes and pushes it.
	// keep is the column of a level it nests in though equal: a key whose
	// value is the sequence at the key's own column (`k:` then `- x`).
	open := func(col, keep int) {
		for len(block) > 0 && block[len(block)-1] >= col && !(block[len(block)-1] == col && col == keep) {
			block = block[:len(block)-1]
		}
		block = append(block, col)
	}
	emptyKey := -1 // column of the key whose value is still to come, while no other token has
	for i, tk := range tokens {
		keyCol := emptyKey
		if tk.Type != token.CommentType {
			emptyKey = -1
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType:
			if flow == 0 {
				open(tk.Position.Column, keyCol)
			}
		case token.MappingValueType:
			if flow == 0 && i > 0 {
				emptyKey = tokens[i-1].Position.Column // the key's
				open(emptyKey, -1)
			}
		case token.AliasType:
			if aliases++; aliases > MaxAliases {
				return Errors{{File: file, Line: tk.Position.Line, Col: tk.Position.Column, Msg: fmt.Sprintf("more than %d aliases (*name); a job file needs none", MaxAliases)}}
			}
		case token.TagType:
			// A tag ending its line leaves its node open, and the parser
			// nests the next lines inside it whatever their columns
			// (`- - !` then `- - !`... nests without bound), so the
			// column count above cannot follow it. A job file needs no
			// tags; one on its value's line is still read.
			next := i + 1
			for next < len(tokens) && tokens[next].Type == token.CommentType {
				next++
			}
			if next == len(tokens) || tokens[next].Position.Line > tk.Position.Line {
				return Errors{{File: file, Line: tk.Position.Line, Col: tk.Position.Column, Msg: fmt.Sprintf("the tag %s ends its line; put the value on the tag's line, or drop the tag (a job file needs none)", tk.Value)}}
			}
		}
		if flow+len(block) > MaxDepth {
			return Errors{{File: file, Line: tk.Position.Line, Col: tk.Position.Column, Msg: fmt.Sprintf("nested more than %d levels deep; a job file needs a handful", MaxDepth)}}
		}
	}
	return nil
}

func isAnchorChar(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

func expandNode(d *Doc, n *ast.StringNode, lookup func(string) (string, bool), errs *Errors) {
	if !strings.Contains(n.Value, "${") {
		return
	}
	var vars []string
	out := envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		vars = append(vars, m[1])
		v, ok := lookup(m[1])
		if !ok || v == "" {
			if strings.Contains(ref, ":-") {
				return m[2]
			}
			if !ok {
				*errs = append(*errs, d.At(n, "environment variable %s is not set", m[1]))
			}
			return ""
		}
		return v
	})
	n.Value = out
	d.Env[n.GetPath()] = strings.Join(vars, ",")
}

func walkScalars(n ast.Node, fn func(*ast.StringNode)) {
	switch n := n.(type) {
	case *ast.StringNode:
		fn(n)
	case *ast.MappingNode:
		for _, v := range n.Values {
			walkScalars(v.Value, fn)
		}
	case *ast.MappingValueNode:
		walkScalars(n.Value, fn)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			walkScalars(v, fn)
		}
	case *ast.TagNode:
		walkScalars(n.Value, fn)
	case *ast.AnchorNode:
		walkScalars(n.Value, fn)
	}
}

func syntaxError(file string, err error) error {
	var se yaml.Error
	if errors.As(err, &se) && se.GetToken() != nil {
		p := se.GetToken().Position
		return Errors{{File: file, Line: p.Line, Col: p.Column, Msg: se.GetMessage()}}
	}
	return Errors{{File: file, Msg: err.Error()}}
}

// Pairs returns the key/value pairs of a mapping node (nil for other nodes).
func Pairs(n ast.Node) []*ast.MappingValueNode {
	switch n := Unwrap(n).(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

// Unwrap strips tags and anchors.
func Unwrap(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			n = t.Value
		default:
			return n
		}
	}
}

// IsMapping reports whether n is a YAML mapping.
func IsMapping(n ast.Node) bool {
	switch Unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
}

// Key returns a pair's key as a string.
func Key(p *ast.MappingValueNode) string {
	return strings.TrimSpace(p.Key.String())
}

// Scalar returns a scalar node's value as text, and false for mappings,
// sequences and null.
func Scalar(n ast.Node) (string, bool) {
	switch t := Unwrap(n).(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.NullNode, nil:
		return "", false
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return "", false
	default:
		if s, ok := t.(ast.ScalarNode); ok {
			return fmt.Sprint(s.GetValue()), true
		}
		return strings.TrimSpace(t.String()), true
	}
}

// Decode decodes node into v (a pointer to a struct), first reporting every
// key that v's type does not declare anywhere below node. Fields of type
// ast.Node are taken raw and not checked.
func (d *Doc) Decode(node ast.Node, v any) error {
	return d.decode(node, v, nil)
}

func (d *Doc) nodeToValue(node ast.Node, v any) error {
	if node == nil {
		return nil
	}
	if err := yaml.NodeToValue(node, v); err != nil {
		var se yaml.Error
		if errors.As(err, &se) && se.GetToken() != nil {
			p := se.GetToken().Position
			return Errors{{File: d.File, Line: p.Line, Col: p.Column, Msg: se.GetMessage()}}
		}
		return Errors{d.At(node, "%v", err)}
	}
	return nil
}

var nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()

func (d *Doc) checkKeysWith(node ast.Node, t reflect.Type, extra map[reflect.Type][]string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nodeType || node == nil {
		return
	}
	node = Unwrap(node)
	switch t.Kind() {
	case reflect.Struct:
		if !IsMapping(node) {
			return // a type error that Decode reports
		}
		fields := yamlFields(t)
		for _, k := range extra[t] {
			if _, ok := fields[k]; !ok {
				fields[k] = nodeType // taken raw: the vendor's descriptor reads it
			}
		}
		for _, p := range Pairs(node) {
			k := Key(p)
			f, ok := fields[k]
			if !ok {
				*errs = append(*errs, d.At(p.Key, "unknown key %q%s", k, suggest(k, keysOf(fields))))
				continue
			}
			d.checkKeysWith(p.Value, f, extra, errs)
		}
	case reflect.Map:
		for _, p := range Pairs(node) {
			d.checkKeysWith(p.Value, t.Elem(), extra, errs)
		}
	case reflect.Slice:
		if s, ok := node.(*ast.SequenceNode); ok {
			for _, v := range s.Values {
				d.checkKeysWith(v, t.Elem(), extra, errs)
			}
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(tag, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func keysOf(m map[string]reflect.Type) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Suggest returns `; did you mean "x"?` for the closest candidate within a
// small edit distance, or "".
func suggest(got string, candidates []string) string {
	if s := Closest(got, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// Closest returns the candidate nearest to got by edit distance when it is
// close enough to be a likely typo, else "".
func Closest(got string, candidates []string) string {
	best, bestD := "", 1<<30
	g := strings.ToLower(got)
	for _, c := range candidates {
		if d := EditDistance(g, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(got) / 3
	if limit < 2 {
		limit = 2
	}
	if bestD <= limit {
		return best
	}
	// "Puhelinnumero" for "Puhelin": one name contains the other.
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len(lc) >= 4 && len(g) >= 4 && (strings.Contains(g, lc) || strings.Contains(lc, g)) {
			return c
		}
	}
	return ""
}

// EditDistance is the Levenshtein distance between two strings, in runes.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
