package liondesk

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
)

func ptr[T any](v T) *T { return &v }

// teamSpec is the North team's set-up: 1002 first, 1001 second, 1003
// with alerts paused.
func teamSpec() TeamSpec {
	return TeamSpec{
		Name:               "North Team",
		OrderMethod:        "Rank",
		MinsUntilNextAlert: ptr(int64(5)),
		DistributionOptions: []DistributionOptionSpec{
			{UserID: liondesktest.TestTeammateID, Rank: ptr(int64(1)), AssignAutomatically: true, HasEmailAlert: true},
			{UserID: liondesktest.TestUserID, Rank: ptr(int64(2)), HasTextAlert: true},
			{UserID: liondesktest.TestSecondTeammateID, Rank: ptr(int64(3))},
		},
	}
}

func buyerDrip() CampaignSpec {
	return CampaignSpec{
		Name:              "Buyer Drip",
		IsBrokerSharingOn: ptr(true),
		Actions: []ActionSpec{
			{Type: "Email Contact", TimingType: "Delay by Day and Time", DispatchTime: "20:30:00", DelayByDays: ptr(int64(1)), TemplateID: ptr(int64(2))},
			{Type: "Agent Task - Call Reminder", TimingType: "Delay by Minutes", DelayBySeconds: ptr(int64(600)), Notes: "Call the lead"},
		},
	}
}

// fullSpec sets up a Myself route for Zillow/Zillow buyers and a Team
// Rollout route to the North team for Zillow/Email.
func fullSpec() SetupSpec {
	return SetupSpec{
		ContactSources: []string{"Open House"},
		Campaigns:      []CampaignSpec{buyerDrip()},
		Teams:          []TeamSpec{teamSpec()},
		Routes: []RouteSpec{
			{LeadSource: "Zillow", ContactSource: "Zillow", Filter: "Buyer", Campaign: "Buyer Drip", DistributionTarget: "Myself"},
			{LeadSource: "Zillow", ContactSource: "Email", Campaign: "Buyer Drip", DistributionTarget: "Team Rollout", TeamSelectionMethod: "Specific Team", Team: "North Team"},
		},
	}
}

func TestSetupIsIdempotent(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	c := newClient(t, srv)
	res, err := Setup(ctx, c, fullSpec())
	if err != nil {
		t.Fatal(err)
	}
	// contact source, campaign, 2 actions, 3 options, 2 routes.
	if n := res.Count(Created); n != 9 {
		t.Fatalf("created %d:\n%s", n, itemsText(res))
	}
	if n := res.Count(Updated); n != 0 {
		t.Fatalf("updated %d (the North team's fixtures already match):\n%s", n, itemsText(res))
	}
	if cs := srv.Campaigns(); len(cs) != 1 || cs[0].Name != "Buyer Drip" || !cs[0].IsBrokerSharingOn {
		t.Fatalf("campaigns %+v", cs)
	}
	acts := srv.CampaignActions()
	if len(acts) != 2 || acts[0].TemplateMetadataID != 2 || acts[1].DelayBySeconds != 600 {
		t.Fatalf("actions %+v", acts)
	}
	routes := srv.LeadRoutes()
	if len(routes) != 2 || routes[1].TeamID != liondesktest.TeamNorth || routes[1].TeamSelectionMethod != "Specific Team" || routes[0].Filter != "Buyer" {
		t.Fatalf("routes %+v", routes)
	}
	if opts := srv.DistributionOptions(); len(opts) != 3 {
		t.Fatalf("options %+v", opts)
	}
	written := srv.Core().Stats().TotalWrites()

	again, err := Setup(ctx, c, fullSpec())
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() || again.Count(Found) != len(again.Items) {
		t.Fatalf("second run changed something:\n%s", itemsText(again))
	}
	if w := srv.Core().Stats().TotalWrites(); w != written {
		t.Fatalf("second run wrote %d times", w-written)
	}
	if len(again.Items) != len(res.Items) {
		t.Fatalf("items %d vs %d", len(again.Items), len(res.Items))
	}
}

func itemsText(r SetupResult) string {
	var b strings.Builder
	for _, it := range r.Items {
		b.WriteString(it.String() + "\n")
	}
	return b.String()
}

