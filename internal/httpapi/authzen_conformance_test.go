package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/httpapi"
)

// The AuthZEN 1.0 certification scenario (openid/authzen,
// certification/authorization-api-1_0-scenario.md), case by case, against
// the running server and the scenario's own fixture. Test names are the
// scenario's ids (C-2-2-1 is §c-2-2-1).

const (
	evaluation  = "/access/v1/evaluation"
	evaluations = "/access/v1/evaluations"
	searchSubj  = "/access/v1/search/subject"
	searchRes   = "/access/v1/search/resource"
	searchAct   = "/access/v1/search/action"

	alice      = `{"type":"user","id":"alice"}`
	bob        = `{"type":"user","id":"bob"}`
	bobAdmin   = `{"type":"user","id":"bob","properties":{"role":"admin"}}`
	record1    = `{"type":"record","id":"record-1"}`
	record2    = `{"type":"record","id":"record-2"}`
	record2Arc = `{"type":"record","id":"record-2","properties":{"status":"archived"}}`
	read       = `{"name":"read"}`
	write      = `{"name":"write"}`
)

func evalBody(subject, action, resource string, extra ...string) string {
	parts := []string{`"subject":` + subject, `"action":` + action, `"resource":` + resource}
	return "{" + strings.Join(append(parts, extra...), ",") + "}"
}

// wantDecision checks a 200 Access Evaluation answer (§c-2-3).
func wantDecision(t *testing.T, a answer, want *bool) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q (C-5 #2)", ct)
	}
	v := a.json(t)
	d, ok := v["decision"].(bool)
	if !ok {
		t.Fatalf("no boolean decision (C-2-3-1): %s", a.body)
	}
	if c, present := v["context"]; present {
		if _, ok := c.(map[string]any); !ok {
			t.Fatalf("context is not an object (C-2-3-2): %s", a.body)
		}
	}
	if want != nil && d != *want {
		t.Fatalf("decision %v, want %v: %s", d, *want, a.body)
	}
}

// wantBadRequest checks a 400 in AuthZEN's error shape: the status and a
// message, never a decision.
func wantBadRequest(t *testing.T, a answer) {
	t.Helper()
	if a.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", a.status, a.body)
	}
	var e httpapi.AuthZENErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error.Status != 400 || e.Error.Message == "" || e.Error.Code != httpapi.CodeInvalidInput {
		t.Fatalf("error body %s (%v)", a.body, err)
	}
	if strings.Contains(string(a.body), `"decision"`) {
		t.Fatalf("an error answer carries a decision: %s", a.body)
	}
}

func wantDecisions(t *testing.T, a answer, want []bool) []map[string]any {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	v := a.json(t)
	if _, present := v["decision"]; present {
		t.Errorf("top-level decision beside evaluations (C-3-3-4 recommends none): %s", a.body)
	}
	raw, _ := v["evaluations"].([]any)
	if len(raw) != len(want) {
		t.Fatalf("%d evaluations, want %d (C-3-3-1): %s", len(raw), len(want), a.body)
	}
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		item, _ := e.(map[string]any)
		d, ok := item["decision"].(bool)
		if !ok {
			t.Fatalf("evaluation %d has no boolean decision (C-3-3-3): %s", i, a.body)
		}
		if d != want[i] {
			t.Fatalf("evaluation %d: %v, want %v (C-3-3-2 order): %s", i, d, want[i], a.body)
		}
		out[i] = item
	}
	return out
}

