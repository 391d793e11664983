// Package decisioncache decorates an engine.Evaluator with a ristretto cache
// of decisions.
//
// The key is a SHA-256 of the active revision, the canonical request and the
// explain flag, each field length-prefixed so that no two requests encode
// alike. Ristretto is indexed by the key's first 64 bits and the full 256
// bits are stored beside the decision and compared on a hit, so a collision
// of the short index can never hand out another request's decision. Because
// the revision is hashed in, activating a new revision makes every older
// entry unreachable at once; they simply age out. Errors (invalid input, not
// ready, undefined) are never cached, and every answer gets a fresh
// decision_id: Evaluate on a copy of the stored decision, EvaluateEncoded on
// the stored JSON encoding.
package decisioncache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
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
	// MaxEntries bounds the decisions held (the contract's --cache-size);
	// 0 bounds them by MaxBytes alone.
	MaxEntries int64
	// MaxBytes bounds the memory the cached decisions hold, as estimated by
	// entryCost, whatever MaxEntries says: one explained decision weighs as
	// much as twenty plain ones, so a count alone bounds no memory.
	MaxBytes int64
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
	next  engine.Evaluator
	rev   Revisioner
	store *ristretto.Cache[uint64, *entry]
	ttl   time.Duration
	// maxEntries is Config.MaxEntries; minCost is the least an entry costs,
	// MaxBytes/MaxEntries rounded up, so that no more than MaxEntries fit
	// in ristretto's single cost budget of MaxBytes.
	maxEntries int64
	minCost    int64
	newID      func() string
	hits       atomic.Uint64
	misses     atomic.Uint64
}

var (
	_ engine.CachedEvaluator  = (*Cache)(nil)
	_ engine.EncodedEvaluator = (*Cache)(nil)
)

// entry keeps the full key so a hit can be checked, a private decision that
// is only ever copied out, and its JSON encoding without decision_id (see
// encodeTail), shared read-only by every EvaluateEncoded answer.
type entry struct {
	sum      [sha256.Size]byte
	decision *engine.Decision
	// tail is set by the first EvaluateEncoded that needs it, so that a miss
	// through Evaluate pays no encoding. Racing writers store equal bytes.
	tail atomic.Pointer[[]byte]
}

// encoded returns the entry's tail, encoding it at the first call.
func (e *entry) encoded() ([]byte, error) {
	if t := e.tail.Load(); t != nil {
		return *t, nil
	}
	t, err := encodeTail(e.decision)
	if err != nil {
		return nil, err
	}
	e.tail.Store(&t)
	return t, nil
}

// Stats are the cache's counters.
type Stats struct {
	Hits, Misses, Entries uint64
	// Bytes is the budget the decisions held take (entryCost, at least
	// MaxBytes/MaxEntries each).
	Bytes uint64
}

// New wraps next. rev must report the revision that next evaluates with
// (normally next itself, the *engine.Engine).
func New(next engine.Evaluator, rev Revisioner, cfg Config) (*Cache, error) {
	if cfg.MaxBytes < minBytes {
		return nil, fmt.Errorf("decisioncache: MaxBytes must be at least %d, got %d", minBytes, cfg.MaxBytes)
	}
	if cfg.MaxEntries < 0 {
		return nil, fmt.Errorf("decisioncache: MaxEntries must not be negative, got %d", cfg.MaxEntries)
	}
	// Ristretto wants about ten counters per entry held when full; a plain
	// decision costs a little over 2 KiB.
	held := cfg.MaxBytes / 2048
	var minCost int64
	if cfg.MaxEntries > 0 {
		minCost = (cfg.MaxBytes + cfg.MaxEntries - 1) / cfg.MaxEntries
		held = min(held, cfg.MaxEntries)
	}
	store, err := ristretto.NewCache(&ristretto.Config[uint64, *entry]{
		NumCounters:        max(10*held, 1000),
		MaxCost:            cfg.MaxBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
		Metrics:            true, // entries held: KeysAdded - KeysEvicted
	})
	if err != nil {
		return nil, fmt.Errorf("decisioncache: %w", err)
	}
	newID := cfg.NewID
	if newID == nil {
		newID = engine.NewDecisionID
	}
	return &Cache{next: next, rev: rev, store: store, ttl: cfg.TTL, newID: newID, maxEntries: cfg.MaxEntries, minCost: minCost}, nil
}

