package leadsquared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
	"github.com/leadsync/leadsync/sinks/httpc"
)

// API paths, in LeadSquared's documented casing.
const (
	pathLogCall        = "/v2/Telephony.svc/LogCall"
	pathShowAgentPopup = "/v2/Telephony.svc/ShowAgentPopup"
	pathLeadByEmail    = "/v2/LeadManagement.svc/Leads.GetByEmailaddress"
	pathLeadByPhone    = "/v2/LeadManagement.svc/RetrieveLeadByPhoneNumber"
	pathLeadByID       = "/v2/LeadManagement.svc/Leads.GetById"
	pathLeadCreate     = "/v2/LeadManagement.svc/Lead.Create"
	pathLeadUpdate     = "/v2/LeadManagement.svc/Lead.Update"
)

// client makes LeadSquared's calls through httpc (budget, classification,
// the one retry layer). The keys travel in the x-LSQ-* headers, never in
// a URL, so no log or error can show them.
type client struct {
	http   *httpc.Client
	phones phones
}

// lead is a lead object as the lookup APIs return it: LeadSquared's schema
// names, numbers as strings, many nulls.
type lead map[string]any

func (l lead) str(name string) string {
	switch v := l[name].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "1"
		}
		return "0"
	}
	return ""
}

// writeAnswer is the success envelope of LeadSquared's writes.
type writeAnswer struct {
	Status  string `json:"Status"`
	Message struct {
		ID      string `json:"Id"`
		Message string `json:"Message"`
	} `json:"Message"`
}

func (c *client) get(ctx context.Context, op, path string, q url.Values) ([]lead, error) {
	resp, err := c.http.Do(ctx, httpc.Request{Op: op, Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, err
	}
	var leads []lead
	if err := json.Unmarshal(resp.Body, &leads); err != nil {
		return nil, &sinks.Error{Class: sinks.Transient, Op: op, Status: resp.Status,
			Msg: "answer is not a list of leads: " + shorten(resp.Body)}
	}
	return leads, nil
}

// leadsByEmail calls Leads.GetByEmailaddress: [] when no lead has it.
func (c *client) leadsByEmail(ctx context.Context, email string) ([]lead, error) {
	return c.get(ctx, "leadsquared: find lead by email", pathLeadByEmail, url.Values{"emailaddress": {email}})
}

// leadsByPhone calls RetrieveLeadByPhoneNumber, which matches Phone and
// Mobile and answers the lead with the latest activity.
func (c *client) leadsByPhone(ctx context.Context, phone string) ([]lead, error) {
	op := "leadsquared: find lead by phone"
	forms := c.phones.lookups(phone)
	if forms[0] == "" {
		return nil, &sinks.Error{Class: sinks.Rejected, Op: op, Msg: fmt.Sprintf("%q is not a phone number", phone)}
	}
	var leads []lead
	var err error
	for _, digits := range forms {
		// A second form only after a miss: the account's default country
		// code was guessed from the job's region (no sink.country_code).
		if leads, err = c.get(ctx, op, pathLeadByPhone, url.Values{"phone": {digits}}); err != nil || len(leads) > 0 {
			break
		}
	}
	return leads, err
}

// check makes the cheapest authenticated read: a lead by an id no lead has.
func (c *client) check(ctx context.Context) error {
	_, err := c.get(ctx, "leadsquared: check credentials", pathLeadByID,
		url.Values{"id": {"00000000-0000-0000-0000-000000000000"}})
	return err
}

// post sends a write and returns the id of its success envelope. A 2xx
// without an id is an unknown outcome: LeadSquared may have acted.
func (c *client) post(ctx context.Context, op, path string, body any) (string, error) {
	resp, err := c.write(ctx, op, path, nil, body)
	if err != nil {
		return "", err
	}
	var a writeAnswer
	if err := json.Unmarshal(resp.Body, &a); err != nil || strings.TrimSpace(a.Message.ID) == "" {
		return "", &sinks.Error{Class: sinks.Transient, Op: op, Status: resp.Status,
			Msg: "success answer without an id: " + shorten(resp.Body)}
	}
	return strings.TrimSpace(a.Message.ID), nil
}

// write sends a JSON write; its answer is classified (an answer whose
// Status is "Error" is an error).
func (c *client) write(ctx context.Context, op, path string, q url.Values, body any) (*httpc.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return c.http.Do(ctx, httpc.Request{Op: op, Method: http.MethodPost, Path: path, Query: q, Body: b,
		ContentType: "application/json", Write: true})
}

// notSent marks the error of a read made before a write: the write was
// never sent, so its outcome is not unknown.
func notSent(err error, op string) error {
	var e *sinks.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", op, err)
	}
	c := *e
	c.Op = op + ": " + strings.TrimPrefix(e.Op, "leadsquared: ")
	c.NotSent = true
	return &c
}
