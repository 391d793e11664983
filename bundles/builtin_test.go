package bundles_test

import (
	"strings"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/policies"
)

func TestBuiltin(t *testing.T) {
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ts.IDs(), ","); got != "11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222,33333333-3333-3333-3333-333333333333" {
		t.Fatalf("example tenants %s", got)
	}
	if w := ts.Warnings(); len(w) != 0 {
		t.Errorf("example tenants have warnings: %v", w)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	if want := "built-in@" + policies.Version + "+tenants:" + ts.ShortHash(); p.Revision != want {
		t.Errorf("revision %q, want %q", p.Revision, want)
	}
	for name := range p.Modules {
		if strings.HasSuffix(name, "_test.rego") {
			t.Errorf("test module %s in the built-in policy", name)
		}
	}
	xt := p.Data["xtenant"].(map[string]any)
	if _, ok := xt["catalog"].(map[string]any)["office365"]; !ok {
		t.Error("catalog not at data.xtenant.catalog")
	}
	if xt["domains"].(map[string]any)["contoso.com"] != "22222222-2222-2222-2222-222222222222" {
		t.Errorf("domains %v", xt["domains"])
	}
	bare, err := bundles.Builtin(nil)
	if err != nil {
		t.Fatal(err)
	}
	if bare.Revision != "built-in@"+policies.Version {
		t.Errorf("revision without tenants %q", bare.Revision)
	}
}
