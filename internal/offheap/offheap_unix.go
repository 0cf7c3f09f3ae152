//go:build unix

package offheap

import (
	"sync"
	"syscall"
)

// alloc maps size bytes of anonymous memory (zeroed by the kernel), or
// returns nil when the kernel refuses (the caller then uses the heap).
func alloc(size int) ([]byte, func()) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	var once sync.Once
	return b, func() { once.Do(func() { syscall.Munmap(b) }) }
}
