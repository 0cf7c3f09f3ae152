package leaddesk

import "testing"

// Every agent field of the schema has a place in the create/modify body,
// and nothing else does; the roster fields are calls of their own.
func TestAgentSectionsCoverSchema(t *testing.T) {
	obj, _ := Schema().Object(ObjectAgent)
	roster := map[string]bool{"campaigns_add": true, "campaigns_remove": true}
	for _, name := range obj.FieldNames() {
		if agentSections[name] == "" && !roster[name] {
			t.Errorf("agent field %s has no section", name)
		}
	}
	if len(agentSections)+len(roster) != len(obj.Fields) {
		t.Errorf("%d sections for %d fields", len(agentSections), len(obj.Fields))
	}
}

func TestToE164(t *testing.T) {
	for _, c := range []struct{ in, region, want string }{
		{"+358401234567", "FI", "+358401234567"},
		{" +358401234567 ", "", "+358401234567"},
		{"040 123 4567", "FI", "+358401234567"},
		{"040-1234567", "fi", "+358401234567"},
		{"+358 40 123 4567", "", "+358401234567"},
		{"358401234567", "", "+358401234567"},
		{"(202) 555-0143", "US", "+12025550143"},
	} {
		got, ok := toE164(c.in, c.region)
		if !ok || got != c.want {
			t.Errorf("toE164(%q, %q) = %q %v, want %q", c.in, c.region, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "12", "abc", "040 123 4567"} {
		if got, ok := toE164(in, ""); ok {
			t.Errorf("toE164(%q) = %q, want invalid", in, got)
		}
	}
}
