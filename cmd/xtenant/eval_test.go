package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

const evalInput = `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111",
"resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"},
"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},"claims":{"mfa":true,"compliant_device":true}}`

func TestEvalExampleTenants(t *testing.T) {
	code, out, errOut := runCmd(t, evalInput, "eval", "--input", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"decision_id", "decision", "allow", "denied_by", "error_code", "step_up", "controls", "consent_prompt", "reasons", "report_only", "revision"} {
		if _, ok := d[k]; !ok {
			t.Errorf("missing %s in %s", k, out)
		}
	}
}

func TestEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	if err := os.WriteFile(in, []byte(strings.Replace(evalInput, `"aaaaaaaa-0000-0000-0000-000000000001"`, `"ann"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "eval", "--input", in)
	if code != 2 || out != "" || !strings.Contains(errOut, in) || !strings.Contains(errOut, "/user/id") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestEvalBadTenants(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tenants.json")
	if err := os.WriteFile(tf, []byte(`{"22222222-2222-2222-2222-222222222222":{"crossTenantAccessPolicy":{"default":{"inboundTrust":{"isMfaAccepted":"yes"}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, evalInput, "eval", "--tenants", tf, "--input", "-")
	if code != 2 || !strings.Contains(errOut, "tenants.json: tenant 22222222-2222-2222-2222-222222222222: /crossTenantAccessPolicy/default/inboundTrust/isMfaAccepted: expected boolean, got string") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestEvalNeedsInput(t *testing.T) {
	if code, _, _ := runCmd(t, "", "eval"); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "", "version")
	if code != 0 || !strings.Contains(out, "policy ") || !strings.Contains(out, "opa ") || !strings.Contains(out, "go ") {
		t.Fatalf("exit %d: %q", code, out)
	}
}

func TestTestCommand(t *testing.T) {
	code, out, errOut := runCmd(t, "", "test", "../../policies", "../../testdata/scenarios/tc27-collaboration-mfa-not-trusted-step-up-resource.json", "--coverage")
	if code != 0 || !strings.Contains(out, "scenarios PASS: 3/3") || !strings.Contains(out, "coverage") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	// A failing scenario fails the command.
	dir := t.TempDir()
	raw, err := os.ReadFile("../../testdata/scenarios/tc27-collaboration-mfa-not-trusted-step-up-resource.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), `"decision": "allow"`, `"decision": "deny"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "test", dir)
	if code != 1 || !strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d: %s", code, out)
	}
	// A typo in a scenario is bad input.
	typo := strings.Replace(string(raw), `"expect"`, `"expcet"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ = runCmd(t, "", "test", dir); code != 2 {
		t.Fatalf("typo: exit %d", code)
	}
}
