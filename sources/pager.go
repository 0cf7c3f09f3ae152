package sources

import "context"

// Pager reads a vendor's records a page at a time: the shape of an API
// source. A cursor names where a page starts; the staged source saves it
// with each page, so a killed migration resumes at the next page instead
// of page one.
//
// Header is the fixed list of fields a record has (the vendor's names),
// known before the first page. Page returns the records of the page at
// cursor ("" = the first) as values aligned with Header, and the cursor of
// the next page ("" when this was the last). Page must be deterministic
// for a given cursor while the vendor's data does not change: pages are
// read in a stable order (by id).
type Pager interface {
	Header() []string
	Page(ctx context.Context, cursor string) (records [][]string, next string, err error)
}
