package liondesktest

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Test credentials and fixture ids of DefaultFixtures. The tokens are 40
// hex characters, like LionDesk's access tokens.
const (
	// TestToken belongs to TestUserID, the account a job normally uses. It
	// owns the North team (with TestTeammateID and TestSecondTeammateID).
	TestToken  = "5e1d0c4a7b2f9e8d3c6a1b0f4e7d2c9a8b5f3e10"
	TestUserID = 1001

	// TestTeammateToken belongs to TestTeammateID, a member of the North
	// team and the creator of the South team (TestUserID is a member).
	TestTeammateToken = "a3c9e1f7b5d2048e6c1a9f3b7d5e2c8a4f6b0d21"
	TestTeammateID    = 1002

	// TestSecondTeammateID is a North team member without a token.
	TestSecondTeammateID = 1003

	// TestOtherToken belongs to TestOtherUserID, an unrelated account that
	// shares no team with the others and sees none of their records.
	TestOtherToken  = "0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f19"
	TestOtherUserID = 1004

	// Lead sources (global, read-only).
	LeadSourceZillow     = 101
	LeadSourceRealtor    = 102
	LeadSourceTrulia     = 103
	LeadSourceWebsite    = 104
	LeadSourceOpenHouse  = 105
	LeadSourceReferral   = 106
	LeadSourceFacebookAd = 107

	// Contact sources of TestUserID.
	ContactSourceEmail   = 301
	ContactSourceZillow  = 302
	ContactSourceWebsite = 303
	// ContactSourceOther belongs to TestOtherUserID.
	ContactSourceOther = 304

	// Teams.
	TeamNorth = 601 // created by TestUserID; members 1001, 1002, 1003; Rank; zips 92618,91109
	TeamSouth = 602 // created by TestTeammateID; members 1002, 1001; Time; zip 90210
	TeamOther = 603 // created by TestOtherUserID; member 1004
)

// Fixtures are the records LionDesk provides and the API cannot create:
// users with their access tokens, lead sources, and the starting contact
// sources and teams (with members, which the documented API cannot
// change). The JSON form is what Seed accepts.
type Fixtures struct {
	Users          []User          `json:"users,omitempty"`
	LeadSources    []LeadSource    `json:"lead_sources,omitempty"`
	ContactSources []ContactSource `json:"contact_sources,omitempty"`
	Teams          []Team          `json:"teams,omitempty"`
}

// DefaultFixtures returns the fixed test accounts and objects described by
// the constants above.
func DefaultFixtures() Fixtures {
	at := "2024-01-15T09:30:00.000Z"
	return Fixtures{
		Users: []User{
			{ID: TestUserID, Token: TestToken, FirstName: "Dana", LastName: "Whitfield", Email: "dana@example.com", Timezone: "America/Los_Angeles", TimezoneOffset: -8, CreatedAt: at, ModifiedAt: at},
			{ID: TestTeammateID, Token: TestTeammateToken, FirstName: "Dora", LastName: "Vaughan", Email: "dora@example.com", Timezone: "America/Los_Angeles", TimezoneOffset: -8, CreatedAt: at, ModifiedAt: at},
			{ID: TestSecondTeammateID, FirstName: "Jeff", LastName: "Kaplan", Email: "jeff@example.com", Timezone: "America/New_York", TimezoneOffset: -5, CreatedAt: at, ModifiedAt: at},
			{ID: TestOtherUserID, Token: TestOtherToken, FirstName: "Olive", LastName: "Stranger", Email: "olive@example.org", Timezone: "America/Chicago", TimezoneOffset: -6, CreatedAt: at, ModifiedAt: at},
		},
		LeadSources: []LeadSource{
			{ID: LeadSourceZillow, Name: "Zillow"},
			{ID: LeadSourceRealtor, Name: "Realtor.com"},
			{ID: LeadSourceTrulia, Name: "Trulia"},
			{ID: LeadSourceWebsite, Name: "Website"},
			{ID: LeadSourceOpenHouse, Name: "Open House"},
			{ID: LeadSourceReferral, Name: "Referral"},
			{ID: LeadSourceFacebookAd, Name: "Facebook Ad"},
		},
		ContactSources: []ContactSource{
			{ID: ContactSourceEmail, Name: "Email", UserID: TestUserID},
			{ID: ContactSourceZillow, Name: "Zillow", UserID: TestUserID},
			{ID: ContactSourceWebsite, Name: "Website", UserID: TestUserID},
			{ID: ContactSourceOther, Name: "Email", UserID: TestOtherUserID},
		},
		Teams: []Team{
			{ID: TeamNorth, Name: "North Team", IsContactResourceSharingEnabled: true, OrderMethod: "Rank", MinsUntilNextAlert: 5, DistributionZipcodes: "92618,91109", OwnerUserID: TestUserID, MemberIDs: []int64{TestUserID, TestTeammateID, TestSecondTeammateID}},
			{ID: TeamSouth, Name: "South Team", IsContactResourceSharingEnabled: false, OrderMethod: "Time", MinsUntilNextAlert: 0, DistributionZipcodes: "90210", OwnerUserID: TestTeammateID, MemberIDs: []int64{TestTeammateID, TestUserID}},
			{ID: TeamOther, Name: "Other Team", OrderMethod: "Rank", MinsUntilNextAlert: 5, OwnerUserID: TestOtherUserID, MemberIDs: []int64{TestOtherUserID}},
		},
	}
}

