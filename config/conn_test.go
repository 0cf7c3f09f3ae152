package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// The vendors' descriptors decide a section's connection keys: each
// vendor's own are decoded into Conn, another vendor's are refused, and
// the descriptor's kinds (bool, path, required) are checked.
func TestConnectionFromDescriptors(t *testing.T) {
	p := writeJob(t, `source: {type: lookupdesk, url: sandbox, token: "${T}", addresses: true, lookups: people.txt}
sink: {vendor: leaddesk, url: https://x.example, api_key: k}
mapping: {phone: Mobile}
`)
	j, err := LoadJob(p, env(map[string]string{"T": "tok"}), testVendors())
	if err != nil {
		t.Fatal(err)
	}
	if !j.Source.IsAPI() || j.Source.Conn.Get("token") != "tok" || !j.Source.Conn.Bool("addresses") ||
		j.Source.Conn.Get("lookups") != filepath.Join(filepath.Dir(p), "people.txt") {
		t.Fatalf("source: %+v", j.Source)
	}
	if j.Sink.Conn.Get("api_key") != "k" || j.Sink.Conn.Get("url") != "https://x.example" || len(j.Sink.Conn) != 2 {
		t.Fatalf("sink: %+v", j.Sink.Conn)
	}
	for _, tc := range []struct{ body, want string }{
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, token: t}\nmapping: {}\n", "job.yaml:2:26: sink.token is not a key leaddesk takes (its sink takes url, api_key)"},
		{"source: {path: a.csv}\nsink: {vendor: export, url: x}\nmapping: {}\n", "sink.url is not a key export takes (its sink takes none)"},
		{"source: {path: a.csv, token: t}\nsink: {vendor: export}\nmapping: {}\n", "job.yaml:1:23: source.token is a key of vendor API sources, not of a file"},
		{"source: {type: lookupdesk, addresses: sometimes, lookups: a}\nsink: {vendor: export}\nmapping: {}\n", `source.addresses must be true or false, not "sometimes"`},
		{"source: {type: lookupdesk}\nsink: {vendor: export}\nmapping: {}\n", "source.lookups is required (a file of emails or phones to look up)"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_kye: k}\nmapping: {}\n", `unknown key "api_kye"; did you mean "api_key"?`},
		{"source: {path: a.csv}\nsink: {url: x}\nmapping: {}\n", "sink.vendor is required (export, leaddesk or lookupdesk)"},
		{"source: {type: nodesk}\nsink: {vendor: export}\nmapping: {}\n", "source.type must be one of csv, xlsx, lookupdesk, not \"nodesk\""},
	} {
		_, err := LoadJob(writeJob(t, tc.body), env(nil), testVendors())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.body, err, tc.want)
		}
	}
}

// sink.connections: further credentials of one account, each entry the
// sink's connection with its keys over it; only the vendor's connection
// keys, no credential twice, positions in errors.
func TestSinkConnections(t *testing.T) {
	p := writeJob(t, `source: {path: a.csv}
sink:
  vendor: leaddesk
  url: https://x.example
  api_key: ${K1}
  connections: [{api_key: "${K2}"}, {api_key: k3, url: https://y.example}]
mapping: {phone: Mobile}
`)
	j, err := LoadJob(p, env(map[string]string{"K1": "one", "K2": "two"}), testVendors())
	if err != nil {
		t.Fatal(err)
	}
	got := j.Sink.Conns()
	if len(got) != 3 || got[0].Get("api_key") != "one" || got[1].Get("api_key") != "two" || got[1].Get("url") != "https://x.example" ||
		got[2].Get("api_key") != "k3" || got[2].Get("url") != "https://y.example" {
		t.Fatalf("connections: %+v", got)
	}
	if v := j.EnvVar("$.sink.connections[0].api_key"); v != "K2" {
		t.Errorf("the second key's variable: %q", v)
	}
	for _, tc := range []struct{ body, want string }{
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [{api_key: a}]}\nmapping: {}\n",
			"job.yaml:2:52: sink.connections[0] has the same credential as sink (api_key): each connection needs a credential of its own"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [{api_key: b}, {api_key: b}]}\nmapping: {}\n",
			"sink.connections[1] has the same credential as sink.connections[0]"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [{budget: {calls: 1}}]}\nmapping: {}\n",
			"job.yaml:2:53: sink.connections[0].budget is not a connection key of leaddesk (an entry of sink.connections takes url, api_key)"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [{token: t}]}\nmapping: {}\n",
			"sink.connections[0].token is not a key leaddesk takes"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: {api_key: b}}\nmapping: {}\n",
			"job.yaml:2:51: sink.connections must be a list of mappings"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [b]}\nmapping: {}\n",
			"sink.connections[0] must be a mapping of connection keys (url, api_key)"},
		{"source: {path: a.csv}\nsink: {vendor: leaddesk, api_key: a, connections: [{api_key: [b]}]}\nmapping: {}\n",
			"sink.connections[0].api_key must be a single value"},
	} {
		_, err := LoadJob(writeJob(t, tc.body), env(nil), testVendors())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.body, err, tc.want)
		}
	}
}
