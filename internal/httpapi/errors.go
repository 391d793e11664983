package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/gatewayinput"
)

// Error codes of docs/contract.md, plus unauthorized for --auth-token-file.
const (
	CodeInvalidInput    = "invalid_input"
	CodeNotFound        = "not_found"
	CodePayloadTooLarge = "payload_too_large"
	CodeNotReady        = "not_ready"
	CodeInternal        = "internal"
	CodeUnauthorized    = "unauthorized"
	CodeForbidden       = "forbidden"
	CodeOverloaded      = "overloaded"
	CodeRequestTimeout  = "request_timeout"
	// CodeMethodNotAllowed: the route exists, not with this method.
	CodeMethodNotAllowed = "method_not_allowed"
)

var (
	errNotFound = errors.New("no such endpoint")
	errMethod   = errors.New("method not allowed on this endpoint (see the Allow header)")
	errPanic    = errors.New("internal error")
	// errRequestTimeout: the body did not arrive within --read-timeout.
	errRequestTimeout = errors.New("the request body did not arrive within the read timeout")
)

// ErrorBody is every error answer: {"error": {"code", "message", "path"?}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error itself; Path is a JSON pointer into the request.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

// headerError is a missing or malformed forward-auth header.
type headerError = gatewayinput.HeaderError

// classify maps an error to its status and body. It is the only place that
// decides what a client sees of an error; internal details stay in the log.
func classify(err error) (int, ErrorDetail) {
	var (
		input   *engine.InputError
		header  *headerError
		tooLong *http.MaxBytesError
		hidden  *hiddenPathError
	)
	switch {
	case errors.As(err, &tooLong):
		return http.StatusRequestEntityTooLarge, ErrorDetail{Code: CodePayloadTooLarge,
			Message: fmt.Sprintf("request body larger than %d bytes", tooLong.Limit)}
	case errors.As(err, &header):
		return http.StatusBadRequest, ErrorDetail{Code: CodeInvalidInput, Message: header.Error()}
	case errors.As(err, &input):
		return http.StatusBadRequest, ErrorDetail{Code: CodeInvalidInput, Message: input.Message, Path: input.Path}
	case errors.Is(err, engine.ErrInvalidInput):
		return http.StatusBadRequest, ErrorDetail{Code: CodeInvalidInput, Message: err.Error()}
	case errors.Is(err, engine.ErrNotReady):
		return http.StatusServiceUnavailable, ErrorDetail{Code: CodeNotReady, Message: "no policy and data active yet"}
	case errors.Is(err, errRequestTimeout):
		return http.StatusRequestTimeout, ErrorDetail{Code: CodeRequestTimeout, Message: err.Error()}
	case errors.Is(err, errNotFound):
		return http.StatusNotFound, ErrorDetail{Code: CodeNotFound, Message: err.Error()}
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed, ErrorDetail{Code: CodeMethodNotAllowed, Message: err.Error()}
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, ErrorDetail{Code: CodeUnauthorized, Message: auth.ErrUnauthenticated.Error()}
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, ErrorDetail{Code: CodeForbidden, Message: auth.ErrForbidden.Error()}
	case errors.As(err, &hidden):
		return http.StatusForbidden, ErrorDetail{Code: CodeForbidden, Message: hidden.Error()}
	case errors.Is(err, admission.ErrOverloaded):
		return http.StatusServiceUnavailable, ErrorDetail{Code: CodeOverloaded, Message: "too many decisions being evaluated; retry later"}
	case errors.Is(err, engine.ErrUndefined):
		return http.StatusInternalServerError, ErrorDetail{Code: CodeInternal, Message: "the policy produced no decision"}
	default:
		return http.StatusInternalServerError, ErrorDetail{Code: CodeInternal, Message: "internal error"}
	}
}

// fail writes the error answer and stops the chain.
func (a *api) fail(c *gin.Context, err error) {
	status, detail := classify(err)
	if status >= 500 {
		level := a.log.Error
		if errors.Is(err, context.Canceled) || errors.Is(err, engine.ErrNotReady) {
			level = a.log.Warn
		}
		level("request failed", "route", c.FullPath(), "status", status, "err", err)
	}
	if detail.Code == CodeOverloaded {
		c.Header("Retry-After", "1")
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: detail})
}
