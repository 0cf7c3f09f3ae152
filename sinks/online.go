package sinks

import "context"

// Problem is one thing a job names that the vendor does not have (or that
// leadsync could not check), as an online check finds it.
type Problem struct {
	// Path is the YAML path in the job the problem is about
	// ("$.mapping.list", "$.setup.campaigns"), for its file position; ""
	// when it is about the connection as a whole.
	Path string `json:"path"`
	// Field is the mapped field or setup kind ("list", "contact_source").
	Field string `json:"field"`
	// Value is the name the job gives ("Nightly leads"); "" when none.
	Value string `json:"value"`
	// Msg says what is wrong and how to fix it.
	Msg string `json:"message"`
	// Warning marks what could not be checked: it does not fail validate.
	Warning bool `json:"warning"`
}

// Refs are what a job refers to at the vendor, as an online check reads them.
type Refs struct {
	// Constants are the mapped fields given one value for every row
	// (`list: {value: "Nightly leads"}`), by field name. Fields read
	// from columns are per row, and not checked.
	Constants Fields
	// Columns names the mapped fields read from columns or templates.
	Columns []string
	// Setup decodes the job's setup: section (nil when the job has none).
	Setup func(v any) error
}

// MappingPath is the YAML path of a mapped field's constant, for
// Problem.Path.
func MappingPath(field string) string { return "$.mapping." + field + ".value" }

// OnlineChecker is implemented by sinks that can check, with reads only,
// the credentials and every vendor object a job names (a LeadDesk calling
// list, LionDesk sources and routes, a Tiledesk project), for `leadsync
// validate --online`. It makes no write call. An error is a failed read
// (or refused credentials: class Unauthorized); what is missing is a
// Problem.
type OnlineChecker interface {
	CheckOnline(ctx context.Context, refs Refs) ([]Problem, error)
}
