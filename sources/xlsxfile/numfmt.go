package xlsxfile

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// Values come out of excelize's streaming reader already formatted by each
// cell's number format, and some of those formats lose data: a phone number
// in a styled cell with the General format reads "3.584012346E+11", a price
// formatted "#,##0.00 €" reads "1,234.50 €", a date reads in whatever
// pattern the author chose. The raw mode keeps digits but loses the
// difference between a date and a number.
//
// So before reading, the workbook's styles are rewritten in memory (the
// file is never saved) so that the formatted value is the one a sync wants:
//
//   - dates: yyyy-mm-dd; dates with a time: yyyy-mm-ddThh:mm:ss; times:
//     hh:mm:ss (ISO 8601, whatever the author's pattern);
//   - formats that pad with leading zeros (00000 for a postcode): kept,
//     since the zeros are part of what the user typed;
//   - durations ([h]:mm:ss, mm:ss): kept as shown;
//   - every other number format (General, decimals, thousands separators,
//     currency, percent, scientific, text): the plain decimal value, up to
//     the 15 significant digits Excel keeps, with no exponent.
//
// Text cells are untouched: none of the replacement formats has a text
// section.

type fmtKind int

const (
	kindKeep fmtKind = iota
	kindNumber
	kindDate
	kindDateTime
	kindTime
)

var replacementCode = map[fmtKind]string{
	kindNumber:   "0.###############",
	kindDate:     "yyyy-mm-dd",
	kindDateTime: `yyyy-mm-dd"T"hh:mm:ss`,
	kindTime:     "hh:mm:ss",
}

// normalizeNumberFormats rewrites f's in-memory cell formats as described
// above. It reaches into excelize's exported File.Styles; the struct types
// are unexported, so new entries are made by type inference (newOf), which
// keeps this compile-checked against the pinned excelize version.
func normalizeNumberFormats(f *excelize.File) error {
	if _, err := f.GetStyle(0); err != nil && f.Styles == nil {
		return err
	}
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil || len(ss.CellXfs.Xf) == 0 {
		return nil // no styles: every value is read unformatted
	}
	if ss.NumFmts == nil {
		newOf(&ss.NumFmts)
	}
	custom := make(map[int]string, len(ss.NumFmts.NumFmt))
	maxID := 163 // custom format ids start at 164
	for _, nf := range ss.NumFmts.NumFmt {
		if nf == nil {
			continue
		}
		code := nf.FormatCode
		if nf.FormatCode16 != "" {
			code = nf.FormatCode16
		}
		custom[nf.NumFmtID] = code
		maxID = max(maxID, nf.NumFmtID)
	}
	added := make(map[fmtKind]int)
	idFor := func(kind fmtKind) int {
		if id, ok := added[kind]; ok {
			return id
		}
		maxID++
		nf := elemOf(ss.NumFmts.NumFmt)
		nf.NumFmtID, nf.FormatCode = maxID, replacementCode[kind]
		ss.NumFmts.NumFmt = append(ss.NumFmts.NumFmt, nf)
		ss.NumFmts.Count = len(ss.NumFmts.NumFmt)
		added[kind] = maxID
		return maxID
	}
	for i := range ss.CellXfs.Xf {
		xf := &ss.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		kind := classifyBuiltIn(id)
		if code, ok := custom[id]; ok {
			kind = classifyCode(code)
		}
		if kind == kindKeep {
			continue
		}
		newID := idFor(kind)
		xf.NumFmtID = &newID
	}
	return nil
}

// newOf allocates *p, whose type need not be nameable here.
func newOf[T any](p **T) { *p = new(T) }

// elemOf returns a new element for a slice of pointers.
func elemOf[T any](_ []*T) *T { return new(T) }

// classifyBuiltIn classifies the number formats Excel does not write into
// the file (ids below 164). Ids 27-36 and 50-58 are East Asian date and
// time formats.
func classifyBuiltIn(id int) fmtKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return kindDate
	case id == 22:
		return kindDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 35:
		return kindTime
	case id >= 45 && id <= 47:
		return kindKeep // mm:ss, [h]:mm:ss, mmss.0: durations as shown
	}
	return kindNumber
}

// classifyCode classifies a format code by the tokens of its first section
// (the one for positive numbers, which dates are).
func classifyCode(code string) fmtKind {
	s := strings.ToLower(code)
	var date, clock, month, elapsed, other bool
	zeros := 0
scan:
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ';':
			break scan
		case '"':
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(s)
			}
			other = true
		case '\\', '_', '*':
			i++ // an escaped literal, a space the width of a char, a fill char
			other = true
		case '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				break scan
			}
			if inner := s[i+1 : i+j]; strings.Trim(inner, "hms") == "" && inner != "" {
				elapsed = true
			}
			i += j // colours, conditions, locales: not the value's kind
		case 'g':
			if strings.HasPrefix(s[i:], "general") {
				return kindNumber
			}
			date = true // era
		case 'y', 'd', 'b':
			date = true
		case 'h', 's':
			clock = true
		case 'm':
			month = true
		case 'a':
			switch {
			case strings.HasPrefix(s[i:], "am/pm"):
				i += 4
				clock = true
			case strings.HasPrefix(s[i:], "a/p"):
				i += 2
				clock = true
			default:
				date = true // aaa: day of the week
			}
		case 'e':
			if i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-') {
				other = true // scientific
				i++
			} else {
				date = true // era year
			}
		case '0':
			zeros++
		case '-', ' ':
			// separators a zero-padded code may hold (000 000, 00000-0000)
		default:
			other = true
		}
	}
	switch {
	case elapsed:
		return kindKeep
	case date || (month && !clock):
		if clock {
			return kindDateTime
		}
		return kindDate
	case clock:
		return kindTime
	case zeros >= 2 && !other:
		return kindKeep
	}
	return kindNumber
}
