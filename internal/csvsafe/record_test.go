package csvsafe

import (
	"bytes"
	"encoding/csv"
	"math/rand"
	"strings"
	"testing"
)

// refCSVRecord is what the export wrote before AppendRecord:
// encoding/csv's Writer on the cells Cell neutralized.
func refCSVRecord(rec []string, safe bool) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	cells := rec
	if safe {
		cells = Row(rec)
	}
	if err := w.Write(cells); err != nil {
		panic(err)
	}
	w.Flush()
	return b.Bytes()
}

func checkCSVRecord(t *testing.T, rec []string) {
	t.Helper()
	for _, safe := range []bool{false, true} {
		got := AppendRecord([]byte("x"), rec, safe)
		want := append([]byte("x"), refCSVRecord(rec, safe)...)
		if !bytes.Equal(got, want) {
			t.Fatalf("record %q (safe %v):\n got %q\nwant %q", rec, safe, got, want)
		}
	}
}

var csvCells = []string{
	"", " ", "a", "abc", `"`, `""`, `a"b`, "a,b", ",", "\r", "\n", "\r\n", "a\rb", "a\nb",
	" lead", "\tlead", "\vx", "\fx", "\u00a0x", "\u0085x", "\u2000x", "\u3000x", "x ", "x\t",
	`\.`, `\.\.`, `\`, ".", "'", "''", "'=1", "=1", "+358401234567", "-1", "@x", "\tx",
	"\rx", "'\rx", "=a,b", `=a"b`, "+\n", "é", "\xff", "\xff ", "\xe2\x80", "Vir, \"T\"",
	"lead.1@example.fi", "\x00", "a\x00b", "'''+", "-", "=", "@",
}

func TestAppendCSVRecordMatchesEncodingCSV(t *testing.T) {
	for _, a := range csvCells {
		checkCSVRecord(t, []string{a})
		for _, b := range csvCells {
			checkCSVRecord(t, []string{a, b})
		}
	}
	checkCSVRecord(t, nil)
	checkCSVRecord(t, []string{})
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", " ", "\t", ",", `"`, "\r", "\n", "'", "=", "+", "-", "@", `\`, ".", "é", "\u00a0", "\u2028", "\xff", "0"}
	for range 20000 {
		rec := make([]string, rng.Intn(5))
		for i := range rec {
			var b strings.Builder
			for range rng.Intn(6) {
				b.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
			rec[i] = b.String()
		}
		checkCSVRecord(t, rec)
	}
}

func FuzzAppendCSVRecord(f *testing.F) {
	for _, c := range csvCells {
		f.Add(c, "x")
		f.Add("x", c)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkCSVRecord(t, []string{a, b})
		checkCSVRecord(t, []string{a})
	})
}
