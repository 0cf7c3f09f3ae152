package csvsafe

import (
	"unicode"
	"unicode/utf8"
)

// csvClass marks the bytes that make encoding/csv quote a field (Comma
// ','): CR, LF and the comma with classSpecial, the quote (which is also
// doubled) with classQuote too.
var csvClass = [256]byte{'"': classSpecial | classQuote, '\r': classSpecial, '\n': classSpecial, ',': classSpecial}

const (
	classSpecial = 1 << iota
	classQuote
)

// AppendRecord appends rec as one CSV line, byte for byte what
// encoding/csv's Writer (Comma ',', UseCRLF false) writes for it. With
// safe, every cell is first neutralized by Cell, without the copy.
func AppendRecord(dst []byte, rec []string, safe bool) []byte {
	for n, c := range rec {
		if n > 0 {
			dst = append(dst, ',')
		}
		prefix := safe && needs(c)
		dst = appendField(dst, c, prefix)
	}
	return append(dst, '\n')
}

// appendField appends one field (after Prefix when prefix),
// quoted as encoding/csv quotes it.
func appendField(dst []byte, c string, prefix bool) []byte {
	var class byte // the bits of csvClass of every byte, without a branch
	i := 0
	for ; i+4 <= len(c); i += 4 {
		q := c[i : i+4]
		class |= csvClass[q[0]] | csvClass[q[1]] | csvClass[q[2]] | csvClass[q[3]]
	}
	for ; i < len(c); i++ {
		class |= csvClass[c[i]]
	}
	quote, quotes := class != 0, class&classQuote != 0
	if !quote && !prefix && c != "" {
		// encoding/csv also quotes `\.` and a field that starts with a
		// space; a prefixed field starts with the prefix.
		if c == `\.` {
			quote = true
		} else if b := c[0]; b < utf8.RuneSelf {
			quote = b == ' ' || b == '\t' || b == '\v' || b == '\f'
		} else {
			r, _ := utf8.DecodeRuneInString(c)
			quote = unicode.IsSpace(r)
		}
	}
	if !quote {
		if prefix {
			dst = append(dst, Prefix)
		}
		return append(dst, c...)
	}
	dst = append(dst, '"')
	if prefix {
		dst = append(dst, Prefix)
	}
	if !quotes {
		dst = append(dst, c...)
	} else {
		for i := 0; i < len(c); i++ {
			if c[i] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, c[i])
		}
	}
	return append(dst, '"')
}
