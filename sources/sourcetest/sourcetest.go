// Package sourcetest is the conformance suite every API source (a
// sources.Pager) passes against its vendor's emulator, as sinktest is for
// sinks: every record exactly once across pages, at every page-size edge;
// a resumed read from a saved cursor that reads no done page again;
// errors, never an early end, when a page fails; a cancelled context
// respected; an empty result. It also holds the helpers a vendor's own
// pager tests read pages with.
package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sources"
)

// Harness is what a vendor's test gives the suite.
type Harness struct {
	// Key is the header column that names a record (an id).
	Key string
	// DefaultPageSize is the records a page holds with page size 0; for a
	// pager without a page size, the records each page holds.
	DefaultPageSize int
	// PageSizes are the page sizes to try besides 0; nil for a pager
	// without a page size.
	PageSizes []int
	// Start makes a fresh backend (an emulator) holding n records. It
	// returns the keys a full read returns, in read order, and open, which
	// returns a new pager over them reading pageSize records a page (0:
	// the pager's default) whose every call goes through client.
	Start func(t *testing.T, n int) (want []string, open func(t *testing.T, pageSize int, client *http.Client) sources.Pager)
}

// maxPages stops a pager that never ends.
const maxPages = 10000

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	if h.Key == "" || h.DefaultPageSize <= 0 || h.Start == nil {
		t.Fatal("sourcetest: Harness needs Key, DefaultPageSize and Start")
	}
	t.Run("header", func(t *testing.T) { testHeader(t, h) })
	sizes := append([]int{0}, h.PageSizes...)
	for _, size := range sizes {
		per := size
		if per == 0 {
			per = h.DefaultPageSize
		}
		counts := []int{0, 1, per, 2 * per, 2*per + 1}
		if h.PageSizes == nil {
			counts = []int{0, 1, 2, 3}
		}
		for _, n := range slices.Compact(counts) {
			t.Run(fmt.Sprintf("size=%d/records=%d", size, n), func(t *testing.T) { testEveryRecordOnce(t, h, size, per, n) })
		}
	}
	t.Run("resume", func(t *testing.T) { testResume(t, h) })
	t.Run("bad cursor", func(t *testing.T) {
		_, open := h.Start(t, 2)
		p := open(t, smallest(h), newTransport().client())
		for _, bad := range []string{"x", "-1"} {
			if _, _, err := p.Page(Context(t), bad); err == nil {
				t.Errorf("cursor %q: no error", bad)
			}
		}
	})
	t.Run("failed page", func(t *testing.T) { testFailedPage(t, h) })
	t.Run("cancelled context", func(t *testing.T) { testCancel(t, h) })
}

func smallest(h Harness) int {
	if len(h.PageSizes) == 0 {
		return 0
	}
	return slices.Min(h.PageSizes)
}

func perPage(h Harness, size int) int {
	if size == 0 {
		return h.DefaultPageSize
	}
	return size
}

func testHeader(t *testing.T, h Harness) {
	_, open := h.Start(t, 1)
	tr := newTransport()
	p := open(t, 0, tr.client())
	hd := p.Header()
	if len(hd) == 0 || !slices.Contains(hd, h.Key) {
		t.Fatalf("header %v lacks the key %s", hd, h.Key)
	}
	seen := map[string]bool{}
	for _, name := range hd {
		if strings.TrimSpace(name) == "" || seen[name] {
			t.Fatalf("header %v: blank or repeated name %q", hd, name)
		}
		seen[name] = true
	}
	hd[0] = "changed by the caller"
	if p.Header()[0] == hd[0] {
		t.Fatal("Header is not a copy")
	}
	if n := tr.calls(); n != 0 {
		t.Fatalf("%d calls before the first page", n)
	}
}

