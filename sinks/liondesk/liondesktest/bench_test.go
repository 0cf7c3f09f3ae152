package liondesktest

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkFindContactByEmail(b *testing.B) {
	e := New(Options{})
	var sb strings.Builder
	sb.WriteString(`{"contacts":[`)
	for i := 0; i < 200000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"email":"c%d@example.com","mobile_phone":"+1604555%04d"}`, i, i%10000)
	}
	sb.WriteString(`]}`)
	if err := e.Seed([]byte(sb.String())); err != nil {
		b.Fatal(err)
	}
	h := e.Handler()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", fmt.Sprintf("/contacts?email=c%d@example.com", i%200000), nil)
		req.Header.Set("Authorization", "Bearer "+TestToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"total":1`) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
