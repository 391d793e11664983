package admission

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// workers are long-lived goroutines that run evaluations, at most one per
// slot, started as slots first need them.
//
// Why not the caller's goroutine: a Go stack grows by copying and shrinks
// only at a collection, by half, and only while its goroutine uses under a
// quarter of it. One decision grows the stack it runs on to about 512 KB;
// run on the goroutine of the connection it came in on, that stack stays
// with the connection while it waits for its next request. 1,000 gateway
// connections took a server from 160 MB to 574-597 MB of peak RSS that way
// (206-209 MB on workers), and the first decision on each new connection
// paid for the growth (0.8-1.7 ms against 0.5; docs/benchmarks.md "Many
// connections"). On the limiter's own goroutines the large stacks are as
// many as the slots.
type workers struct {
	// idle holds the goroutines waiting for work. Its capacity is the
	// number of slots: a goroutine is taken and put back while a slot is
	// held, so there are never more, and putting one back never blocks.
	idle chan *worker
}

type worker struct {
	work chan func()
	done chan any // f's panic, or nil
}

// goexited is a worker's answer when f called runtime.Goexit.
type goexited struct{}

func newWorkers(slots int) workers { return workers{idle: make(chan *worker, slots)} }

// run runs f on an idle worker, or a new one, and returns when f has. The
// caller holds a slot.
func (ws workers) run(f func()) {
	var w *worker
	select {
	case w = <-ws.idle:
	default:
		w = &worker{work: make(chan func()), done: make(chan any, 1)}
		go w.loop()
	}
	w.work <- f
	p := <-w.done
	if _, ok := p.(goexited); ok {
		// f ended its goroutine (a test's t.FailNow, say): the worker is
		// gone, and so is the caller, as if f had run on it.
		runtime.Goexit()
	}
	ws.idle <- w
	if p != nil {
		panic(p)
	}
}

// close stops the idle workers. One still running puts itself back when
// done and waits there until the program ends.
func (ws workers) close() {
	for {
		select {
		case w := <-ws.idle:
			close(w.work)
		default:
			return
		}
	}
}

func (w *worker) loop() {
	exited := true
	defer func() {
		if exited {
			w.done <- goexited{}
		}
	}()
	for f := range w.work {
		w.done <- call(f)
	}
	exited = false
}

// call runs f and returns its panic, if any, carrying f's stack: the caller
// raises it again, on its own stack.
func call(f func()) (p any) {
	defer func() {
		if r := recover(); r != nil {
			p = &evaluationPanic{value: r, stack: debug.Stack()}
		}
	}()
	f()
	return nil
}

// evaluationPanic is a panic of an evaluation, raised again in the caller.
type evaluationPanic struct {
	value any
	stack []byte
}

func (e *evaluationPanic) Error() string {
	return fmt.Sprintf("%v [on the evaluating goroutine: %s]", e.value, e.stack)
}

// Unwrap lets errors.Is see through to the panic value when it was an error.
func (e *evaluationPanic) Unwrap() error {
	err, _ := e.value.(error)
	return err
}
