package engine

import (
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/xtenant/xtenant/benchmarks/workload"
	"github.com/xtenant/xtenant/tenants"
)

// opaEntry is what ast.LazyObject makes of a raw entry: a JSON round trip,
// then ast.InterfaceToValue.
func opaEntry(t testing.TB, raw json.RawMessage) ast.Value {
	t.Helper()
	v, err := ast.InterfaceToValue(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// decodeEntry gives the value OPA's own conversion gives, for every partner
// entry of generated data and for JSON the canonical writer may produce
// (escapes, numbers of every form, nesting, empty containers).
func TestDecodeEntryAsOPA(t *testing.T) {
	d := workload.Generate(workload.Config{Seed: 9, Partners: 300, PartnersPerTenant: 100})
	raw, err := d.TenantsJSON()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tenants.Parse("generated.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	var entries []json.RawMessage
	for _, tenant := range ts.Data()["tenants"].(map[string]any) {
		ctap, _ := tenant.(map[string]any)["crossTenantAccessPolicy"].(map[string]any)
		partners, _ := ctap["partners"].(map[string]any)
		for _, p := range partners {
			if r, ok := p.(json.RawMessage); ok {
				entries = append(entries, r)
			}
		}
	}
	if len(entries) < 300 {
		t.Fatalf("%d raw entries; want 300", len(entries))
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-1`, `1.5e-3`, `12345678901234567890`, `-0.0`, `1E+2`,
		`{"a":[1,2,{"b":null}],"c":"\u003cd\u003e \"q\" \\ \/ \u00e9 \ud83d\ude00","e":{"f":[[],{}]}}`,
		` { "a" : [ true , false ] , "b" : "" } `,
	} {
		entries = append(entries, json.RawMessage(s))
	}
	for _, e := range entries {
		got, ok := decodeEntry(e)
		if !ok {
			t.Fatalf("decodeEntry(%s) refused", e)
		}
		if want := opaEntry(t, e); got.Compare(want) != 0 || got.String() != want.String() {
			t.Fatalf("decodeEntry(%s) = %v; OPA: %v", e, got, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":}`, `[1,]`, `[1 2]`, `"abc`, `tru`, `nul`, `01x`, `1-`, `{"a":1}x`, "\"a\x01\"", `"\x"`, `{1:2}`, `--1`, `1.`, `.5`,
		`{"dup":1,"dup":2}`, // left to OPA: the last one wins
	} {
		if v, ok := decodeEntry([]byte(bad)); ok {
			t.Errorf("decodeEntry(%q) = %v; want refused", bad, v)
		}
	}
}

func BenchmarkDecodeEntry(b *testing.B) {
	d := workload.Generate(workload.Config{Seed: 9, Partners: 100, PartnersPerTenant: 100})
	raw, _ := d.TenantsJSON()
	ts, err := tenants.Parse("generated.json", raw)
	if err != nil {
		b.Fatal(err)
	}
	var entry json.RawMessage
	for _, tenant := range ts.Data()["tenants"].(map[string]any) {
		ctap, _ := tenant.(map[string]any)["crossTenantAccessPolicy"].(map[string]any)
		partners, _ := ctap["partners"].(map[string]any)
		for _, p := range partners {
			if r, ok := p.(json.RawMessage); ok && len(r) > len(entry) {
				entry = r
			}
		}
	}
	b.Logf("entry of %d bytes", len(entry))
	b.Run("opa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			opaEntry(b, entry)
		}
	})
	b.Run("decodeEntry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeEntry(entry); !ok {
				b.Fatal("refused")
			}
		}
	})
}

// FuzzDecodeEntry: whatever bytes decodeEntry accepts, it decodes to the
// value OPA's own conversion makes of them; it may refuse (the caller then
// leaves the entry to OPA), never decode differently.
func FuzzDecodeEntry(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":[1,-2.5e3,true,null,"x\u00e9\n"],"b":{"c":[]}}`,
		`{"tenantId":"x","inboundTrust":{"isMfaAccepted":true}}`, `{"a":1,"a":2}`, `[1]`, `{"a":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := decodeEntry(b)
		if !ok {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("decodeEntry accepted invalid JSON %q", b)
		}
		if want := opaEntry(t, json.RawMessage(b)); v.Compare(want) != 0 {
			t.Fatalf("decodeEntry(%q) = %v, OPA makes %v", b, v, want)
		}
	})
}
