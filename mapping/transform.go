package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/nyaruka/phonenumbers"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/phone"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/keys"
)

// Sentinel causes of row errors, for errors.Is.
var (
	ErrInvalidPhone = phone.ErrInvalid
	ErrInvalidEmail = keys.ErrInvalidEmail
	ErrInvalidDate  = errors.New("not a date in a known format")
	ErrRequired     = errors.New("required value is empty")
	ErrTooLong      = errors.New("longer than the field allows")
	ErrNotInt       = errors.New("not a whole number")
	ErrNotInEnum    = errors.New("not one of the allowed values")
	ErrUnmapped     = errors.New("no entry in the value map")
)

// transform turns one value into another; it must be safe for concurrent use.
type transform func(string) (string, error)

// transformNames lists every transform, for messages and docs.
var transformNames = []string{
	"trim", "lower", "upper", "title", "collapse", "digits", "email", "phone",
	"default", "map", "replace", "truncate", "split_name", "date",
}

// compileTransform builds one transform from its YAML: a bare name
// ("trim") or a one-key mapping ({phone: {region: FI}}).
func (c *compiler) compileTransform(n ast.Node, f sinks.Field) (transform, bool) {
	name, arg := "", ast.Node(nil)
	if s, ok := config.Scalar(n); ok {
		name = s
	} else if pairs := config.Pairs(n); len(pairs) == 1 {
		name, arg = config.Key(pairs[0]), pairs[0].Value
	} else {
		c.errorf(n, "a transform is a name (trim) or a one-key mapping ({phone: {region: FI}})")
		return nil, false
	}
	switch name {
	case "trim":
		return func(s string) (string, error) { return strings.TrimSpace(s), nil }, c.noArg(name, arg)
	case "lower":
		return func(s string) (string, error) { return strings.ToLower(s), nil }, c.noArg(name, arg)
	case "upper":
		return func(s string) (string, error) { return strings.ToUpper(s), nil }, c.noArg(name, arg)
	case "title":
		return func(s string) (string, error) { return titleCase(s), nil }, c.noArg(name, arg)
	case "collapse":
		return func(s string) (string, error) { return collapseSpaces(s), nil }, c.noArg(name, arg)
	case "digits":
		return func(s string) (string, error) { return phone.Digits(s), nil }, c.noArg(name, arg)
	case "email":
		return func(s string) (string, error) { return keys.NormalizeEmail(s) }, c.noArg(name, arg)
	case "phone":
		return c.phoneTransform(arg)
	case "default":
		v, ok := config.Scalar(arg)
		if !ok {
			c.errorf(n, "default needs a value: {default: \"unknown\"}")
			return nil, false
		}
		return func(s string) (string, error) {
			if strings.TrimSpace(s) == "" {
				return v, nil
			}
			return s, nil
		}, true
	case "map":
		return c.mapTransform(n, arg)
	case "replace":
		return c.replaceTransform(n, arg)
	case "truncate":
		limit := f.MaxLen
		if arg != nil {
			s, _ := config.Scalar(arg)
			v, err := strconv.Atoi(s)
			if err != nil || v <= 0 {
				c.errorf(arg, "truncate takes a positive length, not %q", s)
				return nil, false
			}
			limit = v
		}
		if limit <= 0 {
			c.errorf(n, "truncate needs a length: field %s has no maximum length; write {truncate: 40}", f.Name)
			return nil, false
		}
		return func(s string) (string, error) { return truncateRunes(s, limit), nil }, true
	case "split_name":
		part, _ := config.Scalar(arg)
		switch part {
		case "first":
			return func(s string) (string, error) { first, _ := SplitName(s); return first, nil }, true
		case "last":
			return func(s string) (string, error) { _, last := SplitName(s); return last, nil }, true
		}
		c.errorf(n, "split_name takes first or last: {split_name: first}")
		return nil, false
	case "date":
		return c.dateTransform(n, arg, f)
	}
	c.errorf(n, "unknown transform %q%s (known: %s)", name, didYouMean(name, transformNames), strings.Join(transformNames, ", "))
	return nil, false
}

