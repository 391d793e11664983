package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
)

// AuthZEN Authorization API 1.0 (CONTRACT.md's mapping):
//
//	subject  {type:"user", id, properties:{tenant, groups, claims, ...}}  → user, home tenant
//	resource {type:"application", id, properties:{tenant, ...}}          → application, resource tenant
//	action   {name: <access_type>}
//	context  {tenant_restrictions, invitation}
//
// The pieces are reassembled into a native decision input and decoded by
// engine.DecodeRequest, so validation is exactly that of /v1/evaluate; error
// paths are translated back into AuthZEN terms.

// AuthZENEntity is a subject or resource.
type AuthZENEntity struct {
	Type       string                     `json:"type"`
	ID         string                     `json:"id"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
}

// AuthZENAction names the access type.
type AuthZENAction struct {
	Name       string                     `json:"name"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
}

// AuthZENRequest is one access evaluation request.
type AuthZENRequest struct {
	Subject  *AuthZENEntity             `json:"subject,omitempty"`
	Resource *AuthZENEntity             `json:"resource,omitempty"`
	Action   *AuthZENAction             `json:"action,omitempty"`
	Context  map[string]json.RawMessage `json:"context,omitempty"`
}

// AuthZENBatchRequest is the body of /access/v1/evaluations: defaults at the
// top, one item per evaluation overriding them.
type AuthZENBatchRequest struct {
	AuthZENRequest
	Evaluations []AuthZENRequest `json:"evaluations,omitempty"`
	Options     *struct {
		EvaluationsSemantic string `json:"evaluations_semantic,omitempty"`
	} `json:"options,omitempty"`
}

// AuthZENResponse is one answer.
type AuthZENResponse struct {
	Decision bool           `json:"decision"`
	Context  map[string]any `json:"context,omitempty"`
}

// AuthZENBatchResponse answers /access/v1/evaluations.
type AuthZENBatchResponse struct {
	Evaluations []AuthZENResponse `json:"evaluations"`
}

// Batch semantics of AuthZEN 1.0.
const (
	semanticExecuteAll      = "execute_all"
	semanticDenyOnFirstDeny = "deny_on_first_deny"
	semanticPermitOnFirst   = "permit_on_first_permit"
)

