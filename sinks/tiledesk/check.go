package tiledesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

var _ sinks.OnlineChecker = (*LeadSink)(nil)

// CheckOnline checks the project and the credentials with one read: the
// first page (one lead) of the project's leads. tiledesk-server checks the
// project before the caller (VENDORS.md 2.3), so a project that does not
// exist is a Problem naming it; refused credentials (401, 403: not a
// member, role below agent) are the error. Calls: 1.
func (s *LeadSink) CheckOnline(ctx context.Context, _ sinks.Refs) ([]sinks.Problem, error) {
	_, err := s.listPage(ctx, opCheck, nil, 0, 1, 1)
	var e *sinks.Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest &&
		(strings.HasPrefix(e.Msg, "Project not found") || strings.HasPrefix(e.Msg, "Invalid project id")) {
		return []sinks.Problem{{Path: "$.sink.project", Field: "project", Value: s.project,
			Msg: fmt.Sprintf("project %s does not exist at Tiledesk (%s): check sink.project", s.project, e.Msg)}}, nil
	}
	return nil, err
}
