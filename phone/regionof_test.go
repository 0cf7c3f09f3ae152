package phone

import (
	"math/rand"
	"strconv"
	"testing"
)

// regionOf's calling-code index answers as the lookups it replaces, for
// every calling code and national numbers of every length.
func TestRegionOfMatchesLookup(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var nsns []string
	for l := 1; l <= 17; l++ {
		for range 40 {
			b := make([]byte, l)
			for i := range b {
				b[i] = byte('0' + rng.Intn(10))
			}
			nsns = append(nsns, string(b))
		}
	}
	for d := 0; d < 100; d++ {
		nsns = append(nsns, strconv.Itoa(d)+"01234567")
	}
	for cc := -1; cc <= 1001; cc++ {
		for _, nsn := range nsns {
			r1, v1 := regionOf(cc, nsn)
			r2, v2 := regionOfLookup(cc, nsn)
			if r1 != r2 || v1 != v2 {
				t.Fatalf("regionOf(%d, %q) = %p, %v; lookup %p, %v", cc, nsn, r1, v1, r2, v2)
			}
		}
	}
}
