package mapping

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
)

// Suggestion pairs a source column with the target field it most likely
// feeds.
type Suggestion struct {
	Field  string  `json:"field"`
	Column string  `json:"column"`
	Score  float64 `json:"score"` // 1 = same name; lower = less sure
}

// synonyms are header words seen in lead exports (English, Finnish,
// Swedish, German), normalized like headers, for fields whose names differ.
var synonyms = map[string][]string{
	"fname":    {"firstname", "first", "givenname", "forename", "etunimi", "fornamn", "vorname", "name1"},
	"lname":    {"lastname", "last", "surname", "familyname", "sukunimi", "efternamn", "nachname", "name2"},
	"fullname": {"name", "fullname", "contactname", "nimi", "namn"},
	"name":     {"name", "fullname", "contactname", "nimi", "namn"},
	"phone":    {"phone", "mobile", "mobilephone", "cell", "cellphone", "telephone", "tel", "phonenumber", "puhelin", "puhelinnumero", "matkapuhelin", "gsm", "telefon", "handy", "mobil"},
	"email":    {"email", "emailaddress", "mail", "sahkoposti", "epost", "epostadress"},
	"postcode": {"postcode", "zip", "zipcode", "postalcode", "postinumero", "postnummer", "plz"},
	"city":     {"city", "town", "kaupunki", "postitoimipaikka", "ort", "stadt"},
	"address":  {"address", "street", "streetaddress", "osoite", "katuosoite", "adress", "strasse"},
	"country":  {"country", "maa", "land"},
	"company":  {"company", "organization", "organisation", "yritys", "foretag", "firma", "account"},
	"comment":  {"comment", "comments", "note", "notes", "kommentti", "lisatiedot"},
	"title":    {"title", "jobtitle", "position", "titteli"},
	"lead_id":  {"leadid", "id", "externalid"},
}

// Suggest proposes, for each target field, the best-matching column by
// header similarity (same name, a known synonym, or a near spelling). Each
// column is used at most once; fields with no plausible column are left out.
func Suggest(header []string, obj sinks.Object) []Suggestion {
	type cand struct {
		field, column string
		score         float64
	}
	var cands []cand
	fields := obj.Fields
	if obj.Open {
		for _, h := range header {
			fields = append(fields, sinks.Field{Name: snake(h)})
		}
	}
	for _, f := range fields {
		fn := norm(f.Name)
		for _, h := range header {
			hn := norm(h)
			if hn == "" {
				continue
			}
			s := 0.0
			switch {
			case hn == fn:
				s = 1
			case contains(synonyms[f.Name], hn):
				s = 0.9
			case len(fn) >= 4 && (strings.Contains(hn, fn) || strings.Contains(fn, hn) && len(hn) >= 4):
				s = 0.6
			default:
				for _, syn := range synonyms[f.Name] {
					if len(syn) >= 4 && strings.Contains(hn, syn) {
						s = 0.7
						break
					}
				}
				if s == 0 {
					d := config.EditDistance(hn, fn)
					if d <= max(1, len(fn)/4) {
						s = 0.5
					}
				}
			}
			if s > 0 {
				cands = append(cands, cand{f.Name, h, s})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	usedF, usedC := map[string]bool{}, map[string]bool{}
	var out []Suggestion
	for _, c := range cands {
		if usedF[c.field] || usedC[c.column] {
			continue
		}
		usedF[c.field], usedC[c.column] = true, true
		out = append(out, Suggestion{Field: c.field, Column: c.column, Score: c.score})
	}
	order := map[string]int{}
	for i, f := range fields {
		order[f.Name] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Field] < order[out[j].Field] })
	return out
}

// SuggestYAML renders suggestions as a mapping a user can paste into a
// job, with typical transforms for phone and email fields and a comment
// for each required field left unmapped.
func SuggestYAML(sugs []Suggestion, obj sinks.Object) string {
	var b strings.Builder
	b.WriteString("mapping:\n")
	mapped := map[string]bool{}
	for _, s := range sugs {
		mapped[s.Field] = true
		f, _ := obj.Field(s.Field)
		fmt.Fprintf(&b, "  %s: {column: %q", s.Field, s.Column)
		switch f.Type {
		case sinks.Phone:
			b.WriteString(", transform: [phone]")
		case sinks.Email:
			b.WriteString(", transform: [email]")
		default:
			b.WriteString(", transform: [trim]")
		}
		b.WriteString("}")
		if s.Score < 0.9 {
			b.WriteString("   # guessed: check")
		}
		b.WriteString("\n")
	}
	for _, r := range obj.Required() {
		if !mapped[r] {
			// A placeholder validate refuses until it is filled in.
			fmt.Fprintf(&b, "  %s: {value: \"<FILL IN: %s>\"}   # required: no column matched\n", r, fillInHint(obj, r))
		}
	}
	return b.String()
}

// fillInHint says what a required field's placeholder wants.
func fillInHint(_ sinks.Object, name string) string {
	if name == "list" {
		return "calling list name"
	}
	return "value for " + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// norm folds a header for comparison: lower-case letters and digits only,
// with Nordic letters folded to their base (ä -> a).
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä', 'å', 'á', 'à':
			r = 'a'
		case 'ö', 'ø', 'ó':
			r = 'o'
		case 'ü':
			r = 'u'
		case 'é', 'è':
			r = 'e'
		case 'ß':
			b.WriteString("ss")
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// snake makes a field name from a header: "First name" -> "first_name".
func snake(s string) string {
	var b strings.Builder
	last := '_'
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			last = r
		} else if last != '_' {
			b.WriteRune('_')
			last = '_'
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
