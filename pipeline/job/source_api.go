package job

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
	"github.com/leadsync/leadsync/sources"
)

// apiSource is a vendor API a migration reads, with its own connection
// budget.
type apiSource struct {
	pager  sources.Pager
	budget *budget.Budget
	desc   string
	close  func()
}

func openAPISource(vs []sinks.Vendor, job *config.Job) (*apiSource, error) {
	ve, err := lookupVendor(vs, job.Source.Type)
	if err != nil {
		return nil, err
	}
	if ve.NewSource == nil {
		return nil, fmt.Errorf("%s cannot be read as a source", ve.Name)
	}
	conn := job.Source.Conn
	a := &apiSource{close: func() {}}
	if strings.EqualFold(conn.Get("url"), "sandbox") {
		url, creds, stop, err := startSandbox(job, ve)
		if err != nil {
			return nil, err
		}
		a.close = func() { _ = stop() } // a source is read only: its records are loaded, not changed
		conn = fillCredentials(conn, creds, url)
	}
	a.budget, a.desc = connectionBudget(job.Source.Budget, ve)
	if !strings.EqualFold(job.Source.Conn.Get("url"), "sandbox") {
		unshare, err := shareBudget(a.budget, job.Source.Budget, ve, conn)
		if err != nil {
			a.close()
			return nil, err
		}
		prev := a.close
		a.close = func() { unshare(); prev() }
	}
	a.pager, err = ve.NewSource(sinks.SourceConfig{Conn: conn, Region: job.Region, Budget: a.budget})
	if err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// apiFingerprint identifies what an API source reads: the same job on the
// same source settings resumes; other settings start a new run. The
// credentials are not part of it. The keys (and their order) are those of
// the first fingerprints, so existing state keeps resuming; a key the
// source's vendor does not take is empty.
func apiFingerprint(job *config.Job) string {
	s := job.Source
	c := s.Conn
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00", s.Type, httpc.RedactURL(c.Get("url")), c.Get("project"), c.Get("status"), c.Bool("addresses"))
	if p := c.Get("lookups"); p != "" {
		if b, err := os.ReadFile(p); err == nil {
			h.Write(b)
		}
	}
	return "api:" + hex.EncodeToString(h.Sum(nil))
}
