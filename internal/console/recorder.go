package console

import (
	"encoding/json"
	"math"
	"math/bits"
	"sort"
	"sync"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// statsWindow is how many seconds of decision rates and latencies the
// recorder keeps.
const statsWindow = 300

// Latency buckets, log-linear: four per doubling of nanoseconds, up to
// about 70 s; a percentile is reported as its bucket's upper bound (at most
// 19% high). Cheap to find: a bit length and two more bits.
const (
	subBuckets  = 4
	bucketCount = 37 * subBuckets
)

// Recorder keeps the last decisions (a bounded ring) and per-second counts
// and latency histograms of the last statsWindow seconds: what the console
// shows as recent decisions and rates. It wraps the evaluator every
// transport uses; recording takes one short lock and copies nothing (the
// request and the decision are kept as they are and masked when shown).
type Recorder struct {
	now func() time.Time

	mu   sync.Mutex
	ring []Recorded
	next int    // where the next entry goes
	seq  uint64 // entries ever recorded
	secs [statsWindow]second
}

// second holds the decisions of one wall-clock second.
type second struct {
	unix    int64
	count   uint64
	buckets [bucketCount]uint32
}

// Recorded is one decision as the recorder keeps it: exactly one of
// Decision and Encoded is set. Neither is ever modified.
type Recorded struct {
	Seq      uint64
	At       time.Time
	Elapsed  time.Duration
	Cached   bool
	Request  *engine.Request
	Decision *engine.Decision
	Encoded  engine.Encoded
}

// NewRecorder keeps the last size decisions; now may be nil (time.Now).
func NewRecorder(size int, now func() time.Time) *Recorder {
	if size < 1 {
		size = 1
	}
	return &Recorder{now: now, ring: make([]Recorded, size)}
}

// clock is the time of the recorder's windows.
func (r *Recorder) clock() time.Time {
	if r.now == nil {
		return time.Now()
	}
	return r.now()
}

// record keeps one decision, dated by the end of its evaluation (a reading
// of the real clock) unless a clock was given: one clock read less per
// decision.
func (r *Recorder) record(a engine.Answer) {
	elapsed, at := a.End.Sub(a.Start), a.End
	if r.now != nil {
		at = r.now()
	}
	b := bucketOf(elapsed)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.ring[r.next] = Recorded{Seq: r.seq, At: at, Elapsed: elapsed, Cached: a.Cached, Request: a.Request, Decision: a.Decision, Encoded: a.Encoded}
	r.next = (r.next + 1) % len(r.ring)
	sec := at.Unix()
	s := &r.secs[sec%statsWindow]
	if s.unix != sec {
		*s = second{unix: sec}
	}
	s.count++
	s.buckets[b]++
}

func bucketOf(d time.Duration) int {
	ns := uint64(max(d, 1))
	n := bits.Len64(ns) // 2^(n-1) <= ns < 2^n
	if n <= 3 {
		return int(ns) - 1 // 1..7 ns: one bucket each
	}
	sub := int(ns>>(n-3)) & (subBuckets - 1) // the two bits after the leading one
	return min((n-2)*subBuckets+sub-1, bucketCount-1)
}

// bucketBound is the largest duration of bucket i.
func bucketBound(i int) time.Duration {
	if i < 7 {
		return time.Duration(i + 1)
	}
	n := (i+1)/subBuckets + 2
	sub := (i + 1) % subBuckets
	return time.Duration((uint64(subBuckets+sub+1) << (n - 3)) - 1)
}

// Recent returns the recorded decisions, newest first.
func (r *Recorder) Recent() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(int(r.seq), len(r.ring))
	out := make([]Recorded, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.ring[(r.next-i+len(r.ring))%len(r.ring)])
	}
	return out
}

// Find returns the recorded decision with the given decision id.
func (r *Recorder) Find(id string) (Recorded, bool) {
	for _, rec := range r.Recent() {
		if rec.DecisionID() == id {
			return rec, true
		}
	}
	return Recorded{}, false
}

// DecisionID is the id of the recorded answer.
func (rec Recorded) DecisionID() string {
	if rec.Decision != nil {
		return rec.Decision.DecisionID
	}
	return rec.Encoded.DecisionID
}

// Result is the decision as JSON-like values (a fresh copy, safe to mask).
func (rec Recorded) Result() (map[string]any, error) {
	var raw []byte
	var err error
	if rec.Decision != nil {
		raw, err = json.Marshal(rec.Decision)
	} else {
		raw = rec.Encoded.AppendJSON(nil)
	}
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(raw, &out)
}

// Rates summarises the decisions of the last Seconds seconds.
type Rates struct {
	Seconds  int
	Count    uint64
	PerSec   float64
	P50, P90 time.Duration
	P99, Max time.Duration
}

// Rates returns the summary of each window (in seconds, at most
// statsWindow), the current second included.
func (r *Recorder) Rates(windows ...int) []Rates {
	now := r.clock().Unix()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Rates, 0, len(windows))
	for _, w := range windows {
		w = min(max(w, 1), statsWindow)
		var buckets [bucketCount]uint64
		var count uint64
		for sec := now - int64(w) + 1; sec <= now; sec++ {
			s := &r.secs[sec%statsWindow]
			if s.unix != sec {
				continue
			}
			count += s.count
			for i, n := range s.buckets {
				buckets[i] += uint64(n)
			}
		}
		rt := Rates{Seconds: w, Count: count, PerSec: float64(count) / float64(w)}
		rt.P50, rt.P90, rt.P99, rt.Max = percentile(buckets, count, 0.50), percentile(buckets, count, 0.90),
			percentile(buckets, count, 0.99), percentile(buckets, count, 1)
		out = append(out, rt)
	}
	return out
}

func percentile(buckets [bucketCount]uint64, count uint64, q float64) time.Duration {
	if count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(count)))
	var seen uint64
	i := sort.Search(bucketCount, func(i int) bool {
		seen = 0
		for _, n := range buckets[:i+1] {
			seen += n
		}
		return seen >= rank
	})
	return bucketBound(min(i, bucketCount-1))
}

// Wrap returns next with every decision recorded (engine.Observe). When
// next answers as JSON (the decision cache, the decision log over it), so
// does the result, so that turning the console on keeps the cache-hit path
// copy-free.
func (r *Recorder) Wrap(next engine.Evaluator) engine.Evaluator {
	return engine.Observe(next, r.record)
}
