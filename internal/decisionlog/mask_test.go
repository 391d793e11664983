package decisionlog

import (
	"encoding/json"
	"testing"
)

func TestErase(t *testing.T) {
	doc := `{"input":{"a/b":1,"m~n":2,"list":[{"x":1},{"x":2}],"nested":[[1,2],[3]]},"result":{"keep":true}}`
	tests := []struct {
		mask, want string
		erased     bool
	}{
		{"/input/a~1b", `{"input":{"list":[{"x":1},{"x":2}],"m~n":2,"nested":[[1,2],[3]]},"result":{"keep":true}}`, true},
		{"/input/m~0n", `{"input":{"a/b":1,"list":[{"x":1},{"x":2}],"nested":[[1,2],[3]]},"result":{"keep":true}}`, true},
		{"/input/list/1/x", `{"input":{"a/b":1,"list":[{"x":1},{}],"m~n":2,"nested":[[1,2],[3]]},"result":{"keep":true}}`, true},
		{"/input/list/0", `{"input":{"a/b":1,"list":[{"x":2}],"m~n":2,"nested":[[1,2],[3]]},"result":{"keep":true}}`, true},
		{"/input/nested/0/1", `{"input":{"a/b":1,"list":[{"x":1},{"x":2}],"m~n":2,"nested":[[1],[3]]},"result":{"keep":true}}`, true},
		{"/input/list/9", doc, false},
		{"/input/list/x", doc, false},
		{"/input/a~1b/deeper", doc, false},
		{"/result", `{"input":{"a/b":1,"list":[{"x":1},{"x":2}],"m~n":2,"nested":[[1,2],[3]]}}`, true},
	}
	for _, tt := range tests {
		p, err := parseMask(tt.mask)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(doc), &m)
		erased := p.erase(m)
		got, _ := json.Marshal(m)
		var want map[string]any
		_ = json.Unmarshal([]byte(tt.want), &want)
		wantJSON, _ := json.Marshal(want)
		if erased != tt.erased || string(got) != string(wantJSON) {
			t.Errorf("%s: erased %v %s, want %v %s", tt.mask, erased, got, tt.erased, wantJSON)
		}
	}
}

// FuzzMask: any mask either is refused or erases without panicking.
func FuzzMask(f *testing.F) {
	f.Add("/input/user/id", `{"input":{"user":{"id":"x","groups":["a"]}}}`)
	f.Add("/input/l/0/0", `{"input":{"l":[[1]]}}`)
	f.Fuzz(func(t *testing.T, mask, doc string) {
		p, err := parseMask(mask)
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal([]byte(doc), &m) != nil || m == nil {
			return
		}
		p.erase(m)
	})
}

func TestMasksErase(t *testing.T) {
	m, err := ParseMasks([]string{"/input/user/id", "/result/reasons", "/input/absent"})
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{
		"input":  map[string]any{"user": map[string]any{"id": "u", "groups": []any{"g"}}},
		"result": map[string]any{"reasons": []any{}, "allow": true},
	}
	erased := m.Erase(doc)
	if len(erased) != 2 || erased[0] != "/input/user/id" || erased[1] != "/result/reasons" {
		t.Fatalf("erased = %v", erased)
	}
	if _, ok := doc["input"].(map[string]any)["user"].(map[string]any)["id"]; ok {
		t.Fatal("user id kept")
	}
	if _, err := ParseMasks([]string{"/labels/id"}); err == nil {
		t.Fatal("a pointer outside /input and /result was accepted")
	}
}
