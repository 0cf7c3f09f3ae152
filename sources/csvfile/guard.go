package csvfile

import (
	"io"
	"unicode/utf8"
)

// utf8Guard passes a UTF-8 stream through unchanged and notes whether any
// invalid sequence went by. Checking whole read buffers costs far less than
// checking every field, so the source validates fields only once the guard
// has seen a bad byte. The csv parser only sees bytes after they have passed
// the guard, so every row holding a bad byte is parsed after the flag is set.
type utf8Guard struct {
	r        io.Reader
	pending  [utf8.UTFMax]byte // the start of a rune split by the previous read
	npending int
	invalid  bool
}

func (g *utf8Guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if !g.invalid {
		g.check(p[:n], err == io.EOF)
	}
	return n, err
}

func (g *utf8Guard) check(b []byte, eof bool) {
	if g.npending > 0 {
		// Complete the split rune with the continuation bytes that start b.
		var joined [2 * utf8.UTFMax]byte
		j := copy(joined[:], g.pending[:g.npending])
		k := 0
		for k < len(b) && k < utf8.UTFMax && !utf8.RuneStart(b[k]) {
			k++
		}
		j += copy(joined[j:], b[:k])
		b = b[k:]
		if !utf8.FullRune(joined[:j]) {
			if len(b) == 0 && !eof && j < utf8.UTFMax {
				g.npending = copy(g.pending[:], joined[:j]) // a tiny read; wait for more
				return
			}
			g.invalid = true
			return
		}
		if !utf8.Valid(joined[:j]) {
			g.invalid = true
			return
		}
		g.npending = 0
	}
	tail := incompleteTail(b)
	if !utf8.Valid(b[:len(b)-tail]) || (eof && tail > 0) {
		g.invalid = true
		return
	}
	g.npending = copy(g.pending[:], b[len(b)-tail:])
}
