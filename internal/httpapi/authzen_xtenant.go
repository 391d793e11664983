package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/guid"
)

// The xtenant mapping of AuthZEN (docs/contract.md):
//
//	subject  {type:"user", id, properties:{tenant, groups, claims, ...}}  → user, home tenant
//	resource {type:"application", id, properties:{tenant, ...}}          → application, resource tenant
//	action   {name: <access_type>}
//	context  {tenant_restrictions, invitation}
//
// The pieces are reassembled into a native decision input and decoded by
// engine.DecodeRequest, so validation is exactly that of /v1/evaluate; error
// paths are translated back into AuthZEN terms. Properties and context
// members the mapping does not know are refused rather than ignored: the
// policy has block lists, and a misspelt "groups" silently dropped would
// turn a deny into an allow.
type xtenantAuthZEN struct{ a *api }

const (
	subjectTypeUser     = "user"
	resourceTypeApp     = "application"
	catalogPath         = "xtenant/catalog" // bundles.RootCatalog
	placeholderResource = "00000000-0000-0000-0000-000000000000"
)

// signInTypes are the access types of a user reaching an application;
// only they name applications.
var signInTypes = []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect}

func (x xtenantAuthZEN) Searches() []string { return []string{SearchResource, SearchAction} }

func (x xtenantAuthZEN) Evaluate(ctx context.Context, r AuthZENRequest) (AuthZENResponse, error) {
	req, err := x.toRequest(r)
	if err != nil {
		return AuthZENResponse{}, err
	}
	d, err := x.a.decide(ctx, req)
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

// Search answers Action Search (the access types, for a user and an
// application) and Resource Search (the applications of the resource
// tenant's settings, its Conditional Access policies and the catalog, for a
// user and an access type). Every result is a real decision of the same
// input with the candidate filled in, so a search never disagrees with the
// evaluation endpoint. Subject Search is not offered: the subjects are the
// users of every partner tenant, which xtenant does not know.
func (x xtenantAuthZEN) Search(ctx context.Context, kind string, r AuthZENRequest) ([]AuthZENResult, error) {
	// Unknown entity types and ids are no results (AuthZEN search): an id
	// that is not a GUID names no user or application.
	if r.Subject.Type != subjectTypeUser || r.Resource.Type != resourceTypeApp || !guid.Valid(r.Subject.ID) {
		return nil, nil
	}
	switch kind {
	case SearchAction:
		if !guid.Valid(r.Resource.ID) {
			return nil, nil
		}
		names := []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect, engine.AccessIdentitySync}
		if r.Context["invitation"] != nil {
			names = append(names, engine.AccessInvitation)
		}
		return x.each(ctx, r, names, func(r *AuthZENRequest, n string) { r.Action = &AuthZENAction{Name: n} },
			func(n string) AuthZENResult { return AuthZENResult{Name: n} })
	case SearchResource:
		if !slices.Contains(signInTypes, r.Action.Name) {
			return nil, nil
		}
		probe := r
		probe.Resource = &AuthZENEntity{Type: resourceTypeApp, ID: placeholderResource, Properties: r.Resource.Properties}
		req, err := x.toRequest(probe)
		if err != nil {
			return nil, err
		}
		ids, err := x.applications(ctx, req)
		if err != nil {
			return nil, err
		}
		props := r.Resource.Properties
		return x.each(ctx, r, ids, func(r *AuthZENRequest, id string) {
			r.Resource = &AuthZENEntity{Type: resourceTypeApp, ID: id, Properties: props}
		}, func(id string) AuthZENResult { return AuthZENResult{Type: resourceTypeApp, ID: id} })
	}
	return nil, nil
}

// each decides r once per candidate and reports every answer.
func (x xtenantAuthZEN) each(ctx context.Context, r AuthZENRequest, candidates []string,
	fill func(*AuthZENRequest, string), result func(string) AuthZENResult) ([]AuthZENResult, error) {
	out := make([]AuthZENResult, 0, len(candidates))
	for _, c := range candidates {
		one := r
		fill(&one, c)
		req, err := x.toRequest(one)
		if err != nil {
			return nil, err
		}
		d, err := x.a.decide(ctx, req)
		if err != nil {
			return nil, err
		}
		res := result(c)
		res.Verdict = d.Decision
		res.Properties = map[string]any{
			"decision":     d.Decision,
			"decision_id":  d.DecisionID,
			"reasons":      d.Reasons,
			"step_up":      d.StepUp,
			"requirements": d.Controls,
		}
		out = append(out, res)
	}
	return out, nil
}

