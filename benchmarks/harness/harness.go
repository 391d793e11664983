// Package harness is what the benchmark commands share: running a command's
// body with one exit convention, and starting `xtenant serve` on a Unix
// socket and reaching it there.
package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// Main runs run and, on error, prints it after the command's name and exits 1.
func Main(name string, run func() error) {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Latency is the median and 99th percentile of a run, in milliseconds, as
// every command's JSON line names them.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

// Server is an `xtenant serve` started for a measurement.
type Server struct {
	cmd *exec.Cmd
}

// Start runs `bin serve --addr unix:sock args...`, its output on our
// standard error.
func Start(bin, sock string, args ...string) (*Server, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "unix:" + sock}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Server{cmd: cmd}, nil
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop interrupts the server (a graceful shutdown) and waits for it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// UnixClient is an HTTP client whose every connection goes to sock; URLs
// name any host ("http://x/...").
func UnixClient(sock string, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConnsPerHost: 16,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}}}
}

// WaitReady polls /health/ready until it answers 200, for at most limit.
func WaitReady(c *http.Client, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := c.Get("http://x/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("the server never became ready")
}
