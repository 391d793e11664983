package admission_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
)

// deep uses about n KB of stack, as a decision does (about 512 KB).
func deep(n int) byte {
	var frame [1024]byte
	frame[n%len(frame)] = byte(n)
	if n == 0 {
		return frame[0]
	}
	return deep(n-1) + frame[n%len(frame)]
}

func goroutineID() string {
	var buf [64]byte
	f := strings.Fields(string(buf[:runtime.Stack(buf[:], false)]))
	return f[1] // "goroutine 123 [running]:"
}

// stackEvaluator grows the stack it runs on like a decision and records
// which goroutine that was.
type stackEvaluator struct {
	mu  sync.Mutex
	ran map[string]bool
}

func (s *stackEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	deep(256)
	s.mu.Lock()
	s.ran[goroutineID()] = true
	s.mu.Unlock()
	return &engine.Decision{Decision: "allow"}, nil
}

func stackBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestEvaluationsLeaveCallersStacksSmall: 200 callers (a server's
// connections) evaluate once each and then wait, as a connection waits for
// its next request. The evaluations ran on as many goroutines as there are
// slots, so the callers' stacks stayed small: the waiting callers hold a
// fraction of the 200 × 256 KB they would if each had evaluated itself.
func TestEvaluationsLeaveCallersStacksSmall(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 2, Queue: 1000, Wait: 10 * time.Second})
	defer l.Close()
	ev := &stackEvaluator{ran: map[string]bool{}}
	limited := admission.Evaluator{Next: ev, Limiter: l}

	const callers = 200
	before := stackBytes()
	var evaluated sync.WaitGroup
	hold := make(chan struct{})
	errs := make(chan error, callers)
	for range callers {
		evaluated.Add(1)
		go func() {
			d, err := limited.Evaluate(context.Background(), &engine.Request{})
			if err == nil && d.Decision != "allow" {
				err = fmt.Errorf("decision %q", d.Decision)
			}
			errs <- err
			evaluated.Done()
			<-hold
		}()
	}
	evaluated.Wait()
	grown := stackBytes() - before
	close(hold)
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(ev.ran) > 2 {
		t.Errorf("evaluations ran on %d goroutines, want at most the 2 slots' workers", len(ev.ran))
	}
	// Each caller's own stack is a few KB; evaluated on the callers, 200 ×
	// 256 KB would be 50 MB.
	if grown > 8<<20 {
		t.Fatalf("stacks grew by %d MB while %d callers waited", grown>>20, callers)
	}
}

type panicEvaluator struct{ value any }

func (p panicEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	panic(p.value)
}

// TestPanicRaisedInCaller: a panic in an evaluation is raised again in the
// caller (where the HTTP server's recovery answers 500), carrying the
// evaluating goroutine's stack; the slot and the worker serve the next
// evaluation.
func TestPanicRaisedInCaller(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 10, Wait: time.Second})
	defer l.Close()
	sentinel := errors.New("evaluator broke")
	for _, value := range []any{"boom", sentinel} {
		got := func() (p any) {
			defer func() { p = recover() }()
			admission.Evaluator{Next: panicEvaluator{value}, Limiter: l}.Evaluate(context.Background(), &engine.Request{})
			return nil
		}()
		err, ok := got.(error)
		if !ok {
			t.Fatalf("recovered %#v, want an error", got)
		}
		if !strings.Contains(err.Error(), fmt.Sprint(value)) || !strings.Contains(err.Error(), "panicEvaluator") {
			t.Fatalf("panic %q: want the value and the evaluating stack", err)
		}
		if v, isErr := value.(error); isErr && !errors.Is(err, v) {
			t.Fatalf("errors.Is(%v, %v) = false", err, v)
		}
	}
	d, err := admission.Evaluator{Next: &stackEvaluator{ran: map[string]bool{}}, Limiter: l}.Evaluate(context.Background(), &engine.Request{})
	if err != nil || d.Decision != "allow" {
		t.Fatalf("after the panics: %v, %v", d, err)
	}
	if st := l.Stats(); st.InFlight != 0 {
		t.Fatalf("slots still held: %+v", st)
	}
}

type goexitEvaluator struct{}

func (goexitEvaluator) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	runtime.Goexit()
	return nil, nil
}

// TestGoexitEndsCaller: an evaluation that ends its goroutine ends the
// caller's too, as if it had run there, and releases the slot.
func TestGoexitEndsCaller(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 10, Wait: time.Second})
	defer l.Close()
	returned := make(chan bool, 1)
	go func() {
		defer func() { returned <- false }()
		admission.Evaluator{Next: goexitEvaluator{}, Limiter: l}.Evaluate(context.Background(), &engine.Request{})
		returned <- true
	}()
	if <-returned {
		t.Fatal("Evaluate returned after its evaluation ended the goroutine")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := admission.Evaluator{Next: &stackEvaluator{ran: map[string]bool{}}, Limiter: l}.Evaluate(ctx, &engine.Request{})
	if err != nil || d.Decision != "allow" {
		t.Fatalf("next evaluation: %v, %v", d, err)
	}
}

type stackQuerier struct{ on chan string }

func (q stackQuerier) Query(_ context.Context, path string, _ any) (any, bool, error) {
	deep(64)
	q.on <- goroutineID()
	return path, true, nil
}

// TestQueriesRunOnWorkers: Data API queries take the same goroutines.
func TestQueriesRunOnWorkers(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 10, Wait: time.Second})
	defer l.Close()
	q := stackQuerier{on: make(chan string, 2)}
	for range 2 {
		v, defined, err := admission.LimitedQuerier{Next: q, Limiter: l}.Query(context.Background(), "x/y", nil)
		if err != nil || !defined || v != "x/y" {
			t.Fatalf("query: %v %v %v", v, defined, err)
		}
	}
	first, second := <-q.on, <-q.on
	if first != second || first == goroutineID() {
		t.Fatalf("queries ran on goroutines %s and %s (caller %s), want one worker", first, second, goroutineID())
	}
}

// TestCloseStopsIdleWorkers: after Close no worker goroutine is left.
func TestCloseStopsIdleWorkers(t *testing.T) {
	base := runtime.NumGoroutine()
	l := admission.New(admission.Config{Concurrency: 4, Queue: 100, Wait: time.Second})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			admission.Evaluator{Next: &stackEvaluator{ran: map[string]bool{}}, Limiter: l}.Evaluate(context.Background(), &engine.Request{})
		})
	}
	wg.Wait()
	l.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), base, bytes.TrimSpace(buf[:runtime.Stack(buf, true)]))
		}
		time.Sleep(time.Millisecond)
	}
}
