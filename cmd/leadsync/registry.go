package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/export"
	"github.com/leadsync/leadsync/sinks/leaddesk"
)

// vendorEntry is one sink the command line knows. The registry is built
// here, explicitly: cmd is the only package that knows every vendor.
type vendorEntry struct {
	name   string
	schema func() sinks.Schema
}

func registry() []vendorEntry {
	return []vendorEntry{
		{name: "export", schema: export.Schema},
		{name: "leaddesk", schema: leaddesk.Schema},
	}
}

func lookupVendor(name string) (vendorEntry, error) {
	var names []string
	for _, v := range registry() {
		if v.name == strings.ToLower(name) {
			return v, nil
		}
		names = append(names, v.name)
	}
	sort.Strings(names)
	return vendorEntry{}, fmt.Errorf("unknown vendor %q (known: %s)", name, strings.Join(names, ", "))
}

// objectFor resolves "vendor" + "object" (or "vendor/object") to a schema
// object; an empty object means the vendor's first.
func objectFor(vendor, object string) (sinks.Object, error) {
	if v, o, ok := strings.Cut(vendor, "/"); ok {
		vendor, object = v, o
	}
	ve, err := lookupVendor(vendor)
	if err != nil {
		return sinks.Object{}, err
	}
	s := ve.schema()
	if object == "" {
		return s.Objects[0], nil
	}
	return s.Object(object)
}
