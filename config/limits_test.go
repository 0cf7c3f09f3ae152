package config

import (
	"testing"

	"github.com/leadsync/leadsync/sources"
)

// Every source.limits option reaches its field; unset ones keep the default.
func TestSourceLimits(t *testing.T) {
	s := Source{Limits: &SourceLimits{MaxField: "2MiB", MaxInMemory: "128MiB", MaxPartElements: "500000"}}
	l, err := s.SourceLimits()
	if err != nil {
		t.Fatal(err)
	}
	if l.MaxFieldBytes != 2<<20 || l.MaxInMemoryBytes != 128<<20 || l.MaxPartElements != 500_000 {
		t.Errorf("%+v", l)
	}
	if l.MaxRecordBytes != sources.DefaultMaxRecordBytes || l.MaxSheetBytes != sources.DefaultMaxSheetBytes {
		t.Errorf("defaults: %+v", l)
	}
	if _, err := (Source{Limits: &SourceLimits{MaxInMemory: "lots"}}).SourceLimits(); err == nil {
		t.Error("max_in_memory: lots accepted")
	}
}
