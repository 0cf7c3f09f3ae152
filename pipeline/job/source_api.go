package job

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/leadsync/leadsync/budget"
	"github.com/leadsync/leadsync/config"
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

// sourceConfig is what the registry passes a vendor to open a pager.
type sourceConfig struct {
	src     config.Source
	region  string
	budget  *budget.Budget
	lookups []string
}

func openAPISource(job *config.Job) (*apiSource, error) {
	ve, err := lookupVendor(job.Source.Type)
	if err != nil {
		return nil, err
	}
	if ve.pager == nil {
		return nil, fmt.Errorf("%s cannot be read as a source", ve.name)
	}
	src := job.Source
	a := &apiSource{close: func() {}}
	if strings.EqualFold(src.URL, "sandbox") {
		url, creds, stop, err := startSandbox(job, ve)
		if err != nil {
			return nil, err
		}
		a.close = func() { _ = stop() } // a source is read only: its records are loaded, not changed
		src = fillSourceCredentials(src, creds)
		src.URL = url
	}
	a.budget, a.desc = connectionBudget(src.Budget, ve)
	var lookups []string
	if src.Lookups != "" {
		if lookups, err = readLines(src.Lookups); err != nil {
			a.close()
			return nil, err
		}
	}
	a.pager, err = ve.pager(sourceConfig{src: src, region: job.Region, budget: a.budget, lookups: lookups})
	if err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func fillSourceCredentials(s config.Source, test config.Sink) config.Source {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	s.Token = pick(s.Token, test.Token)
	s.Project = pick(s.Project, test.Project)
	s.AccessKey = pick(s.AccessKey, test.AccessKey)
	s.SecretKey = pick(s.SecretKey, test.SecretKey)
	s.CountryCode = pick(s.CountryCode, test.CountryCode)
	return s
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// apiFingerprint identifies what an API source reads: the same job on the
// same source settings resumes; other settings start a new run. The
// credentials are not part of it.
func apiFingerprint(job *config.Job) string {
	s := job.Source
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00", s.Type, httpc.RedactURL(s.URL), s.Project, s.Status, s.Addresses)
	if s.Lookups != "" {
		if b, err := os.ReadFile(s.Lookups); err == nil {
			h.Write(b)
		}
	}
	return "api:" + hex.EncodeToString(h.Sum(nil))
}