// testEveryRecordOnce reads n records at size a page: each once, in the
// backend's order, ceil(n/per) pages (one when there are none), every page
// but the last full, and the same again on a second read.
func testEveryRecordOnce(t *testing.T, h Harness, size, per, n int) {
	want, open := h.Start(t, n)
	if len(want) != n {
		t.Fatalf("sourcetest: Start(%d) wants %d keys", n, len(want))
	}
	p := open(t, size, newTransport().client())
	pages, cursors := ReadPages(t, p, "")
	if got := Column(t, p, Flat(pages), h.Key); !slices.Equal(got, want) {
		t.Fatalf("keys %v\nwant %v", got, want)
	}
	if wantPages := max(1, (n+per-1)/per); len(pages) != wantPages {
		t.Fatalf("%d pages (cursors %q) for %d records at %d a page, want %d", len(pages), cursors, n, per, wantPages)
	}
	for i, pg := range pages[:len(pages)-1] {
		if len(pg) != per {
			t.Fatalf("page %d of %d holds %d records, want %d", i+1, len(pages), len(pg), per)
		}
	}
	if last := pages[len(pages)-1]; n > 0 && len(last) == 0 {
		t.Fatal("the last page is empty: one call too many")
	}
	again, _ := ReadPages(t, open(t, size, newTransport().client()), "")
	if !slices.EqualFunc(Flat(again), Flat(pages), slices.Equal) {
		t.Fatal("a second read differs")
	}
}

// testResume reads two pages, then a new pager (a new process) resumes at
// the saved cursor: exactly the rest, with no call for a done page.
func testResume(t *testing.T, h Harness) {
	size := smallest(h)
	per := perPage(h, size)
	n := 3*per + 1
	want, open := h.Start(t, n)
	full := newTransport()
	_, cursors := ReadPages(t, open(t, size, full.client()), "")
	if len(cursors) != 4 {
		t.Fatalf("%d pages for %d records at %d a page, want 4", len(cursors), n, per)
	}
	first := newTransport()
	p := open(t, size, first.client())
	var done [][]string
	cursor := ""
	for range 2 {
		recs, next, err := p.Page(Context(t), cursor)
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, recs...)
		cursor = next
	}
	if cursor != cursors[2] {
		t.Fatalf("cursor after two pages %q, a full read's %q", cursor, cursors[2])
	}
	rest := newTransport()
	q := open(t, size, rest.client())
	recs, _ := ReadAll(t, q, cursor)
	if got := Column(t, q, append(done, recs...), h.Key); !slices.Equal(got, want) {
		t.Fatalf("two pages then a resumed read: keys %v\nwant %v", got, want)
	}
	if got, wantCalls := rest.calls(), full.calls()-first.calls(); got != wantCalls {
		t.Fatalf("the resumed read took %d calls; a full read takes %d, its first two pages %d: want %d", got, full.calls(), first.calls(), wantCalls)
	}
}

// testFailedPage fails every call from the second page on, in each way a
// backend can fail: the read stops with an error, never an early end.
func testFailedPage(t *testing.T, h Harness) {
	size := smallest(h)
	per := perPage(h, size)
	for _, f := range []struct {
		name   string
		status int
		body   string
	}{
		{"unauthorized", http.StatusUnauthorized, `{}`},
		{"forbidden", http.StatusForbidden, `{}`},
		{"truncated body", http.StatusOK, `{"data":[`},
		{"not JSON", http.StatusOK, `<html>maintenance</html>`},
	} {
		t.Run(f.name, func(t *testing.T) {
			_, open := h.Start(t, 2*per+1)
			tr := newTransport()
			p := open(t, size, tr.client())
			recs, next, err := p.Page(Context(t), "")
			if err != nil || next == "" || len(recs) != per {
				t.Fatalf("first page: %d records, next %q, %v", len(recs), next, err)
			}
			tr.fail(f.status, f.body)
			recs, next2, err := p.Page(Context(t), next)
			if err == nil {
				t.Fatalf("a failed page read as %d records, next %q, and no error", len(recs), next2)
			}
			if len(recs) != 0 || next2 != "" {
				t.Fatalf("a failed page returned %d records, next %q with %v", len(recs), next2, err)
			}
		})
	}
}

