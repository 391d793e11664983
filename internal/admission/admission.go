// Package admission bounds how many policy evaluations run at once. It sits
// between the decision cache and the engine, so cached answers never wait:
// only evaluations take a slot. Waiters are queued per class (single
// decisions, batch items) and, when both classes wait, a freed slot goes to
// them in turn, so a client sending batches of 1,000 decisions delays a
// single decision by at most one evaluation per slot rather than by its
// whole batch. The queue is bounded in length and in time: beyond either, the
// request is shed with ErrOverloaded (HTTP 503 with Retry-After), never held
// without bound.
package admission

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// ErrOverloaded is a request shed because every evaluation slot was busy
// and the queue was full or waited too long. It denies.
var ErrOverloaded = errors.New("admission: too many evaluations in progress")

// Class is the queue a request waits in.
type Class int

const (
	// Single is one decision (/v1/evaluate, forward-auth, ext_authz, ...).
	Single Class = iota
	// Batch is one item of a batch (/v1/evaluate/batch, AuthZEN evaluations).
	Batch
)

type classKey struct{}

// WithClass marks ctx's evaluations as class c (Single when unmarked).
func WithClass(ctx context.Context, c Class) context.Context {
	return context.WithValue(ctx, classKey{}, c)
}

func classOf(ctx context.Context) Class {
	if c, ok := ctx.Value(classKey{}).(Class); ok {
		return c
	}
	return Single
}

// Config sizes the limiter.
type Config struct {
	// Concurrency is the number of evaluations that run at once; 0 means
	// GOMAXPROCS (evaluation is CPU-bound).
	Concurrency int
	// Queue is the most requests waiting for a slot, both classes together;
	// 0 means 64 per slot.
	Queue int
	// Wait is the longest a request waits for a slot; 0 means one second.
	Wait time.Duration
}

// Limiter hands out evaluation slots.
type Limiter struct {
	wait  time.Duration
	limit int
	max   int

	mu     sync.Mutex
	free   int
	queues [2][]*waiter
	turn   Class // which class gets the next slot when both wait

	shed     atomic.Uint64
	inFlight atomic.Int64
}

type waiter struct {
	ready   chan struct{} // closed when the slot is handed over
	granted bool          // under mu
}

// New returns a limiter.
func New(cfg Config) *Limiter {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 64 * cfg.Concurrency
	}
	if cfg.Wait <= 0 {
		cfg.Wait = time.Second
	}
	return &Limiter{wait: cfg.Wait, limit: cfg.Concurrency, max: cfg.Queue, free: cfg.Concurrency}
}

// Stats are the limiter's figures for metrics.
type Stats struct {
	Limit, InFlight, Queued int
	Shed                    uint64
}

// Stats reads the current figures.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	queued := len(l.queues[Single]) + len(l.queues[Batch])
	l.mu.Unlock()
	return Stats{Limit: l.limit, InFlight: int(l.inFlight.Load()), Queued: queued, Shed: l.shed.Load()}
}

// Acquire takes a slot for ctx's class, waiting in its queue if need be. On
// success the caller must call release exactly once.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	class := classOf(ctx)
	l.mu.Lock()
	if l.free > 0 && len(l.queues[Single])+len(l.queues[Batch]) == 0 {
		l.free--
		l.mu.Unlock()
		return l.granted(), nil
	}
	if len(l.queues[Single])+len(l.queues[Batch]) >= l.max {
		l.mu.Unlock()
		l.shed.Add(1)
		return nil, ErrOverloaded
	}
	w := &waiter{ready: make(chan struct{})}
	l.queues[class] = append(l.queues[class], w)
	l.mu.Unlock()

	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return l.granted(), nil
	case <-timer.C:
		err = ErrOverloaded
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.mu.Lock()
	if w.granted { // handed over while timing out: use it after all
		l.mu.Unlock()
		return l.granted(), nil
	}
	q := l.queues[class]
	for i, o := range q {
		if o == w {
			l.queues[class] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	l.mu.Unlock()
	if errors.Is(err, ErrOverloaded) {
		l.shed.Add(1)
	}
	return nil, err
}

func (l *Limiter) granted() func() {
	l.inFlight.Add(1)
	var once sync.Once
	return func() { once.Do(l.release) }
}

// release hands the slot to the next waiter (alternating between classes
// when both wait) or returns it to the pool.
func (l *Limiter) release() {
	l.inFlight.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	class := l.turn
	if len(l.queues[class]) == 0 {
		class = 1 - class
	}
	q := l.queues[class]
	if len(q) == 0 {
		l.free++
		return
	}
	w := q[0]
	q[0] = nil
	l.queues[class] = q[1:]
	l.turn = 1 - class
	w.granted = true
	close(w.ready)
}

// Evaluator runs Next's evaluations under the limiter.
type Evaluator struct {
	Next    engine.Evaluator
	Limiter *Limiter
}

var _ engine.Evaluator = Evaluator{}

// Evaluate waits for a slot, then evaluates.
func (e Evaluator) Evaluate(ctx context.Context, req *engine.Request) (*engine.Decision, error) {
	release, err := e.Limiter.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return e.Next.Evaluate(ctx, req)
}

// Querier is what the OPA Data API evaluates (*engine.Engine implements it).
type Querier interface {
	Query(ctx context.Context, path string, input any) (any, bool, error)
}

// LimitedQuerier runs Next's queries under the limiter.
type LimitedQuerier struct {
	Next    Querier
	Limiter *Limiter
}

// Query waits for a slot, then queries.
func (q LimitedQuerier) Query(ctx context.Context, path string, input any) (any, bool, error) {
	release, err := q.Limiter.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	defer release()
	return q.Next.Query(ctx, path, input)
}
