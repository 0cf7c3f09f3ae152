package leadsquared

import "testing"

func TestPhones(t *testing.T) {
	in, err := newPhones("+91", "")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := newPhones("65", "IN") // the country code wins over the job's region
	if err != nil {
		t.Fatal(err)
	}
	ca, err := newPhones("+1", "CA") // the region picks among the code's countries
	if err != nil || ca.region != "CA" {
		t.Fatalf("%+v %v", ca, err)
	}
	none, err := newPhones("", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p                        phones
		in                       string
		body, lookup, normalized string
	}{
		{in, "+919876543210", "+91-9876543210", "9876543210", "+919876543210"},
		{in, "+14155550123", "+1-4155550123", "14155550123", "+14155550123"},
		{in, "9988776655", "+91-9988776655", "9988776655", "+919988776655"},
		{in, "919988776655", "+91-9988776655", "9988776655", "+919988776655"},
		{in, "+91-8611795988", "+91-8611795988", "8611795988", "+918611795988"},
		{in, "+390612345678", "+39-0612345678", "390612345678", "+390612345678"}, // Italy keeps its leading 0
		{sg, "+6561234567", "+65-61234567", "61234567", "+6561234567"},           // as the seed says: +65 left out
		{sg, "+6512345678", "+6512345678", "6512345678", "+6512345678"},          // not a valid number: sent as given
		{sg, "+919876543210", "+91-9876543210", "919876543210", "+919876543210"},
		{none, "+919876543210", "+91-9876543210", "919876543210", "+919876543210"},
		{none, "9876543210", "9876543210", "9876543210", "9876543210"},
		{in, "ext. 12", "ext. 12", "12", "ext. 12"},
	}
	for _, tt := range tests {
		if got := tt.p.body(tt.in); got != tt.body {
			t.Errorf("cc %d: body(%q) = %q, want %q", tt.p.cc, tt.in, got, tt.body)
		}
		if got := tt.p.lookup(tt.in); got != tt.lookup {
			t.Errorf("cc %d: lookup(%q) = %q, want %q", tt.p.cc, tt.in, got, tt.lookup)
		}
		if got := tt.p.normalize(tt.in); got != tt.normalized {
			t.Errorf("cc %d: normalize(%q) = %q, want %q", tt.p.cc, tt.in, got, tt.normalized)
		}
	}
}
