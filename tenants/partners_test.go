package tenants

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const partnerTenant = "22222222-2222-2222-2222-222222222222"

// mapPartners is the map way for a partners object: decoded by the fast
// decoder, checked by the checker and compacted by compactPartners, as add
// does for a tenant. ok is false when it refuses raw.
func mapPartners(raw []byte) (partners map[string]any, warnings []Warning, ok bool) {
	v, ok := decodeFast(raw)
	if !ok {
		return nil, nil, false
	}
	c := &checker{tenant: partnerTenant, segs: []string{"crossTenantAccessPolicy", "partners"}}
	out, err := c.check(tenantSchema.fields["crossTenantAccessPolicy"].fields["partners"], v)
	if err != nil {
		return nil, nil, false
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, nil, false
	}
	compactPartners(map[string]any{"crossTenantAccessPolicy": map[string]any{"partners": m}})
	return m, c.warnings, true
}

// bytePartners is the byte way for a partners object alone (white space
// around it allowed).
func bytePartners(raw []byte) (partners map[string]any, warnings []Warning, ok bool) {
	w := newPartnerWriter(raw)
	w.tenant = partnerTenant
	w.skipSpace()
	if w.pos >= len(raw) || raw[w.pos] != '{' {
		return nil, nil, false
	}
	m, ok := w.partners()
	if !ok {
		return nil, nil, false
	}
	w.skipSpace()
	if w.pos != len(raw) {
		return nil, nil, false
	}
	return m, w.warnings, true
}

func sortWarnings(ws []Warning) []Warning {
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b Warning) int {
		return strings.Compare(a.Path+"\x00"+a.Message, b.Path+"\x00"+b.Message)
	})
	return ws
}

// checkPartnerBytes: what the byte way accepts, the map way accepts too,
// with the same canonical bytes for every entry and the same warnings.
// It returns whether the byte way accepted raw.
func checkPartnerBytes(t *testing.T, raw []byte) bool {
	t.Helper()
	got, gotWarnings, ok := bytePartners(raw)
	want, wantWarnings, wantOK := mapPartners(raw)
	if !ok {
		return false
	}
	if !wantOK {
		t.Fatalf("%s: the byte way accepted what the map way refuses", raw)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, the map way has %d", raw, len(got), len(want))
	}
	for id, w := range want {
		g, present := got[id]
		if !present {
			t.Fatalf("%s: entry %s missing", raw, id)
		}
		if w == nil || g == nil {
			if w != nil || g != nil {
				t.Fatalf("%s: entry %s is %#v, the map way has %#v", raw, id, g, w)
			}
			continue
		}
		gb, gok := g.(json.RawMessage)
		wb, wok := w.(json.RawMessage)
		if !gok || !wok || !bytes.Equal(gb, wb) {
			t.Fatalf("%s: entry %s\n got %s\nwant %s", raw, id, g, w)
		}
	}
	if g, w := sortWarnings(gotWarnings), sortWarnings(wantWarnings); !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: warnings\n got %v\nwant %v", raw, g, w)
	}
	return true
}

const (
	pk1 = "11111111-1111-1111-1111-111111111111"
	pk2 = "33333333-3333-3333-3333-33333333abcd"
)

