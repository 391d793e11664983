package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
)

// OpenID AuthZEN Authorization API 1.0: Access Evaluation, Access
// Evaluations, Search and PDP metadata over the HTTPS JSON binding. The
// protocol (authzen_protocol.go) is the same whatever the policy; an
// AuthZENBackend says what the entities mean. The server's backend is the
// xtenant mapping (authzen_xtenant.go); the certification tests plug in the
// scenario's own fixture policy.

// AuthZENBackend maps AuthZEN requests onto a policy.
type AuthZENBackend interface {
	// Evaluate decides one complete evaluation request. An
	// *engine.InputError is a request the mapping cannot read: a 400, or
	// the item's error in a batch. Any other error fails the whole request.
	Evaluate(ctx context.Context, r AuthZENRequest) (AuthZENResponse, error)
	// Search returns every candidate of the search kind with its verdict,
	// in a stable order; the API filters by verdict and pages. An unknown
	// entity type or id is no candidates, not an error.
	Search(ctx context.Context, kind string, r AuthZENRequest) ([]AuthZENResult, error)
	// Searches names the search kinds offered; only they are routed and
	// listed in the metadata.
	Searches() []string
}

var errNoPublicURL = fmt.Errorf("%w: the AuthZEN metadata needs the server's public URL (--public-url)", errNotFound)

// authzenRoutes registers the AuthZEN endpoints.
func (a *api) authzenRoutes(r *gin.Engine) {
	r.POST("/access/v1/evaluation", a.authzenEvaluation)
	r.POST("/access/v1/evaluations", a.authzenEvaluations)
	for _, kind := range a.authzen.Searches() {
		r.POST("/access/v1/search/"+kind, a.authzenSearch(kind))
	}
	r.GET("/.well-known/authzen-configuration", a.authzenConfiguration)
}

