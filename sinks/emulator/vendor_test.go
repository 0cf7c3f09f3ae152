package emulator

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// A vendor emulator built on Base: the vendor's default limit unless the
// options name one, its clock, and its routes beside the admin endpoints
// on a loopback Server.
func TestBaseAndServer(t *testing.T) {
	type fixtures struct{ N int }
	def := Limit{Calls: 2, Per: time.Minute}
	clock := NewClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	resp := Responses{
		RateLimited:   func(w http.ResponseWriter, _ time.Duration) { w.WriteHeader(http.StatusTooManyRequests) },
		InternalError: func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
	}
	for name, tc := range map[string]struct {
		limit *Limit
		want  []int
	}{
		"default limit":  {nil, []int{200, 200, 429}},
		"own limit":      {&Limit{Calls: 1, Per: time.Minute}, []int{200, 429, 429}},
		"limit disabled": {&Limit{}, []int{200, 200, 200}},
	} {
		t.Run(name, func(t *testing.T) {
			opts := VendorOptions[fixtures, NoQuirks]{Limit: tc.limit, Now: clock.Now, TimeScale: 0.5}
			b := NewBase(opts, def, resp)
			st := &store{}
			b.Route(st.handler(b.Core()), st)
			if !b.Now().Equal(clock.Now()) || b.TimeScale() != 0.5 {
				t.Fatalf("clock %v, scale %v", b.Now(), b.TimeScale())
			}
			srv := Start(b.Handler())
			defer srv.Close()
			for i, want := range tc.want {
				res, err := srv.Client().Post(srv.URL+"/x?key=k", "text/plain", nil)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != want {
					t.Fatalf("call %d: %d, want %d", i+1, res.StatusCode, want)
				}
			}
			res, err := srv.Client().Get(srv.URL + AdminPrefix + "dump")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || len(body) == 0 {
				t.Fatalf("admin dump: %d %s", res.StatusCode, body)
			}
		})
	}
	if got := (VendorOptions[fixtures, NoQuirks]{}).FixturesOr(func() fixtures { return fixtures{N: 7} }); got.N != 7 {
		t.Fatalf("default fixtures %v", got)
	}
	if got := (VendorOptions[fixtures, NoQuirks]{Fixtures: &fixtures{N: 3}}).FixturesOr(func() fixtures { return fixtures{N: 7} }); got.N != 3 {
		t.Fatalf("given fixtures %v", got)
	}
	if b := NewBase(VendorOptions[fixtures, NoQuirks]{}, Limit{}, resp); b.TimeScale() != 1 || b.Now().IsZero() {
		t.Fatalf("zero options: scale %v, now %v", b.TimeScale(), b.Now())
	}
}
