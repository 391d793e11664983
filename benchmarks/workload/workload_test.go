package workload

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xtenant/xtenant/engine"
	guidpkg "github.com/xtenant/xtenant/guid"
)

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := Config{Seed: 7, Partners: 1200, PartnersPerTenant: 500}
	a, err := Generate(cfg).TenantsJSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(cfg).TenantsJSON()
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different tenants")
	}
	c, _ := Generate(Config{Seed: 8, Partners: 1200, PartnersPerTenant: 500}).TenantsJSON()
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same tenants")
	}
	in1, in2 := Generate(cfg).Inputs(50), Generate(cfg).Inputs(80)
	for i := range in1 {
		if !bytes.Equal(in1[i], in2[i]) {
			t.Fatalf("input %d depends on how many inputs were drawn", i)
		}
	}
}

func TestTenantsShape(t *testing.T) {
	d := Generate(Config{Seed: 1, Partners: 1200, PartnersPerTenant: 500})
	raw, _ := d.TenantsJSON()
	var tenants map[string]struct {
		CrossTenantAccessPolicy struct {
			Partners map[string]map[string]any `json:"partners"`
		} `json:"crossTenantAccessPolicy"`
		ConditionalAccessPolicies []map[string]any `json:"conditionalAccessPolicies"`
	}
	if err := json.Unmarshal(raw, &tenants); err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 3 {
		t.Fatalf("got %d tenants, want 3", len(tenants))
	}
	partners := 0
	for id, tn := range tenants {
		if !guidpkg.Valid(id) {
			t.Errorf("tenant key %q is not a GUID", id)
		}
		if len(tn.ConditionalAccessPolicies) < 2 {
			t.Errorf("tenant %s: %d CA policies", id, len(tn.ConditionalAccessPolicies))
		}
		for pid, p := range tn.CrossTenantAccessPolicy.Partners {
			partners++
			if p["tenantId"] != pid {
				t.Fatalf("partner %s: tenantId %v", pid, p["tenantId"])
			}
		}
	}
	if partners != 1200 {
		t.Fatalf("got %d partners, want 1200", partners)
	}
}

// Every input must be accepted by the engine's own strict decoder, else the
// harness would measure 400s.
func TestInputsAreValid(t *testing.T) {
	d := Generate(Config{Seed: 1, Partners: 2000})
	seen := map[string]bool{}
	kinds := map[string]int{}
	for i, body := range d.Inputs(2000) {
		req, err := engine.DecodeRequest(body)
		if err != nil {
			t.Fatalf("input %d: %v\n%s", i, err, body)
		}
		if seen[string(body)] {
			t.Fatalf("input %d repeats", i)
		}
		seen[string(body)] = true
		kinds[req.AccessType]++
	}
	for _, k := range []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect, engine.AccessIdentitySync, engine.AccessInvitation} {
		if kinds[k] == 0 {
			t.Errorf("no %s input", k)
		}
	}
}

func TestStampWrap(t *testing.T) {
	body := Generate(Config{Seed: 1, Partners: 10}).Inputs(1)[0]
	if got := StampWrap(body, 0); !bytes.Equal(got, body) {
		t.Fatal("pass 0 must leave the body unchanged")
	}
	got := StampWrap(body, 3)
	if bytes.Equal(got, body) || !bytes.Contains(got, []byte(`"user":{"id":"00000003`)) {
		t.Fatalf("stamp not on user.id: %s", got)
	}
	if _, err := engine.DecodeRequest(got); err != nil {
		t.Fatalf("stamped body invalid: %v", err)
	}
}

func TestSource(t *testing.T) {
	dir := t.TempDir()
	inputs := filepath.Join(dir, "inputs.jsonl")
	if err := os.WriteFile(inputs, []byte("{\"user\":{\"id\":\"aaaaaaaa-0000-4000-8000-000000000000\"}}\n{\"user\":{\"id\":\"bbbbbbbb-0000-4000-8000-000000000000\"}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	seq := filepath.Join(dir, "s.seq")
	os.WriteFile(seq, []byte("1\n1\n0\n"), 0o644)

	tests := []struct {
		name  string
		seq   string
		epoch int
		opa   bool
		k     int
		want  string
	}{
		{"distinct first pass", "", 0, false, 1, `{"user":{"id":"bbbbbbbb-0000-4000-8000-000000000000"}}`},
		{"distinct second pass", "", 0, false, 2, `{"user":{"id":"00000001-0000-4000-8000-000000000000"}}`},
		{"distinct epoch", "", 1, false, 0, `{"user":{"id":"00010000-0000-4000-8000-000000000000"}}`},
		{"sequence", seq, 0, false, 4, `{"user":{"id":"bbbbbbbb-0000-4000-8000-000000000000"}}`},
		{"opa wrap", seq, 0, true, 2, `{"input":{"user":{"id":"aaaaaaaa-0000-4000-8000-000000000000"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenSource(inputs, tt.seq, tt.epoch, tt.opa)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(s.Body(tt.k)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			// The same workload moved to the epoch: what xtenant-load's runs use.
			s0, err := OpenSource(inputs, tt.seq, 0, tt.opa)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(s0.WithEpoch(tt.epoch).Body(tt.k)); got != tt.want {
				t.Fatalf("WithEpoch(%d): got %s, want %s", tt.epoch, got, tt.want)
			}
		})
	}
}

func TestZipfSequenceIsSkewed(t *testing.T) {
	seq := ZipfSequence(1, 100000, 200000, 1.1)
	counts := map[int]int{}
	for _, i := range seq {
		counts[i]++
	}
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	// With s = 1.1 the top rank takes a large share; uniform would give ~2.
	if top < 1000 || len(counts) < 1000 {
		t.Fatalf("top count %d over %d distinct: not Zipf-like", top, len(counts))
	}
	if !slices.Equal(seq[:100], ZipfSequence(1, 100000, 100, 1.1)) {
		t.Fatal("not deterministic")
	}
}
