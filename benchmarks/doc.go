// Package benchmarks holds xtenant's macro benchmarks (this package's
// _test.go files: engine, decision cache, HTTP handler, each over a sweep of
// seeded partner configurations), the load harness (http/run.sh) and the
// scale run (scale/run.sh). docs/benchmarks.md explains how to run them and
// how to read the results kept in results/.
//
// The sweep is 1,000 and 10,000 partner configurations; set
// XTENANT_BENCH_LARGE=1 to add 100,000 (slow: minutes of set-up).
package benchmarks
