package policytest_test

import (
	"context"
	"os"
	"testing"

	"github.com/xtenant/xtenant/engine/policytest"
	"github.com/xtenant/xtenant/policies"
)

func TestRunRegoBuiltin(t *testing.T) {
	rep, err := policytest.RunRego(context.Background(), policies.FS, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) == 0 {
		t.Fatal("no Rego tests ran")
	}
	if rep.Coverage < 0 || rep.Coverage > 100 {
		t.Fatalf("coverage %v", rep.Coverage)
	}
	for _, r := range rep.Results {
		if !r.Pass && !r.Skip {
			t.Errorf("failing Rego test: %s %s", r.Name, r.Error)
		}
	}
}

func TestRunRegoFailure(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/x_test.rego", []byte("package x_test\n\ntest_fails if { 1 == 2 }\n\ntest_passes if { 1 == 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := policytest.RunRego(context.Background(), os.DirFS(dir), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Failed() != 1 || rep.Coverage >= 0 {
		t.Fatalf("report %+v", rep)
	}
}
