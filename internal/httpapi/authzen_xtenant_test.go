package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/tenants"
)

// The xtenant mapping of AuthZEN, on the real router, engine and cache.

func TestAuthZENXtenant(t *testing.T) {
	f := scenarioFixture(t, baseline)
	allow := decodeBody[httpapi.AuthZENResponse](t, f.do("POST", "/access/v1/evaluation", authzen(home, resource)))
	if !allow.Decision || allow.Context["decision_id"] == "" || allow.Context["requirements"] == nil {
		t.Fatalf("allow: %+v", allow)
	}
	deny := decodeBody[httpapi.AuthZENResponse](t, f.do("POST", "/access/v1/evaluation", authzen(home, unknown)))
	if deny.Decision || !strings.Contains(mustJSON(deny.Context["reasons"]), "RESOURCE_TENANT_UNKNOWN") {
		t.Fatalf("deny: %+v", deny)
	}

	items := `[{"resource":{"type":"application","id":"` + app + `","properties":{"tenant":"` + unknown + `"}}},{},{}]`
	defaults := strings.TrimSuffix(authzen(home, resource), "}")
	for semantic, want := range map[string][]bool{
		"":                       {false, true, true},
		"execute_all":            {false, true, true},
		"deny_on_first_deny":     {false},
		"permit_on_first_permit": {false, true},
	} {
		opts := ""
		if semantic != "" {
			opts = `,"options":{"evaluations_semantic":"` + semantic + `"}`
		}
		rec := f.do("POST", "/access/v1/evaluations", defaults+`,"evaluations":`+items+opts+`}`)
		out := decodeBody[httpapi.AuthZENBatchResponse](t, rec)
		var got []bool
		for _, e := range out.Evaluations {
			got = append(got, e.Decision)
		}
		if mustJSON(got) != mustJSON(want) {
			t.Errorf("%q: got %v, want %v (%s)", semantic, got, want, rec.Body)
		}
	}

	// Whole-request errors: 400 in AuthZEN's shape, naming the member.
	errs := []struct{ body, path string }{
		{`{"subject":{"type":"group","id":"x"},"action":{"name":"b2b_collaboration"},"resource":{"type":"application","id":"` + app + `"}}`, "/subject/type"},
		{strings.Replace(authzen(home, resource), `"type":"application"`, `"type":"record"`, 1), "/resource/type"},
		{strings.Replace(authzen(home, resource), `"groups"`, `"colour":1,"groups"`, 1), "/subject/properties/colour"},
		{strings.Replace(authzen(home, resource), `"groups"`, `"group"`, 1), "/subject/properties/group"},
		{strings.Replace(authzen(home, resource), `"id":"`+user+`"`, `"id":"me"`, 1), "/subject/id"},
		{authzen("x", resource), "/subject/properties/tenant"},
		{strings.Replace(authzen(home, resource), `b2b_collaboration`, `x`, 1), "/action/name"},
		{strings.Replace(authzen(home, resource), `"name":"b2b_collaboration"`, `"name":"b2b_collaboration","properties":{"method":"GET"}`, 1), "/action/properties/method"},
		{strings.TrimSuffix(authzen(home, resource), "}") + `,"context":{"time":"now"}}`, "/context/time"},
		{strings.TrimSuffix(authzen(home, resource), "}") + `,"context":{"tenant_restrictions":{"tenant":"x"}}}`, "/context/tenant_restrictions/tenant"},
		{defaults + `,"evaluations":[{}],"options":{"evaluations_semantic":"some"}}`, "/options/evaluations_semantic"},
	}
	for _, e := range errs {
		path := "/access/v1/evaluation"
		if strings.Contains(e.body, "evaluations") {
			path += "s"
		}
		rec := f.do("POST", path, e.body)
		wantError(t, rec, 400, httpapi.CodeInvalidInput, e.path)
		if body := decodeBody[httpapi.AuthZENErrorBody](t, rec); body.Error.Status != 400 {
			t.Errorf("%s: error without its status: %s", e.path, rec.Body)
		}
	}

	// An item the mapping cannot read is that item's error, named under the item.
	rec := f.do("POST", "/access/v1/evaluations", defaults+`,"evaluations":[{},{"action":{"name":"nope"}},{}]}`)
	out := decodeBody[httpapi.AuthZENBatchResponse](t, rec)
	if len(out.Evaluations) != 3 || !out.Evaluations[0].Decision || out.Evaluations[1].Decision || !out.Evaluations[2].Decision {
		t.Fatalf("item error: %s", rec.Body)
	}
	if e := mustJSON(out.Evaluations[1].Context["error"]); !strings.Contains(e, `"path":"/evaluations/1/action/name"`) || !strings.Contains(e, `"status":400`) {
		t.Fatalf("item error %s", e)
	}

	// Subject Search is not offered: not routed, not in the metadata.
	if rec := f.do("POST", "/access/v1/search/subject", `{"subject":{"type":"user"},"action":{"name":"b2b_collaboration"},"resource":{"type":"application","id":"`+app+`"}}`); rec.Code != http.StatusNotFound {
		t.Fatalf("subject search: %d %s", rec.Code, rec.Body)
	}
	pub := newFixture(t, examples(t), func(c *httpapi.Config) { c.PublicURL = "https://pdp.example.com" })
	conf := decodeBody[map[string]string](t, pub.do("GET", "/.well-known/authzen-configuration", "", "Host", "evil.example"))
	want := map[string]string{
		"policy_decision_point":       "https://pdp.example.com",
		"access_evaluation_endpoint":  "https://pdp.example.com/access/v1/evaluation",
		"access_evaluations_endpoint": "https://pdp.example.com/access/v1/evaluations",
		"search_resource_endpoint":    "https://pdp.example.com/access/v1/search/resource",
		"search_action_endpoint":      "https://pdp.example.com/access/v1/search/action",
	}
	if mustJSON(conf) != mustJSON(want) {
		t.Fatalf("configuration %v", conf)
	}
	if rec := f.do("GET", "/.well-known/authzen-configuration", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("metadata without a public URL: %d", rec.Code)
	}
}