func TestSetupCorrectsWhatDiffers(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	c := newClient(t, srv)
	if _, err := Setup(ctx, c, fullSpec()); err != nil {
		t.Fatal(err)
	}
	spec := fullSpec()
	spec.Campaigns = append(spec.Campaigns, CampaignSpec{Name: "Seller Drip"})
	spec.Routes[0].Campaign = "Seller Drip"
	spec.Routes[1].DistributionTarget, spec.Routes[1].TeamSelectionMethod, spec.Routes[1].Team = "Team Rollout", "Zipcode", ""
	spec.Teams[0].DistributionOptions[2].HasCallAlert = true
	spec.Teams[0].DistributionZipcodes = ptr("92618, 91109,92620")
	spec.Campaigns[0].Actions = append(spec.Campaigns[0].Actions, ActionSpec{Type: "Text Contact", TimingType: "Delay by Minutes", DelayBySeconds: ptr(int64(60))})
	res, err := Setup(ctx, c, spec)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range res.Items {
		if it.Action != Found {
			got = append(got, string(it.Action)+" "+it.Kind)
		}
	}
	want := []string{"created campaign action", "created campaign", "updated team", "updated distribution option", "updated lead route", "updated lead route"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("changes (-want +got):\n%s\n%s", diff, itemsText(res))
	}
	routes := srv.LeadRoutes()
	if seller := srv.Campaigns()[1]; routes[0].CampaignID != seller.ID {
		t.Fatalf("route 0 campaign %d, want %d", routes[0].CampaignID, seller.ID)
	}
	if routes[1].TeamSelectionMethod != "Zipcode" || routes[1].TeamID != 0 {
		t.Fatalf("route 1 %+v", routes[1])
	}
	if teams := srv.Teams(); teams[0].DistributionZipcodes != "91109,92618,92620" {
		t.Fatalf("zips %q", teams[0].DistributionZipcodes)
	}
	// And it converged.
	again, err := Setup(ctx, c, spec)
	if err != nil || again.Changed() {
		t.Fatalf("third run: %v\n%s", err, itemsText(again))
	}
}

func TestSetupDryRunWritesNothing(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	spec := fullSpec()
	spec.DryRun = true
	res, err := Setup(ctx, newClient(t, srv), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Count(Created) != 9 {
		t.Fatalf("dry run:\n%s", itemsText(res))
	}
	if w := srv.Core().Stats().TotalWrites(); w != 0 {
		t.Fatalf("dry run wrote %d times", w)
	}
}

func TestSetupValidatesBeforeAnyCall(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	spec := SetupSpec{
		Campaigns: []CampaignSpec{{Name: "A", Actions: []ActionSpec{
			{Type: "Email Contact", TimingType: "Delay by Day and Time", DispatchTime: "8pm"},
			{Type: "Agent Task - No Reminder", TimingType: "Delay by Minutes", DelayBySeconds: ptr(int64(5)), TemplateID: ptr(int64(3))},
		}}, {Name: "a"}},
		Teams:  []TeamSpec{{Name: "T", OrderMethod: "Time", MinsUntilNextAlert: ptr(int64(5)), DistributionOptions: []DistributionOptionSpec{{}}}},
		Routes: []RouteSpec{{LeadSource: "Zillow", Campaign: "A", DistributionTarget: "Team Rollout"}},
	}
	_, err := Setup(ctx, newClient(t, srv), spec)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"campaigns[0].actions[0]: dispatch_time", "campaigns[0].actions[0]: delay_by_days",
		"campaigns[0].actions[1]: template_id", `campaigns[1]: campaign "a" is listed twice`,
		"teams[0].mins_until_next_alert", "teams[0].distribution_options[0].user_id is required",
		"routes[0].contact_source is required", "routes[0].team_selection_method",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := srv.Core().Stats().TotalRequests(); n != 0 {
		t.Fatalf("%d requests before the spec was valid", n)
	}
}

func TestSetupMissingThings(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	c := newClient(t, srv)
	_, err := Setup(ctx, c, SetupSpec{Teams: []TeamSpec{{Name: "Nobody's Team"}}})
	if err == nil || !strings.Contains(err.Error(), `team "Nobody's Team"`) || !strings.Contains(err.Error(), "managed in LionDesk") {
		t.Fatalf("missing team: %v", err)
	}
	_, err = Setup(ctx, c, SetupSpec{Routes: []RouteSpec{{LeadSource: "Craigslist", ContactSource: "Email", Campaign: "X", DistributionTarget: "Myself"}}})
	if err == nil || !strings.Contains(err.Error(), `lead source "Craigslist" does not exist`) {
		t.Fatalf("missing lead source: %v", err)
	}
	_, err = Setup(ctx, c, SetupSpec{Routes: []RouteSpec{{LeadSource: "Zillow", ContactSource: "Email", Campaign: "Nope", DistributionTarget: "Myself"}}})
	if err == nil || !strings.Contains(err.Error(), `campaign "Nope" does not exist`) {
		t.Fatalf("missing campaign: %v", err)
	}
	// The South team is the teammate's: only its creator may change it.
	res, err := Setup(ctx, c, SetupSpec{Teams: []TeamSpec{{Name: "South Team", DistributionOptions: []DistributionOptionSpec{{UserID: liondesktest.TestUserID, HasCallAlert: true}}}}})
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("someone else's team: %v", err)
	}
	if len(res.Items) != 1 || res.Items[0].Action != Found {
		t.Fatalf("partial result %+v", res.Items)
	}
}

