package config

import (
	"reflect"
	"strings"
	"testing"
)

// yamlKeys lists the dotted yaml keys of t's fields; a Budget and the
// source limits are one value each.
func yamlKeys(prefix string, t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Budget{}) && ft != reflect.TypeOf(SourceLimits{}) {
			keys = append(keys, yamlKeys(prefix+tag+".", ft)...)
			continue
		}
		keys = append(keys, prefix+tag)
	}
	return keys
}

// Every key a job file may hold is in the reference, and nothing else.
func TestConfigReferenceCoversJob(t *testing.T) {
	documented := map[string]bool{}
	for _, k := range JobKeys(testVendors()) {
		for _, s := range k.Keys {
			if documented[s] {
				t.Errorf("%s documented twice", s)
			}
			documented[s] = true
		}
	}
	declared := map[string]bool{}
	for _, k := range yamlKeys("", reflect.TypeOf(Job{})) {
		declared[k] = true
		if !documented[k] {
			t.Errorf("job key %s is not in config.JobKeys", k)
		}
	}
	// The vendors' connection keys are the job's too.
	var conn []string
	for _, k := range connKeys(testVendors(), false) {
		conn = append(conn, "sink."+k)
	}
	for _, k := range connKeys(testVendors(), true) {
		conn = append(conn, "source."+k)
	}
	conn = append(conn, "sink.connections") // taken raw, with the vendors' keys
	for _, k := range conn {
		declared[k] = true
		if !documented[k] {
			t.Errorf("vendor key %s is not in config.JobKeys", k)
		}
	}
	for k := range documented {
		if !declared[k] {
			t.Errorf("config.JobKeys documents %s, which Job does not have", k)
		}
	}
}
