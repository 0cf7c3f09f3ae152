package liondesktest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/leadsync/leadsync/sinks/emulator"
)

// apiError is a Feathers error: the body every LionDesk failure carries.
type apiError struct {
	status  int
	message string
	errors  map[string]string
}

// feathersNames maps a status to the Feathers error class name and className.
var feathersNames = map[int][2]string{
	400: {"BadRequest", "bad-request"},
	401: {"NotAuthenticated", "not-authenticated"},
	403: {"Forbidden", "forbidden"},
	404: {"NotFound", "not-found"},
	405: {"MethodNotAllowed", "method-not-allowed"},
	429: {"TooManyRequests", "too-many-requests"},
	500: {"GeneralError", "general-error"},
}

// errorBody is the Feathers error JSON, fields in Feathers' order.
type errorBody struct {
	Name      string            `json:"name"`
	Message   string            `json:"message"`
	Code      int               `json:"code"`
	ClassName string            `json:"className"`
	Errors    map[string]string `json:"errors"`
}

func (e *apiError) body() errorBody {
	n := feathersNames[e.status]
	errs := e.errors
	if errs == nil {
		errs = map[string]string{}
	}
	return errorBody{Name: n[0], Message: e.message, Code: e.status, ClassName: n[1], Errors: errs}
}

func writeError(w http.ResponseWriter, e *apiError) {
	emulator.WriteJSON(w, e.status, e.body())
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: 400, message: fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{status: 403, message: fmt.Sprintf(format, args...)}
}

// notFound is the Feathers database adapters' message for an unknown id.
func notFound(id string) *apiError {
	return &apiError{status: 404, message: fmt.Sprintf("No record found for id '%s'", id)}
}

// badReference refuses a body field that names a record the caller cannot see.
func badReference(fieldName string, id int64) *apiError {
	return validation(map[string]string{fieldName: fmt.Sprintf("refers to no record: No record found for id '%d'", id)})
}

var (
	errPageNotFound  = &apiError{status: 404, message: "Page not found"}
	errNoToken       = &apiError{status: 401, message: "Not authenticated"}
	errInvalidToken  = &apiError{status: 401, message: "Invalid access token"}
	errInternal      = &apiError{status: 500, message: "Internal Server Error"}
	errRateLimited   = &apiError{status: 429, message: "Too many requests"}
	errNotJSON       = &apiError{status: 400, message: "Content-Type must be application/json"}
	errBodyNotObject = &apiError{status: 400, message: "Request body must be a JSON object"}
	errBodyTooLarge  = &apiError{status: 400, message: "request entity too large"}
)

// invalidJSON is the message format for a body that does not parse.
const invalidJSON = "Invalid JSON in request body: %v"

func methodNotAllowed(method string) *apiError {
	return &apiError{status: 405, message: fmt.Sprintf("Method `%s` is not supported by this endpoint.", method)}
}

// responses are the bodies emulator.Core writes by itself.
func responses(timeScale float64) emulator.Responses {
	return emulator.Responses{
		RateLimited: func(w http.ResponseWriter, retryAfter time.Duration) {
			w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter, timeScale))
			writeError(w, errRateLimited)
		},
		InternalError: func(w http.ResponseWriter) { writeError(w, errInternal) },
	}
}
