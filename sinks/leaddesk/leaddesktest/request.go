package leaddesktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body; the Original API's own limit is unknown.
const maxBody = 1 << 20

const defaultTimeZone = "Europe/Helsinki"

// apiError is an Original API error: 400 with the text CODE or CODE:detail.
type apiError struct {
	code, detail string
}

func (e *apiError) Error() string {
	if e.detail == "" {
		return e.code
	}
	return e.code + ":" + e.detail
}

func errMissing(field string) *apiError { return &apiError{"ERR_ARGUMENT_MISSING", field} }
func errInvalid(field string) *apiError { return &apiError{"ERR_ARGUMENT_INVALID", field} }
func errNotFound(what string) *apiError { return &apiError{"ERR_NOT_FOUND", what} }

var (
	errAuthentication = &apiError{code: "ERR_AUTHENTICATION"}
	errInvalidModule  = &apiError{code: "ERR_INVALID_MODULE"}
	errInvalidCommand = &apiError{code: "ERR_INVALID_COMMAND"}
)

// request is what the emulator reads from an HTTP request before the core
// decides on it: the scalar parameters and the raw body.
type request struct {
	// params merges the query string and a form-urlencoded POST body; a
	// later value wins (a repeated key, or the body over the query), as
	// PHP's $_REQUEST does.
	params   map[string]string
	body     []byte
	tooLarge bool
}

func readRequest(r *http.Request) *request {
	req := &request{params: map[string]string{}}
	// Malformed pairs are skipped rather than refused: a lenient parser
	// is what the PHP side has.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	mergeLast(req.params, q)
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err == nil && len(b) > maxBody {
			req.tooLarge = true
			b = nil
		}
		req.body = b
	}
	if r.Method == http.MethodPost && isForm(r.Header.Get("Content-Type")) && !req.tooLarge {
		f, _ := url.ParseQuery(string(req.body))
		mergeLast(req.params, f)
	}
	return req
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func mergeLast(dst map[string]string, v url.Values) {
	for k, vs := range v {
		if k != "" && len(vs) > 0 {
			dst[k] = vs[len(vs)-1]
		}
	}
}

// args is the scalar-parameter view of a command.
type args map[string]string

func (a args) get(k string) (string, bool) {
	v, ok := a[k]
	return v, ok
}

// only refuses a parameter outside allowed (and auth/mod/cmd). The first
// offender in sorted order is reported, so the answer is deterministic.
func (a args) only(allowed map[string]bool) *apiError {
	var bad []string
	for k := range a {
		if !commonParams[k] && !allowed[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return errInvalid(bad[0])
}

// required returns a parameter that must be present and non-empty.
func (a args) required(k string) (string, *apiError) {
	v, ok := a[k]
	if !ok || v == "" {
		return "", errMissing(k)
	}
	return v, nil
}

var commonParams = map[string]bool{"auth": true, "mod": true, "cmd": true}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func union(sets ...map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			m[k] = true
		}
	}
	return m
}

func otherFields() []string {
	out := make([]string, 0, 35)
	for i := 1; i <= 35; i++ {
		out = append(out, "other"+strconv.Itoa(i))
	}
	return out
}

// contactStringFields are the free string fields of a contact, stored in
// Contact.Fields. other_label1/2 are not in the connector but are sent by
// a third-party PHP client (LD-PHP), so they are accepted.
var contactStringFields = set(append([]string{
	"fname", "lname", "email", "www", "address", "postcode", "city", "country",
	"ssc", "birthyear", "gender", "company", "vatin", "title", "comment",
	"other_label1", "other_label2",
}, otherFields()...)...)

// parseID reads a positive decimal ID: digits only, no sign, no spaces.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

const timestampLayout = "2006-01-02 15:04:05"

func validTimestamp(s string) bool {
	_, err := time.Parse(timestampLayout, s)
	return err == nil && len(s) == len(timestampLayout)
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil && len(s) == len("2006-01-02")
}

// validPhone accepts what a dialer could dial: digits, optionally one
// leading '+', with spaces, dashes, dots and parentheses as separators. The
// value is stored as received.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && digits == 0 && strings.TrimSpace(s[:i]) == "":
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits > 0 && digits <= 20
}

// normalizePhone is the form compared by contact find: spaces and dashes
// removed, everything else (a leading '+' in particular) kept.
// phoneSeparators is built once: a Replacer per comparison made finds
// among thousands of contacts the emulator's bottleneck.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

func normalizePhone(s string) string { return phoneSeparators.Replace(s) }

var validLangs = map[int64]bool{1: true, 3: true, 4: true, 5: true, 7: true, 8: true, 9: true, 10: true,
	11: true, 12: true, 13: true, 14: true, 15: true, 17: true, 23: true}

// object is a JSON object from a request body, read key by key so every
// value's JSON type can be checked. Errors name the leaf key, as the API's
// ERR_…:<field> texts do.
type object map[string]json.RawMessage

// parseBody reads a JSON command's body. An empty body is an empty object.
func parseBody(b []byte) (object, *apiError) {
	if len(bytes.TrimSpace(b)) == 0 {
		return object{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var o object
	if err := dec.Decode(&o); err != nil || o == nil {
		return nil, errInvalid("json")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errInvalid("json")
	}
	return o, nil
}

// has reports a present, non-null key (PHP's isset on a decoded body).
func (o object) has(k string) bool {
	raw, ok := o[k]
	return ok && string(bytes.TrimSpace(raw)) != "null"
}

func (o object) only(allowed map[string]bool) *apiError {
	var bad []string
	for k := range o {
		if !allowed[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return errInvalid(bad[0])
}

func (o object) object(k string) (object, bool, *apiError) {
	if !o.has(k) {
		return nil, false, nil
	}
	var sub object
	if err := json.Unmarshal(o[k], &sub); err != nil || sub == nil {
		return nil, true, errInvalid(k)
	}
	return sub, true, nil
}

func (o object) str(k string) (string, bool, *apiError) {
	if !o.has(k) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(o[k], &s); err != nil {
		return "", true, errInvalid(k)
	}
	return s, true, nil
}

func (o object) boolean(k string) (bool, bool, *apiError) {
	if !o.has(k) {
		return false, false, nil
	}
	var b bool
	if err := json.Unmarshal(o[k], &b); err != nil {
		return false, true, errInvalid(k)
	}
	return b, true, nil
}

// integer reads a JSON integer; with numericString a string of digits is
// accepted too (the connector's type drift, VENDORS.md 1.7).
func (o object) integer(k string, numericString bool) (int64, bool, *apiError) {
	if !o.has(k) {
		return 0, false, nil
	}
	raw := bytes.TrimSpace(o[k])
	if numericString && len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, true, errInvalid(k)
		}
		raw = []byte(s)
	}
	n, ok := parseID(string(raw))
	if !ok {
		return 0, true, errInvalid(k)
	}
	return n, true, nil
}

// strings copies the string keys listed in fields into dst (by key).
func (o object) strings(fields map[string]bool, dst map[string]string) *apiError {
	for _, k := range sortedNames(fields) {
		v, ok, err := o.str(k)
		if err != nil {
			return err
		}
		if ok {
			dst[k] = v
		}
	}
	return nil
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
