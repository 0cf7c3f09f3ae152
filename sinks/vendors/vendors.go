// Package vendors is the registry: every vendor leadsync knows, each
// declared once in its own package (sinks/<vendor>/vendor.go). Adding a
// vendor is one package and one line in All.
package vendors

import (
	"fmt"
	"sort"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leadsquared"
	"github.com/leadsync/leadsync/sinks/liondesk"
	"github.com/leadsync/leadsync/sinks/tiledesk"
)

// All returns every vendor, in the order the docs list them (a new slice
// each call).
func All() []sinks.Vendor {
	return []sinks.Vendor{
		export.Vendor(),
		leaddesk.Vendor(),
		tiledesk.Vendor(),
		liondesk.Vendor(),
		leadsquared.Vendor(),
	}
}

// Lookup finds a vendor by name (case-insensitive) in vs.
func Lookup(vs []sinks.Vendor, name string) (sinks.Vendor, error) {
	var names []string
	for _, v := range vs {
		if v.Name == strings.ToLower(name) {
			return v, nil
		}
		names = append(names, v.Name)
	}
	sort.Strings(names)
	return sinks.Vendor{}, fmt.Errorf("unknown vendor %q (known: %s)", name, strings.Join(names, ", "))
}
