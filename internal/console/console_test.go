package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/console"
	"github.com/xtenant/xtenant/tenants"
)

// exampleMatrix is Contoso's matrix in the example tenants, read off
// bundles/examples/tenants.json by hand: partner entries for Fabrikam (direct
// connect inbound only) and Northwind (a group on collaboration inbound,
// MFA and compliant-device trust, automatic redemption, sync), the rest
// from Contoso's default (which trusts MFA) or the service default (sync).
var exampleMatrix = map[string]string{
	"default:b2bCollaborationInbound":             "allowed/default",
	"default:b2bCollaborationOutbound":            "allowed/default",
	"default:b2bDirectConnectInbound":             "blocked/default",
	"default:b2bDirectConnectOutbound":            "blocked/default",
	"default:isMfaAccepted":                       "trusted/default",
	"default:isCompliantDeviceAccepted":           "not-trusted/default",
	"default:isHybridAzureADJoinedDeviceAccepted": "not-trusted/default",
	"default:inboundAllowed":                      "off/default",
	"default:outboundAllowed":                     "off/default",
	"default:sync":                                "not-allowed/service_default",

	fabrikam + ":b2bCollaborationInbound":              "allowed/default",
	fabrikam + ":b2bDirectConnectInbound":              "allowed/partner",
	fabrikam + ":b2bDirectConnectOutbound":             "blocked/default",
	fabrikam + ":isMfaAccepted":                        "trusted/default",
	fabrikam + ":isCompliantDeviceAccepted":            "not-trusted/default",
	fabrikam + ":sync":                                 "not-allowed/partner",
	northwind + ":b2bCollaborationInbound":             "partial/partner",
	northwind + ":b2bCollaborationOutbound":            "allowed/default",
	northwind + ":isMfaAccepted":                       "trusted/partner",
	northwind + ":isCompliantDeviceAccepted":           "trusted/partner",
	northwind + ":isHybridAzureADJoinedDeviceAccepted": "not-trusted/default",
	northwind + ":inboundAllowed":                      "on/partner",
	northwind + ":outboundAllowed":                     "on/partner",
	northwind + ":sync":                                "allowed/partner",
}

func TestMatrixOfExampleTenants(t *testing.T) {
	f := newFixture(t, activated(t, nil), nil)
	code, body := f.get(t, "/ui/matrix?tenant="+contoso)
	if code != http.StatusOK {
		t.Fatalf("GET matrix: %d\n%s", code, body)
	}
	got := cells(body)
	if len(got) != 3*10 {
		t.Errorf("%d cells, want 30 (default, Fabrikam, Northwind × 10 columns)", len(got))
	}
	for cell, want := range exampleMatrix {
		if got[cell] != want {
			t.Errorf("cell %s = %q, want %q", cell, got[cell], want)
		}
	}
	// A click on a cell shows its targets.
	_, body = f.get(t, "/ui/matrix?tenant="+contoso+"&cell="+northwind+":b2bCollaborationInbound")
	if !contains(body, `id="cell"`, "c3c3c3c3-0000-4000-8000-000000000001", "AllApplications", "Users and groups: allowed") {
		t.Errorf("cell detail lacks the targets:\n%s", body)
	}
	if code, _ := f.get(t, "/ui/matrix?tenant=99999999-9999-9999-9999-999999999999"); code != http.StatusNotFound {
		t.Errorf("unknown tenant: %d, want 404", code)
	}
}

// TestMatrixAgreesWithDecisions: a matrix cell says "allowed" exactly when a
// request by anyone for any app passes that side, "blocked" when none does;
// checked on the collaboration inbound column against the engine's own
// decisions for two users and two apps.
func TestMatrixAgreesWithDecisions(t *testing.T) {
	eng := activated(t, nil)
	f := newFixture(t, eng, nil)
	_, body := f.get(t, "/ui/matrix?tenant="+contoso)
	got := cells(body)
	for _, home := range []string{fabrikam, northwind} {
		state := strings.Split(got[home+":b2bCollaborationInbound"], "/")[0]
		passed := 0
		for _, user := range []string{"aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002"} {
			for _, app := range []string{"00000003-0000-0ff1-ce00-000000000000", "dddddddd-0000-0000-0000-000000000001"} {
				req := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: contoso,
					User: &engine.User{ID: user}, Application: &engine.Application{ID: app}, Explain: true}
				d, err := eng.Evaluate(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				stages := d.Explain["stages"].(map[string]any)
				if stages["resource_inbound"] == "pass" {
					passed++
				}
			}
		}
		switch {
		case state == "allowed" && passed != 4, state == "blocked" && passed != 0, state == "partial" && passed == 4:
			t.Errorf("%s: matrix says %s, %d of 4 requests pass resource inbound", home, state, passed)
		}
	}
}

