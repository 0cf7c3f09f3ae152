// Package report writes what a run leaves for people: the rejected-rows
// file (fixable and re-importable), the written-rows file and the run
// summary. Every CSV cell that a spreadsheet would run as a formula is
// neutralized.
package report

import "strings"

// SafeCell neutralizes a CSV cell that a spreadsheet would evaluate as a
// formula (leading = + - @ TAB CR) by prefixing an apostrophe. Phone
// numbers and signed numbers ("+358 40 123 4567", "-12.5") are left as
// they are, so a rejected-rows file can be fixed and imported again.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if numberLike(s[1:]) {
			return s
		}
		return "'" + s
	}
	return s
}

func numberLike(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == ' ', r == '(', r == ')', r == '.', r == '/':
		case r == '-':
		default:
			return false
		}
	}
	return true
}

// SafeRow applies SafeCell to every cell, in a new slice.
func SafeRow(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = SafeCell(c)
	}
	return out
}
