// Command xtenant-gen writes a seeded benchmark data set: a tenants file in
// docs/contract.md's shape and the decision inputs and request sequences of the
// load harness's workloads.
//
//	xtenant-gen -partners 10000 -seed 1 -out DIR
//
// writes DIR/tenants.json, DIR/inputs.jsonl (distinct inputs, one JSON body a
// line), DIR/zipf.seq and DIR/hot.seq (0-based line numbers into inputs.jsonl,
// one a line). The "distinct" workload walks inputs.jsonl in order and, on
// each further pass, stamps a pass counter into user.id
// (workload.StampWrap), so no request repeats.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xtenant/xtenant/benchmarks/workload"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "xtenant-gen:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("xtenant-gen", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of every random choice")
	partners := fs.Int("partners", 10000, "partner configurations in total")
	perTenant := fs.Int("partners-per-tenant", 500, "partner configurations per configured tenant")
	out := fs.String("out", "", "output directory (created)")
	distinct := fs.Int("inputs", 100000, "distinct inputs written to inputs.jsonl")
	zipfLen := fs.Int("zipf-length", 1000000, "length of the Zipf request sequence")
	zipfS := fs.Float64("zipf-s", 1.1, "Zipf exponent (> 1)")
	hot := fs.Int("hot", 64, "distinct inputs in the hot set (the first lines of inputs.jsonl)")
	hotLen := fs.Int("hot-length", 100000, "length of the hot-set request sequence")
	tenantsOnly := fs.Bool("tenants-only", false, "write tenants.json only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	if *hot > *distinct || *hot < 1 || *distinct < 1 || *zipfS <= 1 {
		return fmt.Errorf("need 1 <= -hot <= -inputs and -zipf-s > 1")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	d := workload.Generate(workload.Config{Seed: *seed, Partners: *partners, PartnersPerTenant: *perTenant})
	tenants, err := d.TenantsJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "tenants.json"), tenants, 0o644); err != nil {
		return err
	}
	if *tenantsOnly {
		return nil
	}
	if err := writeLines(filepath.Join(*out, "inputs.jsonl"), d.Inputs(*distinct)); err != nil {
		return err
	}
	if err := writeSeq(filepath.Join(*out, "zipf.seq"), workload.ZipfSequence(*seed, *distinct, *zipfLen, *zipfS)); err != nil {
		return err
	}
	return writeSeq(filepath.Join(*out, "hot.seq"), workload.UniformSequence(*seed, *hot, *hotLen))
}

func writeLines(path string, lines [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeSeq(path string, seq []int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, i := range seq {
		w.WriteString(strconv.Itoa(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
