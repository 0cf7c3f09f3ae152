// Package header checks the header row shared by the file sources: names
// trimmed, trailing blank cells dropped, the rest non-blank and unique.
package header

import (
	"fmt"
	"strings"

	"github.com/leadsync/leadsync/sources"
)

// Names returns the column names of a header row read from cells (a fresh
// slice), or a *sources.HeaderError naming the first blank or duplicate name.
// Surrounding white space is trimmed, since a mapping that says "Email" means
// the column headed " Email ". Blank cells after the last name are dropped:
// exports often end every line with a delimiter. label turns a 0-based
// position into the column label the user sees ("3", or "C").
func Names(file string, row int, cells []string, label func(i int) string) ([]string, error) {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: row %d: %w", file, row, sources.ErrNoHeader)
	}
	names := make([]string, n)
	seen := make(map[string]int, n)
	for i, c := range cells[:n] {
		name := strings.TrimSpace(c)
		if name == "" {
			return nil, &sources.HeaderError{File: file, Row: row, Column: label(i), Err: sources.ErrBlankHeader}
		}
		if first, dup := seen[name]; dup {
			return nil, &sources.HeaderError{
				File: file, Row: row, Column: label(i), Name: name,
				Err: fmt.Errorf("%w %q (also in column %s)", sources.ErrDuplicateHeader, name, label(first)),
			}
		}
		seen[name] = i
		names[i] = name
	}
	return names, nil
}
