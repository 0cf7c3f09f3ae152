package liondesktest

import (
	"fmt"
	"net/url"
	"testing"
)

func TestParseQS(t *testing.T) {
	cases := []struct {
		raw  string
		want string // base|path|value; …
	}{
		{"name=Zillow", "name||Zillow"},
		{"name[$like]=%25Buyer%20Drip%25", "name|$like|%Buyer Drip%"},
		{"name%5B%24like%5D=%25Buyer%25", "name|$like|%Buyer%"},
		{"name[$like]=%Buyer%", "name|$like|%Buyer%"},                     // invalid escape kept as sent (qs)
		{"name[$like]=%Campaign%20Name%", "name|$like|%Campaign%20Name%"}, // %Ca is not UTF-8: whole value kept
		{"email=paul@example.com&mobile_phone=1(604)555-4572", "email||paul@example.com; mobile_phone||1(604)555-4572"},
		{"office_phone=+1+604", "office_phone|| 1 604"}, // '+' is a space
		{"$sort[name]=-1&$limit=5", "$sort|name|-1; $limit||5"},
		{"id[$in][]=1&id[$in][0]=2", "id|$in,|1; id|$in,0|2"},
		{"a[b", "a[b||"},
		{"a[b]c=1", "a|b,c|1"},
		{"&&x=1&", "x||1"},
	}
	for _, tc := range cases {
		got := ""
		for i, p := range parseQS(tc.raw) {
			if i > 0 {
				got += "; "
			}
			path := ""
			for j, s := range p.path {
				if j > 0 {
					path += ","
				}
				path += s
			}
			got += fmt.Sprintf("%s|%s|%s", p.base, path, p.value)
		}
		if got != tc.want {
			t.Errorf("parseQS(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	// A Go client's url.Values encoding round-trips.
	v := url.Values{"name[$like]": {"%Buyer Drip%"}, "$sort[created_at]": {"-1"}}
	for _, p := range parseQS(v.Encode()) {
		if p.base == "name" && (p.path[0] != "$like" || p.value != "%Buyer Drip%") {
			t.Errorf("url.Values: %+v", p)
		}
	}
}

func TestLikeMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"%Buyer Drip%", "LionDesk: General Buyer Drip", true},
		{"%buyer drip%", "LionDesk: General Buyer Drip", true},
		{"Buyer%", "LionDesk: General Buyer Drip", false},
		{"LionDesk%", "LionDesk: General Buyer Drip", true},
		{"%Drip", "Buyer Drip", true},
		{"%Drip", "Buyer Drips", false},
		{"B_yer", "Buyer", true},
		{"B_yer", "Byer", false},
		{"%", "", true},
		{"", "", true},
		{"", "x", false},
		{"%a%b%c%", "xxaxxbxxcxx", true},
		{"%a%b%c%", "xxcxxbxxaxx", false},
		{`100\%`, "100%", true},
		{`100\%`, "1000", false},
		{"%ä%", "Bär", true},
	}
	for _, tc := range cases {
		if got := likeMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestCompareValues(t *testing.T) {
	cases := []struct {
		a, b any
		want int
	}{
		{nil, int64(1), -1},
		{int64(2), int64(10), -1},
		{"2", "10", 1}, // strings compare as strings
		{int64(2), "10", -1},
		{"apple", "Banana", -1},
		{"B", "b", -1},
		{false, true, -1},
		{nil, nil, 0},
	}
	for _, tc := range cases {
		if got := compareValues(tc.a, tc.b); got != tc.want {
			t.Errorf("compareValues(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
