package liondesktest

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Feathers pagination defaults (VENDORS.md 3.3 and section 6 #13).
const (
	defaultLimit = 10
	maxLimit     = 100
)

// qsParam is one query-string pair, with its key split the way the Node qs
// library splits it: `name[$like]` is base "name", path ["$like"].
type qsParam struct {
	base  string
	path  []string
	value string
}

// qsDecode decodes one key or value the way qs does: '+' is a space, and a
// component that is not valid percent-encoded UTF-8 is kept as sent (so the
// docs' unescaped `name[$like]=%Buyer Drip%` still means what it says).
func qsDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	d, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(d) {
		return s
	}
	return d
}

// parseQS splits a raw query string into ordered parameters.
func parseQS(raw string) []qsParam {
	var out []qsParam
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key := qsDecode(k)
		p := qsParam{value: qsDecode(v)}
		i := strings.IndexByte(key, '[')
		if i <= 0 || !strings.Contains(key[i:], "]") { // no bracket pair: a plain key, as qs reads it
			p.base = key
		} else {
			p.base = key[:i]
			rest := key[i:]
			for strings.HasPrefix(rest, "[") {
				j := strings.IndexByte(rest, ']')
				if j < 0 {
					break
				}
				p.path = append(p.path, rest[1:j])
				rest = rest[j+1:]
			}
			if rest != "" { // qs keeps a malformed tail as a literal segment
				p.path = append(p.path, rest)
			}
		}
		out = append(out, p)
	}
	return out
}

// condition is one filter on a stored field.
type condition struct {
	field  string
	op     string // "$eq" for plain equality
	values []string
}

type sortKey struct {
	field string
	dir   int
}

// findQuery is a parsed Feathers find.
type findQuery struct {
	limit int
	skip  int
	sort  []sortKey
	conds []condition
	load  string
}

var operators = map[string]bool{"$ne": true, "$like": true, "$in": true, "$nin": true, "$lt": true, "$lte": true, "$gt": true, "$gte": true}

var arraySegment = regexp.MustCompile(`^[0-9]*$`)

// parseFind reads $limit, $skip, $sort, $load and field filters, refusing
// unknown fields and operators with a BadRequest. loads lists the $load
// relations the endpoint knows.
func parseFind(raw string, s *schema, loads ...string) (findQuery, *apiError) {
	q := findQuery{limit: defaultLimit}
	seen := map[string]bool{}
	multi := map[string]int{} // "$in"/"$nin" conditions being filled, by field+op
	for _, p := range parseQS(raw) {
		switch p.base {
		case "$limit", "$skip":
			if len(p.path) != 0 || seen[p.base] {
				return q, badRequest("Invalid query parameter %s", p.base)
			}
			seen[p.base] = true
			n, err := strconv.Atoi(p.value)
			if err != nil || n < 0 {
				return q, badRequest("%s must be a non-negative integer", p.base)
			}
			if p.base == "$limit" {
				q.limit = min(n, maxLimit)
			} else {
				q.skip = n
			}
			continue
		case "$sort":
			if len(p.path) != 1 {
				return q, badRequest("$sort must be given as $sort[field]=1 or -1")
			}
			if !queryable(s, p.path[0]) {
				return q, badRequest("Invalid sort field '%s'", p.path[0])
			}
			dir, err := strconv.Atoi(p.value)
			if err != nil || (dir != 1 && dir != -1) {
				return q, badRequest("$sort[%s] must be 1 or -1", p.path[0])
			}
			q.sort = append(q.sort, sortKey{field: p.path[0], dir: dir})
			continue
		case "$load":
			if len(p.path) != 0 || !contains(loads, p.value) {
				return q, badRequest("Invalid $load relation '%s'", p.value)
			}
			q.load = p.value
			continue
		}
		if strings.HasPrefix(p.base, "$") {
			return q, badRequest("Invalid query parameter %s", p.base)
		}
		if !queryable(s, p.base) {
			return q, badRequest("Invalid query field '%s'", p.base)
		}
		switch {
		case len(p.path) == 0:
			if seen[p.base] {
				return q, badRequest("Query field '%s' given more than once", p.base)
			}
			seen[p.base] = true
			q.conds = append(q.conds, condition{field: p.base, op: "$eq", values: []string{p.value}})
		case operators[p.path[0]]:
			op := p.path[0]
			isList := op == "$in" || op == "$nin"
			if len(p.path) > 2 || (len(p.path) == 2 && (!isList || !arraySegment.MatchString(p.path[1]))) {
				return q, badRequest("Invalid query parameter %s[%s]", p.base, strings.Join(p.path, "]["))
			}
			key := p.base + op
			if isList {
				if i, ok := multi[key]; ok {
					q.conds[i].values = append(q.conds[i].values, p.value)
					continue
				}
				multi[key] = len(q.conds)
			} else if seen[key] {
				return q, badRequest("Query operator %s[%s] given more than once", p.base, op)
			}
			seen[key] = true
			q.conds = append(q.conds, condition{field: p.base, op: op, values: []string{p.value}})
		default:
			return q, badRequest("Invalid query operator '%s' on '%s'", p.path[0], p.base)
		}
	}
	return q, nil
}

func queryable(s *schema, name string) bool {
	f := s.field(name)
	return f != nil && f.has(fQuery)
}