// wantResults checks a search answer (§c-4) and returns the result keys
// (id, or name for actions).
func wantResults(t *testing.T, a answer, typ string) []string {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var v struct {
		Page    *map[string]any  `json:"page"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(a.body, &v); err != nil || v.Results == nil {
		t.Fatalf("no results array: %s (%v)", a.body, err)
	}
	if v.Page != nil {
		if _, ok := (*v.Page)["next_token"].(string); !ok {
			t.Fatalf("page.next_token is not a string (C-4-5-3): %s", a.body)
		}
	}
	var keys []string
	for _, r := range v.Results {
		if typ == "" {
			name, ok := r["name"].(string)
			if !ok {
				t.Fatalf("action result without name: %s", a.body)
			}
			keys = append(keys, name)
			continue
		}
		id, ok := r["id"].(string)
		if !ok || r["type"] != typ {
			t.Fatalf("result %v: want type %q and an id", r, typ)
		}
		keys = append(keys, id)
	}
	return keys
}

func includes(t *testing.T, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Fatalf("results %v lack %q", got, w)
		}
	}
}

func ptr(b bool) *bool { return &b }

// §c-1-4: the eight decisions the harness validates.
func TestAuthZENCertificationDecisions(t *testing.T) {
	srv, _ := fixtureServer(t)
	tests := []struct {
		rule string
		body string
		want bool
	}{
		{"rule-1", evalBody(alice, read, record1), true},
		{"rule-2", evalBody(alice, write, record1), true},
		{"rule-3", evalBody(bob, read, record1), true},
		{"rule-4", evalBody(bob, write, record1), false},
		{"rule-5", evalBody(alice, write, record2Arc), false},
		{"rule-6", evalBody(bobAdmin, write, record2Arc), true},
		{"rule-7", evalBody(alice, `{"name":"delete","properties":{"soft":true}}`, record1), true},
		{"rule-8", evalBody(alice, `{"name":"delete","properties":{"soft":false}}`, record1), false},
	}
	for _, tt := range tests {
		t.Run("C-1-4/"+tt.rule, func(t *testing.T) {
			wantDecision(t, post(t, srv, evaluation, tt.body), &tt.want)
			// The same decision without the context and with one (C-1-6).
			wantDecision(t, post(t, srv, evaluation, strings.TrimSuffix(tt.body, "}")+`,"context":{"time":"2025-06-27T18:03-07:00"}}`), &tt.want)
		})
	}
}

// §c-2: Basic certification.
func TestAuthZENCertificationBasic(t *testing.T) {
	srv, _ := fixtureServer(t)
	accepted := []struct {
		id, body string
		want     bool
	}{
		{"C-2-2-1", evalBody(alice, read, record1), true},
		{"C-2-2-2", evalBody(bob, write, record1), false},
		{"C-2-2-3", evalBody(alice, read, record1, `"context":{"time":"2025-06-27T18:03-07:00","ip":"192.168.1.1"}`), true},
		{"C-2-2-4", evalBody(alice, write, record2Arc), false},
		{"C-2-2-5", evalBody(bobAdmin, write, record2Arc), true},
		{"C-2-2-6", evalBody(alice, `{"name":"delete","properties":{"soft":true}}`, record1), true},
		{"C-2-2-7", evalBody(alice, `{"name":"delete","properties":{"soft":false}}`, record1), false},
		{"C-2-2-8", evalBody(`{"type":"user","id":"alice","properties":{"department":"Sales","role":"manager"}}`,
			`{"name":"read","properties":{"method":"GET"}}`, `{"type":"record","id":"record-1","properties":{"status":"active","owner":"bob"}}`), true},
		{"C-2-2-9", evalBody(alice, read, record1, `"foo":"bar"`, `"futureField":{"nested":true}`), true},
		// Unknown members inside the entities are ignored too (C-5 #5).
		{"C-5/unknown-nested", evalBody(`{"type":"user","id":"alice","x":1}`, `{"name":"read","y":[]}`, `{"type":"record","id":"record-1","z":null}`), true},
		// A null optional member is an absent one.
		{"C-5/null-context", evalBody(alice, read, record1, `"context":null`), true},
	}
	for _, tt := range accepted {
		t.Run(tt.id, func(t *testing.T) { wantDecision(t, post(t, srv, evaluation, tt.body), &tt.want) })
	}

	refused := []struct{ id, contentType, body string }{
		{"C-2-4-1/subject", "application/json", `{"action":{"name":"read"},"resource":` + record1 + `}`},
		{"C-2-4-1/action", "application/json", `{"subject":` + alice + `,"resource":` + record1 + `}`},
		{"C-2-4-1/resource", "application/json", `{"subject":` + alice + `,"action":{"name":"read"}}`},
		{"C-2-4-2/subject-type", "application/json", evalBody(`{"id":"alice"}`, read, record1)},
		{"C-2-4-2/subject-id", "application/json", evalBody(`{"type":"user"}`, read, record1)},
		{"C-2-4-2/action-name", "application/json", evalBody(alice, `{}`, record1)},
		{"C-2-4-2/resource-type", "application/json", evalBody(alice, read, `{"id":"record-1"}`)},
		{"C-2-4-2/resource-id", "application/json", evalBody(alice, read, `{"type":"record"}`)},
		{"C-2-4-2/empty-id", "application/json", evalBody(`{"type":"user","id":""}`, read, record1)},
		{"C-2-4-3/text-plain", "text/plain", evalBody(alice, read, record1)},
		{"C-2-4-3/form", "application/x-www-form-urlencoded", evalBody(alice, read, record1)},
		{"C-2-4-3/none", "", evalBody(alice, read, record1)},
		{"C-2-4-4", "application/json", `{"subject": {"type": "user", "id": "alice"`},
		{"C-2-4-4/trailing", "application/json", evalBody(alice, read, record1) + `{}`},
		{"C-2-4-5", "application/json", ``},
		{"C-2-4-5/blank", "application/json", "  \n"},
		{"C-2-4-6/subject-string", "application/json", evalBody(`"alice"`, read, record1)},
		{"C-2-4-6/name-number", "application/json", evalBody(alice, `{"name":123}`, record1)},
		{"C-2-4-6/properties-array", "application/json", evalBody(`{"type":"user","id":"alice","properties":[]}`, read, record1)},
		{"C-2-4-6/context-string", "application/json", evalBody(alice, read, record1, `"context":"now"`)},
		{"C-2-4-6/body-array", "application/json", `[` + evalBody(alice, read, record1) + `]`},
		// A member given twice could be read differently by a proxy in front.
		{"C-5/duplicate-member", "application/json", `{"subject":` + bob + `,"subject":` + alice + `,"action":{"name":"read"},"resource":` + record1 + `}`},
	}
	for _, tt := range refused {
		t.Run(tt.id, func(t *testing.T) { wantBadRequest(t, send(t, srv, "POST", evaluation, tt.contentType, tt.body)) })
	}
	t.Run("C-2-4-3/charset", func(t *testing.T) {
		wantDecision(t, send(t, srv, "POST", evaluation, "application/json; charset=utf-8", evalBody(alice, read, record1)), ptr(true))
	})

	t.Run("C-2-5-1", func(t *testing.T) {
		for _, path := range []string{evaluation, evaluations, searchAct, "/nowhere"} {
			a := post(t, srv, path, evalBody(alice, read, record1), "X-Request-ID", "bfe9eb29-ab87-4ca3-be83-a1d5d8305716")
			if got := a.header.Get("X-Request-ID"); got != "bfe9eb29-ab87-4ca3-be83-a1d5d8305716" {
				t.Fatalf("%s: X-Request-ID %q", path, got)
			}
		}
		// Error answers carry it as well.
		if a := post(t, srv, evaluation, `{`, "X-Request-ID", "r-400"); a.header.Get("X-Request-ID") != "r-400" {
			t.Fatalf("400 without the request id: %v", a.header)
		}
	})
	t.Run("C-2-5-2", func(t *testing.T) {
		a := post(t, srv, evaluation, evalBody(alice, read, record1))
		wantDecision(t, a, ptr(true))
		if a.header.Get("X-Request-ID") != "" {
			t.Fatalf("an X-Request-ID made up: %q", a.header.Get("X-Request-ID"))
		}
	})
	t.Run("C-2-6", func(t *testing.T) {
		for range 5 {
			wantDecision(t, post(t, srv, evaluation, evalBody(bob, write, record1)), ptr(false))
			wantDecision(t, post(t, srv, evaluation, evalBody(alice, read, record1)), ptr(true))
		}
	})
}

// §c-3: Batch certification.
func TestAuthZENCertificationBatch(t *testing.T) {
	srv, _ := fixtureServer(t)
	t.Run("C-3-2-1", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+read+`,"evaluations":[{"resource":`+record1+`},{"resource":`+record2+`}]}`)
		wantDecisions(t, a, []bool{true, true})
	})
	t.Run("C-3-2-2", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+bob+`,"resource":`+record1+`,"evaluations":[{"action":`+read+`},{"action":`+write+`}]}`)
		wantDecisions(t, a, []bool{true, false})
	})
	t.Run("C-3-2-3", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+write+`,"evaluations":[{"resource":{"type":"record","id":"record-1","properties":{"status":"active"}}},{"resource":`+record2Arc+`}]}`)
		wantDecisions(t, a, []bool{true, false})
	})
	t.Run("C-3-2-4", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"action":`+write+`,"resource":`+record2Arc+`,"evaluations":[{"subject":`+alice+`},{"subject":`+bobAdmin+`}]}`)
		wantDecisions(t, a, []bool{false, true})
	})
	t.Run("C-3-2-5", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"evaluations":[`+evalBody(alice, read, record1)+`,`+evalBody(bob, write, record1)+`]}`)
		wantDecisions(t, a, []bool{true, false})
	})
	t.Run("C-3-2-6", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+read+`,"context":{"time":"2025-06-27T18:03-07:00"},
			"evaluations":[{"resource":`+record1+`},{"resource":`+record2+`,"context":{"time":"2025-06-27T19:00-07:00","source":"batch-override"}}]}`)
		wantDecisions(t, a, []bool{true, true})
	})
	t.Run("C-3-2-7", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+write+`,"resource":{"type":"record"},
			"evaluations":[{"resource":{"id":"record-1","properties":{"status":"active"}}},{"resource":`+record2Arc+`}]}`)
		wantDecisions(t, a, []bool{true, false})
	})
	t.Run("C-3-4-1", func(t *testing.T) {
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+read+`,"evaluations":[{"resource":`+record1+`},{}]}`)
		items := wantDecisions(t, a, []bool{true, false})
		ctx, _ := items[1]["context"].(map[string]any)
		e, _ := ctx["error"].(map[string]any)
		if e["status"] != float64(400) || e["path"] != "/evaluations/1/resource" || e["message"] == "" {
			t.Fatalf("item error %v", items[1])
		}
	})
	t.Run("C-3-4-1/item-errors", func(t *testing.T) {
		// Every kind of bad item is that item's error; the others are decided.
		a := post(t, srv, evaluations, `{"subject":`+alice+`,"action":`+read+`,"evaluations":[
			{"resource":`+record1+`}, 7, null, {"resource":"record-1"}, {"subject":{"type":"user","id":5},"resource":`+record1+`}, {"resource":`+record2+`}]}`)
		items := wantDecisions(t, a, []bool{true, false, false, false, false, true})
		for i, want := range map[int]string{1: "/evaluations/1", 2: "/evaluations/2", 3: "/evaluations/3/resource", 4: "/evaluations/4/subject/id"} {
			ctx, _ := items[i]["context"].(map[string]any)
			if e, _ := ctx["error"].(map[string]any); e["path"] != want {
				t.Errorf("item %d: %v, want error at %s", i, items[i], want)
			}
		}
	})
	t.Run("C-3-4-2", func(t *testing.T) {
		wantDecision(t, post(t, srv, evaluations, evalBody(alice, read, record1)), ptr(true))
	})
	t.Run("C-3-4-3", func(t *testing.T) {
		wantDecision(t, post(t, srv, evaluations, evalBody(alice, read, record1, `"evaluations":[]`)), ptr(true))
		wantDecision(t, post(t, srv, evaluations, evalBody(alice, read, record1, `"evaluations":null`)), ptr(true))
		// Without items the top level must be a complete evaluation.
		wantBadRequest(t, post(t, srv, evaluations, `{"subject":`+alice+`,"evaluations":[]}`))
	})
	t.Run("C-3-4/whole-payload", func(t *testing.T) {
		for _, body := range []string{
			`{"evaluations":{}}`,
			`{"subject":"alice","evaluations":[{"action":` + read + `,"resource":` + record1 + `}]}`,
			`{"options":{"evaluations_semantic":"some"},"evaluations":[` + evalBody(alice, read, record1) + `]}`,
			`{"options":[],"evaluations":[` + evalBody(alice, read, record1) + `]}`,
			`{"evaluations":[` + evalBody(alice, read, record1) + `]`,
		} {
			wantBadRequest(t, post(t, srv, evaluations, body))
		}
		wantBadRequest(t, send(t, srv, "POST", evaluations, "text/plain", `{"evaluations":[`+evalBody(alice, read, record1)+`]}`))
		items := strings.TrimSuffix(strings.Repeat(evalBody(alice, read, record1)+",", httpapi.MaxBatch+1), ",")
		wantBadRequest(t, post(t, srv, evaluations, `{"evaluations":[`+items+`]}`))
	})

	// Evaluations semantics (spec §evaluations-semantics): permit, deny, bad
	// item, permit.
	items := `[` + evalBody(alice, read, record1) + `,` + evalBody(bob, write, record1) + `,{},` + evalBody(alice, write, record1) + `]`
	for semantic, want := range map[string][]bool{
		"":                       {true, false, false, true},
		"execute_all":            {true, false, false, true},
		"deny_on_first_deny":     {true, false},
		"permit_on_first_permit": {true},
	} {
		t.Run("semantic/"+semantic, func(t *testing.T) {
			opts := ""
			if semantic != "" {
				opts = `,"options":{"evaluations_semantic":"` + semantic + `","another_option":"value"}`
			}
			wantDecisions(t, post(t, srv, evaluations, `{"evaluations":`+items+opts+`}`), want)
		})
	}
	t.Run("semantic/deny_on_first_deny-error", func(t *testing.T) {
		// An item in error is a deny: the batch stops there.
		wantDecisions(t, post(t, srv, evaluations, `{"options":{"evaluations_semantic":"deny_on_first_deny"},"evaluations":[{},`+evalBody(alice, read, record1)+`]}`), []bool{false})
	})
	t.Run("semantic/permit_on_first_permit-late", func(t *testing.T) {
		wantDecisions(t, post(t, srv, evaluations, `{"options":{"evaluations_semantic":"permit_on_first_permit"},"evaluations":[`+
			evalBody(bob, write, record1)+`,{},`+evalBody(bob, read, record1)+`,`+evalBody(alice, read, record1)+`]}`), []bool{false, false, true})
	})
}

// §c-4: Search certification.
func TestAuthZENCertificationSearch(t *testing.T) {
	srv, _ := fixtureServer(t)
	search := []struct {
		id, path, body, typ string
		want                []string
		none                []string
	}{
		{"C-4-2-1", searchSubj, `{"subject":{"type":"user"},"action":` + read + `,"resource":` + record1 + `}`, "user", []string{"alice", "bob"}, nil},
		{"C-4-2-2", searchSubj, `{"subject":{"type":"user"},"action":` + read + `,"resource":` + record1 + `,"context":{"time":"2025-06-27T18:03-07:00"}}`, "user", []string{"alice", "bob"}, nil},
		{"C-4-2-3", searchSubj, `{"subject":{"type":"user","id":"bob"},"action":` + read + `,"resource":` + record1 + `}`, "user", []string{"alice", "bob"}, nil},
		{"C-4-2-4", searchSubj, `{"subject":{"type":"user"},"action":` + write + `,"resource":` + record2Arc + `}`, "user", []string{"bob"}, []string{"alice"}},
		{"C-4-3-1", searchRes, `{"subject":` + alice + `,"action":` + read + `,"resource":{"type":"record"}}`, "record", []string{"record-1"}, nil},
		{"C-4-3-2", searchRes, `{"subject":` + alice + `,"action":` + read + `,"resource":{"type":"record","id":"record-2"}}`, "record", []string{"record-1", "record-2"}, nil},
		{"C-4-3-3", searchRes, `{"subject":` + bobAdmin + `,"action":` + write + `,"resource":{"type":"record"}}`, "record", []string{"record-2"}, []string{"record-1"}},
		{"C-4-4-1", searchAct, `{"subject":` + alice + `,"resource":` + record1 + `}`, "", []string{"read", "write"}, []string{"delete"}},
		{"C-4-4-2", searchAct, `{"subject":` + alice + `,"resource":` + record1 + `,"context":{"time":"2024-10-26T01:22-07:00"}}`, "", []string{"read", "write"}, nil},
		{"C-4-4-3", searchAct, `{"subject":` + bobAdmin + `,"resource":` + record2Arc + `}`, "", []string{"write"}, nil},
		// Action Search has no action: one given is ignored.
		{"C-4-4/action-ignored", searchAct, `{"subject":` + alice + `,"resource":` + record1 + `,"action":"anything"}`, "", []string{"read", "write"}, nil},
		{"C-4-5-1", searchSubj, `{"subject":{"type":"user"},"action":` + read + `,"resource":` + record1 + `,"page":{"limit":1}}`, "user", []string{"alice"}, []string{"bob"}},
		{"C-4-6-1", searchAct, `{"subject":{"type":"user","id":"nonexistent-user"},"resource":` + record1 + `}`, "", nil, []string{"read", "write", "delete"}},
		{"C-4-6-2", searchSubj, `{"subject":{"type":"spaceship"},"action":` + read + `,"resource":` + record1 + `}`, "spaceship", nil, []string{"alice", "bob"}},
		{"C-4-6/unknown-resource", searchRes, `{"subject":` + alice + `,"action":` + read + `,"resource":{"type":"file"}}`, "file", nil, []string{"record-1"}},
	}
	for _, tt := range search {
		t.Run(tt.id, func(t *testing.T) {
			got := wantResults(t, post(t, srv, tt.path, tt.body), tt.typ)
			includes(t, got, tt.want...)
			for _, n := range tt.none {
				if slices.Contains(got, n) {
					t.Fatalf("results %v hold %q", got, n)
				}
			}
			if tt.want == nil && len(got) != 0 {
				t.Fatalf("results %v, want none (C-4-6)", got)
			}
		})
	}

	t.Run("C-4-5-2", func(t *testing.T) {
		body := `{"subject":{"type":"user"},"action":` + read + `,"resource":` + record1 + `,"page":{"limit":1}}`
		var seen []string
		token := ""
		for i := 0; ; i++ {
			b := body
			if token != "" {
				b = strings.Replace(body, `"limit":1`, `"limit":1,"token":"`+token+`"`, 1)
			}
			a := post(t, srv, searchSubj, b)
			seen = append(seen, wantResults(t, a, "user")...)
			var v struct {
				Page map[string]any `json:"page"`
			}
			_ = json.Unmarshal(a.body, &v)
			next, ok := v.Page["next_token"].(string)
			if !ok {
				t.Fatalf("page %d: no next_token: %s", i, a.body)
			}
			if v.Page["count"] != float64(1) && next != "" {
				t.Fatalf("page %d: count %v", i, v.Page["count"])
			}
			if next == "" {
				break
			}
			if i > 3 {
				t.Fatal("paging does not end")
			}
			token = next
		}
		if strings.Join(seen, ",") != "alice,bob" {
			t.Fatalf("pages gave %v", seen)
		}
		// A token used with another request or another limit is refused.
		first := post(t, srv, searchSubj, body)
		var v struct {
			Page httpapi.AuthZENPage `json:"page"`
		}
		_ = json.Unmarshal(first.body, &v)
		for _, changed := range []string{
			strings.Replace(body, `"limit":1`, `"limit":2,"token":"`+v.Page.NextToken+`"`, 1),
			strings.Replace(strings.Replace(body, `"limit":1`, `"limit":1,"token":"`+v.Page.NextToken+`"`, 1), `"read"`, `"write"`, 1),
			strings.Replace(body, `"limit":1`, `"limit":1,"token":"garbage"`, 1),
		} {
			wantBadRequest(t, post(t, srv, searchSubj, changed))
		}
	})
	t.Run("C-4-5-4", func(t *testing.T) {
		// limit 0 and large limits are accepted; a negative or fractional one is not.
		for _, page := range []string{`{}`, `{"limit":0}`, `{"limit":100000}`, `{"properties":{"sort":"id"}}`} {
			got := wantResults(t, post(t, srv, searchSubj, `{"subject":{"type":"user"},"action":`+read+`,"resource":`+record1+`,"page":`+page+`}`), "user")
			includes(t, got, "alice", "bob")
		}
		for _, page := range []string{`{"limit":-1}`, `{"limit":1.5}`, `{"limit":"1"}`, `{"token":7}`, `[]`} {
			wantBadRequest(t, post(t, srv, searchSubj, `{"subject":{"type":"user"},"action":`+read+`,"resource":`+record1+`,"page":`+page+`}`))
		}
	})
	t.Run("decisions-filter", func(t *testing.T) {
		// page.properties.decisions asks for the denied candidates too.
		a := post(t, srv, searchAct, `{"subject":`+alice+`,"resource":`+record1+`,"page":{"properties":{"decisions":["allow","deny"]}}}`)
		includes(t, wantResults(t, a, ""), "read", "write", "delete")
		a = post(t, srv, searchAct, `{"subject":`+alice+`,"resource":`+record1+`,"page":{"properties":{"decisions":["deny"]}}}`)
		if got := wantResults(t, a, ""); strings.Join(got, ",") != "delete" {
			t.Fatalf("denied actions %v", got)
		}
		wantBadRequest(t, post(t, srv, searchAct, `{"subject":`+alice+`,"resource":`+record1+`,"page":{"properties":{"decisions":["maybe"]}}}`))
	})

	refused := []struct{ id, path, body string }{
		{"C-4-7-1/subject", searchSubj, `{"subject":{"type":"user"},"resource":` + record1 + `}`},
		{"C-4-7-1/resource", searchRes, `{"action":` + read + `,"resource":{"type":"record"}}`},
		{"C-4-7-1/action", searchAct, `{"subject":` + alice + `}`},
		{"C-4-7-2/subject", searchSubj, `{"subject":{"type":"user"},"action":` + read + `,"resource":{"type":"record"}}`},
		{"C-4-7-2/resource", searchRes, `{"subject":{"type":"user"},"action":` + read + `,"resource":{"type":"record"}}`},
		{"C-4-7-2/type", searchSubj, `{"subject":{},"action":` + read + `,"resource":` + record1 + `}`},
		{"C-4-7/empty", searchAct, ``},
		{"C-4-7/malformed", searchRes, `{"subject":`},
	}
	for _, tt := range refused {
		t.Run(tt.id, func(t *testing.T) { wantBadRequest(t, post(t, srv, tt.path, tt.body)) })
	}
	t.Run("C-4-7/content-type", func(t *testing.T) {
		wantBadRequest(t, send(t, srv, "POST", searchAct, "text/plain", `{"subject":`+alice+`,"resource":`+record1+`}`))
	})
}

// §c-6: Discovery certification.
func TestAuthZENCertificationDiscovery(t *testing.T) {
	srv, base := fixtureServer(t)
	a := send(t, srv, "GET", "/.well-known/authzen-configuration", "", "")
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Fatalf("C-6-2: %d %s %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	var doc map[string]any
	if err := json.Unmarshal(a.body, &doc); err != nil {
		t.Fatalf("C-6-5: %v", err)
	}
	if doc["policy_decision_point"] != base {
		t.Fatalf("C-6-5: policy_decision_point %v, want %s", doc["policy_decision_point"], base)
	}
	endpoints := map[string]string{
		"access_evaluation_endpoint":  evaluation,
		"access_evaluations_endpoint": evaluations,
		"search_subject_endpoint":     searchSubj,
		"search_resource_endpoint":    searchRes,
		"search_action_endpoint":      searchAct,
	}
	bodies := map[string]string{
		evaluation:  evalBody(alice, read, record1),
		evaluations: `{"evaluations":[` + evalBody(alice, read, record1) + `]}`,
		searchSubj:  `{"subject":{"type":"user"},"action":` + read + `,"resource":` + record1 + `}`,
		searchRes:   `{"subject":` + alice + `,"action":` + read + `,"resource":{"type":"record"}}`,
		searchAct:   `{"subject":` + alice + `,"resource":` + record1 + `}`,
	}
	for key, path := range endpoints {
		s, _ := doc[key].(string)
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || s != base+path {
			t.Fatalf("C-6-5: %s = %q, want %s%s", key, s, base, path)
		}
		// Every endpoint listed is served.
		if a := post(t, srv, path, bodies[path]); a.status != 200 {
			t.Fatalf("%s listed but answers %d: %s", key, a.status, a.body)
		}
	}
	if _, present := doc["capabilities"]; present {
		t.Fatal("capabilities without a registered URN (a parameter without values is left out)")
	}
	// The document never follows the caller's Host header (issue 10).
	req, _ := http.NewRequest("GET", srv.URL+"/.well-known/authzen-configuration", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Proto", "http")
	req.Header.Set("X-Forwarded-Host", "evil.example")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var spoofed map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&spoofed)
	resp.Body.Close()
	if spoofed["policy_decision_point"] != base || strings.Contains(mustJSON(spoofed), "evil") {
		t.Fatalf("Host reflected: %v", spoofed)
	}

	t.Run("C-6-6/without-public-url", func(t *testing.T) {
		srv, _ := fixtureServer(t, func(c *httpapi.Config) { c.PublicURL = "" })
		a := send(t, srv, "GET", "/.well-known/authzen-configuration", "", "")
		if a.status != http.StatusNotFound || !strings.Contains(string(a.body), "--public-url") {
			t.Fatalf("%d %s", a.status, a.body)
		}
		// The default paths still serve (C-6-6's fallback).
		wantDecision(t, post(t, srv, evaluation, evalBody(alice, read, record1)), ptr(true))
	})
}

// Authentication of the API itself (spec §security-sender-authentn-fail):
// 401 with WWW-Authenticate, the request id echoed, nothing evaluated.
func TestAuthZENAuthentication(t *testing.T) {
	tokens, err := auth.Parse([]byte("s3cret\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := fixtureServer(t, func(c *httpapi.Config) { c.Tokens = tokens })
	for _, path := range []string{evaluation, evaluations, searchSubj, searchRes, searchAct} {
		for _, auth := range []string{"", "Bearer wrong", "Basic czNjcmV0"} {
			headers := []string{"X-Request-ID", "r-401"}
			if auth != "" {
				headers = append(headers, "Authorization", auth)
			}
			a := post(t, srv, path, evalBody(alice, read, record1), headers...)
			if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") == "" || a.header.Get("X-Request-ID") != "r-401" {
				t.Fatalf("%s %q: %d %v %s", path, auth, a.status, a.header, a.body)
			}
			if strings.Contains(string(a.body), `"decision"`) || strings.Contains(string(a.body), `"results"`) {
				t.Fatalf("%s: unauthenticated answer carries a result: %s", path, a.body)
			}
		}
	}
	if a := send(t, srv, "GET", "/.well-known/authzen-configuration", "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("metadata without a token: %d", a.status)
	}
	wantDecision(t, post(t, srv, evaluation, evalBody(alice, read, record1), "Authorization", "Bearer s3cret"), ptr(true))
}
