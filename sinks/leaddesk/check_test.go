package leaddesk_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/leaddesk"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// checkOnline runs the online check of object with the given constants,
// and asserts that it made reads only, calls of them.
func checkOnline(t *testing.T, object, key string, consts sinks.Fields, calls int) ([]sinks.Problem, error) {
	t.Helper()
	srv := newServer(t)
	s := newSink(t, srv, object, key, nil)
	oc, ok := sinks.As[sinks.OnlineChecker](s)
	if !ok {
		t.Fatalf("%s sink is no OnlineChecker", object)
	}
	probs, err := oc.CheckOnline(context.Background(), sinks.Refs{Constants: consts})
	got := srv.Core().Calls()
	for _, c := range got {
		if c.Write {
			t.Errorf("online check made a write call: %s %s", c.Method, c.Op)
		}
	}
	if len(got) != calls {
		t.Errorf("online check made %d calls, want %d", len(got), calls)
	}
	return probs, err
}

func errorsOnly(ps []sinks.Problem) []sinks.Problem {
	var out []sinks.Problem
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func TestCheckOnlinePasses(t *testing.T) {
	probs, err := checkOnline(t, leaddesk.ObjectContact, leaddesktest.TestAPIKey, sinks.Fields{
		"list": strconv.Itoa(leaddesktest.TestListID), "assign_to_agent": leaddesktest.TestAgentUsername,
	}, 3)
	if err != nil || len(probs) != 0 {
		t.Fatalf("problems %+v, err %v", probs, err)
	}
	probs, err = checkOnline(t, leaddesk.ObjectCallback, leaddesktest.TestAPIKey, sinks.Fields{"agent": leaddesktest.TestAgentUsername}, 2)
	if err != nil || len(probs) != 0 {
		t.Fatalf("callback: problems %+v, err %v", probs, err)
	}
	probs, err = checkOnline(t, leaddesk.ObjectAgent, leaddesktest.TestAPIKey, nil, 1)
	if err != nil || len(probs) != 0 {
		t.Fatalf("agent: problems %+v, err %v", probs, err)
	}
}

func TestCheckOnlineMissingList(t *testing.T) {
	probs, err := checkOnline(t, leaddesk.ObjectContact, leaddesktest.TestAPIKey, sinks.Fields{"list": "9999"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Warning || probs[0].Path != "$.mapping.list.value" || !strings.Contains(probs[0].Msg, "calling list 9999 does not exist") {
		t.Fatalf("problems %+v", probs)
	}
}

func TestCheckOnlineMissingAgent(t *testing.T) {
	probs, err := checkOnline(t, leaddesk.ObjectContact, leaddesktest.TestAPIKey, sinks.Fields{"list": strconv.Itoa(leaddesktest.TestListID), "assign_to_agent": "nobody.here"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Field != "assign_to_agent" || !strings.Contains(probs[0].Msg, `agent "nobody.here" does not exist`) {
		t.Fatalf("problems %+v", probs)
	}
	probs, err = checkOnline(t, leaddesk.ObjectCallback, leaddesktest.TestAPIKey, sinks.Fields{"agent": "nobody.here", "campaign": leaddesktest.TestCampaignName}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if e := errorsOnly(probs); len(e) != 1 || e[0].Field != "agent" {
		t.Fatalf("callback problems %+v", probs)
	}
}

// A list by name cannot be checked (LeadDesk finds lists by id only): a
// warning, and no call beyond the key's.
func TestCheckOnlineListByNameIsAWarning(t *testing.T) {
	probs, err := checkOnline(t, leaddesk.ObjectContact, leaddesktest.TestAPIKey, sinks.Fields{"list": "No such list"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || !probs[0].Warning || !strings.Contains(probs[0].Msg, "not checked") {
		t.Fatalf("problems %+v", probs)
	}
}

func TestCheckOnlineBadKey(t *testing.T) {
	_, err := checkOnline(t, leaddesk.ObjectContact, badKey, sinks.Fields{"list": "9999"}, 1)
	if sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("err %v, want Unauthorized", err)
	}
}

// A list read from each row is not checked: a warning, no call for it.
func TestCheckOnlineListPerRow(t *testing.T) {
	srv := newServer(t)
	s := newSink(t, srv, leaddesk.ObjectContact, leaddesktest.TestAPIKey, nil)
	probs, err := s.(sinks.OnlineChecker).CheckOnline(context.Background(), sinks.Refs{Columns: []string{"phone", "list"}})
	if err != nil || len(probs) != 1 || !probs[0].Warning || probs[0].Path != "$.mapping.list" || len(srv.Core().Calls()) != 1 {
		t.Fatalf("problems %+v, err %v, calls %d", probs, err, len(srv.Core().Calls()))
	}
}
