// Command xtenant-load is the load harness's Go load generator: the fallback
// when wrk is missing, and the only generator for fixed-rate runs (wrk has
// no rate control).
//
// Closed loop (-rate 0): -connections workers each send the next request as
// soon as their previous answer arrives; this measures maximum throughput.
// Open loop (-rate R): request k is due at start + k/R; its latency is
// measured from when it was due, not from when it was sent, so a stalled
// server is charged for the queue it causes (no coordinated omission).
//
// Every connection is opened, and every sample buffer allocated, before the
// clock starts (as wrk connects before it measures): a gateway keeps its
// connections to the decision point open, and a run that dialled as it went
// charged its first ~100 ms of requests with the generator's own start-up
// (the gin floor's p99 was 0.3-0.8 ms with up to 16 requests over 2 ms, all
// in those first 100 ms, 2026-12-04).
//
// -warmup D sends for D first (epoch -epoch, not reported); then -reps runs
// follow over the same connections, with epochs counting on from there.
// Each run prints one JSON line: requests, errors, seconds, rps and the
// latency percentiles p50/p99/p99.9/max in milliseconds (exact: every
// sample kept).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xtenant/xtenant/benchmarks/harness"
	"github.com/xtenant/xtenant/benchmarks/workload"
)

type result struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	harness.Latency
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Rate float64 `json:"target_rate,omitempty"`
}

func main() { harness.Main("xtenant-load", run) }

func run() error {
	url := flag.String("url", "", "endpoint to POST to")
	inputs := flag.String("inputs", "", "inputs.jsonl written by xtenant-gen")
	seq := flag.String("seq", "", "sequence file (zipf.seq, hot.seq); empty: the distinct workload")
	epoch := flag.Int("epoch", 0, "distinct workload: separates runs so no body repeats")
	opa := flag.Bool("opa-input", false, `wrap each body as {"input": …}`)
	conns := flag.Int("connections", 32, "concurrent connections")
	duration := flag.Duration("duration", 10*time.Second, "how long each run sends")
	rate := flag.Float64("rate", 0, "requests per second (0: closed loop, as fast as answers come)")
	warmup := flag.Duration("warmup", 0, "send this long first, over the same connections, and report nothing of it")
	reps := flag.Int("reps", 1, "runs, one JSON line each")
	flag.Parse()
	if *url == "" || *inputs == "" || *conns < 1 || *duration <= 0 || *warmup < 0 || *reps < 1 {
		return fmt.Errorf("need -url, -inputs, -connections >= 1, -duration > 0, -warmup >= 0 and -reps >= 1")
	}
	src, err := workload.OpenSource(*inputs, *seq, *epoch, *opa)
	if err != nil {
		return err
	}
	client := newClient(*conns)
	if err := connect(client, *url, *conns); err != nil {
		return err
	}
	e := *epoch
	if *warmup > 0 {
		if _, err := load(client, src.WithEpoch(e), *url, *conns, *warmup, *rate); err != nil {
			return err
		}
		e++
	}
	out := json.NewEncoder(os.Stdout)
	for r := range *reps {
		res, err := load(client, src.WithEpoch(e+r), *url, *conns, *duration, *rate)
		if err != nil {
			return err
		}
		if err := out.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

// newClient keeps up to conns connections to one server, all reusable.
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
	}, Timeout: 30 * time.Second}
}

// load runs one measurement over client's connections (opened by connect).
func load(client *http.Client, src *workload.Source, url string, conns int, duration time.Duration, rate float64) (result, error) {
	var errs atomic.Int64
	// due hands each request's due time to a free worker: in the open loop
	// one pacer releases request k at start + k/R; in the closed loop every
	// worker takes the next as soon as it is free.
	type job struct {
		k   int64
		due time.Time
	}
	jobs := make(chan job, conns)
	samples := make([][]time.Duration, conns)
	for w := range samples {
		samples[w] = make([]time.Duration, 0, 1<<16)
	}
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := samples[w]
			defer func() { samples[w] = lat }()
			for j := range jobs {
				due := j.due
				if rate == 0 {
					due = time.Now()
				}
				// Not cut off at the deadline: a cancelled request closes its
				// connection, which the next run would have to dial again.
				if !post(client, url, src.Body(int(j.k))) {
					errs.Add(1)
				}
				lat = append(lat, time.Since(due))
			}
		}()
	}
	p, err := newPacer()
	if err != nil {
		return result{}, err
	}
	defer p.Close()
	start := time.Now()
	end := start.Add(duration)
	// The run ends by the clock, not by a timer: a Go timer can fire late,
	// and the open loop sends exactly the requests due before the end.
	stop := time.NewTimer(duration)
	defer stop.Stop()
send:
	for k := int64(0); ; k++ {
		var due time.Time
		if rate > 0 {
			due = start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
			if !due.Before(end) {
				break
			}
			if err := p.wait(time.Until(due)); err != nil {
				return result{}, err
			}
		} else if !time.Now().Before(end) {
			break
		}
		select {
		case jobs <- job{k, due}:
		case <-stop.C: // every worker still busy when the run ends
			break send
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	all := slices.Concat(samples...)
	if len(all) == 0 {
		return result{}, fmt.Errorf("%s: no request completed", url)
	}
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[min(len(all)-1, int(q*float64(len(all))))]) / 1e6
	}
	return result{
		Requests: int64(len(all)), Errors: errs.Load(), Seconds: elapsed, RPS: float64(len(all)) / elapsed,
		Latency: harness.Latency{P50: ms(0.50), P99: ms(0.99)}, P999: ms(0.999), Max: float64(all[len(all)-1]) / 1e6, Rate: rate,
	}, nil
}

// connect opens conns connections to url's server and leaves them idle in
// c's pool: one GET on each, every answer held open until all have come, so
// no GET can take a connection another has finished with. The answers'
// status does not matter: a decision endpoint answers a GET with 404 or 405,
// or (stock opa) evaluates without input.
func connect(c *http.Client, url string, conns int) error {
	var answered sync.WaitGroup
	answered.Add(conns)
	errs := make(chan error, conns)
	for range conns {
		go func() {
			resp, err := c.Get(url)
			answered.Done()
			answered.Wait()
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	var first error
	for range conns {
		if err := <-errs; err != nil && first == nil {
			first = fmt.Errorf("connecting to %s: %w", url, err)
		}
	}
	return first
}

// post sends one request and drains the answer so the connection is reused.
func post(c *http.Client, url string, body []byte) bool {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK
}

// pacer waits until the next request is due (pacer_linux.go, pacer_other.go).
type pacer interface {
	wait(d time.Duration) error
	Close() error
}