// applications lists, sorted, the application ids that the pair's settings
// name (the effective inbound and outbound settings and the resource
// tenant's Conditional Access policies, from the policy's pair summary) and
// those of the catalog. Both reads are bounded by the tenant pair and the
// policy version: the partners of other tenants are never read.
func (x xtenantAuthZEN) applications(ctx context.Context, req *engine.Request) ([]string, error) {
	q := x.a.cfg.Querier
	if q == nil {
		return nil, errors.New("authzen: resource search needs a data querier")
	}
	// toRequest decoded req: it is canonical.
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var input map[string]any
	if err := json.Unmarshal(raw, &input); err != nil {
		return nil, err
	}
	found := map[string]bool{}
	// A policy without a pair summary (a replacement bundle) names no
	// applications this way; the catalog still does.
	pair, _, err := q.Query(ctx, engine.PairSummaryPath, input)
	if err != nil {
		return nil, err
	}
	namedApplications(pair, "", found)
	catalog, _, err := q.Query(ctx, catalogPath, nil)
	if err != nil {
		return nil, err
	}
	if lists, ok := catalog.(map[string]any); ok {
		for _, list := range lists {
			if apps, ok := list.(map[string]any); ok {
				for id := range apps {
					if guid.Valid(id) {
						found[strings.ToLower(id)] = true
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// namedApplications collects application ids wherever the pair summary
// names them: in Graph's shapes ({"target": id, "targetType": "application"}
// in cross-tenant access settings, includeApplications and
// excludeApplications in Conditional Access policies), which a replacement
// policy may keep, and in the built-in policy's digests of them (a settings
// side's targets.apps: a set of targets, an array once queried; the
// Conditional Access digest's apps: an index keyed by application id). Keywords
// (AllApplications, Office365, All, ...) are not ids; the catalog stands for
// them.
func namedApplications(v any, key string, found map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		if t["targetType"] == "application" {
			if id, ok := t["target"].(string); ok && guid.Valid(id) {
				found[strings.ToLower(id)] = true
			}
		}
		for k, e := range t {
			if k == "apps" {
				// The digests: a list of targets, its include and exclude
				// lists, or the Conditional Access index keyed by the
				// application ids the policies name (and by classes, which
				// are not ids).
				if sides, ok := e.(map[string]any); ok {
					namedApplications(sides["include"], "includeApplications", found)
					namedApplications(sides["exclude"], "excludeApplications", found)
					for id := range sides {
						if guid.Valid(id) {
							found[strings.ToLower(id)] = true
						}
					}
					continue
				}
				namedApplications(e, "includeApplications", found)
				continue
			}
			namedApplications(e, k, found)
		}
	case []any:
		for _, e := range t {
			if id, ok := e.(string); ok && (key == "includeApplications" || key == "excludeApplications") {
				if guid.Valid(id) {
					found[strings.ToLower(id)] = true
				}
				continue
			}
			namedApplications(e, key, found)
		}
	}
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

// toRequest reassembles the native input of a complete evaluation request
// and decodes it strictly.
func (x xtenantAuthZEN) toRequest(r AuthZENRequest) (*engine.Request, error) {
	switch {
	case r.Subject.Type != subjectTypeUser:
		return nil, &engine.InputError{Path: "/subject/type", Message: `expected "user"`}
	case r.Resource.Type != resourceTypeApp:
		return nil, &engine.InputError{Path: "/resource/type", Message: `expected "application"`}
	case len(r.Action.Properties) > 0:
		for k := range r.Action.Properties {
			return nil, &engine.InputError{Path: "/action/properties/" + k, Message: "unknown property: xtenant's actions have none"}
		}
	}
	top := map[string]any{"access_type": r.Action.Name}
	nested := map[string]map[string]any{
		"user":        {"id": r.Subject.ID},
		"application": {"id": r.Resource.ID},
	}
	for _, part := range []struct {
		props map[string]any
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
				return nil, &engine.InputError{Path: part.path + k, Message: "unknown property: expected one of " + strings.Join(slices.Sorted(maps.Keys(part.to)), ", ")}
			}
			if dst[0] == "" {
				top[dst[1]] = v
			} else {
				nested[dst[0]][dst[1]] = v
			}
		}
	}
	for k, obj := range nested {
		top[k] = obj
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
	for _, m := range nativeToAuthZEN {
		if ie.Path == m[0] || strings.HasPrefix(ie.Path, m[0]+"/") {
			return &engine.InputError{Path: m[1] + strings.TrimPrefix(ie.Path, m[0]), Message: ie.Message}
		}
	}
	return err
}
