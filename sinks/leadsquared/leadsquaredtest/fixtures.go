package leadsquaredtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Test credentials and fixture ids of DefaultFixtures. The access keys start
// with "u$r" like real LeadSquared keys, so a client that puts them in a
// query string unescaped is caught.
const (
	// TestAccessKey and TestSecretKey belong to TestUserID (an active admin).
	TestAccessKey = "u$r3c1f0a9b7d2e4c6a8b0d1e3f5a7c9b2d4"
	TestSecretKey = "5e0c9a7b3d1f4e2a8c6b0d9e7f1a3c5b2d4e6f80"
	// TestAccessKey2 and TestSecretKey2 belong to TestUserID2, so tests can
	// show that rate limits are counted per access key.
	TestAccessKey2 = "u$r7b2e4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3"
	TestSecretKey2 = "9d1b3f5a7c0e2d4b6f8a1c3e5d7b9f0a2c4e6d81"
	// DeactivatedAccessKey and DeactivatedSecretKey are a correct pair of a
	// deactivated user: every call with them is refused with 401.
	DeactivatedAccessKey = "u$r0d4e8a2c6f1b5d9e3a7c0f4b8d2e6a1c5f9"
	DeactivatedSecretKey = "1f3a5c7e9b0d2f4a6c8e1b3d5f7a9c0e2b4d6f82"

	// TestUserID and TestUserID2 are active agents; DeactivatedUserID is not.
	TestUserID        = "7a3c0f52-1b4e-4c8a-9d21-5e6f7a8b9c01"
	TestUserID2       = "7a3c0f52-1b4e-4c8a-9d21-5e6f7a8b9c02"
	DeactivatedUserID = "7a3c0f52-1b4e-4c8a-9d21-5e6f7a8b9c03"

	// TestLeadID has Phone "+91-9876543210" and email asha.rao@example.com.
	TestLeadID = "3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5e01"
	// TestLeadID2 has a US Phone "+1-4155550123" and Mobile "+91-9000000001".
	TestLeadID2 = "3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5e02"
	// TestLeadID3 has Phone "9988776655" (stored without country code) and
	// shares Mobile "+91-9000000001" with TestLeadID2, with a more recent
	// activity: a phone lookup of 9000000001 returns this one.
	TestLeadID3 = "3f9d2c41-8a7b-4e5c-b6d1-0a2b3c4d5e03"

	// TestDefaultCountryCode is the account's default country code.
	TestDefaultCountryCode = "+91"
)

// Fixtures is the account an emulator starts with: key pairs, users (the
// agents calls are logged for), leads, the default country code and the
// account's custom lead fields. It is also the document the admin seed
// endpoint and Seed accept; there every part is added to what is loaded.
type Fixtures struct {
	// DefaultCountryCode is the account's default country code, "+91" or
	// "91"; numbers without a leading "+" are read with it.
	DefaultCountryCode string      `json:"DefaultCountryCode,omitempty"`
	AccessKeys         []AccessKey `json:"AccessKeys,omitempty"`
	Users              []User      `json:"Users,omitempty"`
	Leads              []Lead      `json:"Leads,omitempty"`
	// CustomFields are the schema names (mx_…) Lead.Create accepts besides
	// the standard lead fields.
	CustomFields []string `json:"CustomFields,omitempty"`
}

// AccessKey is one access/secret key pair; keys belong to a user and stop
// working when the user is deactivated.
type AccessKey struct {
	AccessKey string `json:"AccessKey"`
	SecretKey string `json:"SecretKey"`
	UserID    string `json:"UserId"`
}

// User is a LeadSquared user (an agent).
type User struct {
	ID           string `json:"ID"`
	FirstName    string `json:"FirstName,omitempty"`
	LastName     string `json:"LastName,omitempty"`
	EmailAddress string `json:"EmailAddress,omitempty"`
	PhoneMobile  string `json:"PhoneMobile,omitempty"`
	Deactivated  bool   `json:"Deactivated,omitempty"`
}

