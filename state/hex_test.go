package state

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// lowerHex and decodeHex give what the text-by-range test and
// encoding/hex give, for hashes and for every byte in every place.
func TestLowerHexAgreesWithEncodingHex(t *testing.T) {
	slow := func(s string) bool {
		if len(s) == 0 || len(s)%2 != 0 {
			return false
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
		return true
	}
	r := rand.New(rand.NewPCG(1, 2))
	cases := []string{"", "0", "00", "0g", "AB", "ab", "ff00", "f", "\x00\x00"}
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, hex.EncodeToString(b))
		if len(b) > 0 {
			s := []byte(hex.EncodeToString(b))
			s[r.IntN(len(s))] = byte(r.IntN(256)) // one byte anything
			cases = append(cases, string(s))
		}
	}
	for _, s := range cases {
		if got, want := lowerHex(s), slow(s); got != want {
			t.Fatalf("lowerHex(%q) = %v, want %v", s, got, want)
		}
		if !slow(s) {
			continue
		}
		n := min(len(s)/2, hashBytes)
		want, _ := hex.DecodeString(s[:2*n])
		if got := decodeHex(make([]byte, n), s); !bytes.Equal(got, want) {
			t.Fatalf("decodeHex(%q) = %x, want %x", s, got, want)
		}
	}
}
