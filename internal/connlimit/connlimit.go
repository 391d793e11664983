// Package connlimit bounds the connections an http.Server holds open. At the
// limit, a new connection takes the place of an idle keep-alive one; when
// none is idle, the new connection is closed at once. Without it, clients
// holding idle connections exhaust the process's file descriptors and the
// server stops accepting anyone (4,200 idle connections did with 4,096).
package connlimit

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// Listener is a net.Listener that keeps at most Max connections open. Its
// ConnState method must be the server's http.Server.ConnState, which tells it
// which connections are idle and which have closed.
type Listener struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[net.Conn]http.ConnState

	refused, evicted atomic.Uint64
}

// New wraps ln; max must be positive.
func New(ln net.Listener, max int) *Listener {
	return &Listener{Listener: ln, max: max, open: make(map[net.Conn]http.ConnState, max)}
}

// Accept returns the next connection, making room for it first.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if len(l.open) >= l.max {
			victim := l.idle()
			if victim == nil {
				l.mu.Unlock()
				// Counted before the close: a client that sees its
				// connection closed must find the refusal counted.
				l.refused.Add(1)
				_ = c.Close()
				continue
			}
			delete(l.open, victim)
			l.evicted.Add(1)
			_ = victim.Close() // the server sees the close and forgets it
		}
		l.open[c] = http.StateNew
		l.mu.Unlock()
		return c, nil
	}
}

// idle returns an idle connection, or nil. Called with l.mu held.
func (l *Listener) idle() net.Conn {
	for c, st := range l.open {
		if st == http.StateIdle {
			return c
		}
	}
	return nil
}

// ConnState records a connection's state (http.Server.ConnState).
func (l *Listener) ConnState(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.open[c]; !ok {
		return
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(l.open, c)
		return
	}
	l.open[c] = st
}

// Stats are the listener's figures for metrics.
type Stats struct {
	Max, Open        int
	Refused, Evicted uint64
}

// Stats reads the current figures.
func (l *Listener) Stats() Stats {
	l.mu.Lock()
	open := len(l.open)
	l.mu.Unlock()
	return Stats{Max: l.max, Open: open, Refused: l.refused.Load(), Evicted: l.evicted.Load()}
}
