package tiledesktest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Fixed test credentials of DefaultFixtures.
const (
	// TestProjectID is the project the test users work in.
	TestProjectID = "65aa00112233445566778899"
	// TestOtherProjectID is a second project, owned by the test user, for
	// cross-project checks.
	TestOtherProjectID = "65aa0011223344556677889a"

	// TestUserID, TestEmail and TestPassword are an agent of TestProjectID
	// and the owner of TestOtherProjectID.
	TestUserID   = "64bb00112233445566778801"
	TestEmail    = "agent@example.com"
	TestPassword = "agent-secret"
	// TestToken is a JWT of the test user, sent as "Authorization: JWT "+TestToken.
	TestToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
		"eyJfaWQiOiI2NGJiMDAxMTIyMzM0NDU1NjY3Nzg4MDEiLCJlbWFpbCI6ImFnZW50QGV4YW1wbGUuY29tIiwiaXNzIjoiaHR0cHM6Ly90aWxlZGVzay5jb20iLCJzdWIiOiJ1c2VyIiwiYXVkIjoiaHR0cHM6Ly90aWxlZGVzay5jb20iLCJqdGkiOiJ0aWxlZGVza3Rlc3QtZml4dHVyZS0xIn0." +
		"dGlsZWRlc2t0ZXN0LXVuc2lnbmVkLWZpeHR1cmUtdG9rZW4"

	// TestTeammateEmail is a member of TestProjectID whose role (teammate)
	// is below the agent role the leads routes require.
	TestTeammateUserID   = "64bb00112233445566778802"
	TestTeammateEmail    = "teammate@example.com"
	TestTeammatePassword = "teammate-secret"

	// TestOutsiderEmail is an active user with no project at all.
	TestOutsiderUserID   = "64bb00112233445566778803"
	TestOutsiderEmail    = "outsider@example.com"
	TestOutsiderPassword = "outsider-secret"
)

// Lead statuses (models/leadConstants.js).
const (
	StatusTemp    = 50
	StatusNormal  = 100
	StatusDeleted = 1000
)

// roles are the membership roles, lowest first (middleware/has-role.js).
// The leads routes require requiredRole or above.
var roles = []string{"guest", "user", "teammate", "agent", "supervisor", "admin", "owner"}

const requiredRole = "agent"

// BasicAuthorization is the Authorization header value for a user's
// email and password.
func BasicAuthorization(email, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
}

// JWTAuthorization is the Authorization header value for a token (the
// scheme word is JWT, not Bearer).
func JWTAuthorization(token string) string { return "JWT " + token }

// Fixtures are the objects the emulator cannot create through the leads
// API: projects, users, their tokens and project memberships; plus leads
// to start with.
type Fixtures struct {
	Projects    []Project    `json:"projects,omitempty"`
	Users       []User       `json:"users,omitempty"`
	Tokens      []Token      `json:"tokens,omitempty"`
	Memberships []Membership `json:"memberships,omitempty"`
	// Leads are stored documents as the API returns them. Missing _id,
	// lead_id, status, tags, createdAt, updatedAt and __v get the values a
	// create would give; id_project is kept as written (a lead without it
	// never shows in a list, like a document made by an upsert).
	Leads []map[string]any `json:"leads,omitempty"`
}

// Project is a Tiledesk project. Status 0 means 100 (active); any other
// value makes the project unknown to the leads routes.
type Project struct {
	ID     string `json:"_id"`
	Name   string `json:"name,omitempty"`
	Status int    `json:"status,omitempty"`
}

// User is a Tiledesk user who signs in with email and password. The email
// is matched case-insensitively (it is stored lower-cased). Status 0 means
// 100 (active); any other value disables the user for Basic, JWT and signin.
type User struct {
	ID        string `json:"_id"`
	Email     string `json:"email"`
	Password  string `json:"password"`
	Firstname string `json:"firstname,omitempty"`
	Lastname  string `json:"lastname,omitempty"`
	Status    int    `json:"status,omitempty"`
}

