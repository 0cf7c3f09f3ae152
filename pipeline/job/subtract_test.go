package job

import "testing"

// A setting among the sandbox's saved tables (LeadSquared's
// DefaultCountryCode) is kept when it differs and dropped when it does
// not; it is no error (it made a second sandbox run fail).
func TestSubtractJSONKeepsSettings(t *testing.T) {
	base := []byte(`{"DefaultCountryCode":"+91","Leads":[{"a":1}]}`)
	got, err := subtractJSON([]byte(`{"DefaultCountryCode": "+91", "Leads": [{"a": 1}, {"b": 2}]}`), base)
	if err != nil || string(got) != `{"Leads":[{"b":2}]}` {
		t.Fatalf("got %s, %v", got, err)
	}
	got, err = subtractJSON([]byte(`{"DefaultCountryCode":"+65","Leads":[{"a":1}]}`), base)
	if err != nil || string(got) != `{"DefaultCountryCode":"+65"}` {
		t.Fatalf("got %s, %v", got, err)
	}
}