// apply keeps the visible rows (visible nil: all) that match the filters,
// sorts them (by id when no $sort, and by id to break ties) and pages
// them; it returns the total before paging.
func (q findQuery) apply(s *schema, t *table, visible func(row) bool) (int, []row) {
	var kept []row
	keep := func(r row) {
		if q.matches(s, r) && (visible == nil || visible(r)) {
			kept = append(kept, r)
		}
	}
	if ids, ok := q.indexed(t); ok {
		for id := range ids {
			keep(t.rows[id])
		}
	} else {
		for _, r := range t.rows {
			keep(r)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		for _, k := range q.sort {
			if c := compareValues(kept[i][k.field], kept[j][k.field]); c != 0 {
				return c*k.dir < 0
			}
		}
		return asInt(kept[i]["id"]) < asInt(kept[j]["id"])
	})
	total := len(kept)
	if q.skip >= len(kept) {
		return total, []row{}
	}
	kept = kept[q.skip:]
	if len(kept) > q.limit {
		kept = kept[:q.limit]
	}
	return total, kept
}

// indexed returns the smallest candidate set an equality on an indexed
// field allows (every match is in it), or false to scan the table.
func (q findQuery) indexed(t *table) (map[int64]bool, bool) {
	var best map[int64]bool
	found := false
	for _, c := range q.conds {
		if c.op != "$eq" {
			continue
		}
		if ids, ok := t.candidates(c.field, c.values[0]); ok && (!found || len(ids) < len(best)) {
			best, found = ids, true
		}
	}
	return best, found
}

func (q findQuery) matches(s *schema, r row) bool {
	for _, c := range q.conds {
		if !c.matches(s.field(c.field), r[c.field]) {
			return false
		}
	}
	return true
}

// matches follows SQL: a null field satisfies no condition, not even $ne
// or $nin (`NOT col = x` is not true for a NULL col).
func (c condition) matches(f *field, v any) bool {
	if v == nil {
		return false
	}
	switch c.op {
	case "$eq":
		return equalValue(f, v, c.values[0])
	case "$ne":
		return !equalValue(f, v, c.values[0])
	case "$in", "$nin":
		in := false
		for _, want := range c.values {
			if equalValue(f, v, want) {
				in = true
				break
			}
		}
		return in == (c.op == "$in")
	case "$like":
		return likeMatch(c.values[0], stringOf(v))
	case "$lt", "$lte", "$gt", "$gte":
		cmp := compareValues(v, typedFromQuery(f, c.values[0]))
		switch c.op {
		case "$lt":
			return cmp < 0
		case "$lte":
			return cmp <= 0
		case "$gt":
			return cmp > 0
		default:
			return cmp >= 0
		}
	}
	return false
}

// equalValue compares a stored value with a query-string value: numbers
// numerically, booleans as true/1 or false/0, strings exactly (VENDORS.md
// section 6 #14: exact string equality, so phones match only as stored).
func equalValue(f *field, v any, want string) bool {
	switch x := v.(type) {
	case bool:
		return (x && (want == "true" || want == "1")) || (!x && (want == "false" || want == "0"))
	case int64:
		n, err := strconv.ParseFloat(want, 64)
		return err == nil && n == float64(x)
	case json.Number:
		a, err1 := x.Float64()
		b, err2 := strconv.ParseFloat(want, 64)
		if err1 == nil && err2 == nil {
			return a == b
		}
		return x.String() == want
	}
	if f != nil && f.kind == kTime {
		want = normalTime(want)
	}
	return stringOf(v) == want
}

// typedFromQuery turns a query-string value into the field's type for
// range comparisons: integers as numbers, times in the stored layout (so
// 2025-10-16T09:09:09Z and 2025-10-16 compare as times would).
func typedFromQuery(f *field, s string) any {
	if f == nil {
		return s
	}
	switch f.kind {
	case kInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case kTime:
		return normalTime(s)
	}
	return s
}

func normalTime(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return formatTime(t)
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return formatTime(t)
	}
	return s
}

func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

// compareValues orders like MySQL: NULL first, numbers numerically, strings
// case-insensitively (then exactly, for a stable order), false before true.
func compareValues(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		default:
			return 1
		}
	}
	if af, bf, ok := numbers(a, b); ok {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	if ab, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			switch {
			case ab == bb:
				return 0
			case !ab:
				return -1
			}
			return 1
		}
	}
	as, bs := stringOf(a), stringOf(b)
	if c := strings.Compare(strings.ToLower(as), strings.ToLower(bs)); c != 0 {
		return c
	}
	return strings.Compare(as, bs)
}

// numbers reads a and b as numbers when at least one is stored as a number
// and the other is a number or a numeric string (as MySQL compares them).
func numbers(a, b any) (float64, float64, bool) {
	af, aNum, aOK := number(a)
	bf, bNum, bOK := number(b)
	return af, bf, aOK && bOK && (aNum || bNum)
}

// number parses v; isNum tells whether v was stored as a number.
func number(v any) (f float64, isNum, ok bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true, true
	case json.Number:
		f, err := x.Float64()
		return f, true, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, false, err == nil
	}
	return 0, false, false
}

// likeMatch is MySQL LIKE with a case-insensitive collation: % is any run,
// _ is one character, backslash escapes the next character.
func likeMatch(pattern, s string) bool {
	p := []rune(strings.ToLower(pattern))
	t := []rune(strings.ToLower(s))
	// Iterative wildcard match with backtracking to the last %.
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '%':
				star, mark = pi, ti
				pi++
				continue
			case c == '_':
				pi++
				ti++
				continue
			case c == '\\' && pi+1 < len(p):
				if p[pi+1] == t[ti] {
					pi += 2
					ti++
					continue
				}
			case c == t[ti]:
				pi++
				ti++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		ti = mark
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
