package admission_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/internal/admission"
)

func acquire(t *testing.T, l *admission.Limiter, ctx context.Context) func() {
	t.Helper()
	release, err := l.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return release
}

func TestConcurrencyBounded(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 3, Queue: 1000, Wait: 10 * time.Second})
	var running, most atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			release := acquire(t, l, context.Background())
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			release()
		})
	}
	wg.Wait()
	if most.Load() > 3 {
		t.Fatalf("%d ran at once, limit 3", most.Load())
	}
	if st := l.Stats(); st.InFlight != 0 || st.Queued != 0 || st.Shed != 0 {
		t.Fatalf("stats after all released: %+v", st)
	}
}

// TestShedWhenQueueFull: beyond the queue, a request is refused at once.
func TestShedWhenQueueFull(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 1, Wait: 10 * time.Second})
	release := acquire(t, l, context.Background())
	queued := make(chan error, 1)
	go func() {
		r, err := l.Acquire(context.Background())
		if err == nil {
			r()
		}
		queued <- err
	}()
	for l.Stats().Queued != 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := l.Acquire(context.Background()); !errors.Is(err, admission.ErrOverloaded) {
		t.Fatalf("queue full: err = %v, want ErrOverloaded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("shedding took %s", d)
	}
	release()
	if err := <-queued; err != nil {
		t.Fatalf("the queued request: %v", err)
	}
	if st := l.Stats(); st.Shed != 1 {
		t.Fatalf("shed = %d, want 1", st.Shed)
	}
}

// TestShedAfterWait: a queued request gives up after Wait; a cancelled one
// at once, with its context's error.
func TestShedAfterWait(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 10, Wait: 30 * time.Millisecond})
	release := acquire(t, l, context.Background())
	defer release()
	if _, err := l.Acquire(context.Background()); !errors.Is(err, admission.ErrOverloaded) {
		t.Fatalf("err = %v, want ErrOverloaded", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
	if st := l.Stats(); st.Queued != 0 {
		t.Fatalf("a request left behind in the queue: %+v", st)
	}
}

// TestFairBetweenClasses: with batch items queued ahead, a single decision
// gets the next slot but one, not a place behind the whole batch.
func TestFairBetweenClasses(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 1000, Wait: 10 * time.Second})
	release := acquire(t, l, context.Background())
	batch := admission.WithClass(context.Background(), admission.Batch)
	var order []string
	var mu sync.Mutex
	record := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r := acquire(t, l, batch)
			record("b")
			r()
		})
	}
	for l.Stats().Queued != 20 {
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() {
		r := acquire(t, l, context.Background())
		record("s")
		r()
	})
	for l.Stats().Queued != 21 {
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	for i, s := range order {
		if s == "s" {
			if i > 1 {
				t.Fatalf("the single decision ran after %d batch items: %v", i, order)
			}
			return
		}
	}
	t.Fatalf("the single decision never ran: %v", order)
}

// TestBatchKeepsOneSlot: batch items hold all slots but one, so a single
// decision finds a slot (and a processor) at once however many batch items
// wait; a slot freed by a batch item goes to the next one.
func TestBatchKeepsOneSlot(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 3, Queue: 1000, Wait: 10 * time.Second})
	batch := admission.WithClass(context.Background(), admission.Batch)
	first, second := acquire(t, l, batch), acquire(t, l, batch)
	third := make(chan func(), 1)
	go func() { third <- acquire(t, l, batch) }()
	for l.Stats().Queued != 1 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan func(), 1)
	go func() { done <- acquire(t, l, context.Background()) }()
	var single func()
	select {
	case single = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a single decision waited while batch items held 2 of 3 slots")
	}
	if st := l.Stats(); st.InFlight != 3 || st.Queued != 1 {
		t.Fatalf("stats: %+v, want 3 in flight and the third batch item queued", st)
	}
	single() // frees the kept slot: still not the batch item's
	time.Sleep(20 * time.Millisecond)
	if st := l.Stats(); st.InFlight != 2 || st.Queued != 1 {
		t.Fatalf("after the single: %+v, want the batch item still queued", st)
	}
	first()
	r := <-third
	second()
	r()
	if st := l.Stats(); st.InFlight != 0 || st.Queued != 0 {
		t.Fatalf("stats after all released: %+v", st)
	}
}

// TestOneSlotShared: with a single slot, batch items still get it.
func TestOneSlotShared(t *testing.T) {
	l := admission.New(admission.Config{Concurrency: 1, Queue: 10, Wait: time.Second})
	acquire(t, l, admission.WithClass(context.Background(), admission.Batch))()
}
