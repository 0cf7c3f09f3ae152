package tiledesktest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// leadRecord is one stored lead, kept as the document MongoDB would hold so
// that presence, null and the exact JSON the API returns all survive.
type leadRecord struct {
	// doc holds JSON values (string, float64, bool, nil, []any,
	// map[string]any) plus mongoTime for createdAt and updatedAt.
	doc map[string]any
	seq int // insertion order
	// upsertedIn is the lower-case project of the path whose PUT or DELETE
	// upserted this bare document; it scopes the by-id routes by default.
	upsertedIn string
}

// owner is the project the lead belongs to for the scoped by-id routes.
func (rec *leadRecord) owner() string {
	if p, ok := rec.doc["id_project"].(string); ok {
		return strings.ToLower(p)
	}
	return rec.upsertedIn
}

func (st *state) insert(rec *leadRecord) {
	st.seq++
	rec.seq = st.seq
	st.leads[rec.doc["_id"].(string)] = rec
}

func (st *state) ordered() []*leadRecord {
	out := make([]*leadRecord, 0, len(st.leads))
	for _, rec := range st.leads {
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// newLeadID returns the next unused ObjectId from a counter, so ids are
// predictable and increase with creation order.
func (st *state) newLeadID() string {
	for {
		id := fmt.Sprintf("66d1e4c0%016x", st.nextLead)
		st.nextLead++
		if _, used := st.leads[id]; !used {
			return id
		}
	}
}

// uuid is a version 4 UUID from the emulator's seeded generator, as
// uuid/v4 makes for a lead created without lead_id.
func (st *state) uuid() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], st.pcg.Uint64())
	binary.BigEndian.PutUint64(b[8:], st.pcg.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// mongoTime is a date as Mongoose serialises it: ISO-8601, milliseconds, Z.
type mongoTime struct{ time.Time }

func (t mongoTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

// Lead is a typed view of a stored lead for assertions. Text fields are ""
// when absent or null; Doc holds the document exactly as the API returns it.
type Lead struct {
	ID            string         `json:"_id"`
	LeadID        string         `json:"lead_id"`
	Fullname      string         `json:"fullname"`
	Email         string         `json:"email"`
	Phone         string         `json:"phone"`
	Company       string         `json:"company"`
	Note          string         `json:"note"`
	StreetAddress string         `json:"streetAddress"`
	City          string         `json:"city"`
	Region        string         `json:"region"`
	Zipcode       string         `json:"zipcode"`
	Country       string         `json:"country"`
	Tags          []string       `json:"tags"`
	Attributes    any            `json:"attributes"`
	IDProject     string         `json:"id_project"`
	CreatedBy     string         `json:"createdBy"`
	Status        int            `json:"status"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	Doc           map[string]any `json:"-"`
}

// Deleted reports whether the lead is soft-deleted (status 1000).
func (l Lead) Deleted() bool { return l.Status == StatusDeleted }

func typedLead(doc map[string]any) Lead {
	str := func(k string) string { s, _ := doc[k].(string); return s }
	tm := func(k string) time.Time { t, _ := doc[k].(mongoTime); return t.Time }
	l := Lead{
		ID: str("_id"), LeadID: str("lead_id"), Fullname: str("fullname"), Email: str("email"),
		Phone: str("phone"), Company: str("company"), Note: str("note"), StreetAddress: str("streetAddress"),
		City: str("city"), Region: str("region"), Zipcode: str("zipcode"), Country: str("country"),
		Attributes: deepCopy(doc["attributes"]), IDProject: str("id_project"), CreatedBy: str("createdBy"),
		CreatedAt: tm("createdAt"), UpdatedAt: tm("updatedAt"), Doc: deepCopy(doc).(map[string]any),
	}
	if n, ok := doc["status"].(float64); ok {
		l.Status = int(n)
	}
	if tags, ok := doc["tags"].([]any); ok {
		l.Tags = []string{}
		for _, t := range tags {
			s, _ := t.(string)
			l.Tags = append(l.Tags, s)
		}
	}
	return l
}

var objectIDRe = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

func isObjectID(s string) bool { return objectIDRe.MatchString(s) }

// errCast is Mongoose's CastError: a value of the wrong type for a path.
var errCast = errors.New("cast error")

// castString is Mongoose's String cast: numbers and booleans become text,
// objects and arrays are refused, null stays null.
func castString(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case float64:
		return jsNumberString(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return nil, errCast
}

// castNumber is Mongoose's Number cast.
func castNumber(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return x, nil
	case bool:
		if x {
			return float64(1), nil
		}
		return float64(0), nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		if f, ok := jsNumber(x); ok && !math.IsInf(f, 0) {
			return f, nil
		}
	}
	return nil, errCast
}

// castStringArray is Mongoose's cast for [String]: a single value becomes a
// one-element array.
func castStringArray(v any) (any, error) {
	arr, ok := v.([]any)
	if !ok {
		s, err := castString(v)
		return []any{s}, err
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		s, err := castString(e)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// truthy is JavaScript truthiness for a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	default:
		return true
	}
}

// jsNumberString formats f as JavaScript's String(number) does.
func jsNumberString(f float64) string {
	if a := math.Abs(f); a != 0 && (a >= 1e21 || a < 1e-6) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[:1]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + sign + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

var jsDecimalRe = regexp.MustCompile(`^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$`)
var jsHexRe = regexp.MustCompile(`^0[xX][0-9a-fA-F]+$`)

// jsNumber is JavaScript's Number(string) for the forms a query string
// carries; ok is false where JavaScript gives NaN.
func jsNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, true
	case jsHexRe.MatchString(s):
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(n), err == nil
	case jsDecimalRe.MatchString(s):
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil || errors.Is(err, strconv.ErrRange)
	case strings.TrimLeft(s, "+-") == "Infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	return 0, false
}

// jsParseInt is JavaScript's parseInt(string): leading digits after
// optional space and sign, hex with 0x; ok is false where it gives NaN.
func jsParseInt(s string) (int, bool) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	digits := "0123456789"
	if base == 16 {
		digits = "0123456789abcdefABCDEF"
	}
	end := 0
	for end < len(s) && strings.IndexByte(digits, s[end]) >= 0 {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:end], base, 64)
	if err != nil || n > math.MaxInt32 {
		return 0, false // far beyond any page size; MongoDB would refuse it
	}
	if neg {
		n = -n
	}
	return int(n), true
}

// Errors of the list route, mapped to responses by the handler.
var (
	errSegmentNotFound = errors.New("segment not found")
	errBadQuery        = errors.New("query MongoDB would refuse")
)

// listQuery is GET /leads's query, as routes/lead.js builds it.
type listQuery struct {
	project        string
	limit          int // the perPage answer; 0 = no limit, negative = |limit| (MongoDB)
	skip           int
	sortField      string
	direction      int
	statuses       []float64
	emails         []string
	emailExists    bool
	fullnameExists bool
	tags           []string
	text           *textQuery
}

// truthyParam is JavaScript truthiness of req.query[key]: a non-empty
// string, or a repeated key (an array).
func truthyParam(q url.Values, key string) bool {
	v := q[key]
	return len(v) > 1 || (len(v) == 1 && v[0] != "")
}

func parseListQuery(project string, q url.Values) (listQuery, error) {
	lq := listQuery{project: project, limit: 40, sortField: "createdAt", direction: -1, statuses: []float64{StatusNormal}}
	if truthyParam(q, "segment") {
		return lq, errSegmentNotFound // the emulator keeps no segments
	}
	if truthyParam(q, "limit") {
		n, ok := jsParseInt(q.Get("limit"))
		if !ok {
			return lq, errBadQuery
		}
		lq.limit = n
	}
	if truthyParam(q, "page") {
		page, ok := jsNumber(q.Get("page"))
		skip := page * float64(lq.limit)
		if !ok || skip < 0 || skip != math.Trunc(skip) || skip > math.MaxInt32 {
			return lq, errBadQuery
		}
		lq.skip = int(skip)
	}
	if truthyParam(q, "direction") {
		switch strings.ToLower(q.Get("direction")) {
		case "1", "asc", "ascending":
			lq.direction = 1
		case "-1", "desc", "descending":
			lq.direction = -1
		default:
			return lq, errBadQuery // mquery: Invalid sort value
		}
	}
	switch {
	case truthyParam(q, "sort"):
		lq.sortField = q.Get("sort")
	case truthyParam(q, "sortField"):
		lq.sortField = q.Get("sortField")
	}
	if truthyParam(q, "status") {
		lq.statuses = nil
		for _, v := range q["status"] {
			n, err := castNumber(v)
			f, isNum := n.(float64)
			if err != nil || !isNum {
				return lq, errBadQuery
			}
			lq.statuses = append(lq.statuses, f)
		}
	}
	if truthyParam(q, "email") {
		lq.emails = q["email"]
	}
	if truthyParam(q, "with_email") {
		lq.emails, lq.emailExists = nil, true // replaces the email filter, as in routes/lead.js
	}
	lq.fullnameExists = truthyParam(q, "with_fullname")
	if truthyParam(q, "tags") {
		lq.tags = q["tags"]
	}
	if truthyParam(q, "full_text") {
		t := parseText(q.Get("full_text"))
		lq.text = &t
	}
	return lq, nil
}

func (lq *listQuery) match(doc map[string]any) bool {
	if p, ok := doc["id_project"].(string); !ok || p != lq.project {
		return false
	}
	if st, ok := doc["status"].(float64); !ok || !containsFloat(lq.statuses, st) {
		return false
	}
	if lq.emailExists {
		if _, ok := doc["email"]; !ok {
			return false
		}
	} else if len(lq.emails) > 0 {
		s, ok := doc["email"].(string)
		if !ok || !containsString(lq.emails, s) {
			return false
		}
	}
	if lq.fullnameExists {
		if _, ok := doc["fullname"]; !ok {
			return false
		}
	}
	if len(lq.tags) > 0 && !matchTags(doc["tags"], lq.tags) {
		return false
	}
	if lq.text != nil && !lq.text.match(doc) {
		return false
	}
	return true
}

// matchTags is MongoDB equality on an array path: one value matches an
// element, several (an array) match the whole array.
func matchTags(v any, want []string) bool {
	arr, ok := v.([]any)
	if !ok {
		s, isStr := v.(string)
		return isStr && len(want) == 1 && s == want[0]
	}
	if len(want) == 1 {
		for _, e := range arr {
			if e == want[0] {
				return true
			}
		}
		return false
	}
	if len(arr) != len(want) {
		return false
	}
	for i := range arr {
		if arr[i] != want[i] {
			return false
		}
	}
	return true
}

func containsFloat(list []float64, f float64) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// run filters, sorts and pages the project's leads: the page and the count
// of every match.
func (lq *listQuery) run(st *state) ([]map[string]any, int) {
	var hits []*leadRecord
	for _, rec := range st.leads {
		if lq.match(rec.doc) {
			hits = append(hits, rec)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a := sortKey(getPath(hits[i].doc, lq.sortField), lq.direction)
		b := sortKey(getPath(hits[j].doc, lq.sortField), lq.direction)
		if c := compareValues(a, b) * lq.direction; c != 0 {
			return c < 0
		}
		// MongoDB leaves ties in no promised order; creation order (in the
		// sort's direction) keeps pages stable.
		return (hits[i].seq-hits[j].seq)*lq.direction < 0
	})
	count := len(hits)
	if lq.skip >= len(hits) {
		hits = nil
	} else {
		hits = hits[lq.skip:]
	}
	if n := lq.limit; n != 0 {
		if n < 0 {
			n = -n
		}
		if n < len(hits) {
			hits = hits[:n]
		}
	}
	page := make([]map[string]any, 0, len(hits))
	for _, rec := range hits {
		page = append(page, rec.doc)
	}
	return page, count
}

// missing marks an absent path in a sort; MongoDB sorts it like null.
type missing struct{}

func getPath(doc map[string]any, path string) any {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return missing{}
		}
		if cur, ok = m[part]; !ok {
			return missing{}
		}
	}
	return cur
}

// emptyArray sorts before null, as in MongoDB.
type emptyArray struct{}

// sortKey picks what MongoDB sorts an array by: its smallest element
// ascending, its largest descending.
func sortKey(v any, direction int) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	if len(arr) == 0 {
		return emptyArray{}
	}
	best := arr[0]
	for _, e := range arr[1:] {
		if compareValues(e, best)*direction > 0 {
			best = e
		}
	}
	return best
}

// typeRank is MongoDB's BSON comparison order.
func typeRank(v any) int {
	switch v.(type) {
	case emptyArray:
		return 0
	case missing, nil:
		return 1
	case float64:
		return 2
	case string:
		return 3
	case map[string]any:
		return 4
	case []any:
		return 5
	case bool:
		return 8
	case mongoTime:
		return 9
	}
	return 10
}

func compareValues(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case mongoTime:
		return x.Compare(b.(mongoTime).Time)
	case map[string]any, []any:
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return strings.Compare(string(ja), string(jb))
	}
	return 0
}

// textQuery is a MongoDB $text search over the lead_fulltext index
// (fullname and email, default language "none": no stemming, no stop words).
type textQuery struct {
	terms, phrases, negated []string
}

func parseText(s string) textQuery {
	var t textQuery
	var rest strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			rest.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			rest.WriteString(s[:i] + " " + s[i+1:])
			break
		}
		rest.WriteString(s[:i] + " ")
		if p := strings.ToLower(strings.TrimSpace(s[i+1 : i+1+j])); p != "" {
			t.phrases = append(t.phrases, p)
		}
		s = s[i+1+j+1:]
	}
	for _, word := range strings.Fields(rest.String()) {
		if strings.HasPrefix(word, "-") {
			t.negated = append(t.negated, textTokens(word[1:])...)
			continue
		}
		t.terms = append(t.terms, textTokens(word)...)
	}
	return t
}

// textTokens splits text the way the text index does: on white space,
// punctuation and symbols (the underscore joins words), lower-cased.
func textTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r != '_' && (unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r))
	})
}

func (t *textQuery) match(doc map[string]any) bool {
	var fields []string
	for _, k := range []string{"fullname", "email"} {
		if s, ok := doc[k].(string); ok {
			fields = append(fields, strings.ToLower(s))
		}
	}
	tokens := map[string]bool{}
	for _, f := range fields {
		for _, tok := range textTokens(f) {
			tokens[tok] = true
		}
	}
	for _, n := range t.negated {
		if tokens[n] {
			return false
		}
	}
	if len(t.phrases) > 0 {
		for _, p := range t.phrases {
			found := false
			for _, f := range fields {
				found = found || strings.Contains(f, p)
			}
			if !found {
				return false
			}
		}
		return true
	}
	for _, term := range t.terms {
		if tokens[term] {
			return true
		}
	}
	return false
}
