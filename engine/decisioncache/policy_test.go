package decisioncache_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/policies"
)

// builtinPolicy assembles the built-in Rego and catalog with the given
// tenants, as the real policy, never a mock.
func builtinPolicy(t testing.TB, revision string, tenants map[string]any) engine.Policy {
	t.Helper()
	modules := map[string]string{}
	catalog := map[string]any{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(p, "_test.rego"):
		case strings.HasSuffix(p, ".rego"):
			modules[p] = string(raw)
		case path.Base(p) == "data.json" && path.Dir(p) == "xtenant/catalog":
			return json.Unmarshal(raw, &catalog)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return engine.Policy{Revision: revision, Modules: modules, Data: map[string]any{
		"xtenant": map[string]any{"tenants": tenants, "catalog": catalog},
	}}
}

// scenario reads one shared scenario file.
func scenario(t testing.TB, name string) (tenants map[string]any, inputs []json.RawMessage) {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Tenants map[string]any `json:"tenants"`
		Cases   []struct {
			Input json.RawMessage `json:"input"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Cases {
		inputs = append(inputs, c.Input)
	}
	return s.Tenants, inputs
}
