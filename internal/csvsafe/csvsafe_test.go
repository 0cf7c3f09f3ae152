package csvsafe

import (
	"strings"
	"testing"
)

// Every leading character a spreadsheet evaluates is neutralized, signed
// numbers and phone numbers included; nothing else is touched.
func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"Anna":               "Anna",
		"=HYPERLINK(\"x\")":  "'=HYPERLINK(\"x\")",
		"+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"@SUM(A1:A2)":        "'@SUM(A1:A2)",
		"-2+3":               "'-2+3",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"+1":                 "'+1",
		"-3":                 "'-3",
		"+358 40 100 4003":   "'+358 40 100 4003",
		"'=1":                "''=1",
		"''+1":               "'''+1",
		"'quoted":            "'quoted",
		"'":                  "'",
		" =1":                " =1",
		"040 100 4003":       "040 100 4003",
		"anna@example.fi":    "anna@example.fi",
		"•••@example.fi":     "•••@example.fi",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// Restore is the exact inverse of Cell, for every leading character class
// and any number of apostrophes before it.
func TestRestoreInvertsCell(t *testing.T) {
	var values []string
	for _, lead := range []string{"", "'", "''", "'''"} {
		for _, c := range []string{"=", "+", "-", "@", "\t", "\r", "a", " ", "'", "1", ""} {
			for _, rest := range []string{"", "1", "SUM(A1)", "358 40 100 4003"} {
				values = append(values, lead+c+rest)
			}
		}
	}
	for _, v := range values {
		if got := Restore(Cell(v)); got != v {
			t.Errorf("Restore(Cell(%q)) = %q", v, got)
		}
		if c := Cell(v); c != "" && c != v && !strings.HasPrefix(c, "'") {
			t.Errorf("Cell(%q) = %q does not start with an apostrophe", v, c)
		}
		if c := Cell(v); c != "" && trigger(c[0]) {
			t.Errorf("Cell(%q) = %q still starts with %q", v, c, c[0])
		}
	}
}

func TestIsReport(t *testing.T) {
	if !IsReport([]string{"Name", ColRow, ColColumn, ColReason}) {
		t.Error("a rejected-rows header is not recognised")
	}
	if IsReport([]string{"Name", "Phone"}) || IsReport([]string{"Name", ColRow}) {
		t.Error("a plain header is taken for a report")
	}
}
