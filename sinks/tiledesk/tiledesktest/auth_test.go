package tiledesktest

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	fixtures := DefaultFixtures()
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	fixtures.Users = append(fixtures.Users,
		User{ID: "64bb00112233445566778804", Email: "Disabled@Example.com", Password: "pw", Status: 200},
		User{ID: "64bb00112233445566778805", Email: "left@example.com", Password: "pw"},
		User{ID: "64bb00112233445566778806", Email: "colon@example.com", Password: "a:b"},
		User{ID: "64bb00112233445566778807", Email: "boss@example.com", Password: "pw"},
		User{ID: "64bb00112233445566778808", Email: "cut@example.com", Password: "a"})
	fixtures.Tokens = append(fixtures.Tokens,
		Token{Token: "expired.jwt.token", UserID: TestUserID, ExpiresAt: &past},
		Token{Token: "JWT disabled.jwt.token", UserID: "64bb00112233445566778804"})
	fixtures.Memberships = append(fixtures.Memberships,
		Membership{ProjectID: TestProjectID, UserID: "64bb00112233445566778804", Role: "owner"},
		Membership{ProjectID: TestProjectID, UserID: "64bb00112233445566778805", Role: "admin", Status: "disabled"},
		Membership{ProjectID: TestProjectID, UserID: "64bb00112233445566778806", Role: "agent"},
		Membership{ProjectID: TestProjectID, UserID: "64bb00112233445566778807", Role: "supervisor"},
		Membership{ProjectID: TestProjectID, UserID: "64bb00112233445566778808", Role: "agent"})
	s := newServer(t, Options{Fixtures: &fixtures})

	const (
		ok           = "ok"
		unauthorized = "401"
		badRequest   = "400"
	)
	tests := []struct {
		name  string
		auth  string
		query string
		want  string // ok, 401, 400, or a 403 msg
	}{
		{name: "basic", auth: agentBasic, want: ok},
		{name: "basic, email in capitals", auth: BasicAuthorization("AGENT@Example.COM", TestPassword), want: ok},
		{name: "basic, scheme in lower case", auth: "basic " + base64.StdEncoding.EncodeToString([]byte(TestEmail+":"+TestPassword)), want: ok},
		{name: "basic, unpadded base64", auth: "Basic " + base64.RawStdEncoding.EncodeToString([]byte(TestEmail+":"+TestPassword)), want: ok},
		{name: "jwt", auth: agentJWT, want: ok},
		{name: "jwt, scheme in lower case", auth: "jwt " + TestToken, want: ok},
		{name: "supervisor", auth: BasicAuthorization("boss@example.com", "pw"), want: ok},
		{name: "no header", want: unauthorized},
		{name: "wrong password", auth: BasicAuthorization(TestEmail, "nope"), want: unauthorized},
		{name: "unknown user", auth: BasicAuthorization("nobody@example.com", "pw"), want: unauthorized},
		{name: "empty password", auth: BasicAuthorization(TestEmail, ""), want: unauthorized},
		{name: "disabled user, basic", auth: BasicAuthorization("disabled@example.com", "pw"), want: unauthorized},
		{name: "disabled user, jwt", auth: JWTAuthorization("disabled.jwt.token"), want: unauthorized},
		{name: "password with a colon", auth: BasicAuthorization("colon@example.com", "a:b"), want: unauthorized},
		{name: "password cut at the second colon", auth: BasicAuthorization("cut@example.com", "a:zzz"), want: ok},
		{name: "bearer scheme", auth: "Bearer " + TestToken, want: unauthorized},
		{name: "unknown token", auth: JWTAuthorization("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"), want: unauthorized},
		{name: "expired token", auth: JWTAuthorization("expired.jwt.token"), want: unauthorized},
		{name: "token without scheme", auth: TestToken, want: badRequest},
		{name: "basic without colon", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("agent@example.com")), want: badRequest},
		{name: "scheme only", auth: "Basic", want: badRequest},
		{name: "three parts", auth: agentJWT + " extra", want: "Unauthorized."},
		{name: "query token only", query: "?secret_token=" + TestToken, want: "Unauthorized."},
		{name: "outsider", auth: BasicAuthorization(TestOutsiderEmail, TestOutsiderPassword), want: "you dont belong to the project."},
		{name: "disabled membership", auth: BasicAuthorization("left@example.com", "pw"), want: "you dont belong to the project."},
		{name: "teammate", auth: BasicAuthorization(TestTeammateEmail, TestTeammatePassword), want: "you dont have the required role."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, request{method: "GET", path: leadsPath + tt.query, auth: tt.auth})
			switch tt.want {
			case ok:
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r)
				}
			case unauthorized:
				if r.status != 401 || string(r.body) != "Unauthorized" {
					t.Fatalf("got %d %q, want 401 Unauthorized", r.status, r)
				}
				if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="Users"` {
					t.Fatalf("WWW-Authenticate = %q", got)
				}
				if ct, has := r.header["Content-Type"]; has {
					t.Fatalf("Content-Type = %q, want none (passport's res.end)", ct)
				}
			case badRequest:
				if r.status != 400 || string(r.body) != "Bad Request" || r.header.Get("WWW-Authenticate") != "" {
					t.Fatalf("got %d %q, want 400 Bad Request", r.status, r)
				}
			default:
				wantMsg(t, r, 403, tt.want)
			}
		})
	}
	// A refused caller changes nothing.
	r := send(t, s, request{method: "POST", path: leadsPath, auth: BasicAuthorization(TestTeammateEmail, TestTeammatePassword), body: `{"fullname":"x"}`})
	wantMsg(t, r, 403, "you dont have the required role.")
	if len(s.Leads()) != 0 || s.Core().Stats().TotalWrites() != 0 {
		t.Fatalf("a refused create stored a lead")
	}
}

func TestProjectChecks(t *testing.T) {
	fixtures := DefaultFixtures()
	disabled := "65aa001122334455667788ff"
	fixtures.Projects = append(fixtures.Projects, Project{ID: disabled, Status: 200})
	fixtures.Memberships = append(fixtures.Memberships, Membership{ProjectID: disabled, UserID: TestUserID, Role: "owner"})
	s := newServer(t, Options{Fixtures: &fixtures})
	tests := []struct {
		name, path, auth, want string
	}{
		{"invalid id, no credentials", "/v3/my-project/leads", "", "Invalid project id: my-project"},
		{"invalid id", "/v3/my-project/leads/66d1e4c0aaaaaaaaaaaaaaaa", agentBasic, "Invalid project id: my-project"},
		{"unknown project, no credentials", "/v3/65aa00112233445566770000/leads", "", "Project not found with id: 65aa00112233445566770000"},
		{"disabled project", "/v3/" + disabled + "/leads", agentBasic, "Project not found with id: " + disabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, request{method: "GET", path: tt.path, auth: tt.auth})
			got := r.json(t)
			if r.status != 400 || got["error"] != tt.want || len(got) != 1 {
				t.Fatalf("got %d %s, want 400 {\"error\":%q}", r.status, r, tt.want)
			}
		})
	}
	t.Run("project id in capitals", func(t *testing.T) {
		upper := strings.ToUpper(TestProjectID)
		r := send(t, s, request{method: "POST", path: "/v3/" + upper + "/leads", auth: agentBasic, body: `{"fullname":"Upper"}`})
		if r.status != 200 || r.json(t)["id_project"] != upper {
			t.Fatalf("create: %d %s", r.status, r)
		}
		// id_project keeps the path's spelling, so the lower-case list
		// does not see it, as with MongoDB's string match.
		if r := send(t, s, request{method: "GET", path: leadsPath, auth: agentBasic}); r.json(t)["count"] != float64(0) {
			t.Fatalf("lower-case list: %s", r)
		}
		if r := send(t, s, request{method: "GET", path: "/v3/" + upper + "/leads", auth: agentBasic}); r.json(t)["count"] != float64(1) {
			t.Fatalf("upper-case list: %s", r)
		}
	})
}

func TestSignin(t *testing.T) {
	s := newServer(t, Options{})
	r := send(t, s, request{method: "POST", path: "/v3/auth/signin", body: `{"email":"Agent@Example.com","password":"` + TestPassword + `"}`})
	if r.status != 200 {
		t.Fatalf("signin: %d %s", r.status, r)
	}
	got := r.json(t)
	token, _ := got["token"].(string)
	user, _ := got["user"].(map[string]any)
	if got["success"] != true || !strings.HasPrefix(token, "JWT ey") || user["_id"] != TestUserID || user["email"] != TestEmail {
		t.Fatalf("signin body %s", r)
	}
	if _, has := user["password"]; has {
		t.Fatalf("signin returns the password")
	}
	// The token goes into the header verbatim.
	if r := send(t, s, request{method: "GET", path: leadsPath, auth: token}); r.status != 200 {
		t.Fatalf("list with the issued token: %d %s", r.status, r)
	}
	if r := send(t, s, request{method: "POST", path: "/auth/signin", ctype: "application/x-www-form-urlencoded",
		body: "email=agent%40example.com&password=" + TestPassword}); r.status != 200 {
		t.Fatalf("form signin without /v3: %d %s", r.status, r)
	}

	wantMsg(t, send(t, s, request{method: "POST", path: "/v3/auth/signin", body: `{"email":"agent@example.com","password":"wrong"}`}),
		401, "Authentication failed. Wrong password.")
	wantMsg(t, send(t, s, request{method: "POST", path: "/v3/auth/signin", body: `{"email":"nobody@example.com","password":"x"}`}),
		401, "Authentication failed. User not found.")

	r = send(t, s, request{method: "POST", path: "/v3/auth/signin", body: `{"email":"not-an-email"}`})
	if r.status != 422 {
		t.Fatalf("invalid signin: %d %s", r.status, r)
	}
	errs, _ := r.json(t)["errors"].([]any)
	if len(errs) != 2 {
		t.Fatalf("errors = %s", r)
	}
	first := errs[0].(map[string]any)
	if first["param"] != "email" || first["value"] != "not-an-email" || first["msg"] != "Invalid value" || first["location"] != "body" {
		t.Fatalf("first error = %v", first)
	}
	if second := errs[1].(map[string]any); second["param"] != "password" {
		t.Fatalf("second error = %v", second)
	}
}

func TestBodyHelpers(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{{"40", 40, true}, {" 12px", 12, true}, {"-3", -3, true}, {"0x10", 16, true}, {"abc", 0, false}, {"", 0, false}} {
		if got, ok := jsParseInt(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("jsParseInt(%q) = %d, %v", tt.in, got, ok)
		}
	}
	for _, tt := range []struct {
		in   float64
		want string
	}{{42, "42"}, {42.5, "42.5"}, {1e21, "1e+21"}, {1e-7, "1e-7"}, {-0.000001, "-0.000001"}, {123456789012, "123456789012"}} {
		if got := jsNumberString(tt.in); got != tt.want {
			t.Errorf("jsNumberString(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{"YTpi": "a:b", "YTpi=": "a:b", "YT pi": "a:b", "YTpiYw": "a:bc", "": ""} {
		if got := nodeBase64(in); got != want {
			t.Errorf("nodeBase64(%q) = %q, want %q", in, got, want)
		}
	}
}
