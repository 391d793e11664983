// Package admission bounds how many policy evaluations run at once. It sits
// between the decision cache and the engine, so cached answers never wait:
// only evaluations take a slot. Waiters are queued per class (single
// decisions, batch items) and, when both classes wait, a freed slot goes to
// them in turn, so a client sending batches of 1,000 decisions delays a
// single decision by at most one evaluation per slot rather than by its
// whole batch.
//
// Batch items never hold every slot (with two or more): one is kept for
// single decisions. Taking turns at the slots is not enough, because the
// slots are processors. Evaluation is CPU-bound and the Go scheduler neither
// preempts a goroutine before its 10 ms time slice ends nor polls the network
// more than every 10 ms while every processor is busy, so with batch items
// on every processor a single decision waited up to 10 ms at each of its
// steps (read, slot, write): 64 ms instead of 4 with four clients sending
// batches on two cores (docs/benchmarks.md). With a slot kept, a processor
// is free for it.
//
// The queue is bounded in length and in time: beyond either, the request is
// shed with ErrOverloaded (HTTP 503 with Retry-After), never held without
// bound.
//
// A slot's evaluation runs on one of the limiter's own goroutines, not on
// the caller's (workers.go): OPA's evaluation recurses deeply and grows the
// stack it runs on to about 512 KB, which a caller (one goroutine per
// connection) would keep while it waits for its next request.
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
	// batchMax is the most slots batch items hold at once: all but one.
	batchMax int

	mu        sync.Mutex
	free      int
	batchHeld int
	queues    [2][]*waiter
	turn      Class // which class gets the next slot when both wait

	shed     atomic.Uint64
	inFlight atomic.Int64

	workers workers
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
	return &Limiter{wait: cfg.Wait, limit: cfg.Concurrency, max: cfg.Queue, free: cfg.Concurrency,
		batchMax: max(1, cfg.Concurrency-1), workers: newWorkers(cfg.Concurrency)}
}

// Close stops the limiter's idle goroutines; evaluations still running
// finish on theirs. Call it once nothing evaluates through the limiter any
// more.
func (l *Limiter) Close() { l.workers.close() }

// Run waits for a slot for ctx's class, then runs f on one of the limiter's
// goroutines and returns when f has. A panic in f is raised again in the
// caller, with f's stack in its message.
func (l *Limiter) Run(ctx context.Context, f func()) error {
	release, err := l.Acquire(ctx)
	if err != nil {
		return err
	}
	func() {
		defer release()
		l.workers.run(f)
	}()
	// f's end came over a channel: this goroutine runs next on its
	// processor in what is left of the worker's time slice, and so does the
	// next waiter it hands the slot to, and that waiter's worker. While
	// every slot is busy, that chain keeps the goroutines of connections
	// whose requests have come waiting in the run queue: with one slot and
	// 32 connections sending as fast as answers came (bench-http), p99 was
	// 395 ms against 83 ms when evaluating on the caller; yielding here,
	// 46 ms, with 8 % more decisions/s than on the caller (2026-12-04,
	// docs/benchmarks.md "Many connections"). It also lets arrived requests
	// reach the queue, whose bounds then hold.
	runtime.Gosched()
	return nil
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
	// A single waits only when no slot is free; a batch item also while
	// batch items hold their share, and behind earlier ones.
	if l.free > 0 && (class == Single || (l.batchHeld < l.batchMax && len(l.queues[Batch]) == 0)) {
		l.free--
		if class == Batch {
			l.batchHeld++
		}
		l.mu.Unlock()
		return l.granted(class), nil
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
		return l.granted(class), nil
	case <-timer.C:
		err = ErrOverloaded
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.mu.Lock()
	if w.granted { // handed over while timing out: use it after all
		l.mu.Unlock()
		return l.granted(class), nil
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

func (l *Limiter) granted(class Class) func() {
	l.inFlight.Add(1)
	var once sync.Once
	return func() { once.Do(func() { l.release(class) }) }
}

// release hands the slot of class to the next waiter (alternating between
// classes when both wait, batch items only within their share) or returns
// it to the pool.
func (l *Limiter) release(class Class) {
	l.inFlight.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if class == Batch {
		l.batchHeld--
	}
	single := len(l.queues[Single]) > 0
	batch := len(l.queues[Batch]) > 0 && l.batchHeld < l.batchMax
	var next Class
	switch {
	case single && batch:
		next = l.turn
	case single:
		next = Single
	case batch:
		next = Batch
	default:
		l.free++
		return
	}
	q := l.queues[next]
	w := q[0]
	q[0] = nil
	l.queues[next] = q[1:]
	l.turn = 1 - next
	if next == Batch {
		l.batchHeld++
	}
	w.granted = true
	close(w.ready)
}

// Evaluator runs Next's evaluations under the limiter.
type Evaluator struct {
	Next    engine.Evaluator
	Limiter *Limiter
}

var _ engine.Evaluator = Evaluator{}

// Evaluate waits for a slot, then evaluates on the limiter's goroutine.
func (e Evaluator) Evaluate(ctx context.Context, req *engine.Request) (d *engine.Decision, err error) {
	if rerr := e.Limiter.Run(ctx, func() { d, err = e.Next.Evaluate(ctx, req) }); rerr != nil {
		return nil, rerr
	}
	return d, err
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

// Query waits for a slot, then queries on the limiter's goroutine.
func (q LimitedQuerier) Query(ctx context.Context, path string, input any) (v any, defined bool, err error) {
	if rerr := q.Limiter.Run(ctx, func() { v, defined, err = q.Next.Query(ctx, path, input) }); rerr != nil {
		return nil, false, rerr
	}
	return v, defined, err
}
