// Package offheap holds large arrays of plain values outside the Go heap.
//
// The garbage collector lets the heap grow to twice what is live before
// it collects (GOGC=100), so an array that lives as long as a run costs
// twice its size in resident memory, and it grows with the input. An
// array made here costs its size: the pages it touches, nothing more, and
// the collector neither scans it nor counts it.
package offheap

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Make returns n zeroed values of T outside the Go heap, and the function
// that gives their memory back. T must hold no pointers (the collector
// does not see into the array): Make panics if it does. After free the
// slice must not be used. n == 0 gives a nil slice.
func Make[T any](n int) (s []T, free func()) {
	var zero T
	if t := reflect.TypeOf(zero); !plain(t) {
		panic(fmt.Sprintf("offheap: %v holds pointers", t))
	}
	size := int(unsafe.Sizeof(zero))
	if n <= 0 || size == 0 {
		return nil, func() {}
	}
	if n > maxBytes/size {
		panic(fmt.Sprintf("offheap: %d values of %d bytes", n, size))
	}
	b, release := alloc(n * size)
	if b == nil {
		return make([]T, n), func() {}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n), release
}

const maxBytes = 1 << 40

// plain reports whether values of t hold no pointers.
func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return t.Len() == 0 || plain(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !plain(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
