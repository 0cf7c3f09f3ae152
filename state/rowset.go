package state

import "slices"

// RowSet is a set of source row numbers, 4 bytes a row: a resumed run's
// finished rows. The nil set is empty.
type RowSet struct{ rows []int32 }

// NewRowSet holds rows.
func NewRowSet(rows ...int) *RowSet {
	s := &RowSet{rows: make([]int32, 0, len(rows))}
	for _, r := range rows {
		s.rows = append(s.rows, int32(r))
	}
	slices.Sort(s.rows)
	s.rows = slices.Compact(s.rows)
	return s
}

// Has reports whether row is in the set.
func (s *RowSet) Has(row int) bool {
	if s == nil || len(s.rows) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(s.rows, int32(row))
	return ok
}

// Len is the number of rows in the set.
func (s *RowSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rows)
}

// Rows lists the set's rows in order.
func (s *RowSet) Rows() []int {
	out := make([]int, s.Len())
	for i := range out {
		out[i] = int(s.rows[i])
	}
	return out
}
