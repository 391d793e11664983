package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/benchmarks/workload"
)

func TestPacerWaits(t *testing.T) {
	p, err := newPacer()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now()
	if err := p.wait(20 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 20*time.Millisecond {
		t.Fatalf("wait(20ms) returned after %v", got)
	}
	start = time.Now()
	if err := p.wait(-time.Second); err != nil || time.Since(start) > 10*time.Millisecond {
		t.Fatalf("a wait for a past due time: %v after %v", err, time.Since(start))
	}
}

func TestLoadOpenAndClosedLoop(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Method != http.MethodPost {
			return // connect's GETs
		}
		if served.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"decision":"allow"}`)
	}))
	defer srv.Close()
	src := source(t, "{\"a\":1}\n{\"a\":2}\n")
	tests := []struct {
		name     string
		rate     float64
		min, max int64
	}{
		// Open loop: 200/s for 0.5 s is the 100 requests due in it, whatever the
		// server's speed (99 if the last wait overshoots the end).
		{"open loop", 200, 99, 100},
		// Closed loop: as fast as answers come, far more than the open loop's.
		{"closed loop", 0, 200, 1 << 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			served.Store(0)
			client := newClient(4)
			if err := connect(client, srv.URL, 4); err != nil {
				t.Fatal(err)
			}
			res, err := load(client, src, srv.URL, 4, 500*time.Millisecond, tc.rate)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests < tc.min || res.Requests > tc.max {
				t.Fatalf("%d requests, want %d–%d", res.Requests, tc.min, tc.max)
			}
			// Every tenth answer is a 503: counted as errors, still sampled.
			if res.Errors == 0 || res.Errors > res.Requests/5 {
				t.Fatalf("%d errors of %d requests, want about a tenth", res.Errors, res.Requests)
			}
			if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
				t.Fatalf("latencies out of order: %+v", res)
			}
		})
	}
}

// TestRunsReuseConnections: connect opens every connection before the clock
// starts, and later runs (a warm-up, then the measured ones) dial none: no
// run pays for a connection's set-up.
func TestRunsReuseConnections(t *testing.T) {
	var dialled atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond) // in flight when a run ends
		io.WriteString(w, `{"decision":"allow"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	src := source(t, "{\"a\":1}\n")
	const conns = 8
	client := newClient(conns)
	if err := connect(client, srv.URL, conns); err != nil {
		t.Fatal(err)
	}
	if got := dialled.Load(); got != conns {
		t.Fatalf("connect opened %d connections, want %d", got, conns)
	}
	for run, rate := range []float64{2000, 0, 2000} {
		res, err := load(client, src.WithEpoch(run), srv.URL, conns, 200*time.Millisecond, rate)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests == 0 || res.Errors != 0 {
			t.Fatalf("run %d: %+v", run, res)
		}
	}
	if got := dialled.Load(); got != conns {
		t.Fatalf("%d connections after three runs, want the %d connect opened", got, conns)
	}
}

func TestConnectFails(t *testing.T) {
	if err := connect(newClient(2), "http://127.0.0.1:1/", 2); err == nil {
		t.Fatal("connect to a closed port: no error")
	}
}

// source is the distinct workload over the given inputs.jsonl lines.
func source(t *testing.T, lines string) *workload.Source {
	t.Helper()
	inputs := filepath.Join(t.TempDir(), "inputs.jsonl")
	if err := os.WriteFile(inputs, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := workload.OpenSource(inputs, "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