func (c *compiler) noArg(name string, arg ast.Node) bool {
	if arg != nil {
		if s, ok := config.Scalar(arg); ok && s == "" {
			return true
		}
		c.errorf(arg, "transform %s takes no argument", name)
		return false
	}
	return true
}

func (c *compiler) phoneTransform(arg ast.Node) (transform, bool) {
	var opt struct {
		Region string `yaml:"region"`
		Format string `yaml:"format"`
	}
	if arg != nil {
		if s, ok := config.Scalar(arg); ok {
			opt.Region = s
		} else if err := c.doc.Decode(arg, &opt); err != nil {
			c.addErr(err)
			return nil, false
		}
	}
	region := strings.ToUpper(opt.Region)
	if region == "" {
		region = c.opts.Region
	}
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		c.errorf(arg, "unknown phone region %q: use an ISO 3166 code such as FI, SE, US", region)
		return nil, false
	}
	format := phonenumbers.E164
	switch opt.Format {
	case "", "e164":
	case "international":
		format = phonenumbers.INTERNATIONAL
	case "national":
		format = phonenumbers.NATIONAL
	default:
		c.errorf(arg, "phone format is e164, international or national, not %q", opt.Format)
		return nil, false
	}
	return func(s string) (string, error) {
		if strings.TrimSpace(s) == "" {
			return "", nil
		}
		if format == phonenumbers.E164 {
			return phone.Normalize(s, region) // the same, without the library's formatter
		}
		num, err := phone.Parse(s, region)
		if err != nil {
			return "", err
		}
		return phonenumbers.Format(num, format), nil
	}, true
}

