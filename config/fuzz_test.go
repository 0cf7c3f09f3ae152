package config

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

// FuzzJob: any bytes parse to a job or to positioned errors; never a panic,
// and hostile shapes are refused before the parser sees them: a document
// that parses is no deeper than MaxDepth and has no more than MaxAliases
// aliases.
func FuzzJob(f *testing.F) {
	for _, seed := range []string{
		"source: {path: a.csv}\nsink: {vendor: export, path: o.csv}\nmapping:\n  name: name\n",
		"source:\n  path: a.csv\n  limits: {max_record: 8MiB}\nsink: {vendor: export}\nmapping: {}\n",
		strings.Repeat("[", 1000),
		strings.Repeat("- ", 200) + "x",
		"a: &a [x]\nb: [*a, *a]\n",
		"source: ${NOPE}\n",
		"\"unterminated",
		"a: 'it''s'\nb: \"q\\\"\"\n",
		"---\na: 1\n---\nb: 2\n",
		// Quotes the byte scan misreads: inside a plain scalar, escaped,
		// in block scalars and comments, each before nesting it must see.
		"a: b 'c\nd: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n",
		"a: b \"c\nd:\n  " + strings.Repeat("- ", 100) + "x\n",
		"a: x, 'y\nb: [" + strings.Repeat("*a, ", 120) + "*a]\n",
		"a: 'x'' [[[['\nb: [[\"]]]]\"]]\n",
		"a: |\n  'quoted line\n  [[[[\nb: >-\n  \"x\n  - - -\nc: [x]\n",
		"a: x # 'c [[[[\nb: [y]\n",
		"a:\n  - b:\n      c: " + strings.Repeat("[", MaxDepth-4) + strings.Repeat("]", MaxDepth-4) + "\n",
		// Anchors and aliases in the shapes a job may use them.
		"base: &b {vendor: export, path: o.csv}\nsink: *b\nsource: {path: a.csv}\nmapping: {name: name}\n",
		"x: &m {a: 1}\ny:\n  <<: *m\n  b: 2\n",
		"a: &a\n  b: &b [*a]\n",
		// Encodings and bytes a hand-edited file holds.
		"\xef\xbb\xbfsource: {path: a.csv}\r\nsink: {vendor: export}\r\nmapping: {}\r\n",
		"\xff\xfes\x00:\x00 \x00x\x00\n\x00",
		"source: {path: \"a\x00.csv\"}\n",
		"source:\r  path: a.csv\r",
		"source:\n\tpath: a.csv\n",
		"%YAML 1.2\n---\nsource: !!str x\n? [a, b]\n: c\n",
	} {
		f.Add([]byte(seed))
	}
	lookup := func(k string) (string, bool) { return "", false }
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse("job.yaml", src, lookup)
		if err != nil || d == nil {
			return
		}
		if depth, aliases := shape(d.Root); depth > MaxDepth || aliases > MaxAliases {
			t.Fatalf("parsed a document %d deep with %d aliases (bounds %d, %d)", depth, aliases, MaxDepth, MaxAliases)
		}
		j, err := d.Job(testVendors())
		if err == nil && j == nil {
			t.Fatal("nil job without error")
		}
	})
}

// shape returns the collection nesting depth and the alias count of n.
func shape(n ast.Node) (depth, aliases int) {
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, p := range n.Values {
			d, a := pair(p)
			depth, aliases = max(depth, d), aliases+a
		}
		return depth + 1, aliases
	case *ast.MappingValueNode:
		d, a := pair(n)
		return d + 1, a
	case *ast.SequenceNode:
		for _, v := range n.Values {
			d, a := shape(v)
			depth, aliases = max(depth, d), aliases+a
		}
		return depth + 1, aliases
	case *ast.MappingKeyNode:
		return shape(n.Value)
	case *ast.TagNode:
		return shape(n.Value)
	case *ast.AnchorNode:
		return shape(n.Value)
	case *ast.AliasNode:
		return 0, 1
	}
	return 0, 0
}

func pair(p *ast.MappingValueNode) (depth, aliases int) {
	dk, ak := shape(p.Key)
	dv, av := shape(p.Value)
	return max(dk, dv), ak + av
}
