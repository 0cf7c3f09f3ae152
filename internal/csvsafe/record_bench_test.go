package csvsafe

import "testing"

func BenchmarkAppendCSVRecord(b *testing.B) {
	rec := []string{"Bench", "Anna123", "Virtanen456", "+358401234567", "lead.12345@example.fi", "Helsinki", "Company 12 Oy"}
	for c := 6; c < 20; c++ {
		rec = append(rec, "value 12-345")
	}
	var buf []byte
	for b.Loop() {
		buf = AppendRecord(buf[:0], rec, true)
	}
}
