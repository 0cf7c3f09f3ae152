package csvfile

import "github.com/leadsync/leadsync/internal/csvsafe"

// restoreReport undoes, in place, the formula neutralization leadsync
// applies to every CSV it writes, when fields belong to a file leadsync
// wrote (a rejected-rows file, recognised by its header): a fixed
// rejected.csv then imports the values the source first held ("+358 40
// 100 4003", not "'+358 40 100 4003"). Other files are read as they are.
// It is called on the header (which decides) and on every record.
func (s *Source) restoreReport(fields []string, isHeader bool) {
	if isHeader {
		s.report = csvsafe.IsReport(fields)
	}
	if s.report {
		csvsafe.RestoreRow(fields)
	}
}
