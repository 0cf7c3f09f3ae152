package leadsquaredtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

const internalErrorBody = `{"Status":"Error","ExceptionType":"Exception","ExceptionMessage":"Internal Server Error"}`

func TestFaultError500StoresNothing(t *testing.T) {
	s := startServer(t, Options{Faults: emulator.Faults{Error500: 1}})
	r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody()))
	if r.status != http.StatusInternalServerError || strings.TrimSpace(string(r.body)) != internalErrorBody {
		t.Fatalf("got %d %s, want 500 %s", r.status, r.body, internalErrorBody)
	}
	r = send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), `[{"Attribute":"FirstName","Value":"X"}]`)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("create: %d", r.status)
	}
	if len(s.CallLogs()) != 0 || len(s.Leads()) != 3 {
		t.Errorf("an injected 500 stored records")
	}
	st := s.Core().Stats()
	if st.Faults[emulator.FaultError500] != 2 || st.TotalWrites() != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultExtra429(t *testing.T) {
	s := startServer(t, Options{Faults: emulator.Faults{Extra429: 1}})
	r := send(t, http.MethodPost, s.URL+pathPopup, jsonHeaders(), mustJSON(t, popupBody()))
	checkRateLimited(t, r, http.StatusTooManyRequests)
	if n := len(s.Popups()); n != 0 {
		t.Errorf("%d popups stored by an injected 429", n)
	}
	if st := s.Core().Stats(); st.RateLimited != 1 || st.Faults[emulator.FaultExtra429] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultLatency(t *testing.T) {
	s := startServer(t, Options{Faults: emulator.Faults{LatencyDelay: 80 * time.Millisecond}})
	s.Core().InjectNext(OpLeadByEmail, emulator.FaultLatency)
	start := time.Now()
	r := send(t, http.MethodGet, s.URL+pathByEmail+"?emailaddress=asha.rao@example.com", keyHeaders(), "")
	if took := time.Since(start); took < 80*time.Millisecond {
		t.Errorf("took %v, want at least the 80ms latency", took)
	}
	if r.status != http.StatusOK {
		t.Errorf("a delayed call should still succeed: %d", r.status)
	}
}

func TestFaultDropAfterWrite(t *testing.T) {
	tests := []struct {
		name, op, path, body string
		stored               func(*Server) int
	}{
		{"LogCall", OpLogCall, pathLogCall, mustJSON(t, logCallBody()), func(s *Server) int { return len(s.CallLogs()) }},
		{"ShowAgentPopup", OpShowAgentPopup, pathPopup, mustJSON(t, popupBody()), func(s *Server) int { return len(s.Popups()) }},
		{"Lead.Create", OpLeadCreate, pathCreate, `[{"Attribute":"FirstName","Value":"Dropped"}]`, func(s *Server) int { return len(s.Leads()) - 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{})
			s.Core().InjectNext(tt.op, emulator.FaultDropAfterWrite)
			req, _ := http.NewRequest(http.MethodPost, s.URL+tt.path, strings.NewReader(tt.body))
			for k, v := range jsonHeaders() {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got a response (%d), want a connection error", resp.StatusCode)
			}
			if n := tt.stored(s); n != 1 {
				t.Errorf("%d records stored, want 1: the write happened", n)
			}
			st := s.Core().Stats()
			if st.Writes[tt.op] != 1 || st.Faults[emulator.FaultDropAfterWrite] != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestFaultDropAfterWriteSparesRefusalsAndReads(t *testing.T) {
	s := startServer(t, Options{Faults: emulator.Faults{DropAfterWrite: 1}})
	// A refused write changed nothing, so its answer is delivered.
	body := logCallBody()
	delete(body, "UserId")
	if r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, body)); r.status != http.StatusInternalServerError {
		t.Errorf("refused write: %d", r.status)
	}
	if r := lookupByID(t, s, keyHeaders()); r.status != http.StatusOK {
		t.Errorf("read: %d", r.status)
	}
	if st := s.Core().Stats(); st.Faults[emulator.FaultDropAfterWrite] != 0 || st.TotalWrites() != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestInjectNextTargetsOneOperationOnce(t *testing.T) {
	s := startServer(t, Options{})
	s.Core().InjectNext(OpLeadCreate, emulator.FaultError500)
	if r := send(t, http.MethodPost, s.URL+pathLogCall, jsonHeaders(), mustJSON(t, logCallBody())); r.status != http.StatusOK {
		t.Fatalf("other operation: %d %s", r.status, r.body)
	}
	create := func() int {
		return send(t, http.MethodPost, s.URL+pathCreate, jsonHeaders(), `[{"Attribute":"FirstName","Value":"Once"}]`).status
	}
	if got := create(); got != http.StatusInternalServerError {
		t.Fatalf("targeted create: %d, want 500", got)
	}
	if n := len(s.Leads()); n != 3 {
		t.Errorf("%d leads after the injected 500", n)
	}
	if got := create(); got != http.StatusOK {
		t.Errorf("next create: %d, want 200 (the fault is one-shot)", got)
	}
	calls := s.Core().Calls()
	if len(calls) != 3 || calls[1].Fault != emulator.FaultError500 || calls[1].Status != 500 || calls[2].Status != 200 {
		t.Errorf("calls %+v", calls)
	}
}