func (c *compiler) mapTransform(n, arg ast.Node) (transform, bool) {
	values := map[string]string{}
	folded := map[string]string{}
	otherwise, strict, hasOtherwise := "", false, false
	pairs := config.Pairs(arg)
	if pairs == nil {
		c.errorf(n, "map needs a table: {map: {FI: Finland, SE: Sweden}}")
		return nil, false
	}
	// Long form: {values: {...}, otherwise: X, strict: true}.
	if vs, ok := pairValue(pairs, "values"); ok && config.IsMapping(vs) {
		for _, p := range pairs {
			switch config.Key(p) {
			case "values":
			case "otherwise":
				otherwise, _ = config.Scalar(p.Value)
				hasOtherwise = true
			case "strict":
				s, _ := config.Scalar(p.Value)
				strict = s == "true"
			default:
				c.errorf(p.Key, "unknown key %q in map (values, otherwise, strict)", config.Key(p))
			}
		}
		pairs = config.Pairs(vs)
	}
	for _, p := range pairs {
		v, _ := config.Scalar(p.Value)
		k := config.Key(p)
		values[k] = v
		folded[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return func(s string) (string, error) {
		if v, ok := values[s]; ok {
			return v, nil
		}
		if v, ok := folded[strings.ToLower(strings.TrimSpace(s))]; ok {
			return v, nil
		}
		switch {
		case strict && s != "":
			return "", fmt.Errorf("%w: %q", ErrUnmapped, s)
		case hasOtherwise:
			return otherwise, nil
		}
		return s, nil
	}, true
}

func pairValue(pairs []*ast.MappingValueNode, key string) (ast.Node, bool) {
	for _, p := range pairs {
		if config.Key(p) == key {
			return p.Value, true
		}
	}
	return nil, false
}

func (c *compiler) replaceTransform(n, arg ast.Node) (transform, bool) {
	var opt struct {
		Pattern string `yaml:"pattern"`
		With    string `yaml:"with"`
	}
	if arg == nil || !config.IsMapping(arg) {
		c.errorf(n, "replace needs {pattern: REGEX, with: TEXT}")
		return nil, false
	}
	if err := c.doc.Decode(arg, &opt); err != nil {
		c.addErr(err)
		return nil, false
	}
	re, err := regexp.Compile(opt.Pattern)
	if err != nil {
		c.errorf(arg, "replace pattern: %v", err)
		return nil, false
	}
	return func(s string) (string, error) { return re.ReplaceAllString(s, opt.With), nil }, true
}

func (c *compiler) dateTransform(n, arg ast.Node, f sinks.Field) (transform, bool) {
	var opt struct {
		From []string `yaml:"from"`
		To   string   `yaml:"to"`
	}
	if arg != nil {
		if s, ok := config.Scalar(arg); ok {
			opt.From = []string{s}
		} else if p := config.Pairs(arg); p != nil {
			if from, ok := pairValue(p, "from"); ok {
				if s, ok := config.Scalar(from); ok {
					opt.From = []string{s}
					// Decode below would fail on a scalar for a list.
					if to, ok := pairValue(p, "to"); ok {
						opt.To, _ = config.Scalar(to)
					}
					for _, pp := range p {
						if k := config.Key(pp); k != "from" && k != "to" {
							c.errorf(pp.Key, "unknown key %q in date (from, to)", k)
						}
					}
					goto built
				}
			}
			if err := c.doc.Decode(arg, &opt); err != nil {
				c.addErr(err)
				return nil, false
			}
		}
	}
built:
	for _, l := range append(append([]string(nil), opt.From...), opt.To) {
		if err := checkDatePattern(l); err != nil {
			c.errorf(arg, "%v", err)
			return nil, false
		}
	}
	layouts := make([]string, 0, len(opt.From)+4)
	for _, l := range opt.From {
		layouts = append(layouts, GoLayout(l))
	}
	layouts = append(layouts, "2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.RFC3339)
	out := GoLayout(opt.To)
	if out == "" {
		switch {
		case f.Type == sinks.DateTime && f.Format != "":
			out = f.Format
		default:
			out = "2006-01-02"
		}
	}
	return func(s string) (string, error) {
		v := strings.TrimSpace(s)
		if v == "" {
			return "", nil
		}
		for _, l := range layouts {
			if t, err := time.Parse(l, v); err == nil {
				return t.Format(out), nil
			}
		}
		return "", fmt.Errorf("%w: %q (expected %s)", ErrInvalidDate, s, strings.Join(opt.From, " or "))
	}, true
}

// GoLayout converts a familiar date pattern (YYYY-MM-DD, DD.MM.YYYY HH:mm)
// to a Go layout; a Go layout passes through unchanged.
func GoLayout(p string) string {
	if p == "" || strings.Contains(p, "2006") || strings.Contains(p, "06") && !strings.Contains(p, "YY") {
		return p
	}
	r := strings.NewReplacer("YYYY", "2006", "YY", "06", "MM", "01", "DD", "02", "HH", "15", "mm", "04", "ss", "05", "M", "1", "D", "2")
	return r.Replace(p)
}

func titleCase(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return titleCaseRunes(s)
		}
	}
	// ASCII: unicode's case mappings and spaces are the ASCII ones; s
	// itself when no letter changes.
	var b strings.Builder
	upper := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		t := c
		if upper {
			if 'a' <= c && c <= 'z' {
				t = c - 'a' + 'A'
			}
		} else if 'A' <= c && c <= 'Z' {
			t = c - 'A' + 'a'
		}
		if t != c && b.Cap() == 0 {
			b.Grow(len(s))
			b.WriteString(s[:i])
		}
		if b.Cap() != 0 {
			b.WriteByte(t)
		}
		upper = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '-' || c == '\'' || c == '.'
	}
	if b.Cap() == 0 {
		return s
	}
	return b.String()
}

// titleCaseRunes is titleCase for any text, rune by rune.
func titleCaseRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	upper := true
	for _, r := range s {
		if upper {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		upper = unicode.IsSpace(r) || r == '-' || r == '\'' || r == '’' || r == '.'
	}
	return b.String()
}

func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// SplitName splits a full name into first and last: "Anna Maria Virtanen"
// gives "Anna Maria" and "Virtanen"; "Virtanen, Anna" gives "Anna" and
// "Virtanen".
func SplitName(full string) (first, last string) {
	full = collapseSpaces(full)
	if a, b, ok := strings.Cut(full, ","); ok {
		return strings.TrimSpace(b), strings.TrimSpace(a)
	}
	i := strings.LastIndexByte(full, ' ')
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// JoinName joins name parts with single spaces, skipping empty ones.
func JoinName(parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