// partnerCases are partners objects the byte way must take (accept true)
// or leave to the map way; either way checkPartnerBytes compares them.
var partnerCases = []struct {
	name, raw string
	accept    bool
}{
	{"empty", `{}`, true},
	{"null entry", `{"` + pk1 + `": null}`, true},
	{"empty entry", ` { "` + pk1 + `" : { } } `, true},
	{"typical", `{"` + pk1 + `": {"tenantId": "` + pk1 + `", "isServiceProvider": false, "inboundTrust": {"isMfaAccepted": true, "isCompliantDeviceAccepted": null},
	  "b2bCollaborationInbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}, {"target": "AABBCCDD-1111-2222-3333-444455556666", "targetType": "group"}]},
	  "applications": {"accessType": "blocked", "targets": []}}}, "` + pk2 + `": {"tenantId": null}}`, true},
	{"upper case ids lowered", `{"` + pk2 + `": {"tenantId": "33333333-3333-3333-3333-33333333ABCD", "tenantRestrictions": {"applications": {"targets": [{"target": "ABCDEF01-1111-2222-3333-444455556666", "targetType": "application"}, {"target": "AllApplications"}]}}}}`, true},
	{"unknown enums warn", `{"` + pk1 + `": {"b2bDirectConnectOutbound": {"usersAndGroups": {"accessType": "maybe", "targets": [{"target": "AllUsers", "targetType": "robot"}]}}}}`, true},
	{"enum with escapes", `{"` + pk1 + `": {"b2bDirectConnectInbound": {"applications": {"accessType": "allo\u0077ed"}}}}`, true},
	{"unknown fields kept sorted", `{"` + pk1 + `": {"zeta": [1, -2.5e+3, 0, -0, 1E9, true, false, null, "x", {"b": 1, "a": [{}]}], "alpha": {"nested": {"z": null, "y": "<&>"}}, "invitationRedemptionIdentityProviderConfiguration": {"primaryIdentityProviderPrecedenceOrder": ["azureActiveDirectory"]}}}`, true},
	{"strings escaped as encoding/json does", `{"` + pk1 + `": {"note": "é\u2028\n\"\\\/<>&\u0000` + "\x7f" + `", "x": "\ud800", "y": "` + "\xff\xfe" + `", "tenantId": "` + pk1 + `"}}`, true},
	{"objects in arrays in objects", `{"` + pk1 + `": {"b2bCollaborationOutbound": {"usersAndGroups": {"targets": [{"targetType": "user", "target": "AllUsers", "extra": {"b": [1, {"d": 2, "c": 3}], "a": 0}}, {"targetType": "group", "target": "11111111-2222-3333-4444-555555555555"}]}}}}`, true},
	{"white space everywhere", "{\n\t\"" + pk1 + "\" :\r\n {\"inboundTrust\" : { \"isMfaAccepted\" : true } , \"x\" : [ 1 , 2 ] }\n}", true},
	{"sync", `{"` + pk1 + `": {"identitySynchronization": {"userSyncInbound": {"isSyncAllowed": true}, "displayName": "x"}}}`, true},
	{"tenantId other case", `{"` + pk2 + `": {"tenantId": "33333333-3333-3333-3333-33333333AbCd"}}`, true},

	{"tenantId not a guid", `{"` + pk1 + `": {"tenantId": "fabrikam"}}`, false},
	{"tenantId of another", `{"` + pk1 + `": {"tenantId": "` + pk2 + `"}}`, false},
	{"tenantId a number", `{"` + pk1 + `": {"tenantId": 1}}`, false},
	{"upper case key", `{"33333333-3333-3333-3333-33333333ABCD": {}}`, false},
	{"key not a guid", `{"fabrikam": {}}`, false},
	{"escaped key", `{"1111111\u0031-1111-1111-1111-111111111111": {}}`, false},
	{"repeated partner", `{"` + pk1 + `": {}, "` + pk1 + `": null}`, false},
	{"repeated field", `{"` + pk1 + `": {"x": 1, "x": 2}}`, false},
	{"repeated known field", `{"` + pk1 + `": {"inboundTrust": {"isMfaAccepted": "yes", "isMfaAccepted": true}}}`, false},
	{"entry an array", `{"` + pk1 + `": []}`, false},
	{"bool a string", `{"` + pk1 + `": {"isServiceProvider": "true"}}`, false},
	{"targets an object", `{"` + pk1 + `": {"b2bCollaborationInbound": {"usersAndGroups": {"targets": {}}}}}`, false},
	{"null target", `{"` + pk1 + `": {"b2bCollaborationInbound": {"usersAndGroups": {"targets": [null]}}}}`, false},
	{"non-ASCII key", `{"` + pk1 + `": {"é": 1}}`, false},
	{"key with <", `{"` + pk1 + `": {"a<b": 1}}`, false},
	{"malformed", `{"` + pk1 + `": {"x": 01}}`, false},
	{"trailing comma", `{"` + pk1 + `": {"x": 1,}}`, false},
	{"control character", `{"` + pk1 + `": {"x": "a` + "\x01" + `"}}`, false},
	{"bad escape", `{"` + pk1 + `": {"x": "\q"}}`, false},
	{"deep", `{"` + pk1 + `": {"x": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}}`, false},
}

func TestPartnerBytesMatchMapWay(t *testing.T) {
	for _, tc := range partnerCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkPartnerBytes(t, []byte(tc.raw)); got != tc.accept {
				t.Errorf("byte way took it: %v, want %v", got, tc.accept)
			}
		})
	}
}

