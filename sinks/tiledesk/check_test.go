package tiledesk

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

func checkOnlineCalls(t *testing.T, cfg Config, srv *tiledesktest.Server, calls int) ([]sinks.Problem, error) {
	t.Helper()
	probs, err := newSink(t, cfg).CheckOnline(ctx, sinks.Refs{})
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

func TestCheckOnlinePasses(t *testing.T) {
	srv := newServer(t, tiledesktest.Options{})
	cfg := config(srv)
	cfg.Email, cfg.Password, cfg.Token = "", "", tiledesktest.TestToken
	probs, err := checkOnlineCalls(t, cfg, srv, 1)
	if err != nil || len(probs) != 0 {
		t.Fatalf("problems %+v, err %v", probs, err)
	}
}

func TestCheckOnlineMissingProject(t *testing.T) {
	srv := newServer(t, tiledesktest.Options{})
	cfg := config(srv)
	cfg.Email, cfg.Password, cfg.Token = "", "", tiledesktest.TestToken
	cfg.Project = "65aa00112233445566770000"
	probs, err := checkOnlineCalls(t, cfg, srv, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Path != "$.sink.project" || !strings.Contains(probs[0].Msg, "project 65aa00112233445566770000 does not exist") {
		t.Fatalf("problems %+v", probs)
	}
}

func TestCheckOnlineNotAMember(t *testing.T) {
	srv := newServer(t, tiledesktest.Options{})
	cfg := config(srv)
	cfg.Email, cfg.Password = tiledesktest.TestOutsiderEmail, tiledesktest.TestOutsiderPassword
	_, err := newSink(t, cfg).CheckOnline(ctx, sinks.Refs{})
	if sinks.ClassOf(err) != sinks.Unauthorized {
		t.Fatalf("err %v, want Unauthorized", err)
	}
}
