// Command xtenant-soak runs `xtenant serve` under a mixed load for a while
// (make soak: 10 minutes) and fails when its heap, goroutines or open file
// descriptors grow. The load mixes every route and every abuse the limits
// exist for: cached and uncached decisions, explain, batches, Data API
// queries on distinct paths, AuthZEN, forward-auth, ext_authz over gRPC,
// bad bodies, duplicate keys, wrong tokens, idle keep-alive connections and
// bodies that stall half-way.
//
// Every -interval it reads the server's own /metrics (go_memstats_next_gc_bytes,
// go_memstats_heap_inuse_bytes, go_goroutines, process_open_fds,
// process_resident_memory_bytes) and prints a line. The heap judged is the
// live heap (what the last GC kept: half of the next GC goal at GOGC=100),
// not heap in use, which swings between one and two times it with garbage. After -warmup, the medians of the first and last fifth of the
// samples are compared; growth beyond the tolerances fails the run (exit 1),
// as does any 500 answer. The last line is a JSON summary.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/xtenant/xtenant/benchmarks/harness"
	"github.com/xtenant/xtenant/benchmarks/workload"
)

const token = "soak-token"

type sample struct {
	At         float64 `json:"t_s"`
	LiveMiB    float64 `json:"heap_live_mib"` // after the last GC: half the next GC goal (GOGC=100)
	HeapMiB    float64 `json:"heap_inuse_mib"`
	RSSMiB     float64 `json:"rss_mib"`
	Goroutines float64 `json:"goroutines"`
	FDs        float64 `json:"open_fds"`
}

type summary struct {
	Duration   string         `json:"duration"`
	Samples    int            `json:"samples"`
	First      sample         `json:"first_fifth_median"`
	Last       sample         `json:"last_fifth_median"`
	AfterIdle  sample         `json:"after_load_idle"`
	Requests   map[string]int `json:"requests"`
	Status5xx  map[string]int `json:"status_5xx"`
	Violations []string       `json:"violations"`
	Pass       bool           `json:"pass"`
}

func main() { harness.Main("xtenant-soak", run) }

