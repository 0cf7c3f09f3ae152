// Package csvsafe is the one formula-safety rule for every CSV leadsync
// writes (reports, diffs, exports) and its exact inverse, which the CSV
// source applies when it reads a file leadsync wrote back in.
//
// A cell a spreadsheet would evaluate (its first character one of
// = + - @ TAB CR) is neutralized by an apostrophe in front, phone numbers
// and signed numbers included: Excel evaluates "+358 40 100 4003" and
// "-3". An apostrophe is also added in front of a cell that already starts
// with apostrophes followed by one of those characters, so Restore can
// undo exactly what Cell did: Restore(Cell(s)) == s for every s.
//
// The package imports nothing of leadsync, so report, the export sink and
// the CSV source can all use it.
package csvsafe

// Columns a leadsync rejected-rows file adds after the source's own; the
// CSV source recognises such a file by ColRow and ColReason in its header.
const (
	ColRow    = "leadsync_row"
	ColColumn = "leadsync_column"
	ColReason = "leadsync_reason"
)

// Prefix is what Cell puts in front of a cell it neutralizes.
const Prefix = '\''

// trigger reports a first character a spreadsheet evaluates.
func trigger(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// needs reports whether s, after any leading apostrophes, starts with a
// trigger: such a cell gets one more apostrophe.
func needs(s string) bool {
	i := 0
	for i < len(s) && s[i] == Prefix {
		i++
	}
	return i < len(s) && trigger(s[i])
}

// Needs reports whether Cell would change s: Cell(s) is then
// string(Prefix) + s. Writers that copy s anyway use it to add the
// apostrophe without building the new string.
func Needs(s string) bool { return needs(s) }

// Cell returns s neutralized: an apostrophe in front when a spreadsheet
// would evaluate it (see the package doc), else s unchanged.
func Cell(s string) string {
	if needs(s) {
		return string(Prefix) + s
	}
	return s
}

// Row applies Cell to every cell, in a new slice.
func Row(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Cell(c)
	}
	return out
}

// Restore undoes Cell: it drops the apostrophe Cell added, and leaves
// every other value alone.
func Restore(s string) string {
	if len(s) > 1 && s[0] == Prefix && needs(s[1:]) {
		return s[1:]
	}
	return s
}

// RestoreRow applies Restore to every cell, in place.
func RestoreRow(cells []string) {
	for i, c := range cells {
		cells[i] = Restore(c)
	}
}

// IsReport reports whether a CSV header is that of a file leadsync wrote
// with Cell applied (a rejected-rows file): it holds ColRow and ColReason.
func IsReport(header []string) bool {
	row, reason := false, false
	for _, h := range header {
		switch h {
		case ColRow:
			row = true
		case ColReason:
			reason = true
		}
	}
	return row && reason
}