// DefaultFixtures returns the account the emulator starts with when
// Options.Fixtures is nil.
func DefaultFixtures() Fixtures {
	day := func(d, h int) time.Time { return time.Date(2024, time.March, d, h, 0, 0, 0, time.UTC) }
	return Fixtures{
		DefaultCountryCode: TestDefaultCountryCode,
		AccessKeys: []AccessKey{
			{AccessKey: TestAccessKey, SecretKey: TestSecretKey, UserID: TestUserID},
			{AccessKey: TestAccessKey2, SecretKey: TestSecretKey2, UserID: TestUserID2},
			{AccessKey: DeactivatedAccessKey, SecretKey: DeactivatedSecretKey, UserID: DeactivatedUserID},
		},
		Users: []User{
			{ID: TestUserID, FirstName: "Priya", LastName: "Nair", EmailAddress: "priya.nair@example.com", PhoneMobile: "+91-8011112222"},
			{ID: TestUserID2, FirstName: "Tomas", LastName: "Lind", EmailAddress: "tomas.lind@example.com", PhoneMobile: "+91-8033334444"},
			{ID: DeactivatedUserID, FirstName: "Former", LastName: "Agent", EmailAddress: "former.agent@example.com", Deactivated: true},
		},
		Leads: []Lead{
			{
				ProspectID: TestLeadID, FirstName: "Asha", LastName: "Rao", EmailAddress: "asha.rao@example.com",
				Phone: "+91-9876543210", Company: "Example Traders", Source: "Website", Origin: "API",
				ProspectStage: "Prospect", OwnerID: TestUserID, CreatedBy: TestUserID, CreatedOn: day(1, 9),
				Attributes: map[string]string{"mx_City": "Bengaluru"},
			},
			{
				ProspectID: TestLeadID2, FirstName: "Ben", LastName: "Ortiz", EmailAddress: "ben.ortiz@example.com",
				Phone: "+1-4155550123", Mobile: "+91-9000000001", Source: "Referral Sites", Origin: "API",
				ProspectStage: "Prospect", OwnerID: TestUserID, CreatedBy: TestUserID, CreatedOn: day(2, 9),
				LastActivityName: "Sales Activity", LastActivityOn: day(3, 10),
			},
			{
				ProspectID: TestLeadID3, FirstName: "Chen", LastName: "Wei",
				Phone: "9988776655", Mobile: "+91-9000000001", Source: "Inbound Phone Call", Origin: "API",
				ProspectStage: "Opportunity", OwnerID: TestUserID2, CreatedBy: TestUserID2, CreatedOn: day(2, 10),
				LastActivityName: "Sales Activity", LastActivityOn: day(4, 10),
			},
		},
		CustomFields: []string{"mx_City", "mx_State", "mx_Country", "mx_Zip", "mx_Street1", "mx_Street2"},
	}
}

// clone returns a deep copy, so loading fixtures never shares maps with
// the caller's value.
func (f Fixtures) clone() Fixtures {
	out := f
	out.AccessKeys = append([]AccessKey(nil), f.AccessKeys...)
	out.Users = append([]User(nil), f.Users...)
	out.CustomFields = append([]string(nil), f.CustomFields...)
	out.Leads = make([]Lead, len(f.Leads))
	for i, l := range f.Leads {
		out.Leads[i] = l.clone()
	}
	return out
}

// parseFixtures decodes a Fixtures document, refusing unknown keys so a
// typo in a seed file fails loudly.
func parseFixtures(data []byte) (Fixtures, error) {
	var f Fixtures
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Fixtures{}, fmt.Errorf("leadsquaredtest: seed: %w", err)
	}
	if dec.More() {
		return Fixtures{}, errors.New("leadsquaredtest: seed: data after the JSON document")
	}
	return f, nil
}

// countryCodeDigits turns "+91" or "91" into "91".
func countryCodeDigits(cc string) (string, error) {
	d := strings.TrimPrefix(strings.TrimSpace(cc), "+")
	if d == "" || len(d) > 3 || digitsOnly(d) != d {
		return "", fmt.Errorf("leadsquaredtest: default country code %q: want 1 to 3 digits, optionally after '+'", cc)
	}
	return d, nil
}