// authzenOf turns a native decision input into the AuthZEN request of the
// xtenant mapping (the inverse of the mapping), without the action.
func authzenOf(t *testing.T, input json.RawMessage) (subject, resource map[string]any, ctx map[string]any, ok bool) {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal(input, &in); err != nil {
		t.Fatal(err)
	}
	user, _ := in["user"].(map[string]any)
	application, _ := in["application"].(map[string]any)
	if user["id"] == nil || application["id"] == nil || in["home_tenant"] == nil {
		return nil, nil, nil, false
	}
	sp := map[string]any{"tenant": in["home_tenant"]}
	for native, prop := range map[string]string{"home_cloud": "cloud", "identity_kind": "identity_kind", "claims": "claims"} {
		if v, ok := in[native]; ok {
			sp[prop] = v
		}
	}
	for k, v := range user {
		if k != "id" {
			sp[k] = v
		}
	}
	rp := map[string]any{"tenant": in["resource_tenant"]}
	if v, ok := in["resource_cloud"]; ok {
		rp["cloud"] = v
	}
	if v, ok := application["client_id"]; ok {
		rp["client_id"] = v
	}
	ctx = map[string]any{}
	for _, k := range []string{"tenant_restrictions", "invitation"} {
		if v, ok := in[k]; ok {
			ctx[k] = v
		}
	}
	subject = map[string]any{"type": "user", "id": user["id"], "properties": sp}
	resource = map[string]any{"type": "application", "id": application["id"], "properties": rp}
	return subject, resource, ctx, true
}

type searchAnswer struct {
	Page    httpapi.AuthZENPage `json:"page"`
	Results []searchResult      `json:"results"`
}

type searchResult struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		Decision string          `json:"decision"`
		Reasons  []engine.Reason `json:"reasons"`
		StepUp   []engine.StepUp `json:"step_up"`
	} `json:"properties"`
}

var everyVerdict = map[string]any{"properties": map[string]any{"decisions": []string{"allow", "step_up", "deny"}}}

