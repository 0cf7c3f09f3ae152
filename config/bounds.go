package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Bounds a real job never meets: past them a value is a typo, and the run
// would only misbehave (a million goroutines, a budget no vendor answers).
const (
	// MaxConcurrency is the most entities in flight (or mapping workers).
	MaxConcurrency = 256
	// MaxCallsPerSecond is the fastest budget: no vendor answers faster.
	MaxCallsPerSecond = 1000
	// MaxLocalCallsPerSecond is the fastest budget against the sandbox or
	// an emulator on loopback, which may run time-scaled (a vendor's
	// 100 calls a minute as 100 per 60 ms).
	MaxLocalCallsPerSecond = 1_000_000
	// MinBudgetWindow is the shortest budget window.
	MinBudgetWindow = time.Millisecond
)

// MatchNone is the value of `match:` that accepts a vendor job without
// match keys: every row is created, never matched (duplicates possible).
const MatchNone = "none"

// UnmarshalYAML takes `match: none` as well as the table.
func (m *Match) UnmarshalYAML(node ast.Node) error {
	if s, ok := Scalar(node); ok {
		if strings.EqualFold(strings.TrimSpace(s), MatchNone) {
			m.None = true
		} else {
			m.word = s
		}
		return nil
	}
	type plain Match
	return yaml.NodeToValue(node, (*plain)(m))
}

// checkBounds reports the values of a job that no real job has.
func (d *Doc) checkBounds(j *Job) Errors {
	var errs Errors
	if j.Concurrency > MaxConcurrency {
		errs = append(errs, d.At(d.NodeAt("$.concurrency"), "concurrency must be at most %d (entities in flight, or mapping workers), not %d", MaxConcurrency, j.Concurrency))
	}
	if j.Match.word != "" {
		errs = append(errs, d.At(d.NodeAt("$.match"), "match must be a table such as {keys: [phone, email]}, or the word none (no matching: duplicates possible), not %q", j.Match.word))
	}
	// Each connection of the sink has the budget: it is local when all are.
	local := d.localURL("$.sink.url", j.Sink.Conn.Get("url"))
	for i, c := range j.Sink.Connections {
		local = local && d.localURL(fmt.Sprintf("$.sink.connections[%d].url", i), c.Get("url"))
	}
	errs = append(errs, d.checkBudget("$.sink.budget", j.Sink.Budget, false, local)...)
	errs = append(errs, d.checkBudget("$.source.budget", j.Source.Budget, true, d.localURL("$.source.url", j.Source.Conn.Get("url")))...)
	return errs
}

// checkBudget refuses budgets faster than any vendor answers. basic adds
// the checks LoadJob makes of the sink's budget (positive calls, a
// duration).
func (d *Doc) checkBudget(path string, b *Budget, basic, local bool) Errors {
	if b == nil {
		return nil
	}
	name := path[2:]
	w, err := b.Window()
	if basic {
		var errs Errors
		if b.Calls <= 0 {
			errs = append(errs, d.At(d.NodeAt(path), "%s.calls must be a positive number of calls", name))
		}
		if err != nil || w <= 0 {
			errs = append(errs, d.At(d.NodeAt(path), "%s.per must be a duration such as 60s or 5s, not %s", name, d.Shown(path+".per", b.Per)))
		}
		if len(errs) > 0 {
			return errs
		}
	}
	if err != nil || w <= 0 || b.Calls <= 0 {
		return nil // reported by LoadJob
	}
	if w < MinBudgetWindow {
		return Errors{d.At(d.NodeAt(path+".per"), "%s.per must be at least %s, not %s: no vendor answers that fast", name, MinBudgetWindow, d.Shown(path+".per", b.Per))}
	}
	limit := MaxCallsPerSecond
	if local {
		limit = MaxLocalCallsPerSecond
	}
	if rate := float64(b.Calls) / w.Seconds(); rate > float64(limit) {
		return Errors{d.At(d.NodeAt(path), "%s allows %d calls per %s (%s a second): at most %d calls a second, faster than any vendor answers; use the vendor's documented limit (such as calls: 100, per: 60s)",
			name, b.Calls, w, formatRate(rate), limit)}
	}
	return nil
}

func formatRate(r float64) string {
	if r >= 1e6 {
		return fmt.Sprintf("%.3g", r)
	}
	return fmt.Sprintf("%.0f", r)
}

// localURL reports whether the connection URL at path is the sandbox or a
// server on loopback (an emulator), which answers as fast as it is asked.
// A URL from an environment variable that is not set (history commands
// load a job without its environment), or one that names no host, is not
// known, and not held to the vendors' bound either.
func (d *Doc) localURL(path, raw string) bool {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return d.Env[path] != ""
	}
	if strings.EqualFold(raw, "sandbox") {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return true // not a vendor's URL at all: the connection refuses it, naming it
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
