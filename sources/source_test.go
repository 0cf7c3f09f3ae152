package sources

import (
	"errors"
	"testing"
)

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err   error
		msg   string
		cause error
	}{
		{
			&RowError{File: "leads.csv", Row: 12, Column: "email", Err: ErrInvalidEncoding},
			`leads.csv: row 12, column "email": invalid encoding`, ErrInvalidEncoding,
		},
		{
			&RowError{File: "leads.csv", Row: 7, Err: ErrRaggedRow},
			`leads.csv: row 7: ragged row`, ErrRaggedRow,
		},
		{
			&HeaderError{File: "leads.xlsx", Row: 3, Column: "B", Err: ErrBlankHeader},
			`leads.xlsx: row 3, column B: blank header name`, ErrBlankHeader,
		},
	}
	for _, tt := range tests {
		if tt.err.Error() != tt.msg {
			t.Errorf("got %q, want %q", tt.err.Error(), tt.msg)
		}
		if !errors.Is(tt.err, tt.cause) {
			t.Errorf("%v: not errors.Is %v", tt.err, tt.cause)
		}
	}
}
