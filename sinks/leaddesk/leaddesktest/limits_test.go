package leaddesktest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

func want429(t *testing.T, r result, seconds string, retryAfter string) {
	t.Helper()
	body := `{"statusCode":429,"message":"Rate limit is exceeded. Try again in ` + seconds + `."}`
	if r.status != http.StatusTooManyRequests || r.ctype != "application/json; charset=utf-8" || r.body != body {
		t.Fatalf("got %d %q %s\nwant 429 application/json %s", r.status, r.ctype, r.body, body)
	}
	if retryAfter != "" && r.retryAfter != retryAfter {
		t.Fatalf("Retry-After %q, want %q", r.retryAfter, retryAfter)
	}
}

// The documented limit, 100 calls per 60 s per auth value, on a fake clock.
func TestRateLimitDefault(t *testing.T) {
	clock := emulator.NewClock(time.Date(2025, 10, 14, 9, 0, 0, 0, time.UTC))
	s := newServer(t, Options{Now: clock.Now})
	find := cmdQ("agent", "find", "username", TestAgentUsername)

	for i := range 100 {
		if i == 50 {
			clock.Add(30 * time.Second) // half of the window later
		}
		wantOK(t, get(t, s, "/", find), findAgentOK)
	}
	// The 101st inside the window: the 100 before it are 30 s and 0 s old.
	want429(t, get(t, s, "/", find), "30 seconds", "30")
	// Another connection has its own window.
	wantOK(t, get(t, s, "/", qs("auth", TestAPIKey2, "mod", "agent", "cmd", "find", "username", TestAgentUsername)), findAgentOK)

	clock.Add(29*time.Second + 500*time.Millisecond)
	want429(t, get(t, s, "/", find), "1 second", "1")
	clock.Add(500 * time.Millisecond) // the first 50 leave the window: sliding, not fixed
	for range 50 {
		wantOK(t, get(t, s, "/", find), findAgentOK)
	}
	want429(t, get(t, s, "/", find), "30 seconds", "30")
	clock.Add(60 * time.Second)
	wantOK(t, get(t, s, "/", find), findAgentOK)

	st := s.Core().Stats()
	if st.RateLimited != 3 || st.Window != "1m0s" {
		t.Fatalf("stats: rate_limited %d, window %s", st.RateLimited, st.Window)
	}
}

// Every request counts: refused ones (bad arguments, bad module, 429s) and
// requests whose key is wrong, under the key they sent.
func TestRateLimitCountsEveryRequest(t *testing.T) {
	clock := emulator.NewClock(time.Unix(1_700_000_000, 0))
	s := newServer(t, Options{Now: clock.Now, Limit: &emulator.Limit{Calls: 3, Per: time.Minute}})
	wantErr(t, get(t, s, "/", cmdQ("bogus", "x")), "ERR_INVALID_MODULE")
	wantErr(t, get(t, s, "/", cmdQ("contact", "add")), "ERR_ARGUMENT_MISSING:phone")
	if r := get(t, s, "/nowhere", cmdQ("agent", "find")); r.status != http.StatusNotFound {
		t.Fatalf("got %d", r.status)
	}
	want429(t, get(t, s, "/", cmdQ("agent", "find", "username", TestAgentUsername)), "60 seconds", "60")

	bad := qs("auth", strings.Repeat("b", 32), "mod", "agent", "cmd", "find")
	for range 3 {
		wantErr(t, get(t, s, "/", bad), "ERR_AUTHENTICATION")
	}
	// The rate limit answers before authentication.
	want429(t, get(t, s, "/", bad), "60 seconds", "60")
}

// With a TimeScale the same rules run in milliseconds on the real clock.
func TestRateLimitScaled(t *testing.T) {
	s := newServer(t, Options{TimeScale: 0.01, Limit: &emulator.Limit{Calls: 5, Per: 60 * time.Second}}) // 600 ms window
	find := cmdQ("agent", "find", "username", TestAgentUsername)
	start := time.Now()
	for range 5 {
		wantOK(t, get(t, s, "/", find), findAgentOK)
	}
	r := get(t, s, "/", find)
	if time.Since(start) > 500*time.Millisecond {
		t.Skip("machine too slow for a 600 ms window")
	}
	want429(t, r, "1 second", "")
	wait, err := strconv.ParseFloat(r.retryAfter, 64)
	if err != nil || wait <= 0 || wait > 0.6 {
		t.Fatalf("Retry-After %q: want fractional seconds in (0, 0.6]", r.retryAfter)
	}
	time.Sleep(time.Duration(wait*float64(time.Second)) + 10*time.Millisecond)
	wantOK(t, get(t, s, "/", find), findAgentOK)
}