// The entries xtenant-gen writes (benchmarks/cmd/xtenant-gen, the data of
// bench-scale) are all taken by the byte way: else the fast load is lost.
func TestPartnerBytesTakeGeneratedEntries(t *testing.T) {
	raw, err := os.ReadFile("testdata/generated-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]struct {
		CrossTenantAccessPolicy struct{ Partners json.RawMessage }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for id, tenant := range doc {
		if !checkPartnerBytes(t, tenant.CrossTenantAccessPolicy.Partners) {
			t.Errorf("tenant %s: the byte way refused its partner entries", id)
		}
	}
	checkParseStream(t, raw)
}

func FuzzPartnerBytes(f *testing.F) {
	for _, tc := range partnerCases {
		f.Add([]byte(tc.raw))
	}
	if raw, err := os.ReadFile("testdata/generated-sample.json"); err == nil {
		var doc map[string]struct {
			CrossTenantAccessPolicy struct{ Partners json.RawMessage }
		}
		if json.Unmarshal(raw, &doc) == nil {
			for _, tenant := range doc {
				f.Add([]byte(tenant.CrossTenantAccessPolicy.Partners))
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkPartnerBytes(t, raw) })
}

// checkParseStream: a document read tenant by tenant, partner entries from
// their bytes, gives what the whole document decoded as maps gives (the
// same set, or parseStream refuses it and Parse reports parseWhole's error).
func checkParseStream(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := parseStream("t.json", raw)
	want, err := parseWhole("t.json", raw)
	if !ok {
		return
	}
	if err != nil {
		t.Fatalf("%s: streamed accepted what the whole parse refuses: %v", raw, err)
	}
	if got.Hash() != want.Hash() {
		t.Fatalf("%s: content hash %s, whole %s", raw, got.Hash(), want.Hash())
	}
	if !reflect.DeepEqual(got.Warnings(), want.Warnings()) {
		t.Fatalf("%s: warnings\n got %v\nwant %v", raw, got.Warnings(), want.Warnings())
	}
	if !reflect.DeepEqual(got.domains, want.domains) || !reflect.DeepEqual(got.sources, want.sources) {
		t.Fatalf("%s: domains or sources differ", raw)
	}
	if !reflect.DeepEqual(got.Tenants(), want.Tenants()) {
		t.Fatalf("%s: tenants differ", raw)
	}
	// Partner entries are held as bytes both ways.
	if !reflect.DeepEqual(got.Data(), want.Data()) {
		t.Fatalf("%s: data differ", raw)
	}
}

var streamSeeds = []string{
	`{}`,
	`{"` + partnerTenant + `": null}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": null}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": null, "default": {"inboundTrust": {"isMfaAccepted": true}}}}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {"tenantId": "` + pk1 + `", "b2bCollaborationInbound": {"usersAndGroups": {"accessType": "sometimes"}}}}}, "domains": ["Contoso.COM"]}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}, "crossTenantAccessPolicy": {"partners": {"` + pk2 + `": {}}}}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}, "crossTenantAccessPolicy": null}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}, "partners": {"` + pk2 + `": {"x": 1}}}}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"33333333-3333-3333-3333-33333333ABCD": {"tenantId": "33333333-3333-3333-3333-33333333abcd"}}}}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {"tenantId": "` + pk2 + `"}}}}, "` + pk1 + `": {}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {"isServiceProvider": 1}}}}, "` + pk1 + `": {"cloud": 2}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}}, "` + strings.ToUpper(partnerTenant) + `": {}}`,
	`{"` + partnerTenant + `": {"domains": ["a.com"], "crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}}, "` + pk1 + `": {"domains": ["A.com"], "crossTenantAccessPolicy": {"partners": {}}}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}, "conditionalAccessPolicies": [{"id": "p", "state": "enabled", "grantControls": {"builtInControls": ["later"]}}]}}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {"b2bDirectConnectInbound": {"usersAndGroups": {"targets": [{"targetType": "robot"}]}}}}}}} `,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}}} {}`,
	`{"` + partnerTenant + `": {"crossTenantAccessPolicy": {"partners": {"` + pk1 + `": {}}}}`,
}

func TestParseStreamMatchesWhole(t *testing.T) {
	for _, s := range streamSeeds {
		checkParseStream(t, []byte(s))
	}
	for _, tc := range partnerCases {
		checkParseStream(t, []byte(`{"`+partnerTenant+`": {"displayName": "x", "crossTenantAccessPolicy": {"default": null, "partners": `+tc.raw+`}}}`))
	}
	files, _ := filepath.Glob("../testdata/scenarios/*.json")
	files = append(files, "../bundles/examples/tenants.json")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, "scenarios") {
			var probe struct{ Tenants json.RawMessage }
			if err := json.Unmarshal(raw, &probe); err != nil {
				t.Fatal(err)
			}
			raw = probe.Tenants
		}
		if _, ok := parseStream(f, raw); !ok {
			t.Errorf("%s: not read tenant by tenant", f)
		}
		checkParseStream(t, raw)
	}
}

func FuzzParseStream(f *testing.F) {
	for _, s := range streamSeeds {
		f.Add([]byte(s))
	}
	if raw, err := os.ReadFile("../bundles/examples/tenants.json"); err == nil {
		f.Add(raw)
	}
	if raw, err := os.ReadFile("testdata/generated-sample.json"); err == nil {
		f.Add(raw)
	}
	f.Fuzz(checkParseStream)
}