func run() error {
	bin := flag.String("bin", "bin/xtenant", "the xtenant binary")
	duration := flag.Duration("duration", 10*time.Minute, "how long to load the server")
	interval := flag.Duration("interval", 10*time.Second, "how often to sample the server's metrics")
	warmup := flag.Duration("warmup", 0, "samples before this are not judged (default: a fifth of -duration)")
	partners := flag.Int("partners", 300, "partner configurations in the generated tenants")
	pace := flag.Duration("pace", 2*time.Millisecond, "pause between two requests of one load loop (the machine may be shared)")
	flag.Parse()
	if *warmup == 0 {
		*warmup = *duration / 5
	}
	dir, err := os.MkdirTemp("", "xtenant-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Few enough partners that every cache (decisions, pair summaries,
	// prepared queries) reaches its bound during the warm-up: growth after
	// that is a leak, not a cache filling.
	d := workload.Generate(workload.Config{Seed: 7, Partners: *partners})
	tenantsJSON, err := d.TenantsJSON()
	if err != nil {
		return err
	}
	tenantsFile := filepath.Join(dir, "tenants.json")
	tokenFile := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tenantsFile, tenantsJSON, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(tokenFile, []byte(token+" *\nscoped decide\n"), 0o600); err != nil {
		return err
	}
	httpSock, grpcSock := filepath.Join(dir, "http.sock"), filepath.Join(dir, "grpc.sock")
	// Small caches fill during the warm-up; a short idle timeout lets the
	// abandoned connections go within a sample or two. The pair summaries
	// too: fresh inputs keep bringing new pairs (11,197 in the first
	// 100,000), and at about 1 KB a pair the default 64 MiB went on filling
	// for the whole run, a live heap growing from 45-50 to 90-93 MiB that
	// the judge took for a leak (2026-12-04).
	srv, err := harness.Start(*bin, httpSock, "--tenants", tenantsFile,
		"--grpc-addr", "unix:"+grpcSock, "--auth-token-file", tokenFile, "--expose-data",
		"--cache-max-bytes", "16MiB", "--query-cache-size", "1MiB", "--pair-cache-size", "4MiB",
		"--max-connections", "256",
		"--read-timeout", "2s", "--idle-timeout", "5s", "--log-level", "error")
	if err != nil {
		return err
	}
	defer srv.Stop()

	l := &loader{data: d, sock: httpSock, pace: *pace, requests: map[string]*atomic.Int64{}, errs: map[string]*atomic.Int64{}}
	l.client = harness.UnixClient(httpSock, 30*time.Second)
	if err := harness.WaitReady(l.client, 30*time.Second); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+grpcSock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	l.grpc = authv3.NewAuthorizationClient(conn)

	fmt.Printf("soak: %s of mixed load on %s (pid %d), sampling every %s, judging after %s\n", *duration, *bin, srv.Pid(), *interval, *warmup)
	fmt.Printf("%8s %10s %10s %9s %11s %9s %10s\n", "t_s", "live_MiB", "inuse_MiB", "rss_MiB", "goroutines", "open_fds", "requests")
	ctx, stop := context.WithTimeout(context.Background(), *duration)
	defer stop()
	var wg sync.WaitGroup
	for _, loop := range l.loops() {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				loop(ctx, i)
				time.Sleep(*pace)
			}
		})
	}
	start := time.Now()
	var samples []sample
	tick := time.NewTicker(*interval)
	for done := false; !done; {
		select {
		case <-tick.C:
		case <-ctx.Done():
			done = true
		}
		s, err := l.sample(time.Since(start))
		if err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		samples = append(samples, s)
		fmt.Printf("%8.0f %10.1f %10.1f %9.1f %11.0f %9.0f %10d\n", s.At, s.LiveMiB, s.HeapMiB, s.RSSMiB, s.Goroutines, s.FDs, l.total())
	}
	tick.Stop()
	wg.Wait()
	// Idle connections and stalled bodies end within the idle and read
	// timeouts; then the server should be back near where it started.
	time.Sleep(8 * time.Second)
	after, err := l.sample(time.Since(start))
	if err != nil {
		return err
	}

	sum := judge(samples, *warmup, after)
	sum.Duration = duration.String()
	sum.Requests, sum.Status5xx = l.counts()
	for route, n := range sum.Status5xx {
		if strings.HasSuffix(route, " 500") && n > 0 {
			sum.Violations = append(sum.Violations, fmt.Sprintf("%d answers 500 on %s", n, route))
		}
	}
	sum.Pass = len(sum.Violations) == 0
	fmt.Printf("after the load, idle: live heap %.1f MiB, rss %.1f MiB, %0.f goroutines, %0.f open fds\n", after.LiveMiB, after.RSSMiB, after.Goroutines, after.FDs)
	if err := json.NewEncoder(os.Stdout).Encode(sum); err != nil {
		return err
	}
	if !sum.Pass {
		return fmt.Errorf("resources grew: %s", strings.Join(sum.Violations, "; "))
	}
	return nil
}

// judge compares the medians of the first and last fifth of the samples
// taken after the warm-up. The tolerances allow for GC timing and load
// noise, not for a leak: a leak grows with every minute.
func judge(all []sample, warmup time.Duration, after sample) summary {
	var s []sample
	for _, x := range all {
		if x.At >= warmup.Seconds() {
			s = append(s, x)
		}
	}
	sum := summary{Samples: len(s), AfterIdle: after}
	if len(s) < 4 {
		sum.Violations = append(sum.Violations, fmt.Sprintf("only %d samples after the warm-up: run longer or sample more often", len(s)))
		return sum
	}
	n := max(len(s)/5, 2)
	sum.First, sum.Last = median(s[:n]), median(s[len(s)-n:])
	check := func(what string, first, last, ratio, slack float64) {
		if last > first*ratio+slack {
			sum.Violations = append(sum.Violations, fmt.Sprintf("%s grew from %.1f to %.1f", what, first, last))
		}
	}
	check("live heap (MiB)", sum.First.LiveMiB, sum.Last.LiveMiB, 1.2, 16)
	check("goroutines", sum.First.Goroutines, sum.Last.Goroutines, 1.2, 20)
	check("open file descriptors", sum.First.FDs, sum.Last.FDs, 1.2, 20)
	check("open file descriptors once idle", sum.First.FDs, after.FDs, 1, 0)
	check("goroutines once idle", sum.First.Goroutines, after.Goroutines, 1, 0)
	return sum
}

