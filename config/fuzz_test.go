package config

import (
	"strings"
	"testing"
)

// FuzzJob: any bytes parse to a job or to positioned errors; never a panic,
// and hostile shapes are refused before the parser sees them.
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
	} {
		f.Add([]byte(seed))
	}
	lookup := func(k string) (string, bool) { return "", false }
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse("job.yaml", src, lookup)
		if err != nil || d == nil {
			return
		}
		j, err := d.Job(testVendors())
		if err == nil && j == nil {
			t.Fatal("nil job without error")
		}
	})
}
