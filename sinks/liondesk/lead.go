package liondesk

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// leadSink submits leads.
type leadSink struct{ *base }

// Find returns sinks.ErrCannotFind: LionDesk cannot look leads up.
func (s *leadSink) Find(context.Context, sinks.Query) ([]sinks.Record, error) {
	return nil, sinks.ErrCannotFind
}

// Update is not possible: LionDesk leads cannot be changed through the API.
func (s *leadSink) Update(context.Context, string, sinks.Fields) error {
	return invalid("update lead", "LionDesk leads cannot be updated")
}

// route is a lead route as leadsync uses it.
type route struct {
	ID              int64
	Target          string // Myself, Team Rollout
	Filter          string
	LeadSourceID    int64 // 0: any
	ContactSourceID int64 // 0: any
	CampaignID      int64 // 0: none
	CampaignName    string
	TeamSelection   string // Team Rollout: Specific Team or Zipcode
	TeamID          int64  // Specific Team
	TeamName        string
}

// loadRoutes reads the caller's lead routes once per sink.
func (s *base) loadRoutes(ctx context.Context) ([]route, error) {
	return s.routes.get("all", func() ([]route, error) {
		var out []route
		err := s.c.findAll(ctx, "find lead routes", "/lead-routes", nil, func(raw json.RawMessage) error {
			m, err := decodeObject(raw)
			if err != nil {
				return err
			}
			out = append(out, route{
				ID:              intOf(m, "id"),
				Target:          stringOf(m["distribution_target"]),
				Filter:          strings.TrimSpace(stringOf(m["filter"])),
				LeadSourceID:    intOf(objectOf(m, "lead_source"), "id"),
				ContactSourceID: intOf(objectOf(m, "contact_source"), "id"),
				CampaignID:      intOf(objectOf(m, "campaign"), "id"),
				CampaignName:    stringOf(objectOf(m, "campaign")["name"]),
				TeamSelection:   stringOf(m["team_selection_method"]),
				TeamID:          intOf(objectOf(m, "team"), "id"),
				TeamName:        stringOf(objectOf(m, "team")["name"]),
			})
			return nil
		})
		return out, err
	})
}

// matchRoute picks the route LionDesk routes a lead by: the lead's source
// and the contact's source must equal the route's (a route without one
// takes any), a route's filter must equal the lead's type (ignoring
// case); the most specific route wins, then the oldest.
func matchRoute(routes []route, leadSource, contactSource int64, leadType string) *route {
	var best *route
	bestScore := -1
	for i := range routes {
		r := &routes[i]
		if (r.LeadSourceID != 0 && r.LeadSourceID != leadSource) || (r.ContactSourceID != 0 && r.ContactSourceID != contactSource) {
			continue
		}
		if r.Filter != "" && !strings.EqualFold(r.Filter, strings.TrimSpace(leadType)) {
			continue
		}
		score := 0
		if r.LeadSourceID != 0 {
			score++
		}
		if r.ContactSourceID != 0 {
			score++
		}
		if score > bestScore || (score == bestScore && r.ID < best.ID) {
			best, bestScore = r, score
		}
	}
	return best
}

// lookup is one contact find of the flow.
type lookup struct{ field, value string }

// contactLookups lists the finds of the flow in order: email, then the
// phones, each only when given (values already normalized).
func contactLookups(contactBody map[string]any) []lookup {
	var out []lookup
	for _, k := range contactKeys {
		if v, ok := contactBody[k].(string); ok && v != "" {
			out = append(out, lookup{k, v})
		}
	}
	return out
}

// leadBody builds the POST /leads body (without contact_id and source_id).
func leadBody(f sinks.Fields) (map[string]any, error) {
	body := map[string]any{}
	for name := range leadFieldSet {
		v := strings.TrimSpace(f[name])
		if v == "" || name == "lead_source" {
			continue
		}
		switch name {
		case "claimed_via":
			if !isClaimedVia(v) {
				return nil, invalid(opCheckFields, "claimed_via %q is not one of None, Email, Text, Phone, Assigned, Auto", v)
			}
			body[name] = v
		case "mls_id":
			// A number in LionDesk's examples; kept as text when it is not one.
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && !strings.HasPrefix(v, "0") {
				body[name] = n
			} else {
				body[name] = v
			}
		default:
			body[name] = v
		}
	}
	return body, nil
}

func isClaimedVia(v string) bool {
	for _, c := range []string{"None", "Email", "Text", "Phone", "Assigned", "Auto"} {
		if v == c {
			return true
		}
	}
	return false
}

// leadOffer is one created offer. LionDesk's example prints numbers and
// booleans as strings ("2", "true"); the flexible types read both.
type leadOffer struct {
	ID                  flexInt  `json:"id"`
	Rank                flexInt  `json:"rank"`
	Status              string   `json:"status"`
	AssignAutomatically flexBool `json:"assign_automatically"`
	HasCallAlert        flexBool `json:"has_call_alert"`
	HasTextAlert        flexBool `json:"has_text_alert"`
	HasEmailAlert       flexBool `json:"has_email_alert"`
	User                struct {
		ID flexInt `json:"id"`
	} `json:"user"`
}

// flexInt decodes 2, "2" or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("liondesk: %s is not a number", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexBool decodes true, "true", 1, "1" or null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(string(b)), `"`))
	switch s {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("liondesk: %s is not a boolean", b)
	}
	return nil
}
