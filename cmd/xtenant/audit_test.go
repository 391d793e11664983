package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditExitCodes: findings at or above --severity exit 3; a clean
// configuration and a higher threshold exit 0; bad usage exits 2.
func TestAuditExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.json")
	blocked := `{"accessType":"blocked","targets":[{"target":"AllUsers","targetType":"user"}]}`
	blockedApps := `{"accessType":"blocked","targets":[{"target":"AllApplications","targetType":"application"}]}`
	doc := `{"11111111-1111-1111-1111-111111111111":{"displayName":"Clean",
	 "crossTenantAccessPolicy":{"default":{"b2bCollaborationInbound":{"usersAndGroups":` + blocked + `,"applications":` + blockedApps + `}}},
	 "conditionalAccessPolicies":[{"id":"c1","displayName":"Guests MFA","state":"enabled",
	   "conditions":{"users":{"includeUsers":["GuestsOrExternalUsers"]}},"grantControls":{"operator":"OR","builtInControls":["mfa"]}}],
	 "authorizationPolicy":{"allowInvitesFrom":"adminsAndGuestInviters"}}}`
	if err := os.WriteFile(clean, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"examples", []string{"audit"}, 3, "AUD-GUEST-MFA"},
		{"examples above high", []string{"audit", "--severity", "high"}, 3, "AUD-GUEST-MFA"},
		{"clean", []string{"audit", clean}, 0, "0 findings"},
		{"tenants-after low only", []string{"audit", "../../testdata/diff/tenants-after.json", "--severity", "high"}, 3, "AUD-GUEST-MFA"},
		{"sarif", []string{"audit", "--format", "sarif", clean}, 0, `"version": "2.1.0"`},
		{"bad severity", []string{"audit", "--severity", "critical"}, 2, ""},
		{"bad format", []string{"audit", "--format", "xml"}, 2, ""},
		{"missing source", []string{"audit", "no/such.json"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Fatalf("exit %d (want %d), %s\n%s", code, tc.code, errOut, out)
			}
		})
	}
	code, out, _ := runCmd(t, "", "audit", "--format", "json", "--severity", "medium", clean)
	var rep struct{ Findings []any }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit %d, %v, %s", code, err, out)
	}
}

// TestImportExportsCommands: import entraexporter and m365dsc write a
// tenants file that loads; bad input exits 2 and writes nothing.
func TestImportExportsCommands(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"import", "entraexporter", "../../testdata/entraexporter/contoso", "-o", filepath.Join(dir, "ee.json")}, 0},
		{[]string{"import", "m365dsc", "../../testdata/m365dsc/contoso.json", "--tenant-id", "22222222-2222-2222-2222-222222222222", "-o", filepath.Join(dir, "dsc.yaml")}, 0},
		{[]string{"import", "m365dsc", "../../testdata/m365dsc/contoso.json", "-o", filepath.Join(dir, "none.json")}, 2},
		{[]string{"import", "entraexporter", dir, "-o", filepath.Join(dir, "none.json")}, 2},
	} {
		code, _, errOut := runCmd(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a failed import wrote a file")
	}
	for _, f := range []string{"ee.json", "dsc.yaml"} {
		if code, out, errOut := runCmd(t, "", "audit", filepath.Join(dir, f), "--format", "json"); code != 3 || !strings.Contains(out, "AUD-") {
			t.Errorf("audit %s: exit %d %s", f, code, errOut)
		}
	}
}
