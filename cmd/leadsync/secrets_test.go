package main

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/sinks/emulator"
	"github.com/leadsync/leadsync/sinks/leaddesk/leaddesktest"
	"github.com/leadsync/leadsync/sinks/leadsquared/leadsquaredtest"
	"github.com/leadsync/leadsync/sinks/liondesk/liondesktest"
	"github.com/leadsync/leadsync/sinks/tiledesk/tiledesktest"
)

// quotingProxy forwards to target, except that the requests chosen by
// quote (reads or writes) get an answer of the given status whose body
// quotes the whole request: its URL, every header and its body, as a
// careless gateway or a debugging vendor endpoint would.
func quotingProxy(t *testing.T, target string, status int, writes bool) *httptest.Server {
	u, _ := url.Parse(target)
	fwd := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isWrite := r.Method != http.MethodGet
		if isWrite != writes {
			fwd.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var b strings.Builder
		fmt.Fprintf(&b, "you sent %s %s\n", r.Method, r.URL.RequestURI())
		fmt.Fprintf(&b, "decoded query: %v\n", r.URL.Query())
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		b.Write(body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

type secretVendor struct {
	name    string
	url     string // the emulator's base URL as a job names it
	urlVar  string
	env     map[string]string // good credentials
	secrets []string
	wrong   map[string]string // a refused credential
	job     string
	file    string
	body    string
	inURL   string // a query carrying the key in the URL
}

// Every vendor, every answer shape: a good run, a refused credential, a
// 401/403/200/500 answer whose body quotes the request (to reads, and to
// writes), the key in the URL, an unparseable URL holding the key. No
// output, log line, state row (the WAL included), report or other file
// leadsync writes holds a credential, or a recognisable piece of one.
func TestSecretsNeverWritten(t *testing.T) {
	ld := leaddesktest.NewServer(leaddesktest.Options{TimeScale: 0.001})
	defer ld.Close()
	td := tiledesktest.NewServer(tiledesktest.Options{TimeScale: 0.001})
	defer td.Close()
	li := liondesktest.NewServer(liondesktest.Options{TimeScale: 0.001})
	defer li.Close()
	ls := leadsquaredtest.NewServer(leadsquaredtest.Options{TimeScale: 0.01, Faults: emulator.Faults{Seed: 3, Error500: 0.2, DropAfterWrite: 0.2}})
	defer ls.Close()
	calls := "Session,From,To,Direction,Start,End,Source\ncall-a,098765 43210,+91 80111 12222,inbound,2026-11-20 09:00:00,2026-11-20 09:00:30,Web\n" +
		"call-x,+91 70000 00000,+91 80111 12222,inbound,2026-11-20 10:00:00,2026-11-20 10:01:00,Web\n"
	two := "First;Last;Phone;Email;Agent;Campaign\nAnna;Aalto;040 100 4003;anna@example.fi;;c1\nBo;Berg;040 100 4004;bo@example.fi;;c2\n"
	vendors := []secretVendor{
		{name: "leaddesk", url: ld.URL, urlVar: "LD_URL", env: map[string]string{"LD_KEY": leaddesktest.TestAPIKey},
			secrets: []string{leaddesktest.TestAPIKey}, wrong: map[string]string{"LD_KEY": leaddesktest.TestAPIKey[:31] + "0"},
			job: leaddeskJob, file: "leads.csv", body: two, inURL: "?auth=" + leaddesktest.TestAPIKey},
		{name: "tiledesk", url: td.URL + "/v3", urlVar: "TD_URL", env: map[string]string{"TD_PROJECT": tiledesktest.TestProjectID, "TD_TOKEN": tiledesktest.TestToken},
			secrets: []string{tiledesktest.TestToken}, wrong: map[string]string{"TD_TOKEN": tiledesktest.TestToken + "x"},
			job: tiledeskJob, file: "leads.csv", body: two, inURL: "?token=" + tiledesktest.TestToken},
		{name: "liondesk", url: li.URL, urlVar: "LI_URL", env: map[string]string{"LI_TOKEN": liondesktest.TestToken},
			secrets: []string{liondesktest.TestToken}, wrong: map[string]string{"LI_TOKEN": liondesktest.TestToken + "x"},
			job: liondeskContactJob, file: "leads.csv", body: strings.ReplaceAll(two, ";", ","), inURL: "?access_token=" + liondesktest.TestToken},
		{name: "leadsquared", url: ls.URL, urlVar: "LS_URL", env: map[string]string{"LS_ACCESS": leadsquaredtest.TestAccessKey, "LS_SECRET": leadsquaredtest.TestSecretKey},
			secrets: []string{leadsquaredtest.TestAccessKey, leadsquaredtest.TestSecretKey}, wrong: map[string]string{"LS_SECRET": leadsquaredtest.TestSecretKey + "x"},
			job: leadsquaredJob, file: "calls.csv", body: calls, inURL: "?accessKey=" + url.QueryEscape(leadsquaredtest.TestAccessKey) + "&secretKey=" + leadsquaredtest.TestSecretKey},
	}
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			type shape struct {
				name string
				url  string
				env  map[string]string
			}
			shapes := []shape{{name: "good", url: v.url}, {name: "refused", url: v.url, env: v.wrong}}
			for _, status := range []int{401, 403, 200, 500} {
				for _, writes := range []bool{false, true} {
					what := "reads"
					if writes {
						what = "writes"
					}
					p := quotingProxy(t, v.url, status, writes)
					base := p.URL
					if strings.HasSuffix(v.url, "/v3") {
						base += "/v3"
					}
					shapes = append(shapes, shape{name: fmt.Sprintf("%d quoting %s", status, what), url: base})
				}
			}
			shapes = append(shapes,
				shape{name: "key in the URL", url: v.url + v.inURL},
				shape{name: "unparseable URL", url: "http://[" + v.secrets[0] + "/"},
				shape{name: "unparseable port", url: "http://host:" + v.secrets[0] + "/"},
				shape{name: "not http", url: "ftp:" + v.secrets[0]},
			)
			for _, sh := range shapes {
				t.Run(sh.name, func(t *testing.T) {
					if testing.Short() && strings.HasPrefix(sh.name, "500 quoting reads") {
						t.Skip("retries with real backoff (several seconds)")
					}
					dir := t.TempDir()
					writeFile(t, dir, v.file, v.body)
					job := writeFile(t, dir, "job.yaml", v.job)
					env := map[string]string{v.urlVar: sh.url}
					for k, val := range v.env {
						env[k] = val
					}
					for k, val := range sh.env {
						env[k] = val
					}
					var outputs []string
					// diff logs as text, run as JSON.
					for _, args := range [][]string{
						{"validate", job}, {"run", "--log-format", "json", job},
						{"diff", "--plan", filepath.Join(dir, "plan.json"), job}, {"runs", "--job", job}, {"show", "--job", job, "1"}, {"show", "--job", job, "2"},
					} {
						r := runApp(t, env, args...)
						outputs = append(outputs, strings.Join(args[:1], " ")+" stdout\x00"+r.stdout, args[0]+" stderr\x00"+r.stderr)
					}
					for _, o := range outputs {
						where, text, _ := strings.Cut(o, "\x00")
						checkNoSecret(t, where, text, v.secrets)
					}
					// Every file under the job folder but the job itself
					// (which names variables, not values), the state
					// database and its WAL included.
					files := 0
					filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
						if err != nil || d.IsDir() || p == job {
							return err
						}
						files++
						b, _ := os.ReadFile(p)
						checkNoSecret(t, strings.TrimPrefix(p, dir), string(b), v.secrets)
						return nil
					})
					if files < 2 {
						t.Fatalf("only %d files written", files)
					}
				})
			}
		})
	}
}

// checkNoSecret fails when text holds a secret, its URL-escaped form, or
// a 12-character piece of its start or end (a clipped message).
func checkNoSecret(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		forms := []string{s, url.QueryEscape(s), s[:12], s[len(s)-12:], strings.TrimPrefix(s, "u$r")[:12]}
		for _, f := range forms {
			if strings.Contains(text, f) {
				i := strings.Index(text, f)
				lo, hi := max(0, i-80), min(len(text), i+len(f)+20)
				t.Errorf("%s holds a secret (%q...): %q", where, f[:6], text[lo:hi])
				return
			}
		}
	}
}
