package leaddesk

import "github.com/leadsync/leadsync/sinks/keys"

// toE164 returns a phone in E.164, the one form this sink sends: LeadDesk
// stores a phone as it was sent and finds it by near-exact match (only
// spaces and dashes ignored), so a contact created as "040 123 4567"
// would never be found by the engine's key "+35840...". Numbers are read
// exactly as the engine reads its match keys (package keys). ok is false
// for a number that is not valid.
func toE164(s, region string) (string, bool) {
	v, err := keys.NormalizePhone(s, region)
	return v, err == nil
}
