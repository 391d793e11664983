package decisioncache

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/xtenant/xtenant/engine"
)

type fixedRevision string

func (r fixedRevision) Revision() string { return string(r) }

type countingEvaluator struct{ calls int }

func (e *countingEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	e.calls++
	return &engine.Decision{Decision: "deny", Revision: "r1", Reasons: []engine.Reason{}}, nil
}

func request() *engine.Request {
	return &engine.Request{
		AccessType: engine.AccessB2BCollaboration, HomeTenant: "11111111-1111-1111-1111-111111111111",
		ResourceTenant: "22222222-2222-2222-2222-222222222222",
		User:           &engine.User{ID: "a1a1a1a1-0000-4000-8000-000000000001"},
		Application:    &engine.Application{ID: "d1d1d1d1-0000-4000-8000-0000000000a1"},
	}
}

// A foreign entry filed under our key (as a ristretto hash collision would)
// must not be served: the stored full key is compared.
func TestStoredKeyIsCompared(t *testing.T) {
	next := &countingEvaluator{}
	c, err := New(next, fixedRevision("r1"), Config{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, err := request().Canonical()
	if err != nil {
		t.Fatal(err)
	}
	k := cacheKey("r1", req)
	foreign := k
	foreign[31] ^= 1 // same ristretto index, another full key
	c.store.Set(k.index(), &entry{sum: foreign, decision: &engine.Decision{Decision: "allow", Allow: true}}, 1)
	c.Wait()
	d, cached, err := c.EvaluateCached(context.Background(), request())
	if err != nil || cached || d.Allow || next.calls != 1 {
		t.Fatalf("served a foreign entry: cached=%v allow=%v calls=%d err=%v", cached, d.Allow, next.calls, err)
	}
}

func TestKeysDiffer(t *testing.T) {
	a, b := request(), request()
	b.User.Groups = []string{"c1c1c1c1-0000-4000-8000-000000000001"}
	ka := cacheKey("r1", a)
	kb := cacheKey("r1", b)
	kr := cacheKey("r2", a)
	if ka == kb || ka == kr {
		t.Fatal("distinct requests or revisions share a key")
	}
}

// TestKeyEncodingIsInjective: requests that differ in any one member, or
// that would read alike if fields were merely concatenated, get distinct
// keys; an equal request gets the same key.
func TestKeyEncodingIsInjective(t *testing.T) {
	str := func(s string) *string { return &s }
	variants := map[string]func(r *engine.Request){
		"base":            func(r *engine.Request) {},
		"access type":     func(r *engine.Request) { r.AccessType = engine.AccessB2BDirectConnect },
		"home tenant":     func(r *engine.Request) { r.HomeTenant = "33333333-3333-3333-3333-333333333333" },
		"home cloud":      func(r *engine.Request) { r.HomeCloud = "microsoftonline.us" },
		"resource cloud":  func(r *engine.Request) { r.ResourceCloud = "microsoftonline.us" },
		"identity kind":   func(r *engine.Request) { r.IdentityKind = "msa" },
		"no user":         func(r *engine.Request) { r.User = nil },
		"user id":         func(r *engine.Request) { r.User.ID = "" },
		"groups":          func(r *engine.Request) { r.User.Groups = []string{"c1"} },
		"groups split":    func(r *engine.Request) { r.User.Groups = []string{"c", "1"} },
		"resource groups": func(r *engine.Request) { r.User.ResourceGroups = []string{"c1"} },
		"user type":       func(r *engine.Request) { r.User.UserType = "member" },
		"object id":       func(r *engine.Request) { r.User.ResourceObjectID = str("") },
		"gdap":            func(r *engine.Request) { r.User.GDAPSession = true },
		"no application":  func(r *engine.Request) { r.Application = nil },
		"client id":       func(r *engine.Request) { r.Application.ClientID = str("") },
		"claims":          func(r *engine.Request) { r.Claims = &engine.Claims{} },
		"mfa":             func(r *engine.Request) { r.Claims = &engine.Claims{MFA: true} },
		"compliant":       func(r *engine.Request) { r.Claims = &engine.Claims{CompliantDevice: true} },
		"hybrid":          func(r *engine.Request) { r.Claims = &engine.Claims{HybridJoinedDevice: true} },
		"restrictions":    func(r *engine.Request) { r.TenantRestrictions = &engine.TenantRestrictions{} },
		"restriction tid": func(r *engine.Request) { r.TenantRestrictions = &engine.TenantRestrictions{Tenant: "x"} },
		"restriction pid": func(r *engine.Request) { r.TenantRestrictions = &engine.TenantRestrictions{PolicyID: "x"} },
		"invitation":      func(r *engine.Request) { r.Invitation = &engine.Invitation{} },
		"inviter roles":   func(r *engine.Request) { r.Invitation = &engine.Invitation{InviterRoles: []string{"a"}} },
		"inviter type":    func(r *engine.Request) { r.Invitation = &engine.Invitation{InviterUserType: "a"} },
		"invitee":         func(r *engine.Request) { r.Invitation = &engine.Invitation{InviteeEmail: "a"} },
		"explain":         func(r *engine.Request) { r.Explain = true },
		"tenants shifted": func(r *engine.Request) {
			r.HomeTenant, r.ResourceTenant = r.HomeTenant+r.ResourceTenant[:1], r.ResourceTenant[1:]
		},
	}
	seen := map[key]string{}
	for name, change := range variants {
		r := request()
		change(r)
		k := cacheKey("r1", r)
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share a key", name, other)
		}
		seen[k] = name
	}
	if cacheKey("r1", request()) != cacheKey("r1", request()) {
		t.Error("equal requests got different keys")
	}
}

// TestKeyCoversRequest fails when engine.Request gains a member: appendKey
// must then be taught to write it, or requests differing only there would
// share a cached decision.
func TestKeyCoversRequest(t *testing.T) {
	members := map[reflect.Type]int{
		// 12 members and the mark of a canonical request, which is no content.
		reflect.TypeFor[engine.Request]():            13,
		reflect.TypeFor[engine.User]():               6,
		reflect.TypeFor[engine.Application]():        2,
		reflect.TypeFor[engine.Claims]():             3,
		reflect.TypeFor[engine.TenantRestrictions](): 2,
		reflect.TypeFor[engine.Invitation]():         3,
	}
	for typ, n := range members {
		if typ.NumField() != n {
			t.Errorf("%s has %d members, cacheKey writes %d: update appendKey", typ, typ.NumField(), n)
		}
	}
}

type richEvaluator struct{}

func (richEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	s := func(v string) *string { return &v }
	return &engine.Decision{DecisionID: "evaluated-id", Decision: "deny", DeniedBy: s("resource_inbound"), ErrorCode: s("AADSTS500213"),
		StepUp: []engine.StepUp{}, Controls: engine.Controls{MFA: "not_required", CompliantDevice: "not_required", HybridJoinedDevice: "not_required"},
		ConsentPrompt: true, Reasons: []engine.Reason{{Code: "RESOURCE_INBOUND_BLOCKED", Stage: "resource_inbound", Tenant: s("t"),
			Message: "Contoso & <Fabrikam> \u2028 \"blocked\" é"}}, ReportOnly: []engine.ReportOnly{},
		Revision: "r1", Explain: map[string]any{"b": []any{1.5, "x"}, "a": nil}}, nil
}

// EvaluateEncoded writes exactly what encoding/json writes for the decision
// EvaluateCached returns, on a miss and on a hit.
func TestEncodedMatchesEncodingJSON(t *testing.T) {
	ids := []string{"id-1", "id-<2>", "id-3"}
	n := 0
	c, err := New(richEvaluator{}, fixedRevision("r1"), Config{MaxBytes: 1 << 20, NewID: func() string { n++; return ids[n%len(ids)] }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		enc, err := c.EvaluateEncoded(context.Background(), request())
		if err != nil {
			t.Fatal(err)
		}
		c.Wait()
		if enc.Cached != (i > 0) || enc.Allow {
			t.Fatalf("round %d: cached=%v allow=%v", i, enc.Cached, enc.Allow)
		}
		d, _, err := c.EvaluateCached(context.Background(), request())
		if err != nil {
			t.Fatal(err)
		}
		d.DecisionID = enc.DecisionID
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := enc.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("round %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

type fixedEvaluator struct{ d *engine.Decision }

func (e fixedEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	d := *e.d
	return &d, nil
}

// BenchmarkOverhead is what the cache itself costs, with an evaluator that
// answers at once: Miss is every request new (key, lookup, copy, store),
// Hit every request cached; Encoded* are the same through EvaluateEncoded.
func BenchmarkOverhead(b *testing.B) {
	d, _ := richEvaluator{}.Evaluate(context.Background(), nil)
	d.Explain = nil
	reqs := make([]*engine.Request, 1<<16)
	for i := range reqs {
		r := request()
		r.User.Groups = []string{fmt.Sprintf("c1c1c1c1-0000-4000-8000-%012d", i)}
		reqs[i] = r
	}
	for _, encoded := range []bool{false, true} {
		name := map[bool]string{false: "", true: "Encoded"}[encoded]
		eval := func(c *Cache, r *engine.Request) bool {
			if encoded {
				e, err := c.EvaluateEncoded(context.Background(), r)
				return err == nil && e.Cached
			}
			_, hit, err := c.EvaluateCached(context.Background(), r)
			return err == nil && hit
		}
		b.Run(name+"Miss", func(b *testing.B) {
			c, _ := New(fixedEvaluator{d}, fixedRevision("r1"), Config{MaxBytes: 1 << 26})
			defer c.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := *reqs[i%len(reqs)]
				r.HomeTenant = fmt.Sprintf("%08d-1111-1111-1111-111111111111", i/len(reqs)) // never seen
				eval(c, &r)
				i++
			}
		})
		b.Run(name+"Hit", func(b *testing.B) {
			c, _ := New(fixedEvaluator{d}, fixedRevision("r1"), Config{MaxBytes: 1 << 26})
			defer c.Close()
			for _, r := range reqs[:100] {
				eval(c, r)
			}
			c.Wait()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !eval(c, reqs[i%100]) {
					b.Fatal("want a hit")
				}
				i++
			}
		})
	}
}