// Every scenario case through the AuthZEN endpoints: the evaluation agrees
// with /v1/evaluate, and Action Search and Resource Search agree with single
// evaluations of the same inputs, result by result.
func TestAuthZENScenarios(t *testing.T) {
	files, err := scenario.LoadDir("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	searched := 0
	for _, file := range files {
		if file.Pending != "" {
			continue
		}
		t.Run(file.Name, func(t *testing.T) {
			ts, err := file.TenantSet()
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, ts)
			// Cases that differ only in the application share one Resource Search.
			resourceSearches := map[string]searchAnswer{}
			for _, c := range file.Cases {
				subject, res, ctx, ok := authzenOf(t, c.Input)
				if c.Pending != "" || !ok {
					continue
				}
				var in struct {
					AccessType string `json:"access_type"`
				}
				_ = json.Unmarshal(c.Input, &in)
				t.Run(c.Name, func(t *testing.T) {
					single := func(action string, resource map[string]any) httpapi.AuthZENResponse {
						rec := f.do("POST", "/access/v1/evaluation", mustJSON(map[string]any{"subject": subject, "resource": resource,
							"action": map[string]any{"name": action}, "context": ctx}))
						if rec.Code != http.StatusOK {
							t.Fatalf("evaluation %s: %d %s", action, rec.Code, rec.Body)
						}
						return decodeBody[httpapi.AuthZENResponse](t, rec)
					}
					native := decodeBody[engine.Decision](t, f.do("POST", "/v1/evaluate", string(c.Input)))
					if az := single(in.AccessType, res); az.Decision != native.Allow || !sameJSON(az.Context["reasons"], native.Reasons) {
						t.Fatalf("AuthZEN %v %v, native %v %v", az.Decision, az.Context["reasons"], native.Allow, native.Reasons)
					}
					agree := func(kind string, got searchAnswer, eval func(name, id string) httpapi.AuthZENResponse) {
						for _, r := range got.Results {
							one := eval(r.Name, r.ID)
							if one.Decision != (r.Properties.Decision == engine.VerdictAllow) ||
								!sameJSON(one.Context["reasons"], r.Properties.Reasons) || !sameJSON(one.Context["step_up"], r.Properties.StepUp) {
								t.Errorf("%s search %s%s: %s %v, evaluation %v %v", kind, r.Name, r.ID, r.Properties.Decision, r.Properties.Reasons, one.Decision, one.Context["reasons"])
							}
						}
					}

					rec := f.do("POST", "/access/v1/search/action", mustJSON(map[string]any{"subject": subject, "resource": res, "context": ctx, "page": everyVerdict}))
					actions := decodeBody[searchAnswer](t, rec)
					if rec.Code != 200 || len(actions.Results) < 3 {
						t.Fatalf("action search: %d %s", rec.Code, rec.Body)
					}
					agree("action", actions, func(name, _ string) httpapi.AuthZENResponse { return single(name, res) })
					i := slices.IndexFunc(actions.Results, func(r searchResult) bool { return r.Name == in.AccessType })
					if i < 0 || actions.Results[i].Properties.Decision != native.Decision {
						t.Fatalf("action search lacks %s as %s: %s", in.AccessType, native.Decision, rec.Body)
					}
					// The default answer holds exactly the allowed ones.
					allowed := decodeBody[searchAnswer](t, f.do("POST", "/access/v1/search/action", mustJSON(map[string]any{"subject": subject, "resource": res, "context": ctx})))
					for _, r := range allowed.Results {
						if r.Properties.Decision != engine.VerdictAllow {
							t.Errorf("default action search returns %s as %s", r.Name, r.Properties.Decision)
						}
					}

					if in.AccessType != engine.AccessB2BCollaboration && in.AccessType != engine.AccessB2BDirectConnect {
						return
					}
					searchRes := map[string]any{"type": "application", "properties": res["properties"]}
					body := mustJSON(map[string]any{"subject": subject, "resource": searchRes,
						"action": map[string]any{"name": in.AccessType}, "context": ctx, "page": map[string]any{"limit": 1000, "properties": everyVerdict["properties"]}})
					apps, seen := resourceSearches[body]
					if !seen {
						rec = f.do("POST", "/access/v1/search/resource", body)
						apps = decodeBody[searchAnswer](t, rec)
						if rec.Code != 200 || len(apps.Results) == 0 || apps.Page.NextToken != "" {
							t.Fatalf("resource search: %d %s", rec.Code, rec.Body)
						}
						resourceSearches[body] = apps
						agree("resource", apps, func(_, id string) httpapi.AuthZENResponse {
							r := map[string]any{"type": "application", "id": id, "properties": res["properties"]}
							return single(in.AccessType, r)
						})
					}
					for _, r := range apps.Results {
						if strings.EqualFold(r.ID, fmt.Sprint(res["id"])) && r.Properties.Decision != native.Decision {
							t.Fatalf("resource search has %s as %s, the case %s", r.ID, r.Properties.Decision, native.Decision)
						}
					}
					searched++
				})
			}
		})
	}
	if searched < 20 {
		t.Fatalf("only %d cases searched", searched)
	}
}

