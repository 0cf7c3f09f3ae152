package offheap

import (
	"runtime"
	"testing"
)

type pair struct{ a, b int32 }

func TestMakeIsZeroedWritableAndFreed(t *testing.T) {
	s, free := Make[pair](1 << 20)
	if len(s) != 1<<20 || cap(s) != 1<<20 {
		t.Fatalf("len %d cap %d", len(s), cap(s))
	}
	for i := range s {
		if s[i] != (pair{}) {
			t.Fatalf("value %d is %v, not zero", i, s[i])
		}
		s[i] = pair{int32(i), -int32(i)}
	}
	runtime.GC() // the collector must neither move nor free it
	for i := range s {
		if s[i] != (pair{int32(i), -int32(i)}) {
			t.Fatalf("value %d is %v after a collection", i, s[i])
		}
	}
	free()
	free() // twice is harmless
}

func TestMakeLeavesTheHeapAlone(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, free := Make[int32](64 << 20) // 256 MB
	defer free()
	for i := 0; i < len(s); i += 1024 {
		s[i] = 1
	}
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); runtime.GOOS == "linux" && grew > 16<<20 {
		t.Fatalf("the heap grew by %d bytes for an array outside it", grew)
	}
}

func TestMakeRefusesPointers(t *testing.T) {
	for name, f := range map[string]func(){
		"pointer": func() { Make[*int](1) },
		"string":  func() { Make[string](1) },
		"slice":   func() { Make[[]byte](1) },
		"struct": func() {
			Make[struct {
				a int
				s string
			}](1)
		},
		"array": func() { Make[[2]map[int]int](1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Make did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestMakeEmpty(t *testing.T) {
	s, free := Make[int64](0)
	if s != nil {
		t.Fatalf("got %v", s)
	}
	free()
	if s, _ := Make[struct{}](5); s != nil {
		t.Fatalf("zero-size values: got %v", s)
	}
}
