package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
)

// statusTenants is one tenant; with broken set its default outbound B2B
// collaboration allows all users and blocks every application (V-4).
func statusTenants(broken bool) []byte {
	apps := "allowed"
	if broken {
		apps = "blocked"
	}
	return []byte(`{"11111111-1111-1111-1111-111111111111": {"displayName": "Home", "crossTenantAccessPolicy": {"default": {
		"b2bCollaborationOutbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
			"applications": {"accessType": "` + apps + `", "targets": [{"target": "AllApplications", "targetType": "application"}]}}}}}}`)
}

// TestServeStatusSettingWarnings: a tenants file with a setting that breaks
// §2.14 is served, and /v1/status lists the break among the tenants source's
// warnings (docs/contract.md), found by the policy's Rego through the
// engine; once the file is fixed and reloaded, the new revision has none.
func TestServeStatusSettingWarnings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	if err := os.WriteFile(file, statusTenants(true), 0o600); err != nil {
		t.Fatal(err)
	}
	get, stderr := serveUnix(t, "--tenants", file)
	status := func() (string, []bundles.SourceStatus) {
		code, body := get("/v1/status")
		var st struct {
			Revision string
			Sources  []bundles.SourceStatus
		}
		if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || len(st.Sources) != 1 {
			t.Fatalf("status: %d %v %s", code, err, body)
		}
		return st.Revision, st.Sources
	}
	rev, sources := status()
	ws := sources[0].Warnings
	if len(ws) != 1 || ws[0].Tenant != "11111111-1111-1111-1111-111111111111" ||
		ws[0].Path != "/crossTenantAccessPolicy/default/b2bCollaborationOutbound/applications" || !strings.Contains(ws[0].Message, "(V-4)") {
		t.Fatalf("warnings of %s: %+v", rev, ws)
	}

	if err := os.WriteFile(file, statusTenants(false), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second) // the reload waits for the file to settle (2 s)
	for {
		next, sources := status()
		if next != rev && sources[0].Revision == next {
			if len(sources[0].Warnings) != 0 {
				t.Fatalf("warnings of the fixed file (%s): %+v", next, sources[0].Warnings)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fixed file was not reloaded: %s", stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
