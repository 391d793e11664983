package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/xtenant/xtenant/internal/httpapi"
)

var fuzzRoutes = []string{
	"/v1/evaluate", "/v1/evaluate/batch", "/v1/data/xtenant/access/decision", "/v1/data/xtenant",
	"/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/action", "/access/v1/search/resource",
}

// FuzzDecoding sends arbitrary bodies to every decoding route: the answer is
// always JSON, never a 500, and only a 200 may carry a decision.
func FuzzDecoding(f *testing.F) {
	for i := range fuzzRoutes {
		f.Add(uint8(i), []byte(allowInput))
	}
	f.Add(uint8(1), []byte(`{"requests":[`+allowInput+`]}`))
	f.Add(uint8(2), []byte(`{"input":`+allowInput+`}`))
	f.Add(uint8(3), []byte(`{"input":{"a":[1,2,{"b":null}]}}`))
	f.Add(uint8(4), []byte(authzen(home, resource)))
	f.Add(uint8(5), []byte(`{"evaluations":[{}],"options":{"evaluations_semantic":"deny_on_first_deny"}}`))
	f.Add(uint8(6), []byte(`{"subject":{"type":"user","id":"`+user+`","properties":{"tenant":"`+home+`"}},"resource":{"type":"application","id":"`+app+`","properties":{"tenant":"`+resource+`"}},"page":{"limit":1}}`))
	f.Add(uint8(7), []byte(`{"subject":{"type":"user","id":"`+user+`","properties":{"tenant":"`+home+`"}},"action":{"name":"b2b_collaboration"},"resource":{"type":"application","properties":{"tenant":"`+resource+`"}},"page":{"token":"MC4w"}}`))
	f.Add(uint8(0), []byte(`{"access_type":"invitation","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","invitation":{"invitee_email":"a@b.c"}}`))
	fx := newFixture(f, examples(f), func(c *httpapi.Config) { c.ExposeData = true })
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		rec := fx.do("POST", path, string(body))
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: answer is not JSON: %s", path, rec.Body)
		}
		if rec.Code != http.StatusOK {
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" {
				t.Fatalf("%s: error answer without a code: %s", path, rec.Body)
			}
		}
	})
}