// TestMatrixTenThousandPartners: search and paging over 10,000 partners.
func TestMatrixTenThousandPartners(t *testing.T) {
	const n = 10000
	partners := map[string]any{}
	for i := range n {
		partners[fmt.Sprintf("%08x-0000-4000-8000-000000000000", i+1)] = map[string]any{}
	}
	partners["00000100-0000-4000-8000-000000000000"] = map[string]any{"b2bCollaborationInbound": map[string]any{
		"usersAndGroups": map[string]any{"accessType": "blocked", "targets": []any{map[string]any{"target": "AllUsers", "targetType": "user"}}},
		"applications":   map[string]any{"accessType": "blocked", "targets": []any{map[string]any{"target": "AllApplications", "targetType": "application"}}},
	}}
	raw, _ := json.Marshal(map[string]any{contoso: map[string]any{"displayName": "Contoso",
		"crossTenantAccessPolicy": map[string]any{"partners": partners}}})
	ts, err := tenants.Parse("big.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, activated(t, ts), nil)
	start := time.Now()
	code, body := f.get(t, "/ui/matrix?tenant="+contoso+"&size=50&page=3")
	first := time.Since(start)
	if code != 200 || !strings.Contains(body, "10000 of 10000 partners") || !strings.Contains(body, "page 3 of 200") {
		t.Fatalf("page 3: %d %s", code, body[:min(len(body), 3000)])
	}
	if c := cells(body); len(c) != 51*10 {
		t.Errorf("%d cells on a page of 50, want 510", len(c))
	}
	start = time.Now()
	f.get(t, "/ui/matrix?tenant="+contoso+"&size=50&page=200")
	next := time.Since(start)
	start = time.Now()
	_, body = f.get(t, "/ui/matrix?tenant="+contoso+"&q=00000100")
	t.Logf("10,000 partners: first page of 50 %v, last page %v, search %v", first, next, time.Since(start))
	if !strings.Contains(body, "1 of 10000 partners") {
		t.Fatalf("search: %s", body[:min(len(body), 3000)])
	}
	if got := cells(body)["00000100-0000-4000-8000-000000000000:b2bCollaborationInbound"]; got != "blocked/partner" {
		t.Errorf("searched partner's cell = %q, want blocked/partner", got)
	}
	if strings.Contains(body, `rel="next"`) || strings.Contains(body, `rel="prev"`) {
		t.Error("a single page of results offers another page")
	}
}

// TestPlaygroundScenarioCases: the cases of every third scenario file
// (each file is its own engine, slow under -race; the engine tests run them
// all), picked in the playground, show the decision and reason codes they
// expect.
func TestPlaygroundScenarioCases(t *testing.T) {
	files := loadScenarios(t)
	f := newFixture(t, activated(t, nil), func(c *console.Config) {
		c.Scenarios = &console.Scenarios{Files: files, Evaluator: scenarioEvaluator(t)}
	})
	checked := 0
	for fi, file := range files {
		for ci, cs := range file.Cases {
			if file.Pending != "" || cs.Pending != "" || fi%3 != 0 {
				continue
			}
			_, body := f.get(t, fmt.Sprintf("/ui/playground?scenario=%d.%d", fi, ci))
			decision, codes := decisionOf(body)
			if want := cs.Expect.Decision; want != nil && decision != *want {
				t.Errorf("%s / %s: decision %q, want %q", file.Name, cs.Name, decision, *want)
			}
			if want := cs.Expect.Reasons; want != nil && !sameSet(codes, *want) {
				t.Errorf("%s / %s: reasons %v, want %v", file.Name, cs.Name, codes, *want)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Fatalf("only %d scenario cases checked", checked)
	}
	t.Logf("%d scenario cases checked in the playground", checked)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestPlaygroundInputFormAndErrors(t *testing.T) {
	tokens, err := auth.Parse([]byte("s3cret\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, activated(t, nil), func(c *console.Config) { c.Tokens = tokens })
	bearer := []string{"Authorization", "Bearer s3cret"}
	input := `{"access_type":"b2b_collaboration","home_tenant":"` + fabrikam + `","resource_tenant":"` + contoso +
		`","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},"claims":{"mfa":true}}`
	_, body := f.get(t, "/ui/playground?input="+url.QueryEscape(input), bearer...)
	decision, codes := decisionOf(body)
	want, err := f.eng.Evaluate(context.Background(), mustDecode(t, input))
	if err != nil {
		t.Fatal(err)
	}
	if decision != want.Decision || len(codes) != len(want.Reasons) {
		t.Fatalf("playground %s %v, engine %s %v", decision, codes, want.Decision, want.Reasons)
	}
	for _, r := range want.Reasons {
		if r.AADSTS != nil && !strings.Contains(body, *r.AADSTS) {
			t.Errorf("Entra code %s not shown", *r.AADSTS)
		}
	}
	if !contains(body, `id="stages"`, "resource_inbound", `id="share"`, "/v1/evaluate?explain=true", `Authorization: Bearer $XTENANT_TOKEN`) {
		t.Error("explain, share link or curl missing")
	}
	// The shareable link reproduces the input.
	share := regexpFind(t, body, `id="share-url" value="([^"]+)"`, `href="(/ui/playground\?input=[^"]+)" id="share"`)
	_, again := f.get(t, htmlUnescape(share), bearer...)
	if d, _ := decisionOf(again); d != decision {
		t.Errorf("shared link decides %q, want %q", d, decision)
	}
	// The structured form builds the same input.
	form := url.Values{"form": {"1"}, "access_type": {"b2b_collaboration"}, "home_tenant": {fabrikam}, "resource_tenant": {contoso},
		"user_id": {"aaaaaaaa-0000-0000-0000-000000000001"}, "application": {"00000003-0000-0ff1-ce00-000000000000"}, "mfa": {"on"}}
	_, body = f.get(t, "/ui/playground?"+form.Encode(), bearer...)
	if d, _ := decisionOf(body); d != decision {
		t.Errorf("form decides %q, want %q", d, decision)
	}
	// Bad input names the field and is not decided.
	_, body = f.get(t, "/ui/playground?input="+url.QueryEscape(`{"access_type":"b2b_collaboration","home_tenant":"nope"}`), bearer...)
	if d, _ := decisionOf(body); d != "" || !strings.Contains(body, "/home_tenant") {
		t.Errorf("bad input: decision %q, body lacks the path", d)
	}
}

func mustDecode(t *testing.T, input string) *engine.Request {
	t.Helper()
	req, err := engine.DecodeRequest([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func regexpFind(t *testing.T, body string, patterns ...string) string {
	t.Helper()
	for _, p := range patterns {
		if m := regexpMust(p).FindStringSubmatch(body); m != nil {
			return m[1]
		}
	}
	t.Fatalf("none of %v in the page", patterns)
	return ""
}

func TestRecentDecisions(t *testing.T) {
	const userID = "aaaaaaaa-0000-0000-0000-0000000000ee"
	f := newFixture(t, activated(t, nil), func(c *console.Config) { c.Mask = []string{"/input/user/id"} })
	inputs := []string{
		`{"access_type":"b2b_collaboration","home_tenant":"` + fabrikam + `","resource_tenant":"` + contoso + `","user":{"id":"` + userID + `"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},"claims":{"mfa":true}}`,
		`{"access_type":"b2b_direct_connect","home_tenant":"` + northwind + `","resource_tenant":"` + contoso + `","user":{"id":"` + userID + `"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`,
		`{"access_type":"identity_sync","home_tenant":"` + northwind + `","resource_tenant":"` + contoso + `","user":{"id":"` + userID + `"}}`,
	}
	decisions := map[string]*engine.Decision{}
	for _, in := range inputs {
		d, err := f.ev.Evaluate(context.Background(), mustDecode(t, in))
		if err != nil {
			t.Fatal(err)
		}
		decisions[d.DecisionID] = d
	}
	_, body := f.get(t, "/ui/decisions")
	if strings.Contains(body, userID) {
		t.Error("a masked user id is shown")
	}
	if !contains(body, "3 of the last 3 decisions", "Northwind", "Fabrikam", "Contoso") {
		t.Errorf("decisions page:\n%s", body)
	}
	rowRE := regexpMust(`data-decision-id="([^"]+)"`)
	rows := func(body string) []string {
		var ids []string
		for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	for _, filter := range []string{"decision=allow", "decision=deny", "reason=inbound_blocked", "tenant=" + fabrikam, "tenant=3333"} {
		_, body := f.get(t, "/ui/decisions?"+filter)
		k, v, _ := strings.Cut(filter, "=")
		for _, id := range rows(body) {
			d := decisions[id]
			var codes []string
			for _, r := range d.Reasons {
				codes = append(codes, r.Code)
			}
			ok := true
			switch k {
			case "decision":
				ok = d.Decision == v
			case "reason":
				ok = strings.Contains(strings.Join(codes, " "), strings.ToUpper(v))
			}
			if !ok {
				t.Errorf("filter %s shows %s (%s %v)", filter, id, d.Decision, codes)
			}
		}
		if len(rows(body)) == 0 {
			t.Errorf("filter %s shows nothing", filter)
		}
	}
	// Open one in the playground: the same decision, from the masked input
	// (the user id erased, which sync does not need).
	for id, d := range decisions {
		if d.Decision != engine.VerdictAllow {
			continue
		}
		_, body := f.get(t, "/ui/playground?decision="+id)
		got, codes := decisionOf(body)
		if got != d.Decision || len(codes) != len(d.Reasons) || strings.Contains(body, userID) {
			t.Errorf("decision %s in the playground: %s %v", id, got, codes)
		}
	}
	if _, body := f.get(t, "/ui/playground?decision=gone"); !strings.Contains(body, "no longer among the recent decisions") {
		t.Error("an unknown decision id is not reported")
	}
}
