package config

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
)

// A quote inside a plain scalar (`a: b 'c`) made the byte scan take the
// rest of the file for a quoted string, so nesting and aliases after it
// reached the parser unchecked; 30000 levels cost it gigabytes.
func TestParseRefusesShapesAfterAQuoteInAPlainScalar(t *testing.T) {
	lookup := func(string) (string, bool) { return "", false }
	for name, tc := range map[string]struct{ src, want string }{
		"flow":         {"a: b 'c\nd: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n", "nested more than 64"},
		"flow mapping": {"a: b 'c\nd: " + strings.Repeat("{a: ", 1000) + "x" + strings.Repeat("}", 1000) + "\n", "nested more than 64"},
		"block":        {"a: b 'c\nd:\n  " + strings.Repeat("- ", 1000) + "x\n", "nested more than 64"},
		"aliases":      {"a: &a [x]\nb: c \"d\ne: [" + strings.Repeat("*a, ", 200) + "*a]\n", "more than 100 aliases"},
	} {
		if err := checkShape("job.yaml", []byte(tc.src)); err != nil {
			t.Fatalf("%s: the byte scan now catches it (%v): the case no longer tests checkTokens", name, err)
		}
		_, err := Parse("job.yaml", []byte(tc.src), lookup)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

// The token check counts what the parser will nest, not more: a file as
// deep as MaxDepth passes, and quotes, comments and block scalars holding
// brackets, dashes and stars count nothing. (The byte scan, checkShape, is
// coarser: it counts inside block scalars.)
func TestCheckTokensCountsOnlyStructure(t *testing.T) {
	for name, src := range map[string]string{
		"flow at the bound":    "d: " + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + "\n",
		"block at the bound":   "d:\n  " + strings.Repeat("- ", MaxDepth-1) + "x\n",
		"at the key's column":  "d:\n" + strings.Repeat("- ", MaxDepth-1) + "x\n",
		"empty keys in a list": "d:\n" + strings.Repeat("- k:\n", 3*MaxDepth) + "e:\n- - x\n",
		"quoted brackets":      "a: '" + strings.Repeat("[", 200) + "'\nb: \"" + strings.Repeat("{", 200) + "\"\n",
		"block scalar":         "a: |\n  " + strings.Repeat("[", 200) + "\n  " + strings.Repeat("- ", 200) + "\nb: x\n",
		"comment":              "a: x # " + strings.Repeat("[", 200) + " " + strings.Repeat("*a ", 200) + "\n",
		"aliases at the bound": "a: &a x\nb: [" + strings.Repeat("*a, ", MaxAliases-1) + "*a]\n",
	} {
		if err := checkTokens("job.yaml", lexer.Tokenize(src)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckTokensRefusesOneLevelPastTheBound(t *testing.T) {
	for name, src := range map[string]string{
		"flow":  "d: " + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + "\n",
		"block": "d:\n  " + strings.Repeat("- ", MaxDepth) + "x\n",
		// A sequence at its key's column is the key's value, one level
		// in (the fuzzer's file: 63 dashes under "1:" parsed 65 deep).
		"at the key's column": "d:\n" + strings.Repeat("- ", MaxDepth) + "x\n",
		"fuzzer's file":       "0: 000\n1:\n" + strings.Repeat("- ", 63) + "-",
		"after a comment":     "d: # note\n# more\n" + strings.Repeat("- ", MaxDepth) + "x\n",
		"mixed":               "a:\n  - b:\n      c: " + strings.Repeat("[", MaxDepth-3) + strings.Repeat("]", MaxDepth-3) + "\n",
	} {
		if err := checkTokens("job.yaml", lexer.Tokenize(src)); err == nil || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// A tag ending its line (`- - !`) makes the parser nest the next line's
// collection inside it, whatever its column: the fuzzer's file below
// parsed 65 deep past both checks, and 20 dashes and a tag per line nested
// 20 deeper per line, without bound. Such a tag is refused; tags on their
// value's line, and anchors ending a line (the parser nests nothing under
// those), still parse.
func TestParseRefusesATagEndingItsLine(t *testing.T) {
	lookup := func(string) (string, bool) { return "", false }
	chain := func(prop string, lines int) string {
		var b strings.Builder
		b.WriteString("0:\n")
		for range lines {
			b.WriteString("  " + strings.Repeat("- ", 20) + prop + "\n")
		}
		return b.String() + "  - x\n"
	}
	for name, src := range map[string]string{
		"fuzzer's file": "0:\n  " + strings.Repeat("- ", 36) + "!\n" + strings.Repeat(" ", 52) + strings.Repeat("- ", 27) + "-",
		"tags":          chain("!", 8),
		"named tags":    chain("!!seq", 8),
		"tag, comment":  chain("! # note", 8),
		"tag then key":  "0:\n" + strings.Repeat("  "+strings.Repeat("- ", 20)+"!\n  k:\n", 4) + "  - x\n",
		"key's tag":     "0:\n" + strings.Repeat("  "+strings.Repeat("- ", 20)+"k: !\n", 4) + "  - x\n",
		"tagged map":    "sink: !!map\n  vendor: export\n",
	} {
		_, err := Parse("job.yaml", []byte(src), lookup)
		if err == nil || !strings.Contains(err.Error(), "ends its line") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	for name, src := range map[string]string{
		"anchored mapping": "base: &b\n  vendor: export\n  path: o.csv\nsink: *b\n",
		"anchors":          chain("&a", 3),
		"tagged scalar":    "phone: !!str 0123 # kept as text\nlist: !!seq [a, b]\n",
	} {
		if _, err := Parse("job.yaml", []byte(src), lookup); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
