package phone

import (
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// dfa is a national number pattern compiled to a deterministic automaton
// over the ten digits, answering a full match (the pattern anchored at
// both ends) in one table step per digit. Patterns it cannot take (empty
// width assertions, or more than maxDFAStates states) keep the regexp.
type dfa struct {
	next   [][10]int32 // next[state][digit]; -1: no match possible
	accept []bool
}

const maxDFAStates = 4096

// compileDFA builds the automaton by subset construction from the
// pattern's compiled program; ok is false when it cannot.
func compileDFA(pattern string) (d *dfa, ok bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, false
	}
	// closure adds pc and what it reaches without reading a digit.
	var closure func(set []uint32, pc uint32) ([]uint32, bool)
	closure = func(set []uint32, pc uint32) ([]uint32, bool) {
		if slices.Contains(set, pc) {
			return set, true
		}
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			set = append(set, pc)
			var ok bool
			if set, ok = closure(set, in.Out); !ok {
				return nil, false
			}
			return closure(set, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			set = append(set, pc)
			return closure(set, in.Out)
		case syntax.InstFail:
			return set, true
		case syntax.InstMatch, syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			return append(set, pc), true
		default: // empty-width assertions
			return nil, false
		}
	}
	// A state is the set of consuming (and match) instructions reached.
	key := func(set []uint32) (string, []uint32) {
		var keep []uint32
		for _, pc := range set {
			switch prog.Inst[pc].Op {
			case syntax.InstMatch, syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				keep = append(keep, pc)
			}
		}
		slices.Sort(keep)
		keep = slices.Compact(keep)
		var b strings.Builder
		for _, pc := range keep {
			b.WriteString(strconv.FormatUint(uint64(pc), 36))
			b.WriteByte(',')
		}
		return b.String(), keep
	}
	start, ok := closure(nil, uint32(prog.Start))
	if !ok {
		return nil, false
	}
	d = &dfa{}
	ids := map[string]int32{}
	var sets [][]uint32
	add := func(set []uint32) int32 {
		k, keep := key(set)
		if id, ok := ids[k]; ok {
			return id
		}
		id := int32(len(sets))
		ids[k] = id
		sets = append(sets, keep)
		acc := false
		for _, pc := range keep {
			acc = acc || prog.Inst[pc].Op == syntax.InstMatch
		}
		d.accept = append(d.accept, acc)
		d.next = append(d.next, [10]int32{})
		return id
	}
	add(start)
	for s := 0; s < len(sets); s++ {
		if len(sets) > maxDFAStates {
			return nil, false
		}
		for c := 0; c < 10; c++ {
			var to []uint32
			for _, pc := range sets[s] {
				in := &prog.Inst[pc]
				if in.Op != syntax.InstMatch && in.MatchRune(rune('0'+c)) {
					if to, ok = closure(to, in.Out); !ok {
						return nil, false
					}
				}
			}
			if len(to) == 0 {
				d.next[s][c] = -1
				continue
			}
			d.next[s][c] = add(to)
		}
	}
	return d, true
}

// full reports whether the whole of s, all digits, matches; ok is false
// for a string with anything but digits (the regexp answers then).
func (d *dfa) full(s string) (match, ok bool) {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false, false
		}
		if st = d.next[st][c]; st < 0 {
			return false, true
		}
	}
	return d.accept[st], true
}

// prefix reports whether a prefix of s (the empty one included) matches,
// as the pattern anchored at the start only does; ok is false when s has
// anything but digits before the answer is known (the regexp answers then).
func (d *dfa) prefix(s string) (match, ok bool) {
	st := int32(0)
	for i := 0; ; i++ {
		if d.accept[st] {
			return true, true
		}
		if i == len(s) {
			return false, true
		}
		c := s[i] - '0'
		if c > 9 {
			return false, false
		}
		if st = d.next[st][c]; st < 0 {
			return false, true
		}
	}
}