func TestSetupFindsCampaignsIgnoringCase(t *testing.T) {
	srv := newServer(t, liondesktest.Options{})
	seed(t, srv, map[string]any{"campaigns": []map[string]any{
		{"id": 7, "name": "LionDesk: General Buyer Drip", "is_default": true}, // LionDesk's own
		{"id": 8, "name": "buyer_drip", "owner_user_id": liondesktest.TestUserID},
	}})
	res, err := Setup(ctx, newClient(t, srv), SetupSpec{Campaigns: []CampaignSpec{{Name: "LionDesk: General Buyer Drip"}, {Name: "Buyer_Drip"}, {Name: "Buyer%Drip"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := []SetupAction{res.Items[0].Action, res.Items[1].Action, res.Items[2].Action}
	if diff := cmp.Diff([]SetupAction{Found, Found, Created}, got); diff != "" || res.Items[1].ID != 8 {
		t.Fatalf("%s\n%s", diff, itemsText(res))
	}
}

// The YAML form documented on SetupSpec decodes strictly into the spec.
func TestSetupSpecYAML(t *testing.T) {
	doc := `
contact_sources: [Email]
campaigns:
  - name: Buyer Drip
    is_broker_sharing_on: true
    actions:
      - type: Email Contact
        timing_type: Delay by Day and Time
        dispatch_time: "20:30:00"
        delay_by_days: 1
        template_id: 2
      - type: Agent Task - Call Reminder
        timing_type: Delay by Minutes
        delay_by_seconds: 600
        notes: Call the lead
teams:
  - name: North Team
    order_method: Rank
    mins_until_next_alert: 5
    distribution_zipcodes: "92618,91109"
    distribution_options:
      - user_id: 1002
        rank: 1
        assign_automatically: true
        has_text_alert: true
routes:
  - lead_source: Zillow
    contact_source: Email
    filter: Buyer
    campaign: Buyer Drip
    distribution_target: Team Rollout
    team_selection_method: Specific Team
    team: North Team
`
	var spec SetupSpec
	if err := yaml.UnmarshalWithOptions([]byte(doc), &spec, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	want := SetupSpec{
		ContactSources: []string{"Email"},
		Campaigns:      []CampaignSpec{buyerDrip()},
		Teams: []TeamSpec{{Name: "North Team", OrderMethod: "Rank", MinsUntilNextAlert: ptr(int64(5)), DistributionZipcodes: ptr("92618,91109"),
			DistributionOptions: []DistributionOptionSpec{{UserID: 1002, Rank: ptr(int64(1)), AssignAutomatically: true, HasTextAlert: true}}}},
		Routes: []RouteSpec{{LeadSource: "Zillow", ContactSource: "Email", Filter: "Buyer", Campaign: "Buyer Drip", DistributionTarget: "Team Rollout", TeamSelectionMethod: "Specific Team", Team: "North Team"}},
	}
	if diff := cmp.Diff(want, spec); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalWithOptions([]byte("campaigns: [{name: X, action: []}]"), &spec, yaml.Strict()); err == nil {
		t.Fatal("an unknown key decoded")
	}
	// And it runs.
	srv := newServer(t, liondesktest.Options{})
	if _, err := Setup(ctx, newClient(t, srv), spec); err != nil {
		t.Fatal(err)
	}
}
