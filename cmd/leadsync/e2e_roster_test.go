package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
)

// A roster file creates the agents that are new, updates the existing
// one, and grants and removes campaign access.
func TestE2ELeadDeskRoster(t *testing.T) {
	srv := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, dir, "roster.csv", "username,name,password,office,add,remove\n"+
		"aino.virtanen,Aino Virtanen,,Tampere,3002,3001\n"+
		"new.agent,New Agent,s3cret-pass,Oulu,3001,\n")
	job := writeFile(t, dir, "job.yaml", `name: roster
source: {path: roster.csv}
sink: {vendor: leaddesk, object: agent, url: "${LD_URL}", api_key: "${LD_KEY}", budget: {calls: 100, per: 60ms}}
match: {keys: [username]}
mapping:
  username: username
  name: name
  password: password
  office: office
  campaigns_add: add
  campaigns_remove: remove
`)
	env := map[string]string{"LD_URL": srv.URL, "LD_KEY": leaddesktest.TestAPIKey}
	r := runApp(t, env, "run", "--quiet", job)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "create 1") || !strings.Contains(r.stdout, "update 1") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	var aino, added *leaddesktest.Agent
	for _, a := range srv.Agents() {
		switch a.Username {
		case "aino.virtanen":
			aino = &a
		case "new.agent":
			added = &a
		}
	}
	if aino == nil || added == nil {
		t.Fatalf("agents %+v", srv.Agents())
	}
	if !slices.Contains(aino.Campaigns, 3002) || slices.Contains(aino.Campaigns, 3001) || aino.Office != "Tampere" {
		t.Errorf("aino: %+v", *aino)
	}
	if !slices.Contains(added.Campaigns, 3001) {
		t.Errorf("new agent: %+v", *added)
	}
}