// FlexString holds a field whose JSON type drifts between string and
// number in LionDesk's examples (a lead's zipcode, mls_id, listing_price);
// it keeps the value's text either way.
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = FlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("liondesktest: %s is neither a string nor a number", b)
	}
	*f = FlexString(n.String())
	return nil
}

// User is an account (fixture). Token is its bearer access token; a user
// without one cannot call the API but can be a team member or assignee.
type User struct {
	ID             int64  `json:"id"`
	Token          string `json:"token,omitempty"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Email          string `json:"email"`
	Timezone       string `json:"timezone,omitempty"`
	TimezoneOffset int64  `json:"timezone_offset"`
	CreatedAt      string `json:"created_at,omitempty"`
	ModifiedAt     string `json:"modified_at,omitempty"`
}

// LeadSource is a global lead source (fixture only).
type LeadSource struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ContactSource is a user's contact source.
type ContactSource struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	UserID int64  `json:"user_id"`
}

// Team is a team with its creator and members.
type Team struct {
	ID                              int64   `json:"id"`
	Name                            string  `json:"name"`
	IsContactResourceSharingEnabled bool    `json:"is_contact_resource_sharing_enabled"`
	OrderMethod                     string  `json:"order_method,omitempty"`
	MinsUntilNextAlert              int64   `json:"mins_until_next_alert"`
	DistributionZipcodes            string  `json:"distribution_zipcodes"`
	OwnerUserID                     int64   `json:"owner_user_id"`
	MemberIDs                       []int64 `json:"member_ids"`
}

// Campaign is a campaign; OwnerUserID 0 marks a LionDesk-provided default
// campaign that every user sees and nobody may change.
type Campaign struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	CreatedAt         string `json:"created_at"`
	ModifiedAt        string `json:"modified_at"`
	IsBrokerSharingOn bool   `json:"is_broker_sharing_on"`
	IsDefault         bool   `json:"is_default"`
	IsSharedByBroker  bool   `json:"is_shared_by_broker"`
	OwnerUserID       int64  `json:"owner_user_id"`
}

// CampaignAction is one step of a campaign.
type CampaignAction struct {
	ID                   int64  `json:"id"`
	CampaignID           int64  `json:"campaign_id"`
	Type                 string `json:"type"`
	TimingType           string `json:"timing_type"`
	TemplateMetadataID   int64  `json:"template_metadata_id"`
	DelayBySeconds       int64  `json:"delay_by_seconds"`
	DispatchTime         string `json:"dispatch_time"`
	DispatchDatetime     string `json:"dispatch_datetime"`
	DelayByDays          int64  `json:"delay_by_days"`
	Notes                string `json:"notes"`
	AssignedUserID       int64  `json:"assigned_user_id"`
	Recurrence           string `json:"recurrence"`
	IsStoppedOnTextReply bool   `json:"is_stopped_on_text_reply"`
}

// CampaignContact is a contact started on a campaign.
type CampaignContact struct {
	ID          int64 `json:"id"`
	CampaignID  int64 `json:"campaign_id"`
	ContactID   int64 `json:"contact_id"`
	OwnerUserID int64 `json:"owner_user_id"`
}

// Communication is a scheduled contact communication.
type Communication struct {
	ID                   int64  `json:"id"`
	ContactID            int64  `json:"contact_id"`
	CampaignID           int64  `json:"campaign_id"`
	CampaignContactID    int64  `json:"campaign_contact_id"`
	CampaignActionID     int64  `json:"campaign_action_id"`
	CampaignName         string `json:"campaign_name"`
	Type                 string `json:"type"`
	IsStoppedOnTextReply bool   `json:"is_stopped_on_text_reply"`
	TemplateSubject      string `json:"template_subject"`
	TemplateName         string `json:"template_name"`
	TemplateFolderName   string `json:"template_folder_name"`
	IsActive             bool   `json:"is_active"`
	SendAt               string `json:"send_at"`
	CompletedAt          string `json:"completed_at"`
	SendFromUserID       int64  `json:"send_from_user_id"`
	CompletingUserID     int64  `json:"completing_user_id"`
}

// Contact is a contact. Null fields read as zero values.
type Contact struct {
	ID             int64  `json:"id"`
	OwnerUserID    int64  `json:"owner_user_id"`
	AssignedUserID int64  `json:"assigned_user_id"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Email          string `json:"email"`
	MobilePhone    string `json:"mobile_phone"`
	HomePhone      string `json:"home_phone"`
	OfficePhone    string `json:"office_phone"`
	Fax            string `json:"fax"`
	Company        string `json:"company"`
	Birthday       string `json:"birthday"`
	Anniversary    string `json:"anniversary"`
	SpouseName     string `json:"spouse_name"`
	SpouseEmail    string `json:"spouse_email"`
	SpousePhone    string `json:"spouse_phone"`
	SpouseBirthday string `json:"spouse_birthday"`
	Tags           string `json:"tags"`
	HotnessID      int64  `json:"hotness_id"`
	SourceID       int64  `json:"source_id"`
	CreatedAt      string `json:"created_at"`
	ModifiedAt     string `json:"modified_at"`
}