func (a *api) authzenEvaluation(c *gin.Context) {
	obj, err := readAuthZENBody(c)
	if err != nil {
		a.authzenFail(c, err)
		return
	}
	out, err := a.authzenOne(c.Request.Context(), obj)
	if err != nil {
		a.authzenFail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// authzenOne evaluates a request that is a single evaluation.
func (a *api) authzenOne(ctx context.Context, obj map[string]any) (AuthZENResponse, error) {
	r, err := parseRequest(obj, "")
	if err != nil {
		return AuthZENResponse{}, err
	}
	if err := requireEvaluation(r, ""); err != nil {
		return AuthZENResponse{}, err
	}
	return a.authzen.Evaluate(ctx, r)
}

func (a *api) authzenEvaluations(c *gin.Context) {
	obj, err := readAuthZENBody(c)
	if err != nil {
		a.authzenFail(c, err)
		return
	}
	var items []any
	switch v := obj["evaluations"].(type) {
	case nil:
	case []any:
		items = v
	default:
		a.authzenFail(c, &engine.InputError{Path: "/evaluations", Message: "expected an array"})
		return
	}
	if len(items) == 0 { // AuthZEN: no items is one evaluation
		out, err := a.authzenOne(c.Request.Context(), obj)
		if err != nil {
			a.authzenFail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
		return
	}
	out, err := a.authzenBatch(admission.WithClass(c.Request.Context(), admission.Batch), obj, items)
	if err != nil {
		a.authzenFail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// authzenBatch evaluates the items in request order, stopping early as the
// semantic asks. The top level must be sound (else 400); an item that is
// not is answered {"decision": false, "context": {"error": …}} and counts as
// a deny for deny_on_first_deny.
func (a *api) authzenBatch(ctx context.Context, obj map[string]any, items []any) (AuthZENBatchResponse, error) {
	semantic, err := evaluationsSemantic(obj["options"])
	if err != nil {
		return AuthZENBatchResponse{}, err
	}
	if len(items) > MaxBatch {
		return AuthZENBatchResponse{}, &engine.InputError{Path: "/evaluations", Message: "expected at most " + strconv.Itoa(MaxBatch) + " evaluations"}
	}
	defaults, err := parseRequest(obj, "")
	if err != nil {
		return AuthZENBatchResponse{}, err
	}
	out := AuthZENBatchResponse{Evaluations: make([]AuthZENResponse, 0, len(items))}
	for i, item := range items {
		r, err := a.authzenItem(ctx, item, "/evaluations/"+strconv.Itoa(i), defaults)
		var ie *engine.InputError
		switch {
		case errors.As(err, &ie):
			_, detail := classify(err)
			r = AuthZENResponse{Decision: false, Context: map[string]any{"error": authzenError(http.StatusBadRequest, detail)}}
		case err != nil:
			return AuthZENBatchResponse{}, err
		}
		out.Evaluations = append(out.Evaluations, r)
		if (semantic == semanticDenyOnFirstDeny && !r.Decision) || (semantic == semanticPermitOnFirst && r.Decision) {
			break
		}
	}
	return out, nil
}

func (a *api) authzenItem(ctx context.Context, item any, prefix string, defaults AuthZENRequest) (AuthZENResponse, error) {
	obj, err := optObject(item, prefix)
	if err == nil && obj == nil {
		err = &engine.InputError{Path: prefix, Message: "expected an object, got null"}
	}
	if err != nil {
		return AuthZENResponse{}, err
	}
	r, err := parseRequest(obj, prefix)
	if err != nil {
		return AuthZENResponse{}, err
	}
	r = r.over(defaults)
	if err := requireEvaluation(r, prefix); err != nil {
		return AuthZENResponse{}, err
	}
	resp, err := a.authzen.Evaluate(ctx, r)
	return resp, underPath(err, prefix)
}

func (a *api) authzenSearch(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		obj, err := readAuthZENBody(c)
		if err != nil {
			a.authzenFail(c, err)
			return
		}
		q, err := parseSearch(kind, obj)
		if err != nil {
			a.authzenFail(c, err)
			return
		}
		all, err := a.authzen.Search(c.Request.Context(), kind, q.req)
		if err != nil {
			a.authzenFail(c, err)
			return
		}
		c.JSON(http.StatusOK, q.page(all))
	}
}

// authzenConfiguration is the PDP metadata. Its URLs come from --public-url
// only, never from the request: a Host header chosen by the caller must not
// be able to point PEPs elsewhere. Without --public-url there is none (404).
func (a *api) authzenConfiguration(c *gin.Context) {
	base := a.cfg.PublicURL
	if base == "" {
		a.authzenFail(c, errNoPublicURL)
		return
	}
	doc := map[string]string{
		"policy_decision_point":       base,
		"access_evaluation_endpoint":  base + "/access/v1/evaluation",
		"access_evaluations_endpoint": base + "/access/v1/evaluations",
	}
	for _, kind := range a.authzen.Searches() {
		doc["search_"+kind+"_endpoint"] = base + "/access/v1/search/" + kind
	}
	// No capability URN that applies is registered, and the specification
	// says a parameter without values is left out: no "capabilities".
	c.Header("Cache-Control", "max-age=300")
	c.JSON(http.StatusOK, doc)
}

// AuthZENErrorBody is the error answer of the AuthZEN endpoints: the
// project's error object plus the HTTP status, the same object a batch item
// carries under context.error.
type AuthZENErrorBody struct {
	Error AuthZENError `json:"error"`
}

// AuthZENError is ErrorDetail with its HTTP status.
type AuthZENError struct {
	Status int `json:"status"`
	ErrorDetail
}

func authzenError(status int, d ErrorDetail) AuthZENError {
	return AuthZENError{Status: status, ErrorDetail: d}
}

// authzenFail writes an error answer in the AuthZEN shape and stops the chain.
func (a *api) authzenFail(c *gin.Context, err error) {
	status, detail := classify(err)
	if status >= 500 {
		a.log.Error("request failed", "route", c.FullPath(), "status", status, "err", err)
	}
	c.AbortWithStatusJSON(status, AuthZENErrorBody{Error: authzenError(status, detail)})
}

// echoRequestID copies the caller's X-Request-ID onto every answer (AuthZEN
// asks it of its endpoints; it costs nothing on the others), before any
// handler or middleware can answer, so that 401s and 413s carry it too.
func echoRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Request-ID"); id != "" {
			w.Header().Set("X-Request-ID", id)
		}
		next.ServeHTTP(w, r)
	})
}
