package httpapi

import (
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts bound every phase of a connection (--read-timeout,
// --write-timeout, --idle-timeout).
type Timeouts struct {
	Read, Write, Idle time.Duration
}

// NewServer returns the HTTP server for h. Headers, the whole request, the
// answer and keep-alive idling are bounded (a body stalling half-way is cut
// at t.Read); connState, when set, tracks connections (package connlimit).
func NewServer(h http.Handler, t Timeouts, connState func(net.Conn, http.ConnState), log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, t.Read),
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ConnState:         connState,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
