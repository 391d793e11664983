package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timerfdPacer waits on a timerfd the runtime's netpoller watches. Go's own
// timers wake a parked program through epoll_wait's millisecond timeout, so
// a wait overshoots by up to a millisecond (about 1 ms for a 50 µs wait on
// the benchmark machine), and that overshoot would count as server latency;
// a timerfd fires at the kernel timer's resolution instead.
type timerfdPacer struct {
	fd  int // kept apart: os.File.Fd would put the descriptor back in blocking mode
	f   *os.File
	buf [8]byte
}

func newPacer() (pacer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	return &timerfdPacer{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}, nil
}

func (p *timerfdPacer) wait(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	if err := unix.TimerfdSettime(p.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	// The read parks this goroutine in the netpoller until the timer fires.
	_, err := p.f.Read(p.buf[:])
	return err
}

func (p *timerfdPacer) Close() error { return p.f.Close() }