func median(s []sample) sample {
	pick := func(f func(sample) float64) float64 {
		v := make([]float64, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return sample{
		At:         pick(func(x sample) float64 { return x.At }),
		LiveMiB:    pick(func(x sample) float64 { return x.LiveMiB }),
		HeapMiB:    pick(func(x sample) float64 { return x.HeapMiB }),
		RSSMiB:     pick(func(x sample) float64 { return x.RSSMiB }),
		Goroutines: pick(func(x sample) float64 { return x.Goroutines }),
		FDs:        pick(func(x sample) float64 { return x.FDs }),
	}
}

type loader struct {
	data   *workload.Dataset
	sock   string
	pace   time.Duration
	client *http.Client
	grpc   authv3.AuthorizationClient
	seq    atomic.Int64 // distinct inputs

	mu       sync.Mutex
	requests map[string]*atomic.Int64 // by kind
	errs     map[string]*atomic.Int64 // 5xx by "kind status"
}

func (l *loader) counter(m map[string]*atomic.Int64, k string) *atomic.Int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := m[k]
	if !ok {
		c = &atomic.Int64{}
		m[k] = c
	}
	return c
}

func (l *loader) total() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, c := range l.requests {
		n += c.Load()
	}
	return n
}

func (l *loader) counts() (map[string]int, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	req, errs := map[string]int{}, map[string]int{}
	for k, c := range l.requests {
		req[k] = int(c.Load())
	}
	for k, c := range l.errs {
		errs[k] = int(c.Load())
	}
	return req, errs
}

