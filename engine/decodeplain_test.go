package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// plainSeeds are the inputs of every shared scenario plus variants that
// stress the fast path's edges; each must decode on the fast path.
func plainSeeds(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/scenarios/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	var seeds [][]byte
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Cases []struct {
				Input json.RawMessage `json:"input"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range f.Cases {
			seeds = append(seeds, c.Input)
		}
	}
	return seeds
}

// TestDecodePlainAgrees: on every scenario input, the fast path answers
// and gives exactly the generic decoder's Request.
func TestDecodePlainAgrees(t *testing.T) {
	plain := 0
	for _, raw := range plainSeeds(t) {
		got, ok := decodePlain(raw)
		want, err := decodeGeneric(raw)
		if !ok {
			continue
		}
		plain++
		if err != nil {
			t.Fatalf("fast path accepted %s, generic refused: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\nfast    %+v\ngeneric %+v", raw, got, want)
		}
	}
	if plain == 0 {
		t.Fatal("the fast path took no scenario input")
	}
}

// TestDecodePlainFallsBack: what the fast path does not take is left to
// the generic decoder (and its error messages).
func TestDecodePlainFallsBack(t *testing.T) {
	for _, raw := range []string{
		``, `{`, `[]`, `null`, `{"access_type":1}`, `{"access_type":"invitation"} {}`,
		`{"access_type":"invitation","access_type":"identity_sync"}`,
		`{"access_type":"b2b\u0063ollaboration"}`, `{"home_tenant":"contoso"}`,
		`{"user":{"gdap_session":truex}}`, `{"user":null}`, `{"home_cloud":""}`,
		`{"invitation":{"invitee_email":"ann"}}`, `{"extra":true}`, `{"user":{"groups":["x"]}}`,
	} {
		if req, ok := decodePlain([]byte(raw)); ok {
			t.Errorf("%s: fast path took it: %+v", raw, req)
		}
	}
}

// FuzzDecodePlain: whenever the fast path accepts a body, the generic
// decoder accepts it too and yields the same Request.
func FuzzDecodePlain(f *testing.F) {
	for _, s := range plainSeeds(f) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"access_type":"invitation","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","invitation":{"inviter_roles":[],"invitee_email":"a@b"}}`))
	f.Add([]byte(" {\"user\" : {\"groups\":[ ], \"resource_object_id\": null}}\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := decodePlain(raw)
		if !ok {
			return
		}
		want, err := decodeGeneric(raw)
		if err != nil {
			t.Fatalf("fast path accepted %q, generic refused: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast    %+v\ngeneric %+v", raw, got, want)
		}
	})
}
