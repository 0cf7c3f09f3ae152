package httpc

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/sinks"
)

// classify is a toy vendor's one Classifier.
func classify(op string, status int, h http.Header, body []byte) error {
	switch {
	case status < 300:
		return nil
	case status == 429:
		return &sinks.Error{Class: sinks.RateLimited, Op: op, Status: status, Wait: RetryAfter(h, time.Now())}
	case status == 401:
		return &sinks.Error{Class: sinks.Unauthorized, Op: op, Status: status}
	case status >= 500:
		return &sinks.Error{Class: sinks.Transient, Op: op, Status: status}
	}
	return &sinks.Error{Class: sinks.Rejected, Op: op, Status: status, Msg: string(body)}
}

// server answers from a script of statuses, then 200.
func server(t *testing.T, script ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(script) {
			if script[i] == 429 {
				w.Header().Set("Retry-After", "0.01")
			}
			w.WriteHeader(script[i])
			w.Write([]byte("bad thing"))
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func client(url string) *Client {
	return &Client{BaseURL: url, Classify: classify, Backoff: func(int) time.Duration { return time.Millisecond }}
}

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		script []int
		write  bool
		calls  int32
		class  sinks.Class // 0: success
	}{
		{"read retried on 5xx", []int{500, 503}, false, 3, 0},
		{"read gives up", []int{500, 500, 500, 500, 500, 500}, false, 5, sinks.Transient},
		{"write never retried on 5xx", []int{500}, true, 1, sinks.Transient},
		{"write retried on 429", []int{429, 429}, true, 3, 0},
		{"read retried on 429", []int{429}, false, 2, 0},
		{"rejected not retried", []int{400}, false, 1, sinks.Rejected},
		{"unauthorized not retried", []int{401}, true, 1, sinks.Unauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := server(t, tc.script...)
			method := http.MethodGet
			if tc.write {
				method = http.MethodPost
			}
			_, err := client(srv.URL).Do(ctx, Request{Op: "toy: op", Method: method, Path: "/x", Write: tc.write})
			if got := sinks.ClassOf(err); got != tc.class {
				t.Fatalf("class %v (%v), want %v", got, err, tc.class)
			}
			if n.Load() != tc.calls {
				t.Fatalf("calls %d, want %d", n.Load(), tc.calls)
			}
			if tc.write && tc.class == sinks.Transient && !sinks.IsUnknownOutcome(err) {
				t.Fatalf("a failed write is not an unknown outcome: %v", err)
			}
		})
	}
}

// A write whose connection drops after the request was sent is an
// unknown outcome and is not sent again; a read is retried.
func TestDroppedConnection(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	_, err := client(srv.URL).Do(context.Background(), Request{Op: "toy: create", Method: http.MethodPost, Path: "/", Body: []byte("x"), Write: true})
	if !sinks.IsUnknownOutcome(err) || n.Load() != 1 {
		t.Fatalf("dropped write: %v after %d sends", err, n.Load())
	}
	n.Store(0)
	if _, err := client(srv.URL).Do(context.Background(), Request{Op: "toy: find", Method: http.MethodGet, Path: "/"}); err != nil || n.Load() != 2 {
		t.Fatalf("dropped read: %v after %d sends", err, n.Load())
	}
}

// A write to a port nobody listens on provably never left: it may be
// retried, and the error says it was not sent.
func TestNotSent(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := client("http://" + addr)
	c.MaxAttempts = 2
	_, err := c.Do(context.Background(), Request{Op: "toy: create", Method: http.MethodPost, Path: "/", Write: true})
	var e *sinks.Error
	if !errors.As(err, &e) || !e.NotSent || sinks.IsUnknownOutcome(err) {
		t.Fatalf("refused connection: %#v", err)
	}
}

func TestGuardsAndSecrets(t *testing.T) {
	c := client("http://127.0.0.1:1")
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Write: true}); !errors.Is(err, ErrReplayableWrite) {
		t.Fatalf("GET write: %v", err)
	}
	c.MaxAttempts = 1
	_, err := c.Do(context.Background(), Request{Op: "toy: find", Method: http.MethodGet, Path: "/?auth=supersecret"})
	if err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Fatalf("error leaks the query: %v", err)
	}
}

// Every attempt passes through the budget, retries included.
func TestBudgetCountsRetries(t *testing.T) {
	srv, n := server(t, 500, 429)
	c := client(srv.URL)
	c.Budget = budget.New(100, time.Minute, 0, nil)
	if _, err := c.Do(context.Background(), Request{Op: "toy: find", Method: http.MethodGet, Path: "/"}); err != nil {
		t.Fatal(err)
	}
	if st := c.Budget.Stats(); st.Calls != int(n.Load()) || st.Calls != 3 || st.Paused != 1 {
		t.Fatalf("budget %+v, calls %d", st, n.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"42": 42 * time.Second, "0.25": 250 * time.Millisecond, "": 0, "soon": 0,
		"Thu, 01 Jan 2026 00:00:10 GMT": 10 * time.Second,
	} {
		h := http.Header{}
		h.Set("Retry-After", in)
		if got := RetryAfter(h, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
