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
		"mixed": "a:\n  - b:\n      c: " + strings.Repeat("[", MaxDepth-3) + strings.Repeat("]", MaxDepth-3) + "\n",
	} {
		if err := checkTokens("job.yaml", lexer.Tokenize(src)); err == nil || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
