package engine

import (
	"errors"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A malformed decision is refused with the JSON pointer of the first bad
// member (the path is only made for the error).
func TestDecodeDecisionNamesThePath(t *testing.T) {
	const base = `"decision": "deny", "allow": false, "denied_by": "resource_inbound", "error_code": null, "consent_prompt": false,
		"controls": {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}`
	ok := `{` + base + `, "step_up": [], "reasons": [{"code": "RESOURCE_INBOUND_BLOCKED", "stage": "resource_inbound", "message": "m", "tenant": null}], "report_only": []}`
	if _, err := decodeDecision(ast.MustParseTerm(ok).Value); err != nil {
		t.Fatalf("a valid decision: %v", err)
	}
	for _, tc := range []struct{ doc, path string }{
		{`{` + base + `, "step_up": [], "reasons": [{"code": "RESOURCE_INBOUND_BLOCKED", "stage": "resource_inbound", "message": "m"}, {"code": "NOPE", "stage": "cloud", "message": "m"}], "report_only": []}`, "/reasons/1/code"},
		{`{` + base + `, "step_up": [], "reasons": [{"code": "RESOURCE_INBOUND_BLOCKED", "stage": "resource_inbound"}], "report_only": []}`, "/reasons/0/message"},
		{`{` + base + `, "step_up": [{"control": "mfa", "at": "moon"}], "reasons": [], "report_only": []}`, "/step_up/0/at"},
		{`{` + base + `, "step_up": [], "reasons": [], "report_only": [{"policy_id": 1, "result": "success"}]}`, "/report_only/0/policy_id"},
		{`{` + base + `, "step_up": [], "reasons": [], "report_only": [], "a~b/c": 1}`, "/a~0b~1c"},
		{`{` + base + `, "step_up": [], "reasons": []}`, "/report_only"},
	} {
		_, err := decodeDecision(ast.MustParseTerm(tc.doc).Value)
		var de *decodeError
		if !errors.As(err, &de) || de.path != tc.path {
			t.Errorf("%s: got %v; want an error at %s", tc.doc, err, tc.path)
		}
	}
}
