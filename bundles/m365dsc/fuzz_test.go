package m365dsc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xtenant/xtenant/bundles/m365dsc"
)

// FuzzRead: any report is imported or refused with an error; never a panic.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`[{"ResourceName":"AADCrossTenantAccessPolicyConfigurationPartner","PartnerTenantId":"11111111-1111-1111-1111-111111111111","B2BCollaborationInbound":{"CIMInstance":"x","UsersAndGroups":{"AccessType":"allowed","Targets":[{"Target":"AllUsers","TargetType":"user"}]}}}]`,
		`[{"ResourceName":"AADConditionalAccessPolicy","State":"enabled","IncludeUsers":"All","BuiltInControls":["mfa"]}]`,
		`[{"ResourceName":"AADB2BManagementPolicy","BlockedDomains":["x.com"]}]`,
		`[]`, `{}`, `[1]`, `[{"ResourceName":5}]`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "r.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = m365dsc.Read(p, m365dsc.Options{TenantID: "22222222-2222-2222-2222-222222222222"})
	})
}
