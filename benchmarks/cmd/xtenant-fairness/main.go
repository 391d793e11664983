// Command xtenant-fairness measures what batches do to everyone else: the
// latency of single uncached decisions (one client, one at a time) alone,
// then while -clients clients each send batches of -batch uncached
// decisions back to back. It starts `xtenant serve --cache-size 0` on a unix
// socket and prints one JSON line per phase.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xtenant/xtenant/benchmarks/harness"
	"github.com/xtenant/xtenant/benchmarks/workload"
)

type phase struct {
	Phase   string `json:"phase"`
	Singles int    `json:"singles"`
	Shed    int    `json:"shed_503"`
	harness.Latency
	Batches int64 `json:"batches"`
}

func main() { harness.Main("xtenant-fairness", run) }

func run() error {
	bin := flag.String("bin", "bin/xtenant", "the xtenant binary")
	clients := flag.Int("clients", 4, "clients sending batches")
	batch := flag.Int("batch", 1000, "decisions per batch")
	duration := flag.Duration("duration", 20*time.Second, "length of each phase")
	flag.Parse()
	dir, err := os.MkdirTemp("", "xtenant-fairness-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d := workload.Generate(workload.Config{Seed: 3, Partners: 1000})
	tj, err := d.TenantsJSON()
	if err != nil {
		return err
	}
	tf, sock := filepath.Join(dir, "tenants.json"), filepath.Join(dir, "x.sock")
	if err := os.WriteFile(tf, tj, 0o600); err != nil {
		return err
	}
	srv, err := harness.Start(*bin, sock, "--tenants", tf, "--cache-size", "0", "--log-level", "error")
	if err != nil {
		return err
	}
	defer srv.Stop()
	client := harness.UnixClient(sock, 2*time.Minute)
	if err := harness.WaitReady(client, 30*time.Second); err != nil {
		return err
	}
	var seq atomic.Int64
	fresh := func() []byte { return d.Input(int(seq.Add(1))) }
	post := func(path string, body []byte) (int, error) {
		resp, err := client.Post("http://x"+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	singles := func(name string, batches *atomic.Int64) (phase, error) {
		var lat []float64
		shed := 0
		for end := time.Now().Add(*duration); time.Now().Before(end); {
			start := time.Now()
			code, err := post("/v1/evaluate", fresh())
			if err != nil {
				return phase{}, err
			}
			switch code {
			case 200:
				lat = append(lat, float64(time.Since(start).Microseconds())/1000)
			case 503:
				shed++
			default:
				return phase{}, fmt.Errorf("single decision: status %d", code)
			}
			time.Sleep(5 * time.Millisecond)
		}
		slices.Sort(lat)
		p := phase{Phase: name, Singles: len(lat), Shed: shed}
		if len(lat) > 0 {
			p.P50, p.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
		}
		if batches != nil {
			p.Batches = batches.Load()
		}
		return p, nil
	}
	alone, err := singles("alone", nil)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	var batches atomic.Int64
	var wg sync.WaitGroup
	for range *clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				var b bytes.Buffer
				b.WriteString(`{"requests":[`)
				for k := range *batch {
					if k > 0 {
						b.WriteByte(',')
					}
					b.Write(fresh())
				}
				b.WriteString(`]}`)
				if code, err := post("/v1/evaluate/batch", b.Bytes()); err == nil && code == 200 {
					batches.Add(1)
				}
			}
		})
	}
	time.Sleep(2 * time.Second) // batches under way
	loaded, err := singles(fmt.Sprintf("with %d clients sending batches of %d", *clients, *batch), &batches)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(alone)
	return enc.Encode(loaded)
}