// Evaluate answers from the cache when it can, else asks next and keeps the
// answer. The request is checked and canonicalised (Canonical) once.
func (c *Cache) Evaluate(ctx context.Context, req *engine.Request) (*engine.Decision, error) {
	d, _, err := c.EvaluateCached(ctx, req)
	return d, err
}

// EvaluateCached is Evaluate that also reports whether the cache answered.
func (c *Cache) EvaluateCached(ctx context.Context, req *engine.Request) (*engine.Decision, bool, error) {
	e, d, err := c.lookup(ctx, req)
	if err != nil {
		return nil, false, err
	}
	if e != nil {
		d = clone(e.decision)
		d.DecisionID = c.newID()
		return d, true, nil
	}
	return d, false, nil
}

// EvaluateEncoded is EvaluateCached for transports that only write the
// decision out: a hit costs no copy and no encoding.
func (c *Cache) EvaluateEncoded(ctx context.Context, req *engine.Request) (engine.Encoded, error) {
	e, d, err := c.lookup(ctx, req)
	if err != nil {
		return engine.Encoded{}, err
	}
	if e != nil {
		tail, err := e.encoded()
		if err != nil {
			return engine.Encoded{}, err
		}
		return engine.Encoded{DecisionID: c.newID(), Allow: e.decision.Allow, Cached: true, Revision: e.decision.Revision, Tail: tail}, nil
	}
	tail, err := encodeTail(d)
	if err != nil {
		return engine.Encoded{}, err
	}
	return engine.Encoded{DecisionID: d.DecisionID, Allow: d.Allow, Revision: d.Revision, Tail: tail}, nil
}

// lookup returns the entry of a hit, or else the decision of next (which it
// stores).
func (c *Cache) lookup(ctx context.Context, req *engine.Request) (*entry, *engine.Decision, error) {
	rev := c.rev.Revision()
	if rev == "" {
		return nil, nil, engine.ErrNotReady
	}
	// The canonical request (checked once, here or by DecodeRequest) goes on
	// to next, which then need not check it again; the caller's is untouched.
	req, err := req.Canonical()
	if err != nil {
		return nil, nil, err
	}
	k := cacheKey(rev, req)
	if e, ok := c.store.Get(k.index()); ok && e.sum == k {
		c.hits.Add(1)
		return e, nil, nil
	}
	c.misses.Add(1)
	d, err := c.next.Evaluate(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	// A swap between reading rev and evaluating would file a new revision's
	// decision under the old key; keep only what was decided under rev.
	if d.Revision == rev {
		// The encoding is made now, to weigh the entry; EvaluateEncoded
		// would have made it anyway.
		tail, err := encodeTail(d)
		if err != nil {
			return nil, nil, err
		}
		e := &entry{sum: k, decision: clone(d)}
		e.tail.Store(&tail)
		c.store.SetWithTTL(k.index(), e, max(entryCost(len(tail)), c.minCost), c.ttl)
	}
	return nil, d, nil
}

// minBytes is the smallest cache that holds a few explained decisions.
const minBytes = 1 << 20

// entryCost estimates the bytes an entry holds from the length of its JSON
// encoding: the encoding itself, the decoded decision beside it (Go structs,
// maps and strings take up to five times their JSON, explain's nested maps
// the most) and a fixed part for the entry, the key and ristretto's item.
// TestCacheBytesBounded holds the estimate to the heap actually used.
func entryCost(jsonLen int) int64 {
	return 1536 + 6*int64(jsonLen)
}

// tailPrefix is how encoding/json starts a Decision whose id is empty.
const tailPrefix = `{"decision_id":"",`

// encodeTail encodes d as encoding/json does (so as gin's c.JSON does) and
// drops the leading decision_id member, which each answer supplies anew.
func encodeTail(d *engine.Decision) ([]byte, error) {
	v := *d
	v.DecisionID = ""
	b, err := json.Marshal(&v)
	if err != nil {
		return nil, errors.Join(errors.New("decisioncache: encode decision"), err)
	}
	if !bytes.HasPrefix(b, []byte(tailPrefix)) {
		return nil, fmt.Errorf("decisioncache: decision encoding starts %.40q, not with decision_id", b)
	}
	return b[len(tailPrefix):], nil
}

// Stats returns the hit and miss counts and what the cache holds.
func (c *Cache) Stats() Stats {
	used := c.store.MaxCost() - c.store.RemainingCost()
	if used < 0 {
		used = 0
	}
	var entries uint64
	if added, evicted := c.store.Metrics.KeysAdded(), c.store.Metrics.KeysEvicted(); added > evicted {
		entries = added - evicted
	}
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: entries, Bytes: uint64(used)}
}