// A client that keeps its own sliding log never sees a 429, and the server
// never sees more than the limit in any window.
func TestRateLimitPacedClient(t *testing.T) {
	const limit = 5
	s := newServer(t, Options{TimeScale: 0.01, Limit: &emulator.Limit{Calls: limit, Per: 20 * time.Second}}) // 200 ms
	window := s.Core().Window()
	var done []time.Time // when each answer arrived: at or after the server saw the request
	for range 3*limit + 1 {
		if len(done) >= limit {
			if wait := time.Until(done[len(done)-limit].Add(window)); wait > 0 {
				time.Sleep(wait + time.Millisecond)
			}
		}
		wantOK(t, get(t, s, "/", qs("auth", TestAPIKey2, "mod", "agent", "cmd", "find", "username", TestAgentUsername)), findAgentOK)
		done = append(done, time.Now())
	}
	if got := s.Core().MaxInWindow(TestAPIKey2); got < 1 || got > limit {
		t.Fatalf("MaxInWindow = %d, want 1..%d", got, limit)
	}
	if st := s.Core().Stats(); st.RateLimited != 0 {
		t.Fatalf("%d requests rate limited", st.RateLimited)
	}
}

func createForm() (string, string) {
	return cmdQ("contact", "add", "return_value", "1"), qs("phone", "+358401234567", "list", TestListName)
}

func TestFaults(t *testing.T) {
	t.Run("Error500 stores nothing", func(t *testing.T) {
		s := newServer(t, Options{Faults: emulator.Faults{Error500: 1}})
		q, f := createForm()
		r := postForm(t, s, "/", q, f)
		if r.status != http.StatusInternalServerError || r.ctype != "text/plain; charset=utf-8" || r.body != "ERR_UNDEFINED" {
			t.Fatalf("got %d %q %q", r.status, r.ctype, r.body)
		}
		if len(s.Contacts()) != 0 || s.Core().Stats().Faults[emulator.FaultError500] != 1 || s.Core().Stats().TotalWrites() != 0 {
			t.Fatalf("contacts %d, stats %+v", len(s.Contacts()), s.Core().Stats())
		}
	})
	t.Run("Extra429 has the vendor's body", func(t *testing.T) {
		s := newServer(t, Options{Faults: emulator.Faults{Extra429: 1}})
		q, f := createForm()
		want429(t, postForm(t, s, "/", q, f), "60 seconds", "60")
		if len(s.Contacts()) != 0 {
			t.Fatal("stored despite the 429")
		}
	})
	t.Run("Latency delays", func(t *testing.T) {
		s := newServer(t, Options{Faults: emulator.Faults{Latency: 1, LatencyDelay: 60 * time.Millisecond}})
		start := time.Now()
		wantOK(t, get(t, s, "/", cmdQ("agent", "find", "username", TestAgentUsername)), findAgentOK)
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Fatalf("answered after %v", d)
		}
	})
	t.Run("DropAfterWrite stores, then drops", func(t *testing.T) {
		s := newServer(t, Options{Faults: emulator.Faults{DropAfterWrite: 1}})
		q, f := createForm()
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.PostForm(s.URL+"/?"+q, parseForm(t, f))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got a response (%d), want a connection error", resp.StatusCode)
		}
		if cs := s.Contacts(); len(cs) != 1 || cs[0].Phone != "+358401234567" {
			t.Fatalf("the write was not kept: %+v", cs)
		}
		// Reads and refused writes are answered.
		wantOK(t, get(t, s, "/", cmdQ("contact", "find", "phone", "+358401234567")), `{"success":true,"total_count":1,"contact_ids":[48001]}`)
		wantErr(t, get(t, s, "/", cmdQ("contact", "add", "list", TestListName)), "ERR_ARGUMENT_MISSING:phone")
		st := s.Core().Stats()
		if st.Writes[OpCreateContact] != 1 || st.Faults[emulator.FaultDropAfterWrite] != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("InjectNext hits one request of one operation", func(t *testing.T) {
		s := newServer(t, Options{})
		s.Core().InjectNext(OpCreateContact, emulator.FaultError500)
		find := cmdQ("agent", "find", "username", TestAgentUsername)
		wantOK(t, get(t, s, "/", find), findAgentOK)
		q, f := createForm()
		if r := postForm(t, s, "/", q, f); r.status != http.StatusInternalServerError {
			t.Fatalf("first create: %d", r.status)
		}
		wantOK(t, postForm(t, s, "/", q, f), `{"success":true,"contact_id":48001}`)

		s.Core().InjectNext("", emulator.FaultExtra429)
		want429(t, get(t, s, "/", find), "60 seconds", "60")
		wantOK(t, get(t, s, "/", find), findAgentOK)

		s.Core().InjectNext(OpModifyContact, emulator.FaultDropAfterWrite)
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.PostForm(s.URL+"/?"+cmdQ("contact", "modify"), parseForm(t, qs("contact_id", "48001", "fname", "Dropped")))
		if err == nil {
			resp.Body.Close()
			t.Fatal("modify was answered")
		}
		if c, _ := s.Contact(48001); c.Fields["fname"] != "Dropped" {
			t.Fatalf("modify not kept: %+v", c)
		}
	})
}

func parseForm(t *testing.T, f string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