// testCancel: a cancelled context is an error (context.Canceled), before
// a call and during one.
func testCancel(t *testing.T, h Harness) {
	_, open := h.Start(t, 3)
	tr := newTransport()
	p := open(t, smallest(h), tr.client())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	recs, next, err := p.Page(ctx, "")
	if !errors.Is(err, context.Canceled) || len(recs) != 0 || next != "" {
		t.Fatalf("cancelled before the page: %d records, next %q, %v; want context.Canceled", len(recs), next, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	tr.hold(cancel)
	done := make(chan error, 1)
	go func() { _, _, err := p.Page(ctx, ""); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled during the page: %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a page went on 10 s after its context was cancelled")
	}
}

// transport counts calls and, when told, answers them itself.
type transport struct {
	n      atomic.Int64
	mu     sync.Mutex
	status int
	body   string
	onCall func() // called once, then the call waits for its context
}

func newTransport() *transport { return &transport{} }

func (tr *transport) client() *http.Client {
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func (tr *transport) calls() int { return int(tr.n.Load()) }

func (tr *transport) fail(status int, body string) {
	tr.mu.Lock()
	tr.status, tr.body = status, body
	tr.mu.Unlock()
}

func (tr *transport) hold(onCall func()) {
	tr.mu.Lock()
	tr.onCall = onCall
	tr.mu.Unlock()
}

func (tr *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.n.Add(1)
	tr.mu.Lock()
	status, body, onCall := tr.status, tr.body, tr.onCall
	tr.onCall = nil
	tr.mu.Unlock()
	if onCall != nil {
		onCall()
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	if status == 0 {
		return http.DefaultTransport.RoundTrip(r)
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// Context is a test's context: cancelled after 20 s or at the test's end.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ReadPages reads every page from cursor on: each page's records and the
// cursor it started at. Every record must have one value per header name.
func ReadPages(t testing.TB, p sources.Pager, cursor string) (pages [][][]string, cursors []string) {
	t.Helper()
	width := len(p.Header())
	for range maxPages {
		recs, next, err := p.Page(Context(t), cursor)
		if err != nil {
			t.Fatalf("page %q: %v", cursor, err)
		}
		for _, r := range recs {
			if len(r) != width {
				t.Fatalf("page %q: a record of %d values, header of %d", cursor, len(r), width)
			}
		}
		pages = append(pages, recs)
		cursors = append(cursors, cursor)
		if next == "" {
			return pages, cursors
		}
		if next == cursor {
			t.Fatalf("page %q names itself as the next", cursor)
		}
		cursor = next
	}
	t.Fatalf("no last page after %d pages", maxPages)
	return nil, nil
}

// ReadAll is ReadPages with the records of every page in one list.
func ReadAll(t testing.TB, p sources.Pager, cursor string) (recs [][]string, cursors []string) {
	t.Helper()
	pages, cursors := ReadPages(t, p, cursor)
	return Flat(pages), cursors
}

// Flat lists the records of pages in order.
func Flat(pages [][][]string) [][]string {
	var out [][]string
	for _, pg := range pages {
		out = append(out, pg...)
	}
	return out
}

// Column is the values of the header column name, one per record.
func Column(t testing.TB, p sources.Pager, recs [][]string, name string) []string {
	t.Helper()
	i := slices.Index(p.Header(), name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, p.Header())
	}
	out := make([]string, len(recs))
	for j, r := range recs {
		out[j] = r[i]
	}
	return out
}

// Row is a record by header name.
func Row(p sources.Pager, rec []string) map[string]string {
	m := map[string]string{}
	for i, name := range p.Header() {
		if i < len(rec) {
			m[name] = rec[i]
		}
	}
	return m
}

// Open makes a pager with newPager (a vendor's NewPager) and cfg, failing
// t when it refuses.
func Open[C any](t testing.TB, newPager func(C) (sources.Pager, error), cfg C) sources.Pager {
	t.Helper()
	p, err := newPager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
