package replay_test

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/xtenant/xtenant/internal/replay"
)

var benchEntries = flag.Int("replay-entries", 1_000_000, "recorded decisions BenchmarkReplay replays")

// BenchmarkReplay replays a log of recorded decisions (1,000,000 by
// default, from 1,000 users signing in to three apps; written by xtenant's decision log) against the
// example tenants and the changed ones, and reports entries per second.
// make bench runs it; the README quotes it.
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	before := exampleEngine(b)
	after := activate(b, changedTenants(b))
	log := writeLog(b, dir, "decisions.log", before, stableTraffic(11, *benchEntries, 1000), nil)
	if fi, err := os.Stat(log); err == nil {
		b.ReportMetric(float64(fi.Size())/float64(*benchEntries), "log-bytes/entry")
	}
	bs, as := sides(before, after)
	b.ResetTimer()
	var elapsed time.Duration
	var rep *replay.Report
	for b.Loop() {
		// Fresh engines' caches are part of the cost: the pair cache fills
		// once per run of xtenant diff, so new sides each time.
		b.StopTimer()
		bs.Evaluator, as.Evaluator = exampleEngine(b), activate(b, changedTenants(b))
		b.StartTimer()
		start := time.Now()
		var err error
		rep, err = replay.Run(context.Background(), []string{log}, bs, as, replay.Options{})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	if rep.Summary.Replayed != *benchEntries {
		b.Fatalf("replayed %d of %d", rep.Summary.Replayed, *benchEntries)
	}
	b.ReportMetric(float64(*benchEntries)*float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(rep.Summary.Distinct), "distinct-inputs")
}
