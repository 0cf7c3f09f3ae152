package job

import "testing"

// A run that collects no diff gives the pipeline no OnDecision hook: the
// pipeline builds an unchanged entity's fields for a hook alone, which
// cost an unchanged re-run about a tenth of its CPU.
func TestDiffHook(t *testing.T) {
	var none *diffCollector
	if none.hook() != nil {
		t.Fatal("a run without a diff collector has an OnDecision hook")
	}
	if (&diffCollector{}).hook() == nil {
		t.Fatal("a diff collector has no OnDecision hook")
	}
}
