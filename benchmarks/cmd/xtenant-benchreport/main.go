// Command xtenant-benchreport turns the raw JSON lines of a load-harness run
// (benchmarks/http/run.sh) into the Markdown report kept in
// benchmarks/results/: per workload and server the median and min–max of
// throughput and latency over the repetitions, the ratios xtenant / opa and
// xtenant / gin floor, and p99 at half of each server's maximum uncached
// throughput beside the gin floor's at the same rate (what the machine and
// the load generator add to any server), with the hypervisor's steal time on
// the server's core.
//
//	xtenant-benchreport -raw RUN.jsonl -title "..." -meta "key=value" ... > REPORT.md
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// record is one line of the raw file: a measurement or a server's failure.
type record struct {
	Server   string `json:"server"`
	Workload string `json:"workload"`
	// "max" (closed loop), "half" (fixed rate) or "half-floor" (the gin
	// floor at the half rate of Server)
	Mode     string  `json:"mode"`
	Rep      int     `json:"rep"`
	Error    string  `json:"error"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	P999     float64 `json:"p999_ms"`
	Rate     float64 `json:"target_rate"`
	// Steal is the share of the server core's time the hypervisor gave to
	// other guests during the run, in percent (absent: not measured).
	Steal *float64 `json:"server_steal_pct"`
}

type metaFlags []string

func (m *metaFlags) String() string     { return strings.Join(*m, ", ") }
func (m *metaFlags) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	raw := flag.String("raw", "", "raw JSON lines of the run")
	title := flag.String("title", "xtenant load harness", "report title")
	var meta metaFlags
	flag.Var(&meta, "meta", "key=value line for the header (repeatable)")
	flag.Parse()
	recs, err := read(*raw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xtenant-benchreport:", err)
		os.Exit(1)
	}
	report(os.Stdout, *title, meta, recs)
}

func read(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// stat is the median and range of one metric over repetitions.
type stat struct{ med, lo, hi float64 }

func summarize(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Sorted(slices.Values(xs))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med, s[0], s[len(s)-1]}
}

type cell struct {
	rps, p50, p99, p999 stat
	steal               stat
	stealN              int // runs with a steal figure
	errors              int64
	n                   int
}

func collect(recs []record, mode string) (map[[2]string]*cell, map[string]string) {
	cells := map[[2]string]*cell{}
	failed := map[string]string{}
	vals := map[[2]string][5][]float64{}
	for _, r := range recs {
		if r.Error != "" {
			failed[r.Server] = r.Error
			continue
		}
		if r.Mode != mode {
			continue
		}
		k := [2]string{r.Workload, r.Server}
		v := vals[k]
		v[0], v[1], v[2], v[3] = append(v[0], r.RPS), append(v[1], r.P50), append(v[2], r.P99), append(v[3], r.P999)
		if r.Steal != nil {
			v[4] = append(v[4], *r.Steal)
		}
		vals[k] = v
		if cells[k] == nil {
			cells[k] = &cell{}
		}
		cells[k].errors += r.Errors
		cells[k].n++
	}
	for k, v := range vals {
		c := cells[k]
		c.rps, c.p50, c.p99, c.p999 = summarize(v[0]), summarize(v[1]), summarize(v[2]), summarize(v[3])
		c.steal, c.stealN = summarize(v[4]), len(v[4])
	}
	return cells, failed
}

var servers = []string{"xtenant", "xtenant-nocache", "opa", "gin-floor"}

// present lists the workloads measured, in the harness's order.
func present(recs []record) []string {
	var out []string
	for _, wl := range []string{"distinct", "zipf", "hot"} {
		if slices.ContainsFunc(recs, func(r record) bool { return r.Workload == wl }) {
			out = append(out, wl)
		}
	}
	return out
}

func report(w io.Writer, title string, meta []string, recs []record) {
	fmt.Fprintf(w, "# %s\n\n", title)
	for _, m := range meta {
		k, v, _ := strings.Cut(m, "=")
		fmt.Fprintf(w, "- %s: %s\n", k, v)
	}
	cells, failed := collect(recs, "max")
	workloads := present(recs)
	if len(failed) > 0 {
		fmt.Fprintf(w, "\n## Not measured\n\n")
		for _, s := range servers {
			if msg, ok := failed[s]; ok {
				fmt.Fprintf(w, "- %s: %s\n", s, msg)
			}
		}
	}
	fmt.Fprintf(w, "\n## Maximum throughput (closed loop), median (min–max) over repetitions\n\n")
	fmt.Fprintln(w, "| workload | server | req/s | p50 ms | p99 ms | p99.9 ms | errors | steal % |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, wl := range workloads {
		for _, s := range servers {
			if msg, ok := failed[s]; ok {
				fmt.Fprintf(w, "| %s | %s | n/a: %s | | | | | |\n", wl, s, msg)
				continue
			}
			c := cells[[2]string{wl, s}]
			if c == nil {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %s |\n", wl, s, num(c.rps, 0), num(c.p50, 2), num(c.p99, 2), num(c.p999, 2), c.errors, c.stealText())
		}
	}

	fmt.Fprintf(w, "\n## Ratios of medians (throughput: higher is better for xtenant; p99: lower is better)\n\n")
	fmt.Fprintln(w, "| workload | xtenant / opa req/s | xtenant / gin floor req/s | xtenant-nocache / opa req/s | xtenant / opa p99 | xtenant-nocache / opa p99 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	ratio := func(wl, a, b string, f func(*cell) float64) string {
		ca, cb := cells[[2]string{wl, a}], cells[[2]string{wl, b}]
		if ca == nil || cb == nil || f(cb) == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", f(ca)/f(cb))
	}
	rps := func(c *cell) float64 { return c.rps.med }
	p99 := func(c *cell) float64 { return c.p99.med }
	for _, wl := range workloads {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", wl,
			ratio(wl, "xtenant", "opa", rps), ratio(wl, "xtenant", "gin-floor", rps), ratio(wl, "xtenant-nocache", "opa", rps),
			ratio(wl, "xtenant", "opa", p99), ratio(wl, "xtenant-nocache", "opa", p99))
	}

	half, _ := collect(recs, "half")
	if len(half) == 0 {
		return
	}
	rates := map[string]float64{}
	for _, r := range recs {
		if r.Mode == "half" {
			rates[r.Server] = r.Rate
		}
	}
	floor, _ := collect(recs, "half-floor")
	fmt.Fprintf(w, "\n## Latency at half of each server's maximum uncached throughput (distinct workload, fixed rate, open loop)\n\n")
	fmt.Fprintln(w, "The floor columns are the gin floor (body decode, fixed answer) run at the same rate right after:")
	fmt.Fprintln(w, "what the machine and the load generator add to any server's latency at that rate.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | errors | steal % | floor p50 ms | floor p99 ms | floor steal % |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range servers {
		c := half[[2]string{"distinct", s}]
		if c == nil {
			continue
		}
		fp50, fp99, fsteal := "n/a", "n/a", "n/a"
		if f := floor[[2]string{"distinct", s}]; f != nil {
			fp50, fp99, fsteal = num(f.p50, 2), num(f.p99, 2), f.stealText()
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n", s, rates[s], num(c.rps, 0), num(c.p50, 2), num(c.p99, 2), num(c.p999, 2), c.errors, c.stealText(), fp50, fp99, fsteal)
	}
}

// stealText is the steal figure of a cell, "n/a" where no run measured it.
func (c *cell) stealText() string {
	if c.stealN == 0 {
		return "n/a"
	}
	return num(c.steal, 1)
}

func num(s stat, prec int) string {
	return fmt.Sprintf("%.*f (%.*f–%.*f)", prec, s.med, prec, s.lo, prec, s.hi)
}