// Token is a JWT the emulator accepts for a user. The emulator does not
// verify signatures: only tokens listed here or issued by signin pass.
type Token struct {
	Token     string     `json:"token"` // without the "JWT " prefix (one is stripped if present)
	UserID    string     `json:"user_id"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Membership is a project_user: a user's role in a project. Status ""
// means "active"; any other value counts as not belonging to the project.
type Membership struct {
	ProjectID string `json:"id_project"`
	UserID    string `json:"id_user"`
	Role      string `json:"role"`
	Status    string `json:"status,omitempty"`
}

// DefaultFixtures are two projects and three users: TestEmail (agent of
// TestProjectID, owner of TestOtherProjectID, with TestToken),
// TestTeammateEmail (teammate of TestProjectID) and TestOutsiderEmail (no
// project).
func DefaultFixtures() Fixtures {
	return Fixtures{
		Projects: []Project{
			{ID: TestProjectID, Name: "Emulator project"},
			{ID: TestOtherProjectID, Name: "Emulator other project"},
		},
		Users: []User{
			{ID: TestUserID, Email: TestEmail, Password: TestPassword, Firstname: "Ada", Lastname: "Agent"},
			{ID: TestTeammateUserID, Email: TestTeammateEmail, Password: TestTeammatePassword, Firstname: "Tim", Lastname: "Teammate"},
			{ID: TestOutsiderUserID, Email: TestOutsiderEmail, Password: TestOutsiderPassword, Firstname: "Otto", Lastname: "Outsider"},
		},
		Tokens: []Token{{Token: TestToken, UserID: TestUserID}},
		Memberships: []Membership{
			{ProjectID: TestProjectID, UserID: TestUserID, Role: "agent"},
			{ProjectID: TestOtherProjectID, UserID: TestUserID, Role: "owner"},
			{ProjectID: TestProjectID, UserID: TestTeammateUserID, Role: "teammate"},
		},
	}
}

type memberKey struct{ project, user string }

// apply validates f and adds it to st; on error st may be partly changed,
// so callers apply to a copy.
func (st *state) apply(f Fixtures, now time.Time) error {
	for i, p := range f.Projects {
		if !isObjectID(p.ID) {
			return fmt.Errorf("projects[%d]: _id %q is not a 24-hex ObjectId", i, p.ID)
		}
		if p.Status == 0 {
			p.Status = 100
		}
		p.ID = strings.ToLower(p.ID)
		st.projects[p.ID] = p
	}
	for i, u := range f.Users {
		if !isObjectID(u.ID) {
			return fmt.Errorf("users[%d]: _id %q is not a 24-hex ObjectId", i, u.ID)
		}
		if u.Email == "" || u.Password == "" {
			return fmt.Errorf("users[%d]: email and password are required", i)
		}
		if u.Status == 0 {
			u.Status = 100
		}
		u.ID = strings.ToLower(u.ID)
		u.Email = strings.ToLower(u.Email)
		if other, ok := st.byEmail[u.Email]; ok && other != u.ID {
			return fmt.Errorf("users[%d]: email %q already belongs to user %s", i, u.Email, other)
		}
		if old, ok := st.users[u.ID]; ok && old.Email != u.Email {
			delete(st.byEmail, old.Email)
		}
		st.users[u.ID] = u
		st.byEmail[u.Email] = u.ID
	}
	for i, t := range f.Tokens {
		t.Token = strings.TrimPrefix(t.Token, "JWT ")
		t.UserID = strings.ToLower(t.UserID)
		if t.Token == "" || strings.ContainsAny(t.Token, " \t") {
			return fmt.Errorf("tokens[%d]: token must be one non-empty word", i)
		}
		if _, ok := st.users[t.UserID]; !ok {
			return fmt.Errorf("tokens[%d]: unknown user_id %q", i, t.UserID)
		}
		st.tokens[t.Token] = t
	}
	for i, m := range f.Memberships {
		m.ProjectID, m.UserID = strings.ToLower(m.ProjectID), strings.ToLower(m.UserID)
		if _, ok := st.projects[m.ProjectID]; !ok {
			return fmt.Errorf("memberships[%d]: unknown id_project %q", i, m.ProjectID)
		}
		if _, ok := st.users[m.UserID]; !ok {
			return fmt.Errorf("memberships[%d]: unknown id_user %q", i, m.UserID)
		}
		if roleRank(m.Role) < 0 {
			return fmt.Errorf("memberships[%d]: unknown role %q (one of %s)", i, m.Role, strings.Join(roles, ", "))
		}
		if m.Status == "" {
			m.Status = "active"
		}
		st.memberships[memberKey{m.ProjectID, m.UserID}] = m
	}
	for i, raw := range f.Leads {
		if err := st.seedLead(raw, now); err != nil {
			return fmt.Errorf("leads[%d]: %w", i, err)
		}
	}
	return nil
}

func (st *state) seedLead(raw map[string]any, now time.Time) error {
	doc := deepCopy(raw).(map[string]any)
	id := ""
	switch v := doc["_id"].(type) {
	case nil:
		id = st.newLeadID()
	case string:
		if !isObjectID(v) {
			return fmt.Errorf("_id %q is not a 24-hex ObjectId", v)
		}
		id = strings.ToLower(v)
		if _, dup := st.leads[id]; dup {
			return fmt.Errorf("_id %s already exists", id)
		}
	default:
		return fmt.Errorf("_id must be a string")
	}
	doc["_id"] = id
	for _, k := range []string{"createdAt", "updatedAt"} {
		switch v := doc[k].(type) {
		case nil:
			doc[k] = mongoTime{now}
		case string:
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			doc[k] = mongoTime{t.UTC().Truncate(time.Millisecond)}
		default:
			return fmt.Errorf("%s must be an ISO-8601 string", k)
		}
	}
	if _, ok := doc["lead_id"]; !ok {
		doc["lead_id"] = st.uuid()
	}
	if v, ok := doc["status"]; !ok {
		doc["status"] = float64(StatusNormal)
	} else if _, isNum := v.(float64); !isNum {
		return fmt.Errorf("status must be a number")
	}
	if _, ok := doc["tags"]; !ok {
		doc["tags"] = []any{}
	}
	if _, ok := doc["__v"]; !ok {
		doc["__v"] = float64(0)
	}
	st.insert(&leadRecord{doc: doc})
	return nil
}

// decodeFixtures reads a JSON Fixtures document, refusing unknown keys so a
// typo in a seed file is an error rather than a silently missing record.
func decodeFixtures(data []byte) (Fixtures, error) {
	var f Fixtures
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Fixtures{}, fmt.Errorf("tiledesktest: seed: %w", err)
	}
	if dec.More() {
		return Fixtures{}, fmt.Errorf("tiledesktest: seed: trailing data after the JSON document")
	}
	return f, nil
}

func roleRank(role string) int {
	for i, r := range roles {
		if r == role {
			return i
		}
	}
	return -1
}
