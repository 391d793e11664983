package httpapi_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
)

// Every shared scenario, through the native API, the OPA Data API route
// and the batch route, on the real router, engine and cache.
func TestScenariosOverHTTP(t *testing.T) {
	files, err := scenario.LoadDir("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, file := range files {
		t.Run(file.Name, func(t *testing.T) {
			if file.Pending != "" {
				t.Skip(file.Pending)
			}
			ts, err := file.TenantSet()
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, ts)
			var batch []json.RawMessage
			var expects []scenario.Expect
			for _, c := range file.Cases {
				if c.Pending != "" {
					continue
				}
				batch, expects = append(batch, c.Input), append(expects, c.Expect)
				t.Run(c.Name, func(t *testing.T) {
					native := f.do("POST", "/v1/evaluate", string(c.Input))
					if native.Code != http.StatusOK {
						t.Fatalf("/v1/evaluate: %d %s", native.Code, native.Body)
					}
					d := decodeBody[engine.Decision](t, native)
					for _, diff := range scenario.Compare(c.Expect, &d) {
						t.Errorf("/v1/evaluate: %s", diff)
					}

					opa := f.do("POST", "/v1/data/xtenant/access/decision", `{"input": `+string(c.Input)+`}`)
					if opa.Code != http.StatusOK {
						t.Fatalf("/v1/data: %d %s", opa.Code, opa.Body)
					}
					resp := decodeBody[dataDecision](t, opa)
					if resp.DecisionID == "" || resp.DecisionID != resp.Result.DecisionID {
						t.Errorf("decision ids: %q and %q", resp.DecisionID, resp.Result.DecisionID)
					}
					for _, diff := range scenario.Compare(c.Expect, &resp.Result) {
						t.Errorf("/v1/data: %s", diff)
					}
					// The second answer came from the cache: same decision, new id.
					if resp.Result.DecisionID == d.DecisionID {
						t.Error("a cached answer reused a decision id")
					}
					resp.Result.DecisionID, d.DecisionID = "", ""
					if !reflect.DeepEqual(resp.Result, d) {
						t.Errorf("cache miss and hit differ:\n%+v\n%+v", d, resp.Result)
					}
				})
			}
			body, _ := json.Marshal(httpapi.BatchRequest{Requests: batch})
			rec := f.do("POST", "/v1/evaluate/batch", string(body))
			if rec.Code != http.StatusOK {
				t.Fatalf("batch: %d %s", rec.Code, rec.Body)
			}
			out := decodeBody[httpapi.BatchResponse](t, rec)
			if len(out.Decisions) != len(expects) {
				t.Fatalf("batch: %d decisions for %d requests", len(out.Decisions), len(expects))
			}
			for i, d := range out.Decisions {
				if diffs := scenario.Compare(expects[i], d); len(diffs) > 0 {
					t.Errorf("batch item %d: %s", i, strings.Join(diffs, "; "))
				}
			}
		})
	}
}

type dataDecision struct {
	Result     engine.Decision `json:"result"`
	DecisionID string          `json:"decision_id"`
}
