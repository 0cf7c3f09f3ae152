package leadsquared

import (
	"context"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
)

// A job with region FI and no sink.country_code on an account whose default
// is +91: the lead leadsync created with +358-502223344 must be found by that
// phone again. The lookup left +358 out (taking the region for the account's
// default), LeadSquared read 502223344 as +91, and the find missed: a
// phone-only row was created again (refused as a duplicate Phone, or a
// second lead by Mobile), and a row matching one lead by email and another
// by phone was never ambiguous.
func TestFindByPhoneWhenRegionIsNotTheAccountsCountry(t *testing.T) {
	srv := startEmulator(t, leadsquaredtest.Options{})
	cfg := testConfig(srv, ObjectLead)
	cfg.CountryCode, cfg.Region = "", "FI"
	s := newSink(t, cfg)
	ctx := context.Background()
	rec, err := s.Create(ctx, sinks.Fields{"FirstName": "Bob", "Phone": "+358502223344"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := keys.Value(keys.Phone, "+358502223344", "FI")
	got, err := s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "Phone", Kind: string(keys.Phone), Value: v}}})
	if err != nil || len(got) != 1 || got[0].ID != rec.ID {
		t.Fatalf("find by phone = %+v, %v; want the lead %s", got, err, rec.ID)
	}
	// A number of the account's real default country is still found.
	got, err = s.Find(ctx, sinks.Query{Keys: []sinks.Key{{Field: "Phone", Kind: string(keys.Phone), Value: "+919876543210"}}})
	if err != nil || len(got) != 1 || got[0].ID != leadsquaredtest.TestLeadID {
		t.Fatalf("find by an Indian phone = %+v, %v", got, err)
	}
}