func (a *api) authzenEvaluation(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in AuthZENRequest
	if err := decodeStrict(body, &in); err != nil {
		a.fail(c, err)
		return
	}
	out, err := a.authzenDecide(c.Request.Context(), in)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (a *api) authzenEvaluations(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in AuthZENBatchRequest
	if err := decodeStrict(body, &in); err != nil {
		a.fail(c, err)
		return
	}
	if len(in.Evaluations) == 0 { // AuthZEN: no items is one evaluation
		out, err := a.authzenDecide(c.Request.Context(), in.AuthZENRequest)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
		return
	}
	out, err := a.authzenBatch(admission.WithClass(c.Request.Context(), admission.Batch), in)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// authzenBatch evaluates the items in order, stopping early as the
// semantic asks. A bad item is refused whole (400 naming
// /evaluations/<i>/...), never answered with a guess.
func (a *api) authzenBatch(ctx context.Context, in AuthZENBatchRequest) (AuthZENBatchResponse, error) {
	semantic := semanticExecuteAll
	if in.Options != nil && in.Options.EvaluationsSemantic != "" {
		semantic = in.Options.EvaluationsSemantic
	}
	switch semantic {
	case semanticExecuteAll, semanticDenyOnFirstDeny, semanticPermitOnFirst:
	default:
		return AuthZENBatchResponse{}, &engine.InputError{Path: "/options/evaluations_semantic",
			Message: "expected execute_all, deny_on_first_deny or permit_on_first_permit"}
	}
	if len(in.Evaluations) > MaxBatch {
		return AuthZENBatchResponse{}, &engine.InputError{Path: "/evaluations", Message: "expected at most " + strconv.Itoa(MaxBatch) + " evaluations"}
	}
	out := AuthZENBatchResponse{Evaluations: make([]AuthZENResponse, 0, len(in.Evaluations))}
	for i, item := range in.Evaluations {
		r, err := a.authzenDecide(ctx, item.over(in.AuthZENRequest))
		if err != nil {
			return AuthZENBatchResponse{}, underPath(err, "/evaluations/"+strconv.Itoa(i))
		}
		out.Evaluations = append(out.Evaluations, r)
		if (semantic == semanticDenyOnFirstDeny && !r.Decision) || (semantic == semanticPermitOnFirst && r.Decision) {
			break
		}
	}
	return out, nil
}

// over fills the fields an item leaves out from the batch defaults.
func (r AuthZENRequest) over(defaults AuthZENRequest) AuthZENRequest {
	if r.Subject == nil {
		r.Subject = defaults.Subject
	}
	if r.Resource == nil {
		r.Resource = defaults.Resource
	}
	if r.Action == nil {
		r.Action = defaults.Action
	}
	if r.Context == nil {
		r.Context = defaults.Context
	}
	return r
}

func (a *api) authzenDecide(ctx context.Context, in AuthZENRequest) (AuthZENResponse, error) {
	req, err := in.toRequest()
	if err != nil {
		return AuthZENResponse{}, err
	}
	d, err := a.decide(ctx, req)
	if err != nil {
		return AuthZENResponse{}, err
	}
	return AuthZENResponse{Decision: d.Allow, Context: map[string]any{
		"decision_id":  d.DecisionID,
		"reasons":      d.Reasons,
		"step_up":      d.StepUp,
		"requirements": d.Controls,
	}}, nil
}

// Where each AuthZEN property goes in the native input: "" is the top
// level, "user" and "application" the nested objects.
var (
	subjectProps = map[string][2]string{
		"tenant": {"", "home_tenant"}, "cloud": {"", "home_cloud"}, "identity_kind": {"", "identity_kind"},
		"claims": {"", "claims"}, "groups": {"user", "groups"}, "user_type": {"user", "user_type"},
		"resource_groups": {"user", "resource_groups"}, "resource_object_id": {"user", "resource_object_id"},
		"gdap_session": {"user", "gdap_session"},
	}
	resourceProps = map[string][2]string{
		"tenant": {"", "resource_tenant"}, "cloud": {"", "resource_cloud"}, "client_id": {"application", "client_id"},
	}
	contextProps = map[string][2]string{
		"tenant_restrictions": {"", "tenant_restrictions"}, "invitation": {"", "invitation"},
	}
)

// toRequest reassembles the native input and decodes it strictly.
func (r AuthZENRequest) toRequest() (*engine.Request, error) {
	switch {
	case r.Subject == nil:
		return nil, &engine.InputError{Path: "/subject", Message: "required"}
	case r.Subject.Type != "user":
		return nil, &engine.InputError{Path: "/subject/type", Message: `expected "user"`}
	case r.Resource == nil:
		return nil, &engine.InputError{Path: "/resource", Message: "required"}
	case r.Resource.Type != "application":
		return nil, &engine.InputError{Path: "/resource/type", Message: `expected "application"`}
	case r.Action == nil || r.Action.Name == "":
		return nil, &engine.InputError{Path: "/action/name", Message: "required: the access type"}
	case len(r.Action.Properties) > 0:
		return nil, &engine.InputError{Path: "/action/properties", Message: "unknown field"}
	}
	top := map[string]any{"access_type": r.Action.Name}
	nested := map[string]map[string]any{"user": {}, "application": {}}
	if r.Subject.ID != "" {
		nested["user"]["id"] = r.Subject.ID
	}
	if r.Resource.ID != "" {
		nested["application"]["id"] = r.Resource.ID
	}
	for _, part := range []struct {
		props map[string]json.RawMessage
		to    map[string][2]string
		path  string
	}{
		{r.Subject.Properties, subjectProps, "/subject/properties/"},
		{r.Resource.Properties, resourceProps, "/resource/properties/"},
		{r.Context, contextProps, "/context/"},
	} {
		for k, v := range part.props {
			dst, ok := part.to[k]
			if !ok {
				return nil, &engine.InputError{Path: part.path + k, Message: "unknown field"}
			}
			if dst[0] == "" {
				top[dst[1]] = v
			} else {
				nested[dst[0]][dst[1]] = v
			}
		}
	}
	for k, obj := range nested {
		if len(obj) > 0 {
			top[k] = obj
		}
	}
	raw, err := json.Marshal(top)
	if err != nil {
		return nil, &engine.InputError{Message: "not valid JSON"}
	}
	req, err := engine.DecodeRequest(raw)
	if err != nil {
		return nil, authzenPath(err)
	}
	return req, nil
}

// nativeToAuthZEN translates native input pointers, longest prefix first.
var nativeToAuthZEN = [][2]string{
	{"/user/id", "/subject/id"}, {"/user", "/subject/properties"},
	{"/application/id", "/resource/id"}, {"/application/client_id", "/resource/properties/client_id"}, {"/application", "/resource"},
	{"/access_type", "/action/name"}, {"/home_tenant", "/subject/properties/tenant"}, {"/resource_tenant", "/resource/properties/tenant"},
	{"/home_cloud", "/subject/properties/cloud"}, {"/resource_cloud", "/resource/properties/cloud"},
	{"/identity_kind", "/subject/properties/identity_kind"}, {"/claims", "/subject/properties/claims"},
	{"/tenant_restrictions", "/context/tenant_restrictions"}, {"/invitation", "/context/invitation"},
}

func authzenPath(err error) error {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		return err
	}
	if ie.Path == "/user" {
		return &engine.InputError{Path: "/subject/id", Message: ie.Message}
	}
	if ie.Path == "/application" {
		return &engine.InputError{Path: "/resource/id", Message: ie.Message}
	}
	for _, m := range nativeToAuthZEN {
		if ie.Path == m[0] || strings.HasPrefix(ie.Path, m[0]+"/") {
			return &engine.InputError{Path: m[1] + strings.TrimPrefix(ie.Path, m[0]), Message: ie.Message}
		}
	}
	return err
}

// authzenConfiguration is the AuthZEN PDP metadata document.
func (a *api) authzenConfiguration(c *gin.Context) {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	if p := c.GetHeader("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	base := scheme + "://" + c.Request.Host
	c.JSON(http.StatusOK, gin.H{
		"policy_decision_point":       base,
		"access_evaluation_endpoint":  base + "/access/v1/evaluation",
		"access_evaluations_endpoint": base + "/access/v1/evaluations",
	})
}