// Size is the capacity in decisions (Config.MaxEntries; 0 when only bytes
// bound it).
func (c *Cache) Size() int64 { return c.maxEntries }

// MaxBytes is the capacity in bytes.
func (c *Cache) MaxBytes() int64 { return c.store.MaxCost() }

// Wait blocks until pending writes are visible (ristretto sets are
// asynchronous); for tests.
func (c *Cache) Wait() { c.store.Wait() }

// Close stops the cache's goroutines.
func (c *Cache) Close() { c.store.Close() }

// key is the SHA-256 of a request's canonical encoding (see cacheKey).
type key [sha256.Size]byte

// index is the short key ristretto files the entry under.
func (k key) index() uint64 { return binary.LittleEndian.Uint64(k[:8]) }

// cacheKey hashes rev, the canonical request and the explain flag. Every
// string is length-prefixed and every optional part has a presence byte, so
// the encoding is injective: distinct (rev, request, explain) never share
// it. Every member of engine.Request must be written here (TestKeyCoversRequest).
func cacheKey(rev string, req *engine.Request) key {
	var stack [1024]byte
	b := appendKey(stack[:0], rev, req)
	return sha256.Sum256(b)
}

func appendKey(b []byte, rev string, r *engine.Request) []byte {
	b = appendStr(b, rev)
	b = appendStr(b, r.AccessType)
	b = appendStr(b, r.HomeTenant)
	b = appendStr(b, r.ResourceTenant)
	b = appendStr(b, r.HomeCloud)
	b = appendStr(b, r.ResourceCloud)
	b = appendStr(b, r.IdentityKind)
	if u := r.User; u != nil {
		b = append(b, 1)
		b = appendStr(b, u.ID)
		b = appendList(b, u.Groups)
		b = appendStr(b, u.UserType)
		b = appendOptStr(b, u.ResourceObjectID)
		b = appendList(b, u.ResourceGroups)
		b = appendBool(b, u.GDAPSession)
	} else {
		b = append(b, 0)
	}
	if a := r.Application; a != nil {
		b = append(b, 1)
		b = appendStr(b, a.ID)
		b = appendOptStr(b, a.ClientID)
	} else {
		b = append(b, 0)
	}
	if c := r.Claims; c != nil {
		b = append(b, 1)
		b = appendBool(b, c.MFA)
		b = appendBool(b, c.CompliantDevice)
		b = appendBool(b, c.HybridJoinedDevice)
	} else {
		b = append(b, 0)
	}
	if tr := r.TenantRestrictions; tr != nil {
		b = append(b, 1)
		b = appendStr(b, tr.Tenant)
		b = appendStr(b, tr.PolicyID)
	} else {
		b = append(b, 0)
	}
	if inv := r.Invitation; inv != nil {
		b = append(b, 1)
		b = appendList(b, inv.InviterRoles)
		b = appendStr(b, inv.InviterUserType)
		b = appendStr(b, inv.InviteeEmail)
	} else {
		b = append(b, 0)
	}
	return appendBool(b, r.Explain)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendOptStr keeps nil apart from "".
func appendOptStr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, 0)
	}
	return appendStr(append(b, 1), *s)
}

// appendList writes nil and [] alike: Canonicalize makes every empty list
// nil, and the policy reads an absent list as an empty one.
func appendList(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = appendStr(b, s)
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}
