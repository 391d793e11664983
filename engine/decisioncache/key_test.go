package decisioncache

import (
	"context"
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
	c, err := New(next, fixedRevision("r1"), Config{MaxEntries: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := request()
	req.Canonicalize()
	key, err := cacheKey("r1", req)
	if err != nil {
		t.Fatal(err)
	}
	c.store.Set(key, &entry{key: "someone else", decision: &engine.Decision{Decision: "allow", Allow: true}}, 1)
	c.Wait()
	d, cached, err := c.EvaluateCached(context.Background(), request())
	if err != nil || cached || d.Allow || next.calls != 1 {
		t.Fatalf("served a foreign entry: cached=%v allow=%v calls=%d err=%v", cached, d.Allow, next.calls, err)
	}
}

func TestKeysDiffer(t *testing.T) {
	a, b := request(), request()
	b.User.Groups = []string{"c1c1c1c1-0000-4000-8000-000000000001"}
	ka, _ := cacheKey("r1", a)
	kb, _ := cacheKey("r1", b)
	kr, _ := cacheKey("r2", a)
	if ka == kb || ka == kr {
		t.Fatal("distinct requests or revisions share a key")
	}
}
