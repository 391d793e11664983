// Package decisioncache decorates an engine.Evaluator with a ristretto cache
// of decisions.
//
// The key is the active revision followed by a SHA-256 of the canonical
// request, and the full key is stored beside the decision and compared on a
// hit, so a hash collision in ristretto's own key hashing can never hand out
// another request's decision. Because the revision leads the key, activating a
// new revision makes every older entry unreachable at once; they simply age
// out. Errors (invalid input, not ready, undefined) are never cached, and
// every answer gets a fresh decision_id on a copy of the stored decision.
package decisioncache

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/xtenant/xtenant/engine"
)

// Config sizes the cache. Wiring decides whether to use a cache at all: a
// cache of size 0 is not built.
type Config struct {
	// MaxEntries is the number of decisions kept (each costs 1).
	MaxEntries int64
	// TTL bounds an entry's life; 0 keeps it until evicted or superseded by a
	// new revision.
	TTL time.Duration
	// NewID makes decision ids; nil means engine.NewDecisionID.
	NewID func() string
}

// Revisioner reports the revision the next evaluation will use.
// *engine.Engine implements it.
type Revisioner interface {
	Revision() string
}

// Cache is an engine.Evaluator that answers repeated requests from memory.
type Cache struct {
	next   engine.Evaluator
	rev    Revisioner
	store  *ristretto.Cache[string, *entry]
	ttl    time.Duration
	newID  func() string
	hits   atomic.Uint64
	misses atomic.Uint64
}

var _ engine.Evaluator = (*Cache)(nil)

// entry keeps the full key so a hit can be checked, and a private decision
// that is only ever copied out.
type entry struct {
	key      string
	decision *engine.Decision
}

// Stats are the cache's counters.
type Stats struct {
	Hits, Misses, Entries uint64
}

// New wraps next. rev must report the revision that next evaluates with
// (normally next itself, the *engine.Engine).
func New(next engine.Evaluator, rev Revisioner, cfg Config) (*Cache, error) {
	if cfg.MaxEntries <= 0 {
		return nil, fmt.Errorf("decisioncache: MaxEntries must be positive, got %d", cfg.MaxEntries)
	}
	store, err := ristretto.NewCache(&ristretto.Config[string, *entry]{
		NumCounters:        cfg.MaxEntries * 10,
		MaxCost:            cfg.MaxEntries,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("decisioncache: %w", err)
	}
	newID := cfg.NewID
	if newID == nil {
		newID = engine.NewDecisionID
	}
	return &Cache{next: next, rev: rev, store: store, ttl: cfg.TTL, newID: newID}, nil
}

// Evaluate answers from the cache when it can, else asks next and keeps the
// answer. The request is validated and canonicalised in place.
func (c *Cache) Evaluate(ctx context.Context, req *engine.Request) (*engine.Decision, error) {
	d, _, err := c.EvaluateCached(ctx, req)
	return d, err
}

// EvaluateCached is Evaluate that also reports whether the cache answered.
func (c *Cache) EvaluateCached(ctx context.Context, req *engine.Request) (*engine.Decision, bool, error) {
	rev := c.rev.Revision()
	if rev == "" {
		return nil, false, engine.ErrNotReady
	}
	if err := req.Validate(); err != nil {
		return nil, false, err
	}
	req.Canonicalize()
	key, err := cacheKey(rev, req)
	if err != nil {
		return nil, false, err
	}
	if e, ok := c.store.Get(key); ok && e.key == key {
		c.hits.Add(1)
		d := clone(e.decision)
		d.DecisionID = c.newID()
		return d, true, nil
	}
	c.misses.Add(1)
	d, err := c.next.Evaluate(ctx, req)
	if err != nil {
		return nil, false, err
	}
	// A swap between reading rev and evaluating would file a new revision's
	// decision under the old key; keep only what was decided under rev.
	if d.Revision == rev {
		c.store.SetWithTTL(key, &entry{key: key, decision: clone(d)}, 1, c.ttl)
	}
	return d, false, nil
}

// Stats returns the hit and miss counts and the number of entries held.
func (c *Cache) Stats() Stats {
	entries := c.store.MaxCost() - c.store.RemainingCost()
	if entries < 0 {
		entries = 0
	}
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: uint64(entries)}
}

// Size is the capacity in decisions.
func (c *Cache) Size() int64 { return c.store.MaxCost() }

// Wait blocks until pending writes are visible (ristretto sets are
// asynchronous); for tests.
func (c *Cache) Wait() { c.store.Wait() }

// Close stops the cache's goroutines.
func (c *Cache) Close() { c.store.Close() }

// cacheKey is rev ‖ 0x00 ‖ SHA-256(canonical JSON ‖ explain flag). The JSON
// of a canonical Request is deterministic: struct fields in declaration
// order, sets sorted, defaults explicit.
func cacheKey(rev string, req *engine.Request) (string, error) {
	doc, err := json.Marshal(req)
	if err != nil {
		return "", errors.Join(errors.New("decisioncache: encode request"), err)
	}
	h := sha256.New()
	h.Write(doc)
	if req.Explain {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	buf := make([]byte, 0, len(rev)+1+sha256.Size)
	buf = append(buf, rev...)
	buf = append(buf, 0)
	buf = h.Sum(buf)
	return string(buf), nil
}