// do sends one request with the token and drains the answer.
func (l *loader) do(ctx context.Context, kind, method, path string, body []byte, headers ...string) {
	req, err := http.NewRequestWithContext(ctx, method, "http://x"+path, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	l.counter(l.requests, kind).Add(1)
	resp, err := l.client.Do(req)
	if err != nil {
		return // the run's end cancels requests in flight
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		l.counter(l.errs, kind+" "+strconv.Itoa(resp.StatusCode)).Add(1)
	}
}

type inputFields struct {
	AccessType     string `json:"access_type"`
	HomeTenant     string `json:"home_tenant"`
	ResourceTenant string `json:"resource_tenant"`
	User           *struct {
		ID string `json:"id"`
	} `json:"user"`
	Application *struct {
		ID string `json:"id"`
	} `json:"application"`
}

// loops are the load's parts; each runs in its own goroutine.
func (l *loader) loops() []func(ctx context.Context, i int) {
	hot := func(i int) []byte { return l.data.Input(i % 2000) } // cached after the first round
	fresh := func() []byte { return l.data.Input(1_000_000 + int(l.seq.Add(1))) }
	return []func(ctx context.Context, i int){
		// Cached single decisions.
		func(ctx context.Context, i int) { l.do(ctx, "evaluate-hot", "POST", "/v1/evaluate", hot(i)) },
		// Uncached single decisions, every tenth explained.
		func(ctx context.Context, i int) {
			path := "/v1/evaluate"
			if i%10 == 0 {
				path += "?explain=true"
			}
			l.do(ctx, "evaluate-fresh", "POST", path, fresh())
		},
		// Batches of 100 uncached decisions.
		func(ctx context.Context, i int) {
			var b bytes.Buffer
			b.WriteString(`{"requests":[`)
			for k := range 100 {
				if k > 0 {
					b.WriteByte(',')
				}
				b.Write(fresh())
			}
			b.WriteString(`]}`)
			l.do(ctx, "batch", "POST", "/v1/evaluate/batch", b.Bytes())
		},
		// The Data API: decisions, distinct paths (prepared query churn)
		// and, now and then, every tenant.
		func(ctx context.Context, i int) {
			l.do(ctx, "data-decision", "POST", "/v1/data/xtenant/access/decision", append(append([]byte(`{"input":`), hot(i)...), '}'))
			l.do(ctx, "data-path", "GET", fmt.Sprintf("/v1/data/xtenant/catalog/%d/%s", i, strings.Repeat("p/", 20)), nil)
			if i%50 == 0 {
				l.do(ctx, "data-tenants", "GET", "/v1/data/xtenant/tenants", nil)
			}
		},
		// Gateways: forward-auth and AuthZEN.
		func(ctx context.Context, i int) {
			var in inputFields
			_ = json.Unmarshal(hot(i), &in)
			h := []string{"X-Xtenant-Home-Tenant", in.HomeTenant, "X-Xtenant-Resource-Tenant", in.ResourceTenant}
			if in.User != nil {
				h = append(h, "X-Xtenant-User", in.User.ID)
			}
			if in.Application != nil {
				h = append(h, "X-Xtenant-Application", in.Application.ID)
			}
			l.do(ctx, "forward-auth", "GET", "/v1/forward-auth", nil, h...)
			l.do(ctx, "authzen", "POST", "/access/v1/evaluation", []byte(`{"subject":{"type":"user","id":"x"},"action":{"name":"b2b_collaboration"},"resource":{"type":"tenant","id":"`+in.ResourceTenant+`"}}`))
		},
		// ext_authz over gRPC, with and without the token.
		func(ctx context.Context, i int) {
			var in inputFields
			_ = json.Unmarshal(hot(i), &in)
			headers := map[string]string{"x-xtenant-home-tenant": in.HomeTenant, "x-xtenant-resource-tenant": in.ResourceTenant}
			if in.User != nil {
				headers["x-xtenant-user"] = in.User.ID
			}
			if in.Application != nil {
				headers["x-xtenant-application"] = in.Application.ID
			}
			cctx := ctx
			if i%5 != 0 {
				cctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
			}
			l.counter(l.requests, "ext_authz").Add(1)
			_, _ = l.grpc.Check(cctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
				Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/", Headers: headers}},
			}})
		},
		// Bad requests: not JSON, duplicate keys, a wrong token, unknown routes.
		func(ctx context.Context, i int) {
			switch i % 4 {
			case 0:
				l.do(ctx, "bad", "POST", "/v1/evaluate", []byte(`{"access_type":`))
			case 1:
				l.do(ctx, "bad", "POST", "/v1/evaluate", []byte(`{"access_type":"b2b_collaboration","access_type":"invitation"}`))
			case 2:
				l.do(ctx, "bad", "GET", "/v1/status", nil, "Authorization", "Bearer wrong")
			case 3:
				l.do(ctx, "bad", "GET", "/v2/"+strconv.Itoa(i), nil)
			}
		},
		// Connections left idle, and bodies that stall half-way: the server
		// closes both (idle and read timeouts, connection limit).
		func(ctx context.Context, i int) {
			c, err := net.Dial("unix", l.sock)
			if err != nil {
				return
			}
			l.counter(l.requests, "raw-conn").Add(1)
			if i%2 == 0 {
				fmt.Fprintf(c, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
				if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
					resp.Body.Close()
				}
			} else {
				fmt.Fprintf(c, "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n{\"access_type\":", token)
			}
			// Left open: the client "forgets" it, as a leaking client would.
			go func() {
				_ = c.SetReadDeadline(time.Now().Add(time.Minute))
				_, _ = io.Copy(io.Discard, c)
				c.Close()
			}()
			time.Sleep(20 * time.Millisecond)
		},
	}
}

var metricLine = regexp.MustCompile(`(?m)^(go_memstats_next_gc_bytes|go_memstats_heap_inuse_bytes|go_goroutines|process_open_fds|process_resident_memory_bytes) (\S+)$`)

func (l *loader) sample(at time.Duration) (sample, error) {
	req, _ := http.NewRequest("GET", "http://x/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := l.client.Do(req)
	if err != nil {
		return sample{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return sample{}, err
	}
	s := sample{At: at.Seconds()}
	for _, m := range metricLine.FindAllSubmatch(body, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		switch string(m[1]) {
		case "go_memstats_next_gc_bytes":
			s.LiveMiB = v / 2 / (1 << 20)
		case "go_memstats_heap_inuse_bytes":
			s.HeapMiB = v / (1 << 20)
		case "go_goroutines":
			s.Goroutines = v
		case "process_open_fds":
			s.FDs = v
		case "process_resident_memory_bytes":
			s.RSSMiB = v / (1 << 20)
		}
	}
	if s.Goroutines == 0 {
		return s, fmt.Errorf("no Go metrics in /metrics (%d): %.200s", resp.StatusCode, body)
	}
	return s, nil
}
