package export

import "github.com/leadsync/leadsync/sinks"

// Vendor is the export sink's descriptor: a file of mapped records (the
// job's sink.path and sink.format), no connection.
func Vendor() sinks.Vendor {
	return sinks.Vendor{Name: "export", Title: "Export", Schema: Schema}
}