// Address is an address under a contact.
type Address struct {
	ID             int64      `json:"id"`
	ContactID      int64      `json:"contact_id"`
	Type           string     `json:"type"`
	StreetAddress1 string     `json:"street_address_1"`
	StreetAddress2 string     `json:"street_address_2"`
	Zip            FlexString `json:"zip"`
	City           string     `json:"city"`
	State          string     `json:"state"`
}

// Lead is a lead with the routing the emulator applied at creation.
type Lead struct {
	ID                 int64      `json:"id"`
	ContactID          int64      `json:"contact_id"`
	SourceID           int64      `json:"source_id"`
	ClaimedVia         string     `json:"claimed_via"`
	TextBody           string     `json:"text_body"`
	HTMLBody           string     `json:"html_body"`
	MLSID              FlexString `json:"mls_id"`
	ListingStatus      string     `json:"listing_status"`
	ListingPrice       FlexString `json:"listing_price"`
	StreetAddress      string     `json:"street_address"`
	City               string     `json:"city"`
	State              string     `json:"state"`
	Zipcode            FlexString `json:"zipcode"`
	Type               string     `json:"type"`
	DistributionTarget string     `json:"distribution_target"`
	ClaimedByUserID    int64      `json:"claimed_by_user_id"`
	ClaimedAt          string     `json:"claimed_at"`
	TimeToClaim        int64      `json:"time_to_claim"`
	OwnerUserID        int64      `json:"owner_user_id"`
	LeadRouteID        int64      `json:"lead_route_id"`
}

// LeadRoute is a lead route. Zero LeadSourceID or ContactSourceID matches
// any source.
type LeadRoute struct {
	ID                  int64  `json:"id"`
	DistributionTarget  string `json:"distribution_target"`
	Filter              string `json:"filter"`
	TeamSelectionMethod string `json:"team_selection_method"`
	TeamID              int64  `json:"team_id"`
	CampaignID          int64  `json:"campaign_id"`
	LeadSourceID        int64  `json:"lead_source_id"`
	ContactSourceID     int64  `json:"contact_source_id"`
	OwnerUserID         int64  `json:"owner_user_id"`
}

// DistributionOption is a team member distribution option.
type DistributionOption struct {
	ID                  int64 `json:"id"`
	TeamID              int64 `json:"team_id"`
	UserID              int64 `json:"user_id"`
	Rank                int64 `json:"rank"`
	MinsUntilLeadOffer  int64 `json:"mins_until_lead_offer"`
	AssignAutomatically bool  `json:"assign_automatically"`
	HasCallAlert        bool  `json:"has_call_alert"`
	HasTextAlert        bool  `json:"has_text_alert"`
	HasEmailAlert       bool  `json:"has_email_alert"`
}

// LeadOffer is one offer of a lead to a team member.
type LeadOffer struct {
	ID                  int64  `json:"id"`
	LeadID              int64  `json:"lead_id"`
	TeamID              int64  `json:"team_id"`
	UserID              int64  `json:"user_id"`
	Rank                int64  `json:"rank"`
	NotifyAt            string `json:"notify_at"`
	Status              string `json:"status"`
	AssignAutomatically bool   `json:"assign_automatically"`
	HasCallAlert        bool   `json:"has_call_alert"`
	HasTextAlert        bool   `json:"has_text_alert"`
	HasEmailAlert       bool   `json:"has_email_alert"`
}

// Task is an agent task.
type Task struct {
	ID                int64  `json:"id"`
	OwnerUserID       int64  `json:"owner_user_id"`
	ContactID         int64  `json:"contact_id"`
	CampaignContactID int64  `json:"campaign_contact_id"`
	ReminderType      string `json:"reminder_type"`
	ActionType        string `json:"action_type"`
	Status            string `json:"status"`
	CreatedAt         string `json:"created_at"`
	ModifiedAt        string `json:"modified_at"`
	DueAt             string `json:"due_at"`
	CompletedAt       string `json:"completed_at"`
	Description       string `json:"description"`
	IsAllDay          bool   `json:"is_all_day"`
	IsImportant       bool   `json:"is_important"`
	DueEndAt          string `json:"due_end_at"`
	Notes             string `json:"notes"`
	IsPublic          bool   `json:"is_public"`
	AssignedUserID    int64  `json:"assigned_user_id"`
	CompletingUserID  int64  `json:"completing_user_id"`
}

// boolString prints a boolean the way the lead offer example does
// (quirk 3: "true").
func boolString(v any) string {
	b, _ := v.(bool)
	return strconv.FormatBool(b)
}
