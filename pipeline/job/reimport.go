package job

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/report"
	"github.com/leadsync/leadsync/sources"
)

// reportColumn reports whether a column is one leadsync added to a report
// (rejected.csv's leadsync_row, leadsync_column, leadsync_reason, and
// written.csv's leadsync_vendor_id, leadsync_action).
func reportColumn(name string) bool {
	switch name {
	case report.ColRow, report.ColColumn, report.ColReason, report.ColVendorID, report.ColAction:
		return true
	}
	return false
}

// useInput points the job at another input file (run --input): a
// corrected rejected.csv, say. Its layout is detected afresh (the
// reports are UTF-8 with commas whatever the original was).
func useInput(job *config.Job, path string) error {
	if job.Source.IsAPI() {
		return fmt.Errorf("--input replaces a file source; the job's source is the %s API", job.Source.Type)
	}
	typ := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch typ {
	case "tsv", "txt":
		typ = "csv"
	case "xlsm":
		typ = "xlsx"
	}
	job.Source.Path = path
	if typ != job.Source.Type || typ == "csv" {
		job.Source.Delimiter, job.Source.Encoding, job.Source.Sheet = "", "", ""
		job.Source.HeaderRow = 0
	}
	job.Source.Type = typ
	return nil
}

// withoutReportColumns hides the report columns of a fed-back report,
// so the mapping and the new run's reports see the original columns only.
func withoutReportColumns(src sources.Source) sources.Source {
	h := src.Header()
	var keep []int
	for i, name := range h {
		if !reportColumn(name) {
			keep = append(keep, i)
		}
	}
	if len(keep) == len(h) {
		return src
	}
	return &strippedSource{Source: src, keep: keep}
}

type strippedSource struct {
	sources.Source
	keep []int
}

func (s *strippedSource) pick(vs []string) []string {
	out := make([]string, 0, len(s.keep))
	for _, i := range s.keep {
		if i < len(vs) {
			out = append(out, vs[i])
		} else {
			out = append(out, "")
		}
	}
	return out
}

func (s *strippedSource) Header() []string { return s.pick(s.Source.Header()) }

func (s *strippedSource) Next(ctx context.Context) (sources.Record, error) {
	rec, err := s.Source.Next(ctx)
	var re *sources.RowError
	if errors.As(err, &re) {
		re.Raw = s.pick(re.Raw)
	}
	if err != nil {
		return rec, err
	}
	rec.Values = s.pick(rec.Values)
	return rec, nil
}