// Resource Search reads the pair, not the partners: the candidates for a
// home tenant are the same whether the resource tenant has one partner or
// hundreds, each naming its own application.
func TestAuthZENResourceSearchBoundedByPair(t *testing.T) {
	const (
		h      = "11111111-1111-1111-1111-111111111111"
		r      = "22222222-2222-2222-2222-222222222222"
		named  = "d1d1d1d1-0000-4000-8000-0000000000a1"
		caApp  = "d1d1d1d1-0000-4000-8000-0000000000c1"
		outApp = "d1d1d1d1-0000-4000-8000-0000000000b1"
	)
	setting := func(app string) string {
		return `{"usersAndGroups":{"accessType":"allowed","targets":[{"target":"AllUsers","targetType":"user"}]},
			"applications":{"accessType":"allowed","targets":[{"target":"` + app + `","targetType":"application"}]}}`
	}
	tenantsWith := func(others int) *tenants.Set {
		partners := []string{`"` + h + `":{"tenantId":"` + h + `","b2bCollaborationInbound":` + setting(named) + `}`}
		for i := range others {
			id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", 0x30000000+i)
			partners = append(partners, `"`+id+`":{"tenantId":"`+id+`","b2bCollaborationInbound":`+setting(fmt.Sprintf("e0e0e0e0-0000-4000-8000-%012x", i))+`}`)
		}
		raw := `{"` + r + `":{"crossTenantAccessPolicy":{"partners":{` + strings.Join(partners, ",") + `}},
			"conditionalAccessPolicies":[{"id":"cccccccc-0000-4000-8000-000000000001","state":"enabled",
			"conditions":{"applications":{"includeApplications":["` + caApp + `"]},"users":{"includeUsers":["All"]}},
			"grantControls":{"operator":"OR","builtInControls":["mfa"]}}]},
			"` + h + `":{"crossTenantAccessPolicy":{"partners":{"` + r + `":{"tenantId":"` + r + `","b2bCollaborationOutbound":` + setting(outApp) + `}}}}}`
		ts, err := tenants.Parse("t.json", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	body := mustJSON(map[string]any{
		"subject":  map[string]any{"type": "user", "id": user, "properties": map[string]any{"tenant": h}},
		"resource": map[string]any{"type": "application", "properties": map[string]any{"tenant": r}},
		"action":   map[string]any{"name": "b2b_collaboration"},
		"page":     map[string]any{"limit": 1000, "properties": everyVerdict["properties"]},
	})
	var lists []string
	for _, others := range []int{0, 300} {
		f := newFixture(t, tenantsWith(others))
		rec := f.do("POST", "/access/v1/search/resource", body)
		got := decodeBody[searchAnswer](t, rec)
		var ids []string
		for _, res := range got.Results {
			ids = append(ids, res.ID)
			if strings.HasPrefix(res.ID, "e0e0e0e0") {
				t.Fatalf("another partner's application %s", res.ID)
			}
		}
		for _, want := range []string{named, caApp, outApp, "00000003-0000-0ff1-ce00-000000000000"} {
			if !slices.Contains(ids, want) {
				t.Fatalf("%d partners: %s missing from %v", others, want, ids)
			}
		}
		lists = append(lists, strings.Join(ids, ","))
	}
	if lists[0] != lists[1] {
		t.Fatalf("candidates depend on other partners:\n%s\n%s", lists[0], lists[1])
	}
}

// Paging through Resource Search gives every result once, in order, and
// the page counts add up.
func TestAuthZENResourceSearchPaging(t *testing.T) {
	f := scenarioFixture(t, baseline)
	base := map[string]any{
		"subject":  map[string]any{"type": "user", "id": user, "properties": map[string]any{"tenant": home}},
		"resource": map[string]any{"type": "application", "properties": map[string]any{"tenant": resource}},
		"action":   map[string]any{"name": "b2b_collaboration"},
	}
	all := decodeBody[searchAnswer](t, f.do("POST", "/access/v1/search/resource", mustJSON(base)))
	if len(all.Results) < 20 || all.Page.Total != len(all.Results) || all.Page.NextToken != "" {
		t.Fatalf("unpaged: %d results, page %+v", len(all.Results), all.Page)
	}
	var paged []string
	token := ""
	for pages := 0; ; pages++ {
		page := map[string]any{"limit": 7}
		if token != "" {
			page["token"] = token
		}
		req := map[string]any{"page": page}
		for k, v := range base {
			req[k] = v
		}
		got := decodeBody[searchAnswer](t, f.do("POST", "/access/v1/search/resource", mustJSON(req)))
		if got.Page.Count != len(got.Results) || got.Page.Total != len(all.Results) || len(got.Results) > 7 {
			t.Fatalf("page %d: %+v with %d results", pages, got.Page, len(got.Results))
		}
		for _, r := range got.Results {
			paged = append(paged, r.ID)
		}
		if token = got.Page.NextToken; token == "" {
			break
		}
		if pages > len(all.Results) {
			t.Fatal("paging does not end")
		}
	}
	var want []string
	for _, r := range all.Results {
		want = append(want, r.ID)
	}
	if strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Fatalf("pages %v\nwhole %v", paged, want)
	}
	// Unknown ids and types are no results, not errors.
	for _, body := range []string{
		`{"subject":{"type":"user","id":"nonexistent-user","properties":{"tenant":"` + home + `"}},"action":{"name":"b2b_collaboration"},"resource":{"type":"application","properties":{"tenant":"` + resource + `"}}}`,
		`{"subject":{"type":"spaceship","id":"` + user + `"},"action":{"name":"b2b_collaboration"},"resource":{"type":"application"}}`,
		`{"subject":{"type":"user","id":"` + user + `","properties":{"tenant":"` + home + `"}},"action":{"name":"fly"},"resource":{"type":"application","properties":{"tenant":"` + resource + `"}}}`,
		`{"subject":{"type":"user","id":"` + user + `","properties":{"tenant":"` + home + `"}},"action":{"name":"identity_sync"},"resource":{"type":"application","properties":{"tenant":"` + resource + `"}}}`,
	} {
		rec := f.do("POST", "/access/v1/search/resource", body)
		if got := decodeBody[searchAnswer](t, rec); rec.Code != 200 || len(got.Results) != 0 {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
	// A bad property is still a 400.
	wantError(t, f.do("POST", "/access/v1/search/resource", `{"subject":{"type":"user","id":"`+user+`","properties":{"tenant":"x"}},"action":{"name":"b2b_collaboration"},"resource":{"type":"application","properties":{"tenant":"`+resource+`"}}}`),
		400, httpapi.CodeInvalidInput, "/subject/properties/tenant")
}

// sameJSON compares two values by their JSON encodings, member order aside.
func sameJSON(a, b any) bool {
	norm := func(v any) string {
		var out any
		if err := json.Unmarshal([]byte(mustJSON(v)), &out); err != nil {
			panic(err)
		}
		return mustJSON(out)
	}
	return norm(a) == norm(b)
}
